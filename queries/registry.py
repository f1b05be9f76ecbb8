"""Every insight by name, with how to compute it: the CLI's catalogue.

Each entry calls the insight's service function, the one REST and GraphQL call, and the answer is
the insight's output as declared once in `app.services.shapes`: the CLI's JSON is the REST
response, field for field. Options left unset are not passed, so the services' defaults apply
(the same defaults as the API's).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from sqlalchemy.orm import Session

from app.db.async_reads import run_read
from app.services import analytics, insights
from app.services.validation import DateRange


@dataclass(frozen=True, slots=True)
class Options:
    """Optional arguments; each insight uses those that apply to it (None = its default)."""

    limit: int | None = None
    by: str | None = None
    granularity: str | None = None
    category: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    @property
    def dates(self) -> DateRange:
        return DateRange(self.date_from, self.date_to)


@dataclass(frozen=True, slots=True)
class Insight:
    name: str  # also the REST path: /analytics/<name>/
    title: str
    sql: tuple[str, ...]  # the queries/*.sql files it runs
    answer: Callable[[Session, Options], BaseModel]  # the service call

    def run(self, options: Options) -> BaseModel:
        """The answer, read as the API reads it (`run_read`, on asyncpg)."""
        return asyncio.run(run_read(self.answer, options))


def _given(**options: Any) -> dict[str, Any]:
    """The options that are set, as keyword arguments: the service's defaults for the rest."""
    return {name: value for name, value in options.items() if value is not None}


def _filters(o: Options) -> dict[str, Any]:
    return {"dates": o.dates, "category": o.category}


INSIGHTS: dict[str, Insight] = {
    insight.name: insight
    for insight in (
        Insight(
            "customers",
            "Customers: total, per device type, share of each login type",
            ("customers_overview",),
            lambda s, o: insights.customers_overview(s, **_filters(o)),
        ),
        Insight(
            "top-products",
            "Top products by sales",
            ("top_products",),
            lambda s, o: analytics.top_products(s, **_given(by=o.by, limit=o.limit), **_filters(o)),
        ),
        Insight(
            "top-categories",
            "Top categories by revenue",
            ("top_categories",),
            lambda s, o: insights.top_categories(s, **_given(limit=o.limit), **_filters(o)),
        ),
        Insight(
            "profit-margins",
            "Products by profit margin (sum of profit / sum of sales)",
            ("profit_margins",),
            lambda s, o: insights.profit_margins(s, limit=o.limit),
        ),
        Insight(
            "orders",
            "Orders: size, revenue, profit, High/Critical share",
            ("orders_overview",),
            lambda s, o: insights.orders_overview(s, **_filters(o)),
        ),
        Insight(
            "revenue",
            "Revenue, profit, shipping, orders and items",
            ("revenue",),
            lambda s, o: analytics.revenue_summary(s, o.dates, category=o.category),
        ),
        Insight(
            "revenue-trend",
            "Revenue trend per day / ISO week / month",
            ("revenue_trend",),
            lambda s, o: insights.revenue_trend(
                s, **_given(granularity=o.granularity), **_filters(o)
            ),
        ),
        Insight(
            "discount-impact",
            "Discount impact: does a higher discount lead to more sales?",
            ("discount_impact",),
            lambda s, o: insights.discount_impact(s, **_filters(o)),
        ),
        Insight(
            "customer-lifetime-value",
            "Customer lifetime value: top customers and distribution",
            ("customer_lifetime_value",),
            lambda s, o: insights.customer_lifetime_value(s, **_given(limit=o.limit)),
        ),
        Insight(
            "purchase-behaviour",
            "Purchase behaviour by device, login type and payment method",
            ("purchase_behaviour",),
            lambda s, o: insights.purchase_behaviour(s, **_filters(o)),
        ),
    )
}
