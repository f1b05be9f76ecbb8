"""Every insight by name, with how to compute it: the CLI's catalogue.

Each entry calls the REST route function itself (a coroutine, plain Python once FastAPI is out of
the way), so the CLI prints exactly what the API serves: same service call, same SQL file, same
response model.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from app.api.rest import analytics as analytics_api
from app.api.rest import insights as insights_api
from app.services.analytics import TopProductMetric
from app.services.insights import Granularity
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
    run: Callable[[Options], Coroutine[Any, Any, BaseModel]]


def _or(value: int | None, default: int) -> int:
    return default if value is None else value


def _top_products(o: Options) -> Coroutine[Any, Any, BaseModel]:
    return analytics_api.top_products(
        o.dates, TopProductMetric(o.by or "sales"), _or(o.limit, 5), o.category
    )


def _revenue_trend(o: Options) -> Coroutine[Any, Any, BaseModel]:
    grain = Granularity(o.granularity or "month")
    return insights_api.revenue_trend(o.dates, grain, o.category)


INSIGHTS: dict[str, Insight] = {
    insight.name: insight
    for insight in (
        Insight(
            "customers",
            "Customers: total, per device type, share of each login type",
            ("customers_overview",),
            lambda o: insights_api.customers(o.dates, o.category),
        ),
        Insight("top-products", "Top products by sales", ("top_products",), _top_products),
        Insight(
            "top-categories",
            "Top categories by revenue",
            ("top_categories",),
            lambda o: insights_api.top_categories(_or(o.limit, 3), o.dates, o.category),
        ),
        Insight(
            "profit-margins",
            "Products by profit margin (sum of profit / sum of sales)",
            ("profit_margins",),
            lambda o: insights_api.profit_margins(o.limit),
        ),
        Insight(
            "orders",
            "Orders: size, revenue, profit, High/Critical share",
            ("orders_overview",),
            lambda o: insights_api.orders(o.dates, o.category),
        ),
        Insight(
            "revenue",
            "Revenue, profit, shipping, orders and items",
            ("revenue",),
            lambda o: analytics_api.revenue(o.dates, o.category),
        ),
        Insight(
            "revenue-trend",
            "Revenue trend per day / ISO week / month",
            ("revenue_trend",),
            _revenue_trend,
        ),
        Insight(
            "discount-impact",
            "Discount impact: does a higher discount lead to more sales?",
            ("discount_impact",),
            lambda o: insights_api.discount_impact(o.dates, o.category),
        ),
        Insight(
            "customer-lifetime-value",
            "Customer lifetime value: top customers and distribution",
            ("customer_lifetime_value",),
            lambda o: insights_api.customer_lifetime_value(_or(o.limit, 10)),
        ),
        Insight(
            "purchase-behaviour",
            "Purchase behaviour by device, login type and payment method",
            ("purchase_behaviour",),
            lambda o: insights_api.purchase_behaviour(o.dates, o.category),
        ),
    )
}
