"""Business insights beyond top products and revenue; SQL in `queries/*.sql`, run only from here.

Each function runs one statement from `queries/` with bound parameters and returns dataclasses;
REST, GraphQL and the CLI all call these. Money is Decimal; percentages are Decimal rounded to
2 places by PostgreSQL. The statements read the rollups of migration 0002 (see
`app.services.rollups`), which answer from materialized views when fresh and from the base
tables otherwise.

Most insights take the same optional filters: an order-date range (`DateRange`, inclusive) and a
product category. Their exact meaning per insight is in each SQL file's header and in
`queries/README.md`; an unknown category gives empty or zero answers, never an error.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.services.errors import InvalidParameterError
from app.services.validation import DateRange, text_filter
from queries import load_query

LIMIT_MAX = 100
PERCENTILES = ("p25", "p50", "p75", "p90", "p99")  # the fractions in customer_lifetime_value.sql


class Granularity(StrEnum):
    DAY = "day"
    WEEK = "week"  # ISO week, starting on Monday
    MONTH = "month"


@dataclass(frozen=True, slots=True)
class Share:
    value: str
    customers: int
    share_pct: Decimal


@dataclass(frozen=True, slots=True)
class CustomersOverview:
    total_customers: int
    by_device_type: list[Share]
    by_login_type: list[Share]


@dataclass(frozen=True, slots=True)
class CategoryRevenue:
    rank: int
    category: str
    item_count: int
    total_quantity: int
    total_revenue: Decimal
    total_profit: Decimal
    revenue_share_pct: Decimal | None


@dataclass(frozen=True, slots=True)
class ProductMargin:
    rank: int
    product_id: int
    product_name: str
    product_category: str
    total_sales: Decimal
    total_profit: Decimal
    margin_pct: Decimal | None


@dataclass(frozen=True, slots=True)
class OrdersOverview:
    order_count: int
    item_count: int
    total_quantity: int
    avg_quantity_per_order: Decimal | None
    avg_items_per_order: Decimal | None
    total_revenue: Decimal
    total_profit: Decimal
    average_order_value: Decimal | None
    high_or_critical_orders: int
    high_or_critical_pct: Decimal | None


@dataclass(frozen=True, slots=True)
class DiscountLevel:
    discount: Decimal
    item_count: int
    order_count: int
    total_sales: Decimal
    avg_sales: Decimal | None
    total_profit: Decimal
    avg_profit: Decimal | None
    avg_quantity: Decimal | None


@dataclass(frozen=True, slots=True)
class DiscountImpact:
    levels: list[DiscountLevel]
    sales_correlation: Decimal | None
    quantity_correlation: Decimal | None
    reading: str


@dataclass(frozen=True, slots=True)
class TrendPoint:
    period_start: dt.date
    order_count: int
    item_count: int
    revenue: Decimal
    profit: Decimal


@dataclass(frozen=True, slots=True)
class RevenueTrend:
    granularity: Granularity
    date_from: dt.date | None
    date_to: dt.date | None
    category: str | None
    points: list[TrendPoint]


@dataclass(frozen=True, slots=True)
class CustomerValue:
    rank: int
    customer_id: str
    order_count: int
    item_count: int
    revenue: Decimal
    profit: Decimal
    first_order_date: dt.date
    last_order_date: dt.date
    average_order_value: Decimal


@dataclass(frozen=True, slots=True)
class ValueDistribution:
    customer_count: int
    mean_revenue: Decimal | None
    min_revenue: Decimal | None
    max_revenue: Decimal | None
    percentiles: dict[str, Decimal]  # p25 … p99 of revenue per customer
    mean_orders: Decimal | None


@dataclass(frozen=True, slots=True)
class CustomerLifetimeValue:
    top: list[CustomerValue]
    distribution: ValueDistribution


@dataclass(frozen=True, slots=True)
class Segment:
    value: str
    customers: int
    orders: int
    revenue: Decimal
    average_order_value: Decimal | None
    order_share_pct: Decimal | None


@dataclass(frozen=True, slots=True)
class PurchaseBehaviour:
    by_device_type: list[Segment]
    by_login_type: list[Segment]
    by_payment_method: list[Segment]


def _check_limit(limit: int | None, *, optional: bool = False) -> None:
    if limit is None and optional:
        return
    if limit is None or not 1 <= limit <= LIMIT_MAX:
        raise InvalidParameterError("limit", f"must be between 1 and {LIMIT_MAX}")


def _rows(session: Session, name: str, params: dict[str, Any] | None = None) -> Sequence[Any]:
    return session.execute(load_query(name), params or {}).all()


_ORDER_DATE_SPAN = text("SELECT min(order_date), max(order_date) FROM orders")


def filter_params(session: Session, dates: DateRange, category: str | None) -> dict[str, Any]:
    """The bound parameters of the shared filters (`date_from`, `date_to`, `category`).

    A date range that holds every order (a dashboard's "whole period") filters nothing, so it
    is dropped: the answer is the same, and without a filter it comes from the rollups (two
    index lookups on idx_order_date decide)."""
    date_from, date_to = dates.date_from, dates.date_to
    if date_from is not None or date_to is not None:
        first, last = session.execute(_ORDER_DATE_SPAN).one()
        if first is not None and (date_from or first) <= first and last <= (date_to or last):
            date_from = date_to = None
    return {
        "date_from": date_from,
        "date_to": date_to,
        "category": text_filter("category", category),
    }


def customers_overview(
    session: Session, *, dates: DateRange = DateRange(), category: str | None = None
) -> CustomersOverview:
    """Customer count, customers per device type, share of each login type; with a filter, only
    the customers with an order in the range (holding an item of the category)."""
    total = 0
    groups: dict[str, list[Share]] = {"device_type": [], "login_type": []}
    for row in _rows(session, "customers_overview", filter_params(session, dates, category)):
        if row.dimension == "all":
            total = int(row.customers)
        else:
            groups[row.dimension].append(Share(row.value, int(row.customers), row.share_pct))
    return CustomersOverview(total, groups["device_type"], groups["login_type"])


def top_categories(
    session: Session,
    *,
    limit: int = 3,
    dates: DateRange = DateRange(),
    category: str | None = None,
) -> list[CategoryRevenue]:
    """The `limit` categories with the most revenue in the date range; ties broken by name. With
    a category, only its row, with its rank and share among all categories."""
    _check_limit(limit)
    params = {"limit": limit, **filter_params(session, dates, category)}
    return [
        CategoryRevenue(
            rank=int(row.rank),
            category=row.category,
            item_count=int(row.item_count),
            total_quantity=int(row.total_quantity),
            total_revenue=row.total_revenue,
            total_profit=row.total_profit,
            revenue_share_pct=row.share_pct,
        )
        for row in _rows(session, "top_categories", params)
    ]


def profit_margins(session: Session, *, limit: int | None = None) -> list[ProductMargin]:
    """Products by profit margin (sum of profit / sum of sales), best first; all when no limit."""
    _check_limit(limit, optional=True)
    return [
        ProductMargin(rank, *row)
        for rank, row in enumerate(_rows(session, "profit_margins", {"limit": limit}), start=1)
    ]


def orders_overview(
    session: Session, *, dates: DateRange = DateRange(), category: str | None = None
) -> OrdersOverview:
    """Order counts and sizes, revenue, profit, share of High/Critical orders; with a category,
    the orders holding one of its items and, for the amounts, only those items."""
    row = _rows(session, "orders_overview", filter_params(session, dates, category))[0]
    return OrdersOverview(
        order_count=int(row.order_count),
        item_count=int(row.item_count),
        total_quantity=int(row.total_quantity),
        avg_quantity_per_order=row.avg_quantity_per_order,
        avg_items_per_order=row.avg_items_per_order,
        total_revenue=row.total_revenue,
        total_profit=row.total_profit,
        average_order_value=row.average_order_value,
        high_or_critical_orders=int(row.high_or_critical_orders),
        high_or_critical_pct=row.high_or_critical_pct,
    )


def _strength(r: Decimal) -> str:
    size = abs(r)
    if size < Decimal("0.1"):
        return "no meaningful"
    label = "weak" if size < Decimal("0.3") else "moderate" if size < Decimal("0.5") else "strong"
    return f"a {label} {'positive' if r > 0 else 'negative'}"


def discount_reading(sales_r: Decimal | None, quantity_r: Decimal | None, item_count: int) -> str:
    """One line answering "does a higher discount lead to more sales?" from the correlations."""
    if sales_r is None or quantity_r is None:
        return "Not enough varied data to tell whether a higher discount goes with more sales."
    more = sales_r >= Decimal("0.1") or quantity_r >= Decimal("0.1")
    fewer = sales_r <= Decimal("-0.1") and quantity_r <= Decimal("-0.1")
    answer = "Yes" if more else "No, rather the opposite" if fewer else "No"
    return (
        f"{answer}: across {item_count:,} items, discount has {_strength(sales_r)} correlation "
        f"with sales (r = {sales_r:+.4f}) and {_strength(quantity_r)} correlation with "
        f"quantity (r = {quantity_r:+.4f})."
    )


def discount_impact(
    session: Session, *, dates: DateRange = DateRange(), category: str | None = None
) -> DiscountImpact:
    """Items (of the date range and category) grouped by discount level, the correlations, and
    their one-line reading."""
    rows = _rows(session, "discount_impact", filter_params(session, dates, category))
    levels = [
        DiscountLevel(
            discount=row.discount,
            item_count=int(row.item_count),
            order_count=int(row.order_count),
            total_sales=row.total_sales,
            avg_sales=row.avg_sales,
            total_profit=row.total_profit,
            avg_profit=row.avg_profit,
            avg_quantity=row.avg_quantity,
        )
        for row in rows
    ]
    sales_r = rows[0].sales_correlation if rows else None
    quantity_r = rows[0].quantity_correlation if rows else None
    items = sum(level.item_count for level in levels)
    return DiscountImpact(levels, sales_r, quantity_r, discount_reading(sales_r, quantity_r, items))


def revenue_trend(
    session: Session,
    *,
    granularity: Granularity | str = Granularity.MONTH,
    dates: DateRange = DateRange(),
    category: str | None = None,
) -> RevenueTrend:
    """Revenue, profit, orders and items per day / ISO week / month, oldest first."""
    try:
        grain = Granularity(granularity)
    except ValueError:
        allowed = ", ".join(g.value for g in Granularity)
        raise InvalidParameterError("granularity", f"must be one of {allowed}") from None
    params = {"granularity": grain.value, **filter_params(session, dates, category)}
    points = [
        TrendPoint(
            period_start=row.period_start,
            order_count=int(row.order_count),
            item_count=int(row.item_count),
            revenue=row.revenue,
            profit=row.profit,
        )
        for row in _rows(session, "revenue_trend", params)
    ]
    return RevenueTrend(grain, dates.date_from, dates.date_to, params["category"], points)


def customer_lifetime_value(session: Session, *, limit: int = 10) -> CustomerLifetimeValue:
    """The `limit` most valuable customers and how value is distributed over all customers."""
    _check_limit(limit)
    rows = _rows(session, "customer_lifetime_value", {"limit": limit})
    first = rows[0]
    distribution = ValueDistribution(
        customer_count=int(first.customer_count),
        mean_revenue=first.mean_revenue,
        min_revenue=first.min_revenue,
        max_revenue=first.max_revenue,
        percentiles=dict(zip(PERCENTILES, first.revenue_percentiles or [], strict=False)),
        mean_orders=first.mean_orders,
    )
    top = [
        CustomerValue(
            rank=int(row.rank),
            customer_id=row.customer_id,
            order_count=int(row.order_count),
            item_count=int(row.item_count),
            revenue=row.revenue,
            profit=row.profit,
            first_order_date=row.first_order_date,
            last_order_date=row.last_order_date,
            average_order_value=row.average_order_value,
        )
        for row in rows
        if row.rank is not None
    ]
    return CustomerLifetimeValue(top, distribution)


def purchase_behaviour(
    session: Session, *, dates: DateRange = DateRange(), category: str | None = None
) -> PurchaseBehaviour:
    """Customers, orders, revenue and order value by device, login type and payment method, over
    the orders in the range (holding an item of the category; revenue: the category's items)."""
    groups: dict[str, list[Segment]] = {"device_type": [], "login_type": [], "payment_method": []}
    for row in _rows(session, "purchase_behaviour", filter_params(session, dates, category)):
        groups[row.dimension].append(
            Segment(
                value=row.value,
                customers=int(row.customers),
                orders=int(row.orders),
                revenue=row.revenue,
                average_order_value=row.average_order_value,
                order_share_pct=row.order_share_pct,
            )
        )
    return PurchaseBehaviour(groups["device_type"], groups["login_type"], groups["payment_method"])
