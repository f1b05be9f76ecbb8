"""The domain model: one typed SQLAlchemy 2 mapping used by REST, GraphQL, the loader and the tests.

Every table is created by the Alembic migration in `app/db/migrations`, never by `create_all`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    Time,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

ORDER_PRIORITIES = ("Low", "Medium", "High", "Critical")

# Deterministic constraint names so migrations and error messages are stable.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Money = Numeric(10, 2)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # "C" collation: ids compare byte-wise, cheap to sort and to join with the loader's staging.
    customer_id: Mapped[str] = mapped_column(
        String(20, collation="C"), unique=True, comment="Customer_Id in the CSV"
    )
    gender: Mapped[str | None] = mapped_column(Text)
    device_type: Mapped[str | None] = mapped_column(Text)
    login_type: Mapped[str | None] = mapped_column(Text)
    # Date+time of the order the attributes above were taken from: the latest order wins.
    profile_as_of: Mapped[dt.datetime] = mapped_column(DateTime)

    orders: Mapped[list[Order]] = relationship(back_populates="customer")


class Product(Base):
    __tablename__ = "products"
    __table_args__ = (UniqueConstraint("product_category", "product_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_category: Mapped[str] = mapped_column(Text)
    product_name: Mapped[str] = mapped_column(Text)

    order_items: Mapped[list[OrderItem]] = relationship(back_populates="product")


class Order(Base):
    """A derived order: the CSV rows sharing (Customer_Id, Order_Date, Time)."""

    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("customer_id", "order_date", "order_time"),
        CheckConstraint(
            "order_priority IN ('Low', 'Medium', 'High', 'Critical')", name="known_priority"
        ),
        CheckConstraint("aging >= 0", name="aging_not_negative"),
        Index("idx_order_customer", "customer_id"),
        Index("idx_order_date", "order_date"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The column `orders.customer_id` holds the internal key `customers.id`, not the dataset's
    # Customer_Id: named `customer_pk` on the Python side.
    customer_pk: Mapped[int] = mapped_column("customer_id", ForeignKey("customers.id"))
    order_date: Mapped[dt.date] = mapped_column(Date)
    order_time: Mapped[dt.time] = mapped_column(Time)
    order_priority: Mapped[str] = mapped_column(Text)
    payment_method: Mapped[str | None] = mapped_column(Text)
    aging: Mapped[Decimal | None] = mapped_column(
        Numeric(8, 2), comment="Aging of the order's first CSV row (days from order to delivery)"
    )

    customer: Mapped[Customer] = relationship(back_populates="orders")
    items: Mapped[list[OrderItem]] = relationship(
        back_populates="order", order_by="OrderItem.position"
    )


class OrderItem(Base):
    """One CSV row."""

    __tablename__ = "order_items"
    __table_args__ = (
        UniqueConstraint("order_id", "position"),
        CheckConstraint("position >= 1", name="position_positive"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("discount >= 0 AND discount <= 1", name="discount_fraction"),
        CheckConstraint("sales >= 0", name="sales_not_negative"),
        CheckConstraint("shipping_cost >= 0", name="shipping_cost_not_negative"),
        Index("idx_product_sales", "product_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    position: Mapped[int] = mapped_column(
        Integer, comment="1-based position of the row in its order"
    )
    quantity: Mapped[int | None] = mapped_column(Integer)
    discount: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    sales: Mapped[Decimal | None] = mapped_column(Money)
    profit: Mapped[Decimal | None] = mapped_column(Money)
    shipping_cost: Mapped[Decimal | None] = mapped_column(Money)

    order: Mapped[Order] = relationship(back_populates="items")
    product: Mapped[Product] = relationship(back_populates="order_items")


class RollupState(Base):
    """One row: whether the insight rollups (summary tables, migrations 0002 and 0007) match the
    base tables. Triggers clear `fresh` on any write to them; `app.services.rollups.refresh_rollups`
    sets it. While it is clear, the insights aggregate the base tables live."""

    __tablename__ = "rollup_state"
    __table_args__ = (CheckConstraint("singleton", name="one_row"),)

    singleton: Mapped[bool] = mapped_column(Boolean, primary_key=True, server_default=text("true"))
    fresh: Mapped[bool] = mapped_column(Boolean)
    refreshed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # Grows whenever what the API answers may change (migration 0006; app/api/http_cache.py).
    data_version: Mapped[int] = mapped_column(BigInteger)
    # The transaction that last increased data_version (its xid8 as a number).
    data_changed_by: Mapped[int | None] = mapped_column(BigInteger)
