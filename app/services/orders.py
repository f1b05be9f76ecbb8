"""Orders: filtered listing with per-order totals, and one order with its items."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db.models import ORDER_PRIORITIES, Customer, Order, OrderItem, Product
from app.services.errors import InvalidParameterError, NotFoundError
from app.services.pagination import AnySelect, Page, PageRequest, paginate
from app.services.validation import DateRange, fits_int4, text_filter

ZERO = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class OrderFilters:
    """None means "any"; `customer_id` is the dataset's id; the date range is inclusive."""

    customer_id: str | None = None
    dates: DateRange = field(default_factory=DateRange)
    priority: str | None = None
    payment_method: str | None = None

    def __post_init__(self) -> None:
        text_filter("customer_id", self.customer_id)
        text_filter("payment_method", self.payment_method)
        if self.priority is not None and self.priority not in ORDER_PRIORITIES:
            raise InvalidParameterError("priority", f"must be one of {', '.join(ORDER_PRIORITIES)}")


@dataclass(frozen=True, slots=True)
class OrderTotals:
    item_count: int
    total_quantity: int
    total_sales: Decimal
    total_profit: Decimal
    total_shipping_cost: Decimal


NO_ITEMS = OrderTotals(0, 0, ZERO, ZERO, ZERO)


@dataclass(frozen=True, slots=True)
class OrderRow:
    id: int
    customer_pk: int  # orders.customer_id: the internal customers.id
    customer_id: str  # the dataset's Customer_Id
    order_date: dt.date
    order_time: dt.time
    priority: str
    payment_method: str | None
    aging: Decimal | None


@dataclass(frozen=True, slots=True)
class OrderSummary:
    order: OrderRow
    totals: OrderTotals


@dataclass(frozen=True, slots=True)
class OrderItemRow:
    id: int
    order_id: int
    position: int
    product_id: int
    product_name: str
    product_category: str
    quantity: int | None
    discount: Decimal | None
    sales: Decimal | None
    profit: Decimal | None
    shipping_cost: Decimal | None


@dataclass(frozen=True, slots=True)
class OrderDetail:
    order: OrderRow
    totals: OrderTotals
    items: list[OrderItemRow]


def _order_columns() -> AnySelect:
    return select(
        Order.id,
        Order.customer_id,
        Customer.customer_id,
        Order.order_date,
        Order.order_time,
        Order.order_priority,
        Order.payment_method,
        Order.aging,
    ).join(Customer, Customer.id == Order.customer_id)


def _to_order(row: Sequence[Any]) -> OrderRow:
    return OrderRow(*row)


def order_totals_by_order_ids(session: Session, order_ids: Iterable[int]) -> dict[int, OrderTotals]:
    """Totals per order id; orders without items (or unknown ids) get `NO_ITEMS`."""
    wanted = list(set(order_ids))
    if not wanted:
        return {}
    stmt = (
        select(
            OrderItem.order_id,
            func.count(OrderItem.id),
            func.coalesce(func.sum(OrderItem.quantity), 0),
            func.coalesce(func.sum(OrderItem.sales), ZERO),
            func.coalesce(func.sum(OrderItem.profit), ZERO),
            func.coalesce(func.sum(OrderItem.shipping_cost), ZERO),
        )
        .where(OrderItem.order_id.in_(wanted))
        .group_by(OrderItem.order_id)
    )
    totals = {
        order_id: OrderTotals(
            int(count), int(quantity or 0), sales or ZERO, profit or ZERO, shipping or ZERO
        )
        for order_id, count, quantity, sales, profit, shipping in session.execute(stmt).all()
    }
    return {order_id: totals.get(order_id, NO_ITEMS) for order_id in wanted}


def order_items_by_order_ids(
    session: Session, order_ids: Iterable[int]
) -> dict[int, list[OrderItemRow]]:
    """Items per order id, in position order; every requested id gets a (possibly empty) list."""
    wanted = list(set(order_ids))
    if not wanted:
        return {}
    stmt = (
        select(
            OrderItem.id,
            OrderItem.order_id,
            OrderItem.position,
            OrderItem.product_id,
            Product.product_name,
            Product.product_category,
            OrderItem.quantity,
            OrderItem.discount,
            OrderItem.sales,
            OrderItem.profit,
            OrderItem.shipping_cost,
        )
        .join(Product, Product.id == OrderItem.product_id)
        .where(OrderItem.order_id.in_(wanted))
        .order_by(OrderItem.order_id, OrderItem.position)
    )
    items: dict[int, list[OrderItemRow]] = {order_id: [] for order_id in wanted}
    for row in session.execute(stmt).all():
        items[row.order_id].append(OrderItemRow(*row))
    return items


def orders_by_ids(session: Session, order_ids: Iterable[int]) -> dict[int, OrderRow]:
    """Orders keyed by id (for batch loaders); unknown or out-of-range ids are simply absent."""
    wanted = [order_id for order_id in set(order_ids) if fits_int4(order_id)]
    if not wanted:
        return {}
    rows = session.execute(_order_columns().where(Order.id.in_(wanted))).all()
    return {row[0]: _to_order(row) for row in rows}


def list_orders(session: Session, filters: OrderFilters, page: PageRequest) -> Page[OrderSummary]:
    stmt = _order_columns()
    if filters.customer_id is not None:
        stmt = stmt.where(Customer.customer_id == filters.customer_id)
    if filters.dates.date_from is not None:
        stmt = stmt.where(Order.order_date >= filters.dates.date_from)
    if filters.dates.date_to is not None:
        stmt = stmt.where(Order.order_date <= filters.dates.date_to)
    if filters.priority is not None:
        stmt = stmt.where(Order.order_priority == filters.priority)
    if filters.payment_method is not None:
        stmt = stmt.where(Order.payment_method == filters.payment_method)
    stmt = stmt.order_by(Order.order_date, Order.order_time, Order.id)
    orders = paginate(session, stmt, page, _to_order)
    # Totals for this page only: one grouped query over a handful of ids, not the whole table.
    totals = order_totals_by_order_ids(session, (order.id for order in orders.items))
    return Page(
        items=[OrderSummary(order, totals[order.id]) for order in orders.items],
        total=orders.total,
        limit=orders.limit,
        offset=orders.offset,
    )


def get_order(session: Session, order_id: int) -> OrderDetail:
    """One order with its items and totals; NotFoundError if unknown (including ids beyond int4)."""
    order = orders_by_ids(session, [order_id]).get(order_id)
    if order is None:
        raise NotFoundError("order", order_id)
    items = order_items_by_order_ids(session, [order_id])[order_id]
    totals = order_totals_by_order_ids(session, [order_id])[order_id]
    return OrderDetail(order=order, totals=totals, items=items)
