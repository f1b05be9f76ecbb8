"""Business insights beyond top products and revenue; SQL in `queries/*.sql`, run only from here.

Each function runs one statement from `queries/` with bound parameters and returns the insight's
output as declared once in `app.services.shapes`; REST serves it as is, the CLI prints it, and
GraphQL answers with it through the types derived from the same declaration. Money is Decimal;
percentages are Decimal rounded to 2 places by PostgreSQL. The statements read the rollups of
migration 0002 (see `app.services.rollups`), which answer from materialized views when fresh and
from the base tables otherwise.

Most insights take the same optional filters: an order-date range (`DateRange`, inclusive) and a
product category. Their exact meaning per insight is in each SQL file's header and in
`queries/README.md`; an unknown category gives empty or zero answers, never an error.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.services.errors import InvalidParameterError
from app.services.shapes import (
    CategoryOut,
    CustomerLifetimeValueOut,
    CustomersOut,
    CustomerValueOut,
    DiscountImpactOut,
    DiscountLevelOut,
    OrdersOut,
    ProductMarginOut,
    ProfitMarginsOut,
    PurchaseBehaviourOut,
    RevenueTrendOut,
    SegmentOut,
    ShareOut,
    TopCategoriesOut,
    TrendPointOut,
    ValueDistributionOut,
)
from app.services.validation import DateRange, text_filter
from queries import load_query

LIMIT_MAX = 100
PERCENTILES = ("p25", "p50", "p75", "p90", "p99")  # the fractions in customer_lifetime_value.sql


class Granularity(StrEnum):
    DAY = "day"
    WEEK = "week"  # ISO week, starting on Monday
    MONTH = "month"


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
) -> CustomersOut:
    """Customer count, customers per device type, share of each login type; with a filter, only
    the customers with an order in the range (holding an item of the category)."""
    total = 0
    groups: dict[str, list[ShareOut]] = {"device_type": [], "login_type": []}
    for row in _rows(session, "customers_overview", filter_params(session, dates, category)):
        if row.dimension == "all":
            total = int(row.customers)
        else:
            groups[row.dimension].append(ShareOut.model_validate(row._mapping))
    return CustomersOut(
        total_customers=total,
        by_device_type=groups["device_type"],
        by_login_type=groups["login_type"],
    )


def top_categories(
    session: Session,
    *,
    limit: int = 3,
    dates: DateRange = DateRange(),
    category: str | None = None,
) -> TopCategoriesOut:
    """The `limit` categories with the most revenue in the date range; ties broken by name. With
    a category, only its row, with its rank and share among all categories."""
    _check_limit(limit)
    params = {"limit": limit, **filter_params(session, dates, category)}
    rows = _rows(session, "top_categories", params)
    items = [CategoryOut.model_validate(row._mapping) for row in rows]
    return TopCategoriesOut(limit=limit, items=items)


def profit_margins(session: Session, *, limit: int | None = None) -> ProfitMarginsOut:
    """Products by profit margin (sum of profit / sum of sales), best first; all when no limit."""
    _check_limit(limit, optional=True)
    rows = _rows(session, "profit_margins", {"limit": limit})
    items = [
        ProductMarginOut.model_validate({"rank": rank, **row._mapping})
        for rank, row in enumerate(rows, start=1)
    ]
    return ProfitMarginsOut(limit=limit, items=items)


def orders_overview(
    session: Session, *, dates: DateRange = DateRange(), category: str | None = None
) -> OrdersOut:
    """Order counts and sizes, revenue, profit, share of High/Critical orders; with a category,
    the orders holding one of its items and, for the amounts, only those items."""
    row = _rows(session, "orders_overview", filter_params(session, dates, category))[0]
    return OrdersOut.model_validate(row._mapping)


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
) -> DiscountImpactOut:
    """Items (of the date range and category) grouped by discount level, the correlations, and
    their one-line reading."""
    rows = _rows(session, "discount_impact", filter_params(session, dates, category))
    levels = [DiscountLevelOut.model_validate(row._mapping) for row in rows]
    sales_r = rows[0].sales_correlation if rows else None
    quantity_r = rows[0].quantity_correlation if rows else None
    items = sum(level.item_count for level in levels)
    return DiscountImpactOut(
        levels=levels,
        sales_correlation=sales_r,
        quantity_correlation=quantity_r,
        reading=discount_reading(sales_r, quantity_r, items),
    )


def revenue_trend(
    session: Session,
    *,
    granularity: Granularity | str = Granularity.MONTH,
    dates: DateRange = DateRange(),
    category: str | None = None,
) -> RevenueTrendOut:
    """Revenue, profit, orders and items per day / ISO week / month, oldest first."""
    try:
        grain = Granularity(granularity)
    except ValueError:
        allowed = ", ".join(g.value for g in Granularity)
        raise InvalidParameterError("granularity", f"must be one of {allowed}") from None
    params = {"granularity": grain.value, **filter_params(session, dates, category)}
    points = [
        TrendPointOut.model_validate(row._mapping)
        for row in _rows(session, "revenue_trend", params)
    ]
    return RevenueTrendOut(
        granularity=grain.value,
        date_from=dates.date_from,
        date_to=dates.date_to,
        category=params["category"],
        points=points,
    )


def customer_lifetime_value(session: Session, *, limit: int = 10) -> CustomerLifetimeValueOut:
    """The `limit` most valuable customers and how value is distributed over all customers."""
    _check_limit(limit)
    rows = _rows(session, "customer_lifetime_value", {"limit": limit})
    first = rows[0]
    distribution = ValueDistributionOut.model_validate(
        {
            **first._mapping,
            "percentiles": dict(zip(PERCENTILES, first.revenue_percentiles or [], strict=False)),
        }
    )
    top = [CustomerValueOut.model_validate(row._mapping) for row in rows if row.rank is not None]
    return CustomerLifetimeValueOut(limit=limit, top=top, distribution=distribution)


def purchase_behaviour(
    session: Session, *, dates: DateRange = DateRange(), category: str | None = None
) -> PurchaseBehaviourOut:
    """Customers, orders, revenue and order value by device, login type and payment method, over
    the orders in the range (holding an item of the category; revenue: the category's items)."""
    groups: dict[str, list[SegmentOut]] = {
        "device_type": [],
        "login_type": [],
        "payment_method": [],
    }
    for row in _rows(session, "purchase_behaviour", filter_params(session, dates, category)):
        groups[row.dimension].append(SegmentOut.model_validate(row._mapping))
    return PurchaseBehaviourOut(
        by_device_type=groups["device_type"],
        by_login_type=groups["login_type"],
        by_payment_method=groups["payment_method"],
    )
