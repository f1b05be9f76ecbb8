"""GET /analytics/top-products/ and /analytics/revenue/ against pandas over the CSV."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient

from tests.api.expected import Expected
from tests.api.helpers import assert_invalid, assert_money


def _top(body: dict) -> list[tuple[str, str, str, int, str]]:
    return [
        (
            p["product_name"],
            p["product_category"],
            p["total_sales"],
            p["total_quantity"],
            p["total_profit"],
        )
        for p in body["items"]
    ]


def test_top_products_default_is_five_by_sales(client: TestClient, expected: Expected) -> None:
    body = client.get("/analytics/top-products/").json()
    assert (body["by"], body["limit"]) == ("sales", 5)
    assert _top(body) == expected.top_products("sales", 5)
    assert [p["rank"] for p in body["items"]] == [1, 2, 3, 4, 5]
    for product in body["items"]:
        assert_money(product["total_sales"])
        assert_money(product["total_profit"])


@pytest.mark.parametrize("by", ["sales", "quantity", "profit"])
@pytest.mark.parametrize("limit", [1, 3, 10, 100])
def test_top_products_by_metric(
    client: TestClient, expected: Expected, by: str, limit: int
) -> None:
    body = client.get("/analytics/top-products/", params={"by": by, "limit": limit}).json()
    assert _top(body) == expected.top_products(by, limit)


def test_ties_are_broken_by_product_name(client: TestClient, expected: Expected) -> None:
    # The sample has a tie on sales (6384.00: "Titak watch" and "Towels"): name decides.
    top = _top(client.get("/analytics/top-products/", params={"limit": 3}).json())
    assert top[1][2] == top[2][2]
    assert top[1][0] < top[2][0]


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"by": "revenue"}, "by"),
        ({"by": ""}, "by"),
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"limit": "five"}, "limit"),
    ],
)
def test_top_products_invalid_parameters(client: TestClient, params: dict, parameter: str) -> None:
    assert_invalid(client.get("/analytics/top-products/", params=params), parameter)


def test_revenue_totals(client: TestClient, expected: Expected) -> None:
    body = client.get("/analytics/revenue/").json()
    want = expected.revenue()
    assert {k: body[k] for k in want} == want
    assert body["total_revenue"] == "104260.00"
    assert (body["date_from"], body["date_to"]) == (None, None)
    for key in ("total_revenue", "total_profit", "total_shipping_cost"):
        assert_money(body[key])


@pytest.mark.parametrize(
    ("date_from", "date_to"),
    [
        ("2018-01-01", "2018-03-01"),
        ("2018-07-01", None),
        (None, "2018-02-15"),
        ("2018-05-05", "2018-05-05"),
    ],
)
def test_revenue_in_a_date_range(
    client: TestClient, expected: Expected, date_from: str | None, date_to: str | None
) -> None:
    params = {k: v for k, v in {"date_from": date_from, "date_to": date_to}.items() if v}
    body = client.get("/analytics/revenue/", params=params).json()
    want = expected.revenue(
        dt.date.fromisoformat(date_from) if date_from else None,
        dt.date.fromisoformat(date_to) if date_to else None,
    )
    assert {k: body[k] for k in want} == want
    assert (body["date_from"], body["date_to"]) == (date_from, date_to)


def test_revenue_of_an_empty_range_is_zero_not_null(client: TestClient) -> None:
    body = client.get("/analytics/revenue/", params={"date_from": "2030-01-01"}).json()
    assert body["total_revenue"] == body["total_profit"] == body["total_shipping_cost"] == "0.00"
    assert body["order_count"] == body["item_count"] == 0


def test_revenue_date_from_after_date_to_is_422(client: TestClient) -> None:
    response = client.get(
        "/analytics/revenue/", params={"date_from": "2018-02-01", "date_to": "2018-01-01"}
    )
    assert "before" in assert_invalid(response, "date_from")["errors"][0]["message"]


@pytest.mark.parametrize("date", ["2018-02-30", "02/01/2018", "2018-1-1x"])
def test_revenue_bad_date_is_422(client: TestClient, date: str) -> None:
    assert_invalid(client.get("/analytics/revenue/", params={"date_to": date}), "date_to")
