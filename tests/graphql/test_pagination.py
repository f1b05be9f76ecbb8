"""Relay connections: first/after, pageInfo, totalCount, orderBy, filters, nested pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from app.api.graphql.pagination import DEFAULT_PAGE_SIZE, encode_cursor
from tests.api.expected import Expected
from tests.graphql.conftest import GraphQL

CUSTOMER_PAGE = """
query Page($first: Int, $after: String, $orderBy: CustomerOrderBy! = CUSTOMER_ID,
           $filter: CustomerFilter) {
  customers(first: $first, after: $after, orderBy: $orderBy, filter: $filter) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { customerId totalSales orderCount gender } }
  }
}
"""


def _page(data: GraphQL, **variables: Any) -> dict[str, Any]:
    result: dict[str, Any] = data(CUSTOMER_PAGE, **variables)["customers"]
    return result


def test_default_page_is_20_with_total_and_page_info(data: GraphQL, expected: Expected) -> None:
    page = _page(data)
    assert len(page["edges"]) == DEFAULT_PAGE_SIZE == 20
    assert page["totalCount"] == len(expected.customers) == 697
    info = page["pageInfo"]
    assert info["hasNextPage"] and not info["hasPreviousPage"]
    assert info["startCursor"] == page["edges"][0]["cursor"]
    assert info["endCursor"] == page["edges"][-1]["cursor"]


def test_walking_after_end_cursor_visits_every_customer_once_in_order(
    data: GraphQL, expected: Expected
) -> None:
    seen: list[str] = []
    after = None
    # Bounded: a cursor that never moves on must fail the test, not hang the suite.
    for _ in range(len(expected.customers) // 100 + 2):
        page = _page(data, first=100, after=after)
        seen += [e["node"]["customerId"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    else:
        pytest.fail(f"still a next page after {len(seen)} customers")
    assert seen == sorted(expected.customers.index)  # each once, in order


def test_after_a_cursor_continues_right_behind_it(data: GraphQL) -> None:
    both = _page(data, first=10)["edges"]
    second = _page(data, first=5, after=both[4]["cursor"])
    assert second["edges"] == both[5:]
    assert second["pageInfo"]["hasPreviousPage"]


def test_page_past_the_end_is_empty_but_keeps_total(data: GraphQL, expected: Expected) -> None:
    page = _page(data, first=10, after=encode_cursor(5000))
    assert page["edges"] == []
    assert page["totalCount"] == len(expected.customers)
    assert page["pageInfo"] == {
        "hasNextPage": False,
        "hasPreviousPage": True,
        "startCursor": None,
        "endCursor": None,
    }


def test_order_by_total_sales_desc(data: GraphQL) -> None:
    nodes = [e["node"] for e in _page(data, first=100, orderBy="TOTAL_SALES_DESC")["edges"]]
    sales = [Decimal(n["totalSales"]) for n in nodes]
    assert sales == sorted(sales, reverse=True)
    assert sales[0] > sales[-1]


def test_order_by_order_count_desc_puts_repeat_customers_first(data: GraphQL) -> None:
    nodes = [e["node"] for e in _page(data, first=5, orderBy="ORDER_COUNT_DESC")["edges"]]
    assert nodes[0]["orderCount"] >= 2
    counts = [n["orderCount"] for n in nodes]
    assert counts == sorted(counts, reverse=True)


def test_customer_filter(data: GraphQL, expected: Expected) -> None:
    page = _page(data, first=100, filter={"gender": "Female"})
    women = expected.customers[expected.customers["gender"] == "Female"]
    assert page["totalCount"] == len(women)
    assert [e["node"]["customerId"] for e in page["edges"]] == sorted(women.index)[:100]
    assert {e["node"]["gender"] for e in page["edges"]} == {"Female"}


def test_orders_order_by_date_desc_and_filters(data: GraphQL, expected: Expected) -> None:
    query = """query($f: OrderFilter) {
      asc: orders(first: 100, filter: $f) { totalCount edges { node { orderDate priority } } }
      desc: orders(first: 100, filter: $f, orderBy: ORDER_DATE_DESC) {
        totalCount edges { node { orderDate } } }
    }"""
    result = data(query, f={"priority": "HIGH", "dateFrom": "2018-03-01"})
    asc = [e["node"] for e in result["asc"]["edges"]]
    desc = [e["node"]["orderDate"] for e in result["desc"]["edges"]]
    assert {n["priority"] for n in asc} == {"High"}
    assert all(n["orderDate"] >= "2018-03-01" for n in asc)
    assert [n["orderDate"] for n in asc] == sorted(n["orderDate"] for n in asc)
    assert desc == sorted(desc, reverse=True)
    orders = expected.orders
    matching = orders[(orders["priority"] == "High") & (orders["date"] >= dt.date(2018, 3, 1))]
    assert result["asc"]["totalCount"] == result["desc"]["totalCount"] == len(matching) > 0


def test_nested_orders_are_paginated_per_customer(data: GraphQL, expected: Expected) -> None:
    query = """{ customers(first: 3, orderBy: ORDER_COUNT_DESC) { edges { node {
        customerId orderCount
        all: orders(first: 100) { totalCount edges { node { id } } }
        one: orders(first: 1) { totalCount pageInfo { hasNextPage endCursor }
                                edges { node { id } } }
        newest: orders(first: 1, orderBy: ORDER_DATE_DESC) { edges { node { id } } }
    } } } }"""
    rest_of = """query($id: String!, $after: String) { customer(customerId: $id) {
        orders(first: 100, after: $after) { edges { node { id } } } } }"""
    for edge in data(query)["customers"]["edges"]:
        node = edge["node"]
        ids = [e["node"]["id"] for e in node["all"]["edges"]]
        order_count = expected.customers.loc[node["customerId"], "order_count"]
        assert node["all"]["totalCount"] == node["one"]["totalCount"] == node["orderCount"]
        assert node["orderCount"] == order_count >= 2
        assert [e["node"]["id"] for e in node["one"]["edges"]] == ids[:1]
        assert node["one"]["pageInfo"]["hasNextPage"]
        assert [e["node"]["id"] for e in node["newest"]["edges"]] == ids[-1:]
        after = node["one"]["pageInfo"]["endCursor"]
        rest = data(rest_of, id=node["customerId"], after=after)["customer"]["orders"]
        assert [e["node"]["id"] for e in rest["edges"]] == ids[1:]


def test_product_order_items_pages(data: GraphQL, expected: Expected) -> None:
    query = """query($after: String) { products(first: 1, orderBy: UNITS_SOLD_DESC) { edges {
        node { category itemCount orderItems(first: 3, after: $after) {
            totalCount pageInfo { hasNextPage endCursor }
            edges { node { position order { id } product { name } } } } name } } } }"""
    first = data(query)["products"]["edges"][0]["node"]
    items = first["orderItems"]
    item_count = expected.products.loc[(first["category"], first["name"]), "item_count"]
    assert items["totalCount"] == first["itemCount"] == item_count > 3
    assert {e["node"]["product"]["name"] for e in items["edges"]} == {first["name"]}
    second = data(query, after=items["pageInfo"]["endCursor"])["products"]["edges"][0]["node"]
    first_ids = [e["node"]["order"]["id"] for e in items["edges"]]
    second_ids = [e["node"]["order"]["id"] for e in second["orderItems"]["edges"]]
    assert first_ids + second_ids == sorted(first_ids + second_ids)
    assert not set(first_ids) & set(second_ids)


def test_products_order_by_total_sales_matches_top_products(data: GraphQL) -> None:
    result = data("""{
        products(first: 5, orderBy: TOTAL_SALES_DESC) { edges { node { id totalSales } } }
        analytics { topProducts(limit: 5) { product { id } totalSales } }
    }""")
    assert [(e["node"]["id"], e["node"]["totalSales"]) for e in result["products"]["edges"]] == [
        (t["product"]["id"], t["totalSales"]) for t in result["analytics"]["topProducts"]
    ]


def test_nested_page_past_the_end_still_knows_each_total(data: GraphQL, expected: Expected) -> None:
    query = """query($after: String) { customers(first: 5, orderBy: ORDER_COUNT_DESC) {
        edges { node { customerId orderCount orders(first: 2, after: $after) {
            totalCount edges { node { id } } pageInfo { hasNextPage hasPreviousPage } } } } } }"""
    for edge in data(query, after=encode_cursor(50))["customers"]["edges"]:
        orders = edge["node"]["orders"]
        assert orders["edges"] == []
        want = expected.customers.loc[edge["node"]["customerId"], "order_count"]
        assert orders["totalCount"] == edge["node"]["orderCount"] == want > 0
        assert orders["pageInfo"] == {"hasNextPage": False, "hasPreviousPage": True}
