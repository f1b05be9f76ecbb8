"""No N+1: a nested page costs the same number of SQL statements whatever its size, and the
DataLoaders that make it so belong to one request only."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from app.api.graphql import values
from app.api.graphql.context import get_context
from app.main import app
from tests.graphql.conftest import GraphQL, StatementLog

NESTED = """
query Nested($n: Int!) {
  customers(first: $n) {
    edges { node { orders { edges { node { items { product { name } } } } } } }
  }
}
"""

NESTED_WIDE = """
query Wide($n: Int!) {
  customers(first: $n) {
    totalCount
    edges { node {
      customerId orderCount totalSales
      orders { totalCount edges { node {
        id total itemCount customer { customerId }
        items { quantity sales product { name category unitsSold totalSales } order { id } }
      } } }
    } }
  }
}
"""


def _nested_count(data: GraphQL, statements: StatementLog, query: str, n: int) -> int:
    statements.clear()
    result = data(query, n=n)
    assert len(result["customers"]["edges"]) == n
    return len(statements)


# `orders` without arguments is preloaded by the customers page (no DataLoader involved);
# with arguments each customer's `orders` goes through the DataLoader, which must batch them.
ORDERS_FIELDS = ["orders", "orders(first: 100)"]


@pytest.mark.parametrize("orders_field", ORDERS_FIELDS)
def test_nested_page_costs_the_same_statements_for_5_and_100_customers(
    data: GraphQL, statements: StatementLog, orders_field: str
) -> None:
    query = NESTED.replace("orders {", orders_field + " {")
    five = _nested_count(data, statements, query, 5)
    hundred = _nested_count(data, statements, query, 100)
    assert five == hundred
    # The customers page, their orders, the orders' items (the issue allows up to 5).
    assert hundred == 3, statements.statements


def test_every_field_on_every_level_still_batches(data: GraphQL, statements: StatementLog) -> None:
    five = _nested_count(data, statements, NESTED_WIDE, 5)
    hundred = _nested_count(data, statements, NESTED_WIDE, 100)
    assert five == hundred
    # count + page, customer stats, orders, order totals, items, product sums.
    assert hundred <= 7, statements.statements


def test_nested_levels_are_loaded_with_any_of_an_array(
    data: GraphQL, statements: StatementLog
) -> None:
    _nested_count(data, statements, NESTED, 50)
    batched = [s for s in statements.statements if "= ANY (" in s]
    assert len(batched) == 2  # orders of the customers, items of the orders; products primed
    assert not any(" IN (" in s for s in statements.statements)


def test_a_second_request_does_not_reuse_the_first_ones_cache(
    data: GraphQL, statements: StatementLog
) -> None:
    first = _nested_count(data, statements, NESTED, 10)
    second = _nested_count(data, statements, NESTED, 10)
    assert first == second > 0


def test_each_request_gets_fresh_loaders() -> None:
    async def two_contexts() -> None:
        contexts = [get_context(), get_context()]
        one, two = [await anext(context) for context in contexts]
        assert one.loaders is not two.loaders
        assert one.loaders.customer is not two.loaders.customer
        assert one.db is not two.db
        for context in contexts:
            await context.aclose()

    asyncio.run(two_contexts())


@pytest.mark.usefixtures("client")
def test_concurrent_requests_each_see_their_own_customer(data: GraphQL) -> None:
    ids = [e["node"]["customerId"] for e in data(NESTED_WIDE, n=30)["customers"]["edges"]]
    query = (
        "query One($id: String!) { customer(customerId: $id) { customerId orders {"
        " edges { node { customer { customerId } items { product { name } } } } } } }"
    )

    async def fetch_all() -> list[dict[str, Any]]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            responses = await asyncio.gather(
                *(
                    client.post("/graphql", json={"query": query, "variables": {"id": i}})
                    for i in ids
                )
            )
        return [r.json() for r in responses]

    for customer_id, body in zip(ids, asyncio.run(fetch_all()), strict=True):
        assert "errors" not in body, body
        customer = body["data"]["customer"]
        assert customer["customerId"] == customer_id
        for edge in customer["orders"]["edges"]:
            assert edge["node"]["customer"]["customerId"] == customer_id


@pytest.mark.parametrize(
    ("orders_field", "preloaded"),
    [("orders", True), ("orders(first: 2)", False), ("orders(orderBy: ORDER_DATE_DESC)", False)],
)
def test_a_page_preloads_its_customers_orders_when_they_take_no_arguments(
    data: GraphQL,
    statements: StatementLog,
    monkeypatch: pytest.MonkeyPatch,
    orders_field: str,
    preloaded: bool,
) -> None:
    """The customers page loads its customers' orders through the DataLoader their `orders`
    fields use, so those resolve at once (no awaitable each); with arguments they load as
    usual. The statements are the same either way."""
    waits: list[object] = []
    original = values._await_then

    async def counting(pending: Any, then: Any) -> Any:
        waits.append(pending)
        return await original(pending, then)

    monkeypatch.setattr(values, "_await_then", counting)
    query = NESTED.replace("orders {", orders_field + " {")
    statements.clear()
    result = data(query, n=10)
    edges = result["customers"]["edges"]
    assert len(edges) == 10 and any(e["node"]["orders"]["edges"] for e in edges)
    assert len(statements) <= 5
    assert (len(waits) == 0) is preloaded, len(waits)
