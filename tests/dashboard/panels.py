"""What every panel of the page must draw under given filters: the API's own answers to the same
filters, fetched here independently of the page and compared with the Plotly traces and KPI cards
the page shows."""

from __future__ import annotations

from typing import Any

import httpx
from playwright.sync_api import Page

from tests.dashboard import expected
from tests.dashboard.browser import kpis, traces


def numbers(values: list[str]) -> list[float]:
    return [float(v) for v in values]


def drawn(
    page: Page,
    api: httpx.Client,
    filters: dict[str, str] | None = None,
    *,
    granularity: str = "month",
    top_by: str = "sales",
) -> dict[str, Any]:
    """Each panel's drawing as the page shows it ("got") and as the API's answers to the same
    `filters` (date_from, date_to, category) say it must be ("want")."""
    f = filters or {}
    got: dict[str, Any] = {"kpis": kpis(page)}
    want: dict[str, Any] = {"kpis": expected.kpis(api, **f)}

    trend = expected.get(api, "/analytics/revenue-trend/", granularity=granularity, **f)["points"]
    revenue, profit = traces(page, "trend")
    got["trend"] = (revenue["x"], revenue["y"], profit["y"])
    want["trend"] = (
        [p["period_start"] for p in trend],
        numbers([p["revenue"] for p in trend]),
        numbers([p["profit"] for p in trend]),
    )

    top = expected.get(api, "/analytics/top-products/", by=top_by, limit=10, **f)["items"][::-1]
    field = {"sales": "total_sales", "quantity": "total_quantity", "profit": "total_profit"}
    (bars,) = traces(page, "top-products")
    got["top-products"] = (bars["y"], bars["x"])
    want["top-products"] = (
        [f"{i['rank']}. {i['product_name']}" for i in top],
        numbers([i[field[top_by]] for i in top]),
    )

    categories = expected.get(api, "/analytics/top-categories/", limit=100, **f)["items"]
    revenue, profit = traces(page, "categories")
    got["categories"] = (revenue["x"], revenue["y"], profit["y"])
    want["categories"] = (
        [c["category"] for c in categories],
        numbers([c["total_revenue"] for c in categories]),
        numbers([c["total_profit"] for c in categories]),
    )

    behaviour = expected.get(api, "/analytics/purchase-behaviour/", **f)
    for panel, key in [("devices", "by_device_type"), ("logins", "by_login_type")]:
        revenue, customers = traces(page, panel)
        got[panel] = (revenue["y"], customers["y"])
        want[panel] = (
            numbers([s["revenue"] for s in behaviour[key]]),
            [s["customers"] for s in behaviour[key]],
        )
    (pie,) = traces(page, "payments")
    got["payments"] = pie["values"]
    want["payments"] = [s["orders"] for s in behaviour["by_payment_method"]]

    impact = expected.get(api, "/analytics/discount-impact/", **f)
    sales, profit = traces(page, "discounts")
    got["discounts"] = (sales["y"], profit["y"], page.inner_text("#discounts .reading"))
    want["discounts"] = (
        numbers([level["total_sales"] for level in impact["levels"]]),
        numbers([level["total_profit"] for level in impact["levels"]]),
        impact["reading"],
    )
    return {"got": got, "want": want}


def assert_every_panel_shows(
    page: Page, api: httpx.Client, filters: dict[str, str] | None = None, granularity: str = "month"
) -> None:
    both = drawn(page, api, filters, granularity=granularity)
    assert both["got"] == both["want"]
