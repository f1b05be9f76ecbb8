"""Customers: filtered listing and per-customer order statistics."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from functools import cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    Text,
    bindparam,
    case,
    cast,
    column,
    func,
    select,
    table,
    true,
)
from sqlalchemy.orm import Session

from app.db.models import Customer, Order, OrderItem
from app.services.errors import NotFoundError
from app.services.keys import KEYS, any_keys, unique_keys
from app.services.pagination import AnySelect, Page, PageRequest, fetch, paginate
from app.services.rollups import rollups_fresh
from app.services.validation import text_filter

ZERO = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class CustomerFilters:
    """Exact-match filters; None means "any"."""

    gender: str | None = None
    device_type: str | None = None
    login_type: str | None = None

    def __post_init__(self) -> None:
        for name in ("gender", "device_type", "login_type"):
            text_filter(name, getattr(self, name))


class CustomerSort(StrEnum):
    """Listing orders; ties always fall back to the dataset id, so pages are deterministic."""

    CUSTOMER_ID = "customer_id"
    TOTAL_SALES_DESC = "total_sales_desc"
    ORDER_COUNT_DESC = "order_count_desc"


@dataclass(frozen=True, slots=True)
class CustomerRow:
    id: int
    customer_id: str
    gender: str | None
    device_type: str | None
    login_type: str | None
    profile_as_of: dt.datetime


@dataclass(frozen=True, slots=True)
class CustomerStats:
    order_count: int
    item_count: int
    total_sales: Decimal
    total_profit: Decimal
    first_order_date: dt.date | None
    last_order_date: dt.date | None


NO_ORDERS = CustomerStats(0, 0, ZERO, ZERO, None, None)


@dataclass(frozen=True, slots=True)
class CustomerDetail:
    customer: CustomerRow
    stats: CustomerStats


_customers = Customer.__table__
_orders = Order.__table__
_items = OrderItem.__table__

_CUSTOMER_COLUMNS = (
    _customers.c.id,
    _customers.c.customer_id,
    _customers.c.gender,
    _customers.c.device_type,
    _customers.c.login_type,
    _customers.c.profile_as_of,
)
_FILTERS = ("gender", "device_type", "login_type")


def _to_customer(row: Sequence[Any]) -> CustomerRow:
    return CustomerRow(*row)


def _to_stats(row: Sequence[Any]) -> CustomerStats:
    return CustomerStats(row[0], row[1], row[2] or ZERO, row[3] or ZERO, row[4], row[5])


def _stats_columns() -> tuple[Any, ...]:
    return (
        func.count(func.distinct(_orders.c.id)),
        func.count(_items.c.id),
        func.coalesce(func.sum(_items.c.sales), ZERO),
        func.coalesce(func.sum(_items.c.profit), ZERO),
        func.min(_orders.c.order_date),
        func.max(_orders.c.order_date),
    )


_ORDERS_WITH_ITEMS = _orders.outerjoin(_items, _items.c.order_id == _orders.c.id)

# Built once; executed with their parameters (see app/services/pagination.py).
_CUSTOMERS_BY_PKS = select(*_CUSTOMER_COLUMNS).where(any_keys(_customers.c.id))
_STATS_BY_PKS = (
    select(_orders.c.customer_id, *_stats_columns())
    .select_from(_ORDERS_WITH_ITEMS)
    .where(any_keys(_orders.c.customer_id))
    .group_by(_orders.c.customer_id)
)
# One customer and its statistics in one statement: an aggregate without GROUP BY always yields
# one row (0 orders, NULL dates for a customer without orders), hence the plain lateral join.
_STATS_OF_CUSTOMER = (
    select(*_stats_columns())
    .select_from(_ORDERS_WITH_ITEMS)
    .where(_orders.c.customer_id == _customers.c.id)
    .lateral("stats")
)
_CUSTOMER_DETAIL = (
    select(*_CUSTOMER_COLUMNS, *_STATS_OF_CUSTOMER.c)
    .select_from(_customers.join(_STATS_OF_CUSTOMER, true()))
    .where(_customers.c.customer_id == bindparam("customer_id"))
)


@cache
def _listing(filtered: tuple[str, ...], sort: CustomerSort) -> AnySelect:
    """The listing for one combination of filters (bound as `:gender` etc.) and sort, from the
    base tables (sorted by sales or orders: every order summed, see `_ranked_listing`)."""
    stmt = select(*_CUSTOMER_COLUMNS)
    for name in filtered:
        stmt = stmt.where(_customers.c[name] == bindparam(name))
    natural = (_customers.c.customer_id, _customers.c.id)
    if sort is CustomerSort.CUSTOMER_ID:
        return stmt.order_by(*natural)
    per_customer = (
        select(
            _orders.c.customer_id.label("customer_pk"),
            func.count(func.distinct(_orders.c.id)).label("order_count"),
            func.coalesce(func.sum(_items.c.sales), ZERO).label("total_sales"),
        )
        .select_from(_ORDERS_WITH_ITEMS)
        .group_by(_orders.c.customer_id)
        .subquery()
    )
    key = (
        per_customer.c.total_sales
        if sort is CustomerSort.TOTAL_SALES_DESC
        else per_customer.c.order_count
    )
    return stmt.outerjoin(per_customer, per_customer.c.customer_pk == _customers.c.id).order_by(
        key.desc().nulls_last(), *natural
    )


# Every customer with its place in both sorted listings (migrations 0005, 0007), kept with the
# rollups: a sorted page walks an index instead of summing every order to sort all customers.
_RANKS = table(
    "summary_customer_ranks",
    *(column(c.name, c.type) for c in _CUSTOMER_COLUMNS),
    column("sales_rank", BigInteger),
    column("orders_rank", BigInteger),
)


@cache
def _ranked_listing(filtered: tuple[str, ...], sort: CustomerSort) -> AnySelect:
    """`_listing(filtered, sort)` for the sales and orders sorts, from `summary_customer_ranks`: the
    same rows in the same order (its ranks are that order: descending, customers without
    orders last, ties by dataset id), but only while the rollups are fresh, else no row."""
    rank = _RANKS.c.sales_rank if sort is CustomerSort.TOTAL_SALES_DESC else _RANKS.c.orders_rank
    stmt = select(*(_RANKS.c[c.name] for c in _CUSTOMER_COLUMNS)).where(func.rollups_fresh())
    for name in filtered:
        stmt = stmt.where(_RANKS.c[name] == bindparam(name))
    return stmt.order_by(rank)


# Customers per (gender, device type, login type), kept with the rollups (migrations 0003, 0007).
_COUNTS = table(
    "summary_customer_counts",
    *(column(name, Text) for name in _FILTERS),
    column("customer_count", BigInteger),
)


@cache
def _listing_count(filtered: tuple[str, ...]) -> AnySelect:
    """How many customers `_listing(filtered, …)` lists (the sort does not matter).

    While the rollups are fresh, a sum over the few dozen rows of `summary_customer_counts` matching
    the filters; while a write has made them stale, a `count(*)` of the customers (CASE
    evaluates only the branch it takes, so each answer runs one of the two scans)."""
    materialized = select(func.coalesce(func.sum(_COUNTS.c.customer_count), 0))
    live = select(func.count()).select_from(_customers).correlate(None)  # never the page's rows
    for name in filtered:
        materialized = materialized.where(_COUNTS.c[name] == bindparam(name))
        live = live.where(_customers.c[name] == bindparam(name))
    total = case(
        (func.rollups_fresh(), materialized.scalar_subquery()), else_=live.scalar_subquery()
    )
    return select(cast(total, BigInteger))


def list_customers(
    session: Session,
    filters: CustomerFilters,
    page: PageRequest,
    sort: CustomerSort = CustomerSort.CUSTOMER_ID,
    *,
    with_total: bool = True,
) -> Page[CustomerRow]:
    values = {name: getattr(filters, name) for name in _FILTERS}
    params = {name: value for name, value in values.items() if value is not None}
    filtered, sort = tuple(params), CustomerSort(sort)
    counted_by = _listing_count(filtered)
    if sort is not CustomerSort.CUSTOMER_ID:
        # The ranks' page and the freshness test come from one statement (one snapshot), so a
        # page is never read from ranks that a committed load has made stale.
        ranked = paginate(
            session,
            _ranked_listing(filtered, sort),
            page,
            _to_customer,
            params,
            with_total=with_total,
            counted_by=counted_by,
        )
        if ranked.items or rollups_fresh(session.connection()):
            return ranked  # rows, or a page with nothing on it (its total is right either way)
        # Stale rollups: the live sort answers.
    return paginate(
        session,
        _listing(filtered, sort),
        page,
        _to_customer,
        params,
        with_total=with_total,
        counted_by=counted_by,
    )


def customers_by_pks(session: Session, pks: Iterable[int]) -> dict[int, CustomerRow]:
    """Customers keyed by internal id (`customers.id`, for batch loaders); unknown ids are simply
    absent."""
    wanted = unique_keys(pks)
    if not wanted:
        return {}
    return {row[0]: _to_customer(row) for row in fetch(session, _CUSTOMERS_BY_PKS, {KEYS: wanted})}


def customer_stats_by_pks(session: Session, pks: Iterable[int]) -> dict[int, CustomerStats]:
    """Order statistics per internal customer id (`customers.id`); customers without orders get
    `NO_ORDERS`."""
    wanted = unique_keys(pks)
    if not wanted:
        return {}
    stats = {row[0]: _to_stats(row[1:]) for row in fetch(session, _STATS_BY_PKS, {KEYS: wanted})}
    return {pk: stats.get(pk, NO_ORDERS) for pk in wanted}


def get_customer(session: Session, customer_id: str) -> CustomerDetail:
    """A customer by dataset id (e.g. "37077") with order statistics; NotFoundError if unknown."""
    if "\x00" in customer_id:  # PostgreSQL cannot even compare such a string: no such customer
        raise NotFoundError("customer", customer_id)
    rows = fetch(session, _CUSTOMER_DETAIL, {"customer_id": customer_id})
    if not rows:
        raise NotFoundError("customer", customer_id)
    row = rows[0]
    width = len(_CUSTOMER_COLUMNS)
    return CustomerDetail(_to_customer(row[:width]), _to_stats(row[width:]))
