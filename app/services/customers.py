"""Customers: filtered listing and per-customer order statistics."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db.models import Customer, Order, OrderItem
from app.services.errors import NotFoundError
from app.services.keys import any_key, unique_keys
from app.services.pagination import AnySelect, Page, PageRequest, paginate
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


def _customer_columns() -> AnySelect:
    return select(
        Customer.id,
        Customer.customer_id,
        Customer.gender,
        Customer.device_type,
        Customer.login_type,
        Customer.profile_as_of,
    )


def _to_customer(row: Sequence[Any]) -> CustomerRow:
    return CustomerRow(*row)


def _sorted(stmt: AnySelect, sort: CustomerSort) -> AnySelect:
    if sort is CustomerSort.CUSTOMER_ID:
        return stmt.order_by(Customer.customer_id, Customer.id)
    per_customer = (
        select(
            Order.customer_id.label("customer_pk"),
            func.count(func.distinct(Order.id)).label("order_count"),
            func.coalesce(func.sum(OrderItem.sales), ZERO).label("total_sales"),
        )
        .outerjoin(OrderItem, OrderItem.order_id == Order.id)
        .group_by(Order.customer_id)
        .subquery()
    )
    key = (
        per_customer.c.total_sales
        if sort is CustomerSort.TOTAL_SALES_DESC
        else per_customer.c.order_count
    )
    return stmt.outerjoin(per_customer, per_customer.c.customer_pk == Customer.id).order_by(
        key.desc().nulls_last(), Customer.customer_id, Customer.id
    )


def list_customers(
    session: Session,
    filters: CustomerFilters,
    page: PageRequest,
    sort: CustomerSort = CustomerSort.CUSTOMER_ID,
) -> Page[CustomerRow]:
    stmt = _customer_columns()
    if filters.gender is not None:
        stmt = stmt.where(Customer.gender == filters.gender)
    if filters.device_type is not None:
        stmt = stmt.where(Customer.device_type == filters.device_type)
    if filters.login_type is not None:
        stmt = stmt.where(Customer.login_type == filters.login_type)
    return paginate(session, _sorted(stmt, sort), page, _to_customer)


def customers_by_ids(session: Session, ids: Iterable[int]) -> dict[int, CustomerRow]:
    """Customers keyed by internal id (for batch loaders); unknown ids are simply absent."""
    wanted = unique_keys(ids)
    if not wanted:
        return {}
    rows = session.execute(_customer_columns().where(any_key(Customer.id, wanted))).all()
    return {row.id: _to_customer(row) for row in rows}


def customer_stats_by_ids(session: Session, ids: Iterable[int]) -> dict[int, CustomerStats]:
    """Order statistics per internal customer id; customers without orders get `NO_ORDERS`."""
    wanted = unique_keys(ids)
    if not wanted:
        return {}
    stmt = (
        select(
            Order.customer_id,
            func.count(func.distinct(Order.id)),
            func.count(OrderItem.id),
            func.coalesce(func.sum(OrderItem.sales), ZERO),
            func.coalesce(func.sum(OrderItem.profit), ZERO),
            func.min(Order.order_date),
            func.max(Order.order_date),
        )
        .outerjoin(OrderItem, OrderItem.order_id == Order.id)
        .where(any_key(Order.customer_id, wanted))
        .group_by(Order.customer_id)
    )
    stats = {
        row[0]: CustomerStats(row[1], row[2], row[3] or ZERO, row[4] or ZERO, row[5], row[6])
        for row in session.execute(stmt).all()
    }
    return {customer_id: stats.get(customer_id, NO_ORDERS) for customer_id in wanted}


def get_customer(session: Session, customer_id: str) -> CustomerDetail:
    """A customer by dataset id (e.g. "37077") with order statistics; NotFoundError if unknown."""
    if "\x00" in customer_id:  # PostgreSQL cannot even compare such a string: no such customer
        raise NotFoundError("customer", customer_id)
    row = session.execute(
        _customer_columns().where(Customer.customer_id == customer_id)
    ).one_or_none()
    if row is None:
        raise NotFoundError("customer", customer_id)
    customer = _to_customer(row)
    return CustomerDetail(customer, customer_stats_by_ids(session, [customer.id])[customer.id])
