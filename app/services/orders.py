"""Orders: filtered listing with per-order totals, and one order with its items."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    SQLColumnExpression,
    bindparam,
    func,
    select,
)
from sqlalchemy.orm import Session

from app.db.models import ORDER_PRIORITIES, Customer, Order, OrderItem, Product
from app.services.errors import InvalidParameterError, NotFoundError
from app.services.keys import KEYS, any_keys, unique_keys
from app.services.pagination import (
    AnySelect,
    Page,
    PageRequest,
    fetch,
    pages_per_parent,
    paginate,
    per_parent_statement,
)
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


_customers = Customer.__table__
_orders = Order.__table__
_items = OrderItem.__table__
_products = Product.__table__


def _order_keys(sort: OrderSort) -> list[SQLColumnExpression[Any]]:
    """A total order (id breaks ties), so offsets and window row numbers are deterministic."""
    keys: list[SQLColumnExpression[Any]] = [
        _orders.c.order_date,
        _orders.c.order_time,
        _orders.c.id,
    ]
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


_ORDER_COLUMNS = select(
    _orders.c.id,
    _orders.c.customer_id,
    _customers.c.customer_id,
    _orders.c.order_date,
    _orders.c.order_time,
    _orders.c.order_priority,
    _orders.c.payment_method,
    _orders.c.aging,
).select_from(_orders.join(_customers, _customers.c.id == _orders.c.customer_id))

_ITEM_COLUMNS = select(
    _items.c.id,
    _items.c.order_id,
    _items.c.position,
    _items.c.product_id,
    _products.c.product_name,
    _products.c.product_category,
    _items.c.quantity,
    _items.c.discount,
    _items.c.sales,
    _items.c.profit,
    _items.c.shipping_cost,
).select_from(_items.join(_products, _products.c.id == _items.c.product_id))

# Built once; executed with their parameters (see app/services/pagination.py).
_ORDERS_BY_IDS = _ORDER_COLUMNS.where(any_keys(_orders.c.id))
_TOTALS_BY_ORDER_IDS = (
    select(
        _items.c.order_id,
        func.count(_items.c.id),
        func.coalesce(func.sum(_items.c.quantity), 0),
        func.coalesce(func.sum(_items.c.sales), ZERO),
        func.coalesce(func.sum(_items.c.profit), ZERO),
        func.coalesce(func.sum(_items.c.shipping_cost), ZERO),
    )
    .where(any_keys(_items.c.order_id))
    .group_by(_items.c.order_id)
)
_ITEMS_BY_ORDER_IDS = _ITEM_COLUMNS.where(any_keys(_items.c.order_id)).order_by(
    _items.c.order_id, _items.c.position
)


def _to_order(row: Sequence[Any]) -> OrderRow:
    return OrderRow(*row)


def _to_item(row: Sequence[Any]) -> OrderItemRow:
    return OrderItemRow(*row)


def order_totals_by_order_ids(session: Session, order_ids: Iterable[int]) -> dict[int, OrderTotals]:
    """Totals per order id; orders without items (or unknown ids) get `NO_ITEMS`."""
    wanted = unique_keys(order_ids)
    if not wanted:
        return {}
    totals = {
        order_id: OrderTotals(
            int(count), int(quantity or 0), sales or ZERO, profit or ZERO, shipping or ZERO
        )
        for order_id, count, quantity, sales, profit, shipping in fetch(
            session, _TOTALS_BY_ORDER_IDS, {KEYS: wanted}
        )
    }
    return {order_id: totals.get(order_id, NO_ITEMS) for order_id in wanted}


def totals_of_items(items: Sequence[OrderItemRow]) -> OrderTotals:
    """An order's totals from all of its items: what `order_totals_by_order_ids` computes in
    SQL (COUNT, and SUMs that skip NULLs, zero when there is nothing to add), for callers that
    have loaded the items anyway."""
    if not items:
        return NO_ITEMS
    quantity, sales, profit, shipping = 0, ZERO, ZERO, ZERO
    for item in items:  # one pass, not four: a nested page sums this for every order
        if item.quantity is not None:
            quantity += item.quantity
        if item.sales is not None:
            sales += item.sales
        if item.profit is not None:
            profit += item.profit
        if item.shipping_cost is not None:
            shipping += item.shipping_cost
    return OrderTotals(len(items), quantity, sales, profit, shipping)


def order_items_by_order_ids(
    session: Session, order_ids: Iterable[int]
) -> dict[int, list[OrderItemRow]]:
    """Items per order id, in position order; every requested id gets a (possibly empty) list."""
    wanted = unique_keys(order_ids)
    if not wanted:
        return {}
    items: dict[int, list[OrderItemRow]] = {order_id: [] for order_id in wanted}
    for row in fetch(session, _ITEMS_BY_ORDER_IDS, {KEYS: wanted}):
        items[row[1]].append(OrderItemRow(*row))
    return items


@cache
def _items_per_product() -> AnySelect:
    return per_parent_statement(
        _ITEM_COLUMNS.where(any_keys(_items.c.product_id)),
        parent=_items.c.product_id,
        order_by=(_items.c.order_id, _items.c.position),
    )


def order_items_by_product_ids(
    session: Session, product_ids: Iterable[int], page: PageRequest
) -> dict[int, Page[OrderItemRow]]:
    """One page of items per product (by order id, then position), in one windowed query."""
    wanted = unique_keys(product_ids)
    if not wanted:
        return {}
    return pages_per_parent(
        session,
        _items_per_product(),
        width=len(_ITEM_COLUMNS.selected_columns),
        params={KEYS: wanted},
        parents=wanted,
        page=page,
        to_item=_to_item,
    )


def orders_by_ids(session: Session, order_ids: Iterable[int]) -> dict[int, OrderRow]:
    """Orders keyed by id (for batch loaders); unknown or out-of-range ids are simply absent."""
    wanted = [order_id for order_id in unique_keys(order_ids) if fits_int4(order_id)]
    if not wanted:
        return {}
    return {row[0]: _to_order(row) for row in fetch(session, _ORDERS_BY_IDS, {KEYS: wanted})}


_FILTERS: dict[str, Callable[[], ColumnElement[bool]]] = {
    "customer_id": lambda: _customers.c.customer_id == bindparam("customer_id"),
    "date_from": lambda: _orders.c.order_date >= bindparam("date_from", type_=Date),
    "date_to": lambda: _orders.c.order_date <= bindparam("date_to", type_=Date),
    "priority": lambda: _orders.c.order_priority == bindparam("priority"),
    "payment_method": lambda: _orders.c.payment_method == bindparam("payment_method"),
}


def _filter_values(filters: OrderFilters) -> dict[str, Any]:
    """The filters that are set, by bind parameter name (also the key of `_filtered_orders`)."""
    values = {
        "customer_id": filters.customer_id,
        "date_from": filters.dates.date_from,
        "date_to": filters.dates.date_to,
        "priority": filters.priority,
        "payment_method": filters.payment_method,
    }
    return {name: value for name, value in values.items() if value is not None}


def _filtered_orders(filtered: tuple[str, ...]) -> AnySelect:
    stmt = _ORDER_COLUMNS
    for name in filtered:
        stmt = stmt.where(_FILTERS[name]())
    return stmt


@cache
def _order_listing(filtered: tuple[str, ...], sort: OrderSort) -> AnySelect:
    return _filtered_orders(filtered).order_by(*_order_keys(sort))


@cache
def _orders_per_customer(filtered: tuple[str, ...], sort: OrderSort) -> AnySelect:
    return per_parent_statement(
        _filtered_orders(filtered).where(any_keys(_orders.c.customer_id)),
        parent=_orders.c.customer_id,
        order_by=_order_keys(sort),
    )


def list_order_rows(
    session: Session,
    filters: OrderFilters,
    page: PageRequest,
    sort: OrderSort = OrderSort.ORDER_DATE,
    *,
    with_total: bool = True,
) -> Page[OrderRow]:
    """One page of orders without totals (GraphQL loads totals only when asked for)."""
    params = _filter_values(filters)
    stmt = _order_listing(tuple(params), OrderSort(sort))
    return paginate(session, stmt, page, _to_order, params, with_total=with_total)


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
    params = _filter_values(filters)
    return pages_per_parent(
        session,
        _orders_per_customer(tuple(params), OrderSort(sort)),
        width=len(_ORDER_COLUMNS.selected_columns),
        params={**params, KEYS: wanted},
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
