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


def kpis(api: httpx.Client, **filters: str | None) -> dict[str, str]:
    """The KPI cards under `filters` (date_from, date_to, category). Revenue, profit and orders
    are taken from /analytics/revenue/ although the page reads /analytics/orders/: the two
    routes must agree, and the page must show them."""
    revenue = get(api, "/analytics/revenue/", **filters)
    overview = get(api, "/analytics/orders/", **filters)
    customers = get(api, "/analytics/customers/", **filters)
    total, profit = Decimal(revenue["total_revenue"]), Decimal(revenue["total_profit"])
    orders = revenue["order_count"]
    return {
        "revenue": money(total),
        "profit": money(profit),
        "margin": share(profit, total),
        "orders": count(orders),
        "aov": money((total / orders).quantize(CENT, rounding=ROUND_HALF_UP)),
        "customers": count(customers["total_customers"]),
        "urgent": percent(overview["high_or_critical_pct"]),
    }
