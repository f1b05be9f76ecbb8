"""What the page must show, computed from the API's own answers and formatted like the page
(Intl.NumberFormat en-US: grouping commas, 2 decimals for money and percentages)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import httpx

CENT = Decimal("0.01")


def money(value: str | Decimal) -> str:
    return f"{Decimal(value):,.2f}"


def count(value: int) -> str:
    return f"{value:,}"


def percent(value: str | Decimal) -> str:
    """An API percentage ("40.29", on a 0-100 scale)."""
    return f"{Decimal(value):.2f}%"


def share(numerator: Decimal, denominator: Decimal) -> str:
    return percent((100 * numerator / denominator).quantize(CENT, rounding=ROUND_HALF_UP))


def get(api: httpx.Client, path: str, **params: Any) -> Any:
    response = api.get(path, params={k: v for k, v in params.items() if v is not None})
    response.raise_for_status()
    return response.json()


def totals(
    api: httpx.Client,
    date_from: str | None = None,
    date_to: str | None = None,
    category: str | None = None,
) -> tuple[Decimal, Decimal, int]:
    """Revenue, profit, orders: /analytics/revenue/, or the category's trend periods summed."""
    if category is None:
        r = get(api, "/analytics/revenue/", date_from=date_from, date_to=date_to)
        return Decimal(r["total_revenue"]), Decimal(r["total_profit"]), r["order_count"]
    points = get(
        api,
        "/analytics/revenue-trend/",
        granularity="month",
        date_from=date_from,
        date_to=date_to,
        category=category,
    )["points"]
    return (
        sum((Decimal(p["revenue"]) for p in points), Decimal(0)),
        sum((Decimal(p["profit"]) for p in points), Decimal(0)),
        sum(p["order_count"] for p in points),
    )


def kpis(api: httpx.Client, **filters: str | None) -> dict[str, str]:
    revenue, profit, orders = totals(api, **filters)
    customers = get(api, "/analytics/customers/")
    overview = get(api, "/analytics/orders/")
    return {
        "revenue": money(revenue),
        "profit": money(profit),
        "margin": share(profit, revenue),
        "orders": count(orders),
        "aov": money((revenue / orders).quantize(CENT, rounding=ROUND_HALF_UP)),
        "customers": count(customers["total_customers"]),
        "urgent": percent(overview["high_or_critical_pct"]),
    }
