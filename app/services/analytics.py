"""Business insights; their SQL lives once in `queries/*.sql` and runs only from here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from sqlalchemy.orm import Session

from app.services.errors import InvalidParameterError
from app.services.insights import filter_params
from app.services.validation import DateRange
from queries import load_query

TOP_PRODUCTS_MAX = 100


class TopProductMetric(StrEnum):
    SALES = "sales"
    QUANTITY = "quantity"
    PROFIT = "profit"


@dataclass(frozen=True, slots=True)
class TopProduct:
    product_id: int
    product_name: str
    product_category: str
    total_sales: Decimal
    total_quantity: int
    total_profit: Decimal


@dataclass(frozen=True, slots=True)
class RevenueSummary:
    total_revenue: Decimal
    total_profit: Decimal
    total_shipping_cost: Decimal
    order_count: int
    item_count: int
    date_from: dt.date | None
    date_to: dt.date | None
    category: str | None


def top_products(
    session: Session,
    *,
    by: TopProductMetric | str = TopProductMetric.SALES,
    limit: int = 5,
    dates: DateRange = DateRange(),
    category: str | None = None,
) -> list[TopProduct]:
    """The `limit` best products by `by` (of `category`, if given), ties broken by name."""
    try:
        metric = TopProductMetric(by)
    except ValueError:
        allowed = ", ".join(m.value for m in TopProductMetric)
        raise InvalidParameterError("by", f"must be one of {allowed}") from None
    if not 1 <= limit <= TOP_PRODUCTS_MAX:
        raise InvalidParameterError("limit", f"must be between 1 and {TOP_PRODUCTS_MAX}")
    rows = session.execute(
        load_query("top_products"),
        {"by": metric.value, "limit": limit, **filter_params(session, dates, category)},
    ).all()
    return [TopProduct(*row) for row in rows]


def revenue_summary(
    session: Session, dates: DateRange = DateRange(), *, category: str | None = None
) -> RevenueSummary:
    """Revenue (sum of recorded sales), profit, shipping, order and item counts in a date range;
    with a category, of its items and the orders holding one."""
    params = filter_params(session, dates, category)
    row = session.execute(load_query("revenue"), params).one()
    return RevenueSummary(
        total_revenue=row.total_revenue,
        total_profit=row.total_profit,
        total_shipping_cost=row.total_shipping_cost,
        order_count=row.order_count,
        item_count=row.item_count,
        date_from=dates.date_from,
        date_to=dates.date_to,
        category=params["category"],
    )
