"""Orders with several items, through the API: the real sample has none, so a synthetic file dense
in them (tests/conftest.py `multi_item_csv`) is loaded and every order, its items in file order
and its totals are compared with pandas' reading of the same file (tests/api/expected.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.db import engine as db_engine
from app.main import app
from tests.api.expected import ORDER_KEY, Expected, money
from tests.api.helpers import all_pages

Key = tuple[str, str, str]


@pytest.fixture(scope="module")
def multi(multi_item_csv: Path) -> Expected:
    return Expected.from_csv(multi_item_csv)


@pytest.fixture(scope="module")
def items_of(multi: Expected) -> dict[Key, pd.DataFrame]:
    """Each order's CSV rows, in file order."""
    return {key: rows.sort_values("row") for key, rows in multi.rows.groupby(ORDER_KEY)}


@pytest.fixture(scope="module")
def multi_client(new_database: Callable[[], Engine], multi_item_csv: Path) -> Iterator[TestClient]:
    from loader.load import load_csv

    engine = new_database()
    assert load_csv(multi_item_csv, engine).committed
    db_engine.set_engine(engine)
    yield TestClient(app)  # no `with`: the lifespan would dispose the engine
    db_engine.dispose_engine()


def _key(order: dict[str, Any]) -> Key:
    return (order["customer_id"], order["order_date"], order["order_time"])


def _or_none(cell: str) -> str | None:
    return cell or None


def test_the_file_has_what_the_real_sample_lacks(
    multi: Expected, items_of: dict[Key, pd.DataFrame]
) -> None:
    counts = multi.orders["item_count"]
    assert (counts > 1).sum() > 150 and counts.max() >= 3
    disagreeing = [
        key
        for key, rows in items_of.items()
        if rows[["Order_Priority", "Payment_method", "Aging"]].nunique(dropna=False).max() > 1
    ]
    assert len(disagreeing) > 30  # later items that must not override the first one
    spread = [key for key, rows in items_of.items() if rows["row"].diff().max() > 1]
    assert len(spread) > 30  # items far apart in the file


def test_rest_lists_every_order_with_pandas_totals(
    multi_client: TestClient, multi: Expected
) -> None:
    orders = list(all_pages(multi_client, "/orders/"))
    assert sorted(map(_key, orders)) == sorted(multi.orders.index)
    for order in orders:
        row = multi.orders.loc[_key(order)]  # type: ignore[index]  # MultiIndex tuple
        assert order["item_count"] == row["item_count"], order
        assert order["total_quantity"] == row["total_quantity"], order
        assert order["total_sales"] == money(row["total_sales"]), order
        assert order["total_profit"] == money(row["total_profit"]), order
        assert order["total_shipping_cost"] == money(row["total_shipping_cost"]), order
        assert order["priority"] == row["priority"], order  # the first row's
        assert order["payment_method"] == _or_none(row["payment_method"]), order


def _item(row: pd.Series) -> dict[str, Any]:
    def amount(value: Decimal | None) -> str | None:
        return None if value is None else money(value)

    return {
        "product_name": row["Product"],
        "product_category": row["Product_Category"],
        "quantity": row["Quantity"],
        "sales": amount(row["Sales"]),
        "profit": amount(row["Profit"]),
        "shipping_cost": amount(row["Shipping_Cost"]),
    }


def test_rest_detail_has_the_items_in_file_order(
    multi_client: TestClient, multi: Expected, items_of: dict[Key, pd.DataFrame]
) -> None:
    several = [o for o in all_pages(multi_client, "/orders/") if o["item_count"] > 1]
    assert len(several) == (multi.orders["item_count"] > 1).sum()
    for order in several[:150]:
        detail = multi_client.get(f"/orders/{order['id']}").json()
        rows = items_of[_key(order)]
        assert [item["position"] for item in detail["items"]] == list(range(1, len(rows) + 1))
        got = [{k: item[k] for k in _item(rows.iloc[0])} for item in detail["items"]]
        assert got == [_item(row) for _, row in rows.iterrows()], _key(order)
        first = rows.iloc[0]
        aging = first["Aging"]
        assert detail["aging"] == (None if aging is None else money(aging))
        assert (detail["priority"], detail["payment_method"]) == (
            first["Order_Priority"],
            _or_none(first["Payment_method"]),
        )
        assert detail["total_sales"] == money(multi.orders.loc[_key(order), "total_sales"])


