"""The customers listing's `total` comes from `rollup_customer_counts` (migration 0003): it must
equal pandas' count for every filter combination, from the materialized counts and from the live
fallback while they are stale (the `client` fixture runs every test on both)."""

from __future__ import annotations

import itertools

import pandas as pd
from fastapi.testclient import TestClient

from tests.api.expected import Expected

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


def test_graphql_total_count_matches_the_rest_total(client: TestClient) -> None:
    query = 'query { customers(first: 1, filter: {gender: "Female"}) { totalCount } }'
    answer = client.post("/graphql", json={"query": query}).json()
    rest = client.get("/customers/", params={"gender": "Female", "limit": 1}).json()
    assert answer == {"data": {"customers": {"totalCount": rest["total"]}}}
    assert rest["total"] > 0
