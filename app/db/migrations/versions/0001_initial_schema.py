"""Initial schema: customers, products, orders, order_items.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

money = sa.Numeric(10, 2)


def upgrade() -> None:
    op.create_table(
        "customers",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "customer_id",
            sa.String(20, collation="C"),
            nullable=False,
            comment="Customer_Id in the CSV",
        ),
        sa.Column("gender", sa.Text()),
        sa.Column("device_type", sa.Text()),
        sa.Column("login_type", sa.Text()),
        sa.Column("profile_as_of", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_customers"),
        sa.UniqueConstraint("customer_id", name="uq_customers_customer_id"),
    )
    op.create_table(
        "products",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("product_category", sa.Text(), nullable=False),
        sa.Column("product_name", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_products"),
        sa.UniqueConstraint(
            "product_category", "product_name", name="uq_products_product_category_product_name"
        ),
    )
    op.create_table(
        "orders",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("order_date", sa.Date(), nullable=False),
        sa.Column("order_time", sa.Time(), nullable=False),
        sa.Column("order_priority", sa.Text(), nullable=False),
        sa.Column("payment_method", sa.Text()),
        sa.Column(
            "aging",
            sa.Numeric(8, 2),
            comment="Aging of the order's first CSV row (days from order to delivery)",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_orders"),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name="fk_orders_customer_id_customers"
        ),
        sa.UniqueConstraint(
            "customer_id",
            "order_date",
            "order_time",
            name="uq_orders_customer_id_order_date_order_time",
        ),
        sa.CheckConstraint(
            "order_priority IN ('Low', 'Medium', 'High', 'Critical')",
            name="ck_orders_known_priority",
        ),
        sa.CheckConstraint("aging >= 0", name="ck_orders_aging_not_negative"),
    )
    op.create_index("idx_order_customer", "orders", ["customer_id"])
    op.create_index("idx_order_date", "orders", ["order_date"])
    op.create_table(
        "order_items",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column(
            "position",
            sa.Integer(),
            nullable=False,
            comment="1-based position of the row in its order",
        ),
        sa.Column("quantity", sa.Integer()),
        sa.Column("discount", sa.Numeric(5, 2)),
        sa.Column("sales", money),
        sa.Column("profit", money),
        sa.Column("shipping_cost", money),
        sa.PrimaryKeyConstraint("id", name="pk_order_items"),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name="fk_order_items_order_id_orders"),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name="fk_order_items_product_id_products"
        ),
        sa.UniqueConstraint("order_id", "position", name="uq_order_items_order_id_position"),
        sa.CheckConstraint("position >= 1", name="ck_order_items_position_positive"),
        sa.CheckConstraint("quantity > 0", name="ck_order_items_quantity_positive"),
        sa.CheckConstraint(
            "discount >= 0 AND discount <= 1", name="ck_order_items_discount_fraction"
        ),
        sa.CheckConstraint("sales >= 0", name="ck_order_items_sales_not_negative"),
        sa.CheckConstraint("shipping_cost >= 0", name="ck_order_items_shipping_cost_not_negative"),
    )
    op.create_index("idx_product_sales", "order_items", ["product_id"])


def downgrade() -> None:
    op.drop_table("order_items")
    op.drop_table("orders")
    op.drop_table("products")
    op.drop_table("customers")
