"""Every insight route against pandas over the CSV, along both the rollup and the live path."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.expected import Expected
from tests.api.helpers import assert_invalid
from tests.insights import expected as exp


def get(client: TestClient, url: str, **params: Any) -> Any:
    response = client.get(url, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_customers(client: TestClient, expected: Expected) -> None:
    assert get(client, "/analytics/customers/") == exp.customers_overview(expected)


def test_customer_shares_add_up_to_100(client: TestClient) -> None:
    body = get(client, "/analytics/customers/")
    for key in ("by_device_type", "by_login_type"):
        total = sum(float(s["share_pct"]) for s in body[key])
        assert abs(total - 100) <= 0.01 * len(body[key])


@pytest.mark.parametrize("limit", [1, 3, 100])
def test_top_categories(client: TestClient, expected: Expected, limit: int) -> None:
    body = get(client, "/analytics/top-categories/", limit=limit)
    assert body == {"limit": limit, "items": exp.top_categories(expected, limit)}


def test_top_categories_default_is_three(client: TestClient, expected: Expected) -> None:
    body = get(client, "/analytics/top-categories/")
    assert body["items"] == exp.top_categories(expected, 3)


def _without_ids(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in item.items() if k != "product_id"} for item in items]


def test_profit_margins(client: TestClient, expected: Expected) -> None:
    body = get(client, "/analytics/profit-margins/")
    assert body["limit"] is None
    assert _without_ids(body["items"]) == exp.profit_margins(expected)


def test_profit_margins_limit(client: TestClient, expected: Expected) -> None:
    body = get(client, "/analytics/profit-margins/", limit=5)
    assert _without_ids(body["items"]) == exp.profit_margins(expected)[:5]


def test_top_products_by_sales_still_matches(client: TestClient, expected: Expected) -> None:
    # The existing route now reads the rollups too.
    items = get(client, "/analytics/top-products/")["items"]
    got = [
        (p["product_name"], p["product_category"], p["total_sales"], p["total_quantity"])
        for p in items
    ]
    want = [(n, c, s, q) for n, c, s, q, _ in expected.top_products("sales", 5)]
    assert got == want


def test_orders(client: TestClient, expected: Expected) -> None:
    assert get(client, "/analytics/orders/") == exp.orders_overview(expected)


def test_revenue_still_matches(client: TestClient, expected: Expected) -> None:
    body = get(client, "/analytics/revenue/", date_from="2018-03-01", date_to="2018-06-30")
    want = expected.revenue(dt.date(2018, 3, 1), dt.date(2018, 6, 30))
    assert {k: body[k] for k in want} == want


def test_discount_impact(client: TestClient, expected: Expected) -> None:
    body = get(client, "/analytics/discount-impact/")
    reading = body.pop("reading")
    assert body == exp.discount_impact(expected)
    # The reading is derived from the numbers: it quotes both correlations.
    assert f"r = {float(body['sales_correlation']):+.4f}" in reading
    assert f"r = {float(body['quantity_correlation']):+.4f}" in reading
    items = sum(level["item_count"] for level in body["levels"])
    assert f"{items:,} items" in reading


@pytest.mark.parametrize("granularity", ["day", "week", "month"])
def test_revenue_trend(client: TestClient, expected: Expected, granularity: str) -> None:
    body = get(client, "/analytics/revenue-trend/", granularity=granularity)
    assert body["granularity"] == granularity
    assert body["points"] == exp.revenue_trend(expected, granularity)


def test_revenue_trend_default_is_monthly(client: TestClient, expected: Expected) -> None:
    body = get(client, "/analytics/revenue-trend/")
    assert body["points"] == exp.revenue_trend(expected, "month")


def test_weeks_start_on_monday(client: TestClient) -> None:
    points = get(client, "/analytics/revenue-trend/", granularity="week")["points"]
    assert points
    assert all(dt.date.fromisoformat(p["period_start"]).weekday() == 0 for p in points)


@pytest.mark.parametrize("category", ["Fashion", "Auto & Accessories"])
@pytest.mark.parametrize("granularity", ["week", "month"])
def test_revenue_trend_filtered(
    client: TestClient, expected: Expected, category: str, granularity: str
) -> None:
    params = {"granularity": granularity, "category": category}
    params |= {"date_from": "2018-02-15", "date_to": "2018-10-20"}
    body = get(client, "/analytics/revenue-trend/", **params)
    assert (body["category"], body["date_from"], body["date_to"]) == (
        category,
        "2018-02-15",
        "2018-10-20",
    )
    want = exp.revenue_trend(
        expected, granularity, dt.date(2018, 2, 15), dt.date(2018, 10, 20), category
    )
    assert want and body["points"] == want


def test_revenue_trend_unknown_category_is_empty(client: TestClient) -> None:
    body = get(client, "/analytics/revenue-trend/", category="No such category")
    assert body["points"] == []


@pytest.mark.parametrize("limit", [1, 10, 100])
def test_customer_lifetime_value(client: TestClient, expected: Expected, limit: int) -> None:
    body = get(client, "/analytics/customer-lifetime-value/", limit=limit)
    assert body == exp.customer_lifetime_value(expected, limit)


def test_purchase_behaviour(client: TestClient, expected: Expected) -> None:
    assert get(client, "/analytics/purchase-behaviour/") == exp.purchase_behaviour(expected)


@pytest.mark.parametrize(
    ("url", "params", "parameter"),
    [
        ("/analytics/revenue-trend/", {"granularity": "year"}, "granularity"),
        ("/analytics/revenue-trend/", {"granularity": ""}, "granularity"),
        ("/analytics/revenue-trend/", {"date_from": "2018-02-30"}, "date_from"),
        (
            "/analytics/revenue-trend/",
            {"date_from": "2018-05-01", "date_to": "2018-04-01"},
            "date_from",
        ),
        ("/analytics/revenue-trend/", {"category": "a\x00b"}, "category"),
        ("/analytics/top-categories/", {"limit": 0}, "limit"),
        ("/analytics/top-categories/", {"limit": 101}, "limit"),
        ("/analytics/profit-margins/", {"limit": "all"}, "limit"),
        ("/analytics/customer-lifetime-value/", {"limit": 0}, "limit"),
        ("/analytics/customer-lifetime-value/", {"limit": 101}, "limit"),
    ],
)
def test_invalid_parameters_are_422_problems(
    client: TestClient, url: str, params: dict[str, Any], parameter: str
) -> None:
    assert_invalid(client.get(url, params=params), parameter)
