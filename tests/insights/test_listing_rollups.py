"""Listings answered from rollups: the customers listing's `total` (migration 0003) and the sums
per product (migration 0004) must equal pandas' numbers, from the materialized rollups and from
the live fallback while they are stale (the `client` fixture runs every test on both)."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from app.services.rollups import refresh_if_stale, rollups_fresh
from tests.api.expected import Expected, money
from tests.api.helpers import all_pages

FILTERS = ("gender", "device_type", "login_type")


def _choices(customers: pd.DataFrame, column: str) -> list[str | None]:
    """Unset, every value the sample has, and one it has not."""
    return [None, *sorted(customers[column].dropna().unique()), "Nobody"]


def test_total_matches_pandas_for_every_filter_combination(
    client: TestClient, expected: Expected
) -> None:
    customers = expected.customers
    combinations = itertools.product(*(_choices(customers, column) for column in FILTERS))
    checked = 0
    for values in combinations:
        params = {name: value for name, value in zip(FILTERS, values, strict=True) if value}
        matching = customers
        for name, value in params.items():
            matching = matching[matching[name] == value]
        body = client.get("/customers/", params={**params, "limit": 1}).json()
        assert body["total"] == len(matching), params
        assert len(body["items"]) == min(1, len(matching)), params
        checked += 1
    assert checked > 30


def test_graphql_total_count_matches_pandas(client: TestClient, expected: Expected) -> None:
    query = 'query { customers(first: 1, filter: {gender: "Female"}) { totalCount } }'
    answer = client.post("/graphql", json={"query": query}).json()
    want = int((expected.customers["gender"] == "Female").sum())
    assert answer == {"data": {"customers": {"totalCount": want}}}
    assert 0 < want < len(expected.customers)


def test_product_sums_match_pandas(client: TestClient, expected: Expected) -> None:
    products = list(all_pages(client, "/products/"))
    assert len(products) == len(expected.products) > 0
    for product in products:
        row = expected.products.loc[(product["category"], product["name"])]
        assert product["units_sold"] == row["units_sold"]
        assert product["total_sales"] == money(row["total_sales"])
        assert product["total_profit"] == money(row["total_profit"])
        assert product["item_count"] == row["item_count"]


def test_graphql_orders_products_by_their_sums(client: TestClient, expected: Expected) -> None:
    query = "{ products(first: 100, orderBy: %s) { edges { node { name %s } } } }"
    for order_by, field, column in (
        ("TOTAL_SALES_DESC", "totalSales", "total_sales"),
        ("UNITS_SOLD_DESC", "unitsSold", "units_sold"),
    ):
        answer = client.post("/graphql", json={"query": query % (order_by, field)}).json()
        got = [Decimal(str(e["node"][field])) for e in answer["data"]["products"]["edges"]]
        want = sorted((Decimal(str(v)) for v in expected.products[column]), reverse=True)
        assert got == want


def test_graphql_product_sums_match_rest(client: TestClient) -> None:
    rest = client.get("/products/", params={"limit": 5}).json()["items"]
    query = "query($id: Int!) { product(id: $id) { unitsSold totalSales totalProfit itemCount } }"
    for product in rest:
        answer = client.post("/graphql", json={"query": query, "variables": {"id": product["id"]}})
        got = answer.json()["data"]["product"]
        assert (got["unitsSold"], got["totalSales"], got["totalProfit"], got["itemCount"]) == (
            product["units_sold"],
            product["total_sales"],
            product["total_profit"],
            product["item_count"],
        )


def test_concurrent_refresh_keeps_groups_with_missing_attributes(
    new_database: Callable[[], Engine],
) -> None:
    """`summary_customer_counts` is keyed by columns that may be NULL (a CSV without a value): a
    refresh must still replace such a group's count, not keep or double it."""
    engine = new_database()
    insert = text(
        "INSERT INTO customers (customer_id, gender, device_type, login_type, profile_as_of) "
        "VALUES (:id, :gender, :device, NULL, now())"
    )

    def counts() -> list[tuple[object, ...]]:
        with engine.connect() as conn:
            assert rollups_fresh(conn)
            rows = conn.execute(text("SELECT * FROM summary_customer_counts ORDER BY 1, 2, 3"))
            return [tuple(row) for row in rows]

    with engine.begin() as conn:
        conn.execute(insert, [{"id": "1", "gender": None, "device": "Web"}])
        conn.execute(insert, [{"id": "2", "gender": "Male", "device": None}])
    assert refresh_if_stale(engine) is not None
    assert counts() == [("Male", None, None, 1), (None, "Web", None, 1)]
    with engine.begin() as conn:
        conn.execute(insert, [{"id": "3", "gender": None, "device": "Web"}])
    assert refresh_if_stale(engine) is not None  # the table being populated
    assert counts() == [("Male", None, None, 1), (None, "Web", None, 2)]


SORTED_PAGE = """query($after: String, $orderBy: CustomerOrderBy!, $filter: CustomerFilter) {
  customers(first: 100, after: $after, orderBy: $orderBy, filter: $filter) {
    totalCount pageInfo { hasNextPage endCursor } edges { node { customerId } }
  }
}"""


SORTS = [("TOTAL_SALES_DESC", "total_sales"), ("ORDER_COUNT_DESC", "order_count")]


@pytest.mark.parametrize(("order_by", "column"), SORTS)
@pytest.mark.parametrize("gender", [None, "Female"])
def test_sorted_customers_match_pandas_page_by_page(
    client: TestClient, expected: Expected, order_by: str, column: str, gender: str | None
) -> None:
    """Sorted by sales or by orders (read from `summary_customer_ranks` while fresh, sorted live
    while stale): every page in pandas' order, ties by dataset id, the same total."""
    customers = expected.customers
    if gender is not None:
        customers = customers[customers["gender"] == gender]
    want = [
        customer_id
        for _, customer_id in sorted(
            (-Decimal(str(value)), customer_id) for customer_id, value in customers[column].items()
        )
    ]
    got: list[str] = []
    after = None
    variables = {"orderBy": order_by, "filter": {"gender": gender} if gender else None}

    def page_after(cursor: str | None) -> dict[str, Any]:
        body = {"query": SORTED_PAGE, "variables": {**variables, "after": cursor}}
        page: dict[str, Any] = client.post("/graphql", json=body).json()["data"]["customers"]
        assert page["totalCount"] == len(want)
        return page

    # Bounded: a cursor that never moves on must fail the test, not hang the suite.
    for _ in range(len(want) // 100 + 2):
        page = page_after(after)
        got += [edge["node"]["customerId"] for edge in page["edges"]]
        after = page["pageInfo"]["endCursor"]
        if not page["pageInfo"]["hasNextPage"]:
            break
    else:
        pytest.fail(f"still a next page after {len(got)} of {len(want)} customers")
    assert got == want
    assert page_after(after)["edges"] == []  # past the end: no rows, the same total
