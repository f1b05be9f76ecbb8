"""Orders: filtered listing with per-order totals, and one order with its items."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import SQLColumnExpression, and_, func, or_, select
from sqlalchemy.orm import Session

from app.db.models import ORDER_PRIORITIES, Customer, Order, OrderItem, Product
from app.services.errors import InvalidParameterError, NotFoundError
from app.services.keys import any_key, unique_keys
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


class OrderSort(StrEnum):
    ORDER_DATE = "order_date"
    ORDER_DATE_DESC = "order_date_desc"


def _order_keys(sort: OrderSort) -> list[SQLColumnExpression[Any]]:
    """A total order (id breaks ties), so offsets and window row numbers are deterministic."""
    keys: list[SQLColumnExpression[Any]] = [Order.order_date, Order.order_time, Order.id]
    return [key.desc() for key in keys] if sort is OrderSort.ORDER_DATE_DESC else keys


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
    wanted = unique_keys(order_ids)
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
        .where(any_key(OrderItem.order_id, wanted))
        .group_by(OrderItem.order_id)
    )
    totals = {
        order_id: OrderTotals(
            int(count), int(quantity or 0), sales or ZERO, profit or ZERO, shipping or ZERO
        )
        for order_id, count, quantity, sales, profit, shipping in session.execute(stmt).all()
    }
    return {order_id: totals.get(order_id, NO_ITEMS) for order_id in wanted}


def _item_columns() -> AnySelect:
    return select(
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
    ).join(Product, Product.id == OrderItem.product_id)


def order_items_by_order_ids(
    session: Session, order_ids: Iterable[int]
) -> dict[int, list[OrderItemRow]]:
    """Items per order id, in position order; every requested id gets a (possibly empty) list."""
    wanted = unique_keys(order_ids)
    if not wanted:
        return {}
    stmt = (
        _item_columns()
        .where(any_key(OrderItem.order_id, wanted))
        .order_by(OrderItem.order_id, OrderItem.position)
    )
    items: dict[int, list[OrderItemRow]] = {order_id: [] for order_id in wanted}
    for row in session.execute(stmt).all():
        items[row.order_id].append(OrderItemRow(*row))
    return items


def order_items_by_product_ids(
    session: Session, product_ids: Iterable[int], page: PageRequest
) -> dict[int, Page[OrderItemRow]]:
    """One page of items per product (by order id, then position), in one windowed query."""
    wanted = unique_keys(product_ids)
    if not wanted:
        return {}
    stmt = _item_columns().where(any_key(OrderItem.product_id, wanted))
    return _page_per_parent(
        session,
        stmt,
        parent=OrderItem.product_id,
        order_by=[OrderItem.order_id, OrderItem.position],
        parents=wanted,
        page=page,
        to_item=lambda row: OrderItemRow(*row),
    )


def _page_per_parent(
    session: Session,
    stmt: AnySelect,
    *,
    parent: SQLColumnExpression[int],
    order_by: list[SQLColumnExpression[Any]],
    parents: list[int],
    page: PageRequest,
    to_item: Any,
) -> dict[int, Page[Any]]:
    """`page` of `stmt`'s rows for each parent, plus each parent's total, in one query.

    `row_number()` numbers each parent's rows and `count(*)` over the same partition gives its
    total. Row 1 is always fetched too, so a page past the end still learns the total; it is
    dropped from the items unless it belongs to the page.
    """
    width = len(stmt.selected_columns)
    numbered = stmt.add_columns(
        parent.label("parent_key"),
        func.row_number().over(partition_by=parent, order_by=order_by).label("row_number"),
        func.count().over(partition_by=parent).label("parent_total"),
    ).subquery()
    rn = numbered.c["row_number"]
    in_page = and_(rn > page.offset, rn <= page.offset + page.limit)
    rows = session.execute(
        select(numbered).where(or_(in_page, rn == 1)).order_by(numbered.c["parent_key"], rn)
    ).all()
    items: dict[int, list[Any]] = {key: [] for key in parents}
    totals: dict[int, int] = dict.fromkeys(parents, 0)
    for row in rows:
        key, number, total = row[width], row[width + 1], row[width + 2]
        totals[key] = total
        if page.offset < number <= page.offset + page.limit:
            items[key].append(to_item(row[:width]))
    return {
        key: Page(items=items[key], total=totals[key], limit=page.limit, offset=page.offset)
        for key in parents
    }


def orders_by_ids(session: Session, order_ids: Iterable[int]) -> dict[int, OrderRow]:
    """Orders keyed by id (for batch loaders); unknown or out-of-range ids are simply absent."""
    wanted = [order_id for order_id in unique_keys(order_ids) if fits_int4(order_id)]
    if not wanted:
        return {}
    rows = session.execute(_order_columns().where(any_key(Order.id, wanted))).all()
    return {row[0]: _to_order(row) for row in rows}


def _filtered_orders(filters: OrderFilters) -> AnySelect:
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
    return stmt


def list_order_rows(
    session: Session,
    filters: OrderFilters,
    page: PageRequest,
    sort: OrderSort = OrderSort.ORDER_DATE,
) -> Page[OrderRow]:
    """One page of orders without totals (GraphQL loads totals only when asked for)."""
    stmt = _filtered_orders(filters).order_by(*_order_keys(sort))
    return paginate(session, stmt, page, _to_order)


def orders_by_customer_pks(
    session: Session,
    customer_pks: Iterable[int],
    filters: OrderFilters,
    page: PageRequest,
    sort: OrderSort = OrderSort.ORDER_DATE,
) -> dict[int, Page[OrderRow]]:
    """One page of orders per internal customer id, with each customer's total, in one query."""
    wanted = unique_keys(customer_pks)
    if not wanted:
        return {}
    return _page_per_parent(
        session,
        _filtered_orders(filters).where(any_key(Order.customer_id, wanted)),
        parent=Order.customer_id,
        order_by=_order_keys(sort),
        parents=wanted,
        page=page,
        to_item=_to_order,
    )


def list_orders(session: Session, filters: OrderFilters, page: PageRequest) -> Page[OrderSummary]:
    orders = list_order_rows(session, filters, page)
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