def test_rest_customers_count_orders_and_items(multi_client: TestClient, multi: Expected) -> None:
    busiest = multi.customers.sort_values("item_count", ascending=False).head(25)
    assert (busiest["item_count"] > busiest["order_count"]).all()
    for customer_id, want in busiest.iterrows():
        got = multi_client.get(f"/customers/{customer_id}").json()
        assert (got["order_count"], got["item_count"]) == (want["order_count"], want["item_count"])
        assert got["total_sales"] == money(want["total_sales"])


ORDERS_PAGE = """query($after: String) { orders(first: 100, after: $after) {
  pageInfo { hasNextPage endCursor }
  edges { node {
    orderDate orderTime priority itemCount total totalQuantity customer { customerId }
    items { position quantity sales product { name category } }
  } }
} }"""

NESTED = """{ customers(first: 40, orderBy: ORDER_COUNT_DESC) { edges { node {
  customerId itemCount
  orders { edges { node { orderDate orderTime itemCount total
    items { position sales product { name } } } } }
} } } }"""


def _graphql(client: TestClient, query: str, **variables: Any) -> dict[str, Any]:
    body = client.post("/graphql", json={"query": query, "variables": variables}).json()
    assert "errors" not in body, body["errors"]
    data: dict[str, Any] = body["data"]
    return data


def _sales(rows: pd.DataFrame) -> list[Decimal | None]:
    return [None if v is None else Decimal(money(v)) for v in rows["Sales"]]


def test_graphql_orders_have_their_items_in_file_order(
    multi_client: TestClient, multi: Expected, items_of: dict[Key, pd.DataFrame]
) -> None:
    seen: list[Key] = []
    after = None
    for _ in range(len(multi.orders) // 100 + 2):
        page = _graphql(multi_client, ORDERS_PAGE, after=after)["orders"]
        for edge in page["edges"]:
            node = edge["node"]
            key = (node["customer"]["customerId"], node["orderDate"], node["orderTime"])
            rows, want = items_of[key], multi.orders.loc[key]  # type: ignore[index]
            assert node["itemCount"] == want["item_count"] == len(node["items"]), key
            assert Decimal(str(node["total"])) == Decimal(money(want["total_sales"])), key
            assert node["totalQuantity"] == want["total_quantity"], key
            assert node["priority"] == want["priority"], key
            items = node["items"]
            assert [i["position"] for i in items] == list(range(1, len(rows) + 1)), key
            assert [(i["product"]["name"], i["product"]["category"]) for i in items] == list(
                zip(rows["Product"], rows["Product_Category"], strict=True)
            ), key
            assert [i["quantity"] for i in items] == list(rows["Quantity"]), key
            got = [None if i["sales"] is None else Decimal(str(i["sales"])) for i in items]
            assert got == _sales(rows), key
            seen.append(key)
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    else:
        pytest.fail(f"still a next page after {len(seen)} orders")
    assert sorted(seen) == sorted(multi.orders.index)


def test_graphql_nested_customer_orders_have_every_item(
    multi_client: TestClient, multi: Expected, items_of: dict[Key, pd.DataFrame]
) -> None:
    """The nested path (customers → orders → items, loaded a level at a time)."""
    customers = _graphql(multi_client, NESTED)["customers"]["edges"]
    assert len(customers) == 40
    for edge in customers:
        customer = edge["node"]
        assert customer["itemCount"] == multi.customers.loc[customer["customerId"], "item_count"]
        orders = [e["node"] for e in customer["orders"]["edges"]]
        assert sum(o["itemCount"] for o in orders) == customer["itemCount"]
        for order in orders:
            key = (customer["customerId"], order["orderDate"], order["orderTime"])
            rows, want = items_of[key], multi.orders.loc[key]  # type: ignore[index]
            assert Decimal(str(order["total"])) == Decimal(money(want["total_sales"])), key
            assert [i["product"]["name"] for i in order["items"]] == list(rows["Product"])
            got = [None if i["sales"] is None else Decimal(str(i["sales"])) for i in order["items"]]
            assert got == _sales(rows)
            assert order["itemCount"] == len(rows)
