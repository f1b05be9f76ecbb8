"""GET /products/ against pandas computations over the CSV."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.api.expected import Expected, money
from tests.api.helpers import all_pages, assert_invalid, assert_money


def test_every_product_with_units_and_sales(client: TestClient, expected: Expected) -> None:
    products = list(all_pages(client, "/products/"))
    assert len(products) == len(expected.products) == 30
    for product in products:
        row = expected.products.loc[(product["category"], product["name"])]
        assert product["units_sold"] == row["units_sold"]
        assert assert_money(product["total_sales"]) == money(row["total_sales"])
        assert assert_money(product["total_profit"]) == money(row["total_profit"])
        assert product["item_count"] == row["item_count"]


def test_ordered_by_category_then_name(client: TestClient, expected: Expected) -> None:
    got = [(p["category"], p["name"]) for p in all_pages(client, "/products/", limit=7)]
    assert got == sorted(expected.products.index)


def test_pagination(client: TestClient) -> None:
    page = client.get("/products/", params={"limit": 4, "offset": 28}).json()
    assert (len(page["items"]), page["total"], page["limit"], page["offset"]) == (2, 30, 4, 28)
    assert client.get("/products/", params={"offset": 30}).json()["items"] == []


def test_category_filter(client: TestClient, expected: Expected) -> None:
    got = [p["name"] for p in all_pages(client, "/products/", {"category": "Fashion"})]
    want = sorted(name for category, name in expected.products.index if category == "Fashion")
    assert got == want and want


@pytest.mark.parametrize("q", ["car", "CAR", "Car", "shoe", "t - s", "watch"])
def test_q_is_a_case_insensitive_substring(client: TestClient, expected: Expected, q: str) -> None:
    got = sorted(p["name"] for p in all_pages(client, "/products/", {"q": q}))
    want = sorted(name for _, name in expected.products.index if q.lower() in name.lower())
    assert got == want and want


@pytest.mark.parametrize("q", ["%", "_", "Car%", "C_r", "\\", "'; DROP TABLE products; --"])
def test_q_wildcards_match_literally(client: TestClient, q: str) -> None:
    # No product name contains these characters, so an unescaped LIKE would wrongly match many.
    body = client.get("/products/", params={"q": q}).json()
    assert (body["items"], body["total"]) == ([], 0)


def test_q_combines_with_category(client: TestClient) -> None:
    got = [p["name"] for p in all_pages(client, "/products/", {"q": "car", "category": "Fashion"})]
    assert got == []
    assert (
        client.get("/products/", params={"q": "car", "category": "Auto & Accessories"}).json()[
            "total"
        ]
        == 7
    )


@pytest.mark.parametrize(
    ("params", "parameter"),
    [({"limit": 1000}, "limit"), ({"limit": -5}, "limit"), ({"q": "a\x00"}, "q")],
)
def test_invalid_parameters_are_422(client: TestClient, params: dict, parameter: str) -> None:
    assert_invalid(client.get("/products/", params=params), parameter)
