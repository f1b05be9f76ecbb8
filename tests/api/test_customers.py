"""GET /customers/ and /customers/{customer_id} against pandas computations over the CSV."""

from __future__ import annotations

from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from tests.api.expected import Expected, dsum, money
from tests.api.helpers import all_pages, assert_invalid, assert_money, assert_problem


def test_list_returns_every_customer_once_with_latest_attributes(
    client: TestClient, expected: Expected
) -> None:
    customers = list(all_pages(client, "/customers/"))
    assert len(customers) == len(expected.customers) == 697
    by_id = {c["customer_id"]: c for c in customers}
    assert len(by_id) == len(customers)
    for customer_id, row in expected.customers.iterrows():
        got = by_id[str(customer_id)]
        assert (got["gender"], got["device_type"], got["login_type"]) == (
            row["gender"],
            row["device_type"],
            row["login_type"],
        )
        assert got["profile_as_of"] == row["profile_as_of"]


def test_list_is_ordered_by_customer_id(client: TestClient) -> None:
    ids = [c["customer_id"] for c in all_pages(client, "/customers/", limit=100)]
    assert ids == sorted(ids)


def test_default_page_is_50_with_total(client: TestClient) -> None:
    body = client.get("/customers/").json()
    assert (body["limit"], body["offset"], body["total"]) == (50, 0, 697)
    assert len(body["items"]) == 50


def test_pages_are_contiguous_and_do_not_overlap(client: TestClient) -> None:
    first = client.get("/customers/", params={"limit": 10}).json()["items"]
    second = client.get("/customers/", params={"limit": 10, "offset": 10}).json()["items"]
    both = client.get("/customers/", params={"limit": 20}).json()["items"]
    assert first + second == both


def test_page_beyond_the_end_is_empty_but_keeps_total(client: TestClient) -> None:
    body = client.get("/customers/", params={"offset": 10_000}).json()
    assert body == {"items": [], "total": 697, "limit": 50, "offset": 10_000}


def test_last_partial_page(client: TestClient) -> None:
    body = client.get("/customers/", params={"limit": 100, "offset": 690}).json()
    assert len(body["items"]) == 7


@pytest.mark.parametrize(
    ("param", "column", "value"),
    [
        ("gender", "gender", "Female"),
        ("device_type", "device_type", "Mobile"),
        ("login_type", "login_type", "Guest"),
    ],
)
def test_filters_match_pandas(
    client: TestClient, expected: Expected, param: str, column: str, value: str
) -> None:
    want = sorted(expected.customers.index[expected.customers[column] == value])
    got = [c["customer_id"] for c in all_pages(client, "/customers/", {param: value})]
    assert got == want
    assert 0 < len(got) < len(expected.customers)


def test_filters_combine(client: TestClient, expected: Expected) -> None:
    c = expected.customers
    want = sorted(c.index[(c["gender"] == "Male") & (c["device_type"] == "Web")])
    got = [
        c["customer_id"]
        for c in all_pages(client, "/customers/", {"gender": "Male", "device_type": "Web"})
    ]
    assert got == want


def test_unknown_filter_value_gives_empty_page(client: TestClient) -> None:
    body = client.get("/customers/", params={"gender": "Robot"}).json()
    assert (body["items"], body["total"]) == ([], 0)


@pytest.mark.parametrize("customer_id", ["37077", "31526", "92697", "99228", "52267"])
def test_detail_matches_pandas(client: TestClient, expected: Expected, customer_id: str) -> None:
    row = expected.customers.loc[customer_id]
    sales = Decimal(str(expected.customers.at[customer_id, "total_sales"]))
    profit = Decimal(str(expected.customers.at[customer_id, "total_profit"]))
    body = client.get(f"/customers/{customer_id}").json()
    assert body["customer_id"] == customer_id
    assert body["order_count"] == row["order_count"]
    assert body["item_count"] == row["item_count"]
    assert assert_money(body["total_sales"]) == money(sales)
    assert assert_money(body["total_profit"]) == money(profit)
    assert body["first_order_date"] == row["first_order_date"].isoformat()
    assert body["last_order_date"] == row["last_order_date"].isoformat()
    assert body["gender"] == row["gender"]


def test_repeat_customer_has_two_orders_and_their_date_span(
    client: TestClient, expected: Expected
) -> None:
    repeat = expected.customers[expected.customers["order_count"] > 1]
    assert len(repeat) == 3
    for customer_id, row in repeat.iterrows():
        body = client.get(f"/customers/{customer_id}").json()
        assert body["order_count"] == 2
        assert body["first_order_date"] == row["first_order_date"].isoformat()
        assert body["last_order_date"] == row["last_order_date"].isoformat()


def test_customer_sales_add_up_to_total_revenue(client: TestClient, expected: Expected) -> None:
    # Sum over all customers equals total revenue: no order is lost or double counted.
    sales = dsum(expected.customers["total_sales"])
    revenue = client.get("/analytics/revenue/").json()["total_revenue"]
    assert money(sales) == revenue


@pytest.mark.parametrize("customer_id", ["00000", "abc", "37077 ", "x" * 200, "%25"])
def test_unknown_customer_is_404_problem(client: TestClient, customer_id: str) -> None:
    body = assert_problem(client.get(f"/customers/{customer_id}"), 404)
    assert "customer" in body["detail"]


def test_nul_in_customer_id_is_404_not_500(client: TestClient) -> None:
    assert_problem(client.get("/customers/37077%00"), 404)


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"limit": 501}, "limit"),
        ({"limit": 0}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"offset": -1}, "offset"),
        ({"offset": 2**63}, "offset"),
        ({"offset": "9" * 30}, "offset"),
        ({"gender": "F\x00"}, "gender"),
    ],
)
def test_invalid_parameters_are_422(client: TestClient, params: dict, parameter: str) -> None:
    assert_invalid(client.get("/customers/", params=params), parameter)


def test_limit_500_is_allowed(client: TestClient) -> None:
    body = client.get("/customers/", params={"limit": 500}).json()
    assert len(body["items"]) == 500
