"""The date-range and category filters of every insight the dashboard draws, against pandas over
the CSV (tests/insights/expected.py applies the filters to the raw rows), along both the rollup
and the live path; and the filters' validation (422 problems)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from app.db.async_reads import observe_statements
from tests.api.expected import Expected
from tests.api.helpers import assert_invalid
from tests.insights import expected as exp
from tests.insights.expected import Filters

D = dt.date
FILTERS = {
    "from": Filters(date_from=D(2018, 7, 1)),
    "to": Filters(date_to=D(2018, 2, 15)),
    "range": Filters(D(2018, 3, 1), D(2018, 6, 30)),
    "one-day": Filters(D(2018, 5, 5), D(2018, 5, 5)),
    "category": Filters(category="Home & Furniture"),
    "category+range": Filters(D(2018, 2, 15), D(2018, 10, 20), "Fashion"),
    "category+from": Filters(date_from=D(2018, 9, 1), category="Auto & Accessories"),
}
EMPTY = {
    "unknown-category": Filters(category="No such category"),
    "empty-range": Filters(date_from=D(2030, 1, 1)),
    "category-outside-range": Filters(D(2019, 1, 1), D(2019, 12, 31), "Fashion"),
}


def _without_ids(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in item.items() if k != "product_id"} for item in items]


def _reading_aside(body: dict[str, Any]) -> dict[str, Any]:
    body.pop("reading")
    return body


# name -> (path, extra parameters, shape of the response for comparison, expected from pandas)
CASES: dict[str, tuple[str, dict[str, Any], Callable[[Any], Any], Callable[..., Any]]] = {
    "customers": ("customers", {}, lambda b: b, exp.customers_overview),
    "orders": ("orders", {}, lambda b: b, exp.orders_overview),
    "top-categories": (
        "top-categories",
        {"limit": 100},
        lambda b: b["items"],
        lambda e, f: exp.top_categories(e, 100, f),
    ),
    "purchase-behaviour": ("purchase-behaviour", {}, lambda b: b, exp.purchase_behaviour),
    "discount-impact": ("discount-impact", {}, _reading_aside, exp.discount_impact),
    "revenue": ("revenue", {}, lambda b: b, exp.revenue),
    "top-products-sales": (
        "top-products",
        {"limit": 10},
        lambda b: _without_ids(b["items"]),
        lambda e, f: exp.top_products(e, "sales", 10, f),
    ),
    "top-products-profit": (
        "top-products",
        {"limit": 100, "by": "profit"},
        lambda b: _without_ids(b["items"]),
        lambda e, f: exp.top_products(e, "profit", 100, f),
    ),
}


def get(client: TestClient, name: str, f: Filters) -> Any:
    path, extra, shape, _ = CASES[name]
    response = client.get(f"/analytics/{path}/", params={**extra, **f.params()})
    assert response.status_code == 200, response.text
    return shape(response.json())


@pytest.mark.parametrize("filters", FILTERS)
@pytest.mark.parametrize("name", CASES)
def test_filtered_insight_matches_pandas(
    client: TestClient, expected: Expected, name: str, filters: str
) -> None:
    f = FILTERS[filters]
    want = CASES[name][3](expected, f)
    assert want != CASES[name][3](expected, exp.NONE)  # the filter changes the answer
    assert get(client, name, f) == want


@pytest.mark.parametrize("filters", EMPTY)
@pytest.mark.parametrize("name", CASES)
def test_filters_matching_nothing_give_empty_answers(
    client: TestClient, expected: Expected, name: str, filters: str
) -> None:
    """Not an error: zeros, empty lists, null averages (as the revenue trend's empty periods)."""
    f = EMPTY[filters]
    body = get(client, name, f)
    assert body == CASES[name][3](expected, f)
    assert not exp.items(expected, f).size


def test_unfiltered_answers_are_unchanged(client: TestClient, expected: Expected) -> None:
    for name in CASES:
        assert get(client, name, exp.NONE) == CASES[name][3](expected, exp.NONE), name


def test_a_range_covering_every_order_equals_no_filter(client: TestClient) -> None:
    """A range holding every order filters nothing: same answers as no filter."""
    everything = Filters(D(2018, 1, 1), D(2018, 12, 31))
    for name in CASES:
        body = get(client, name, everything)
        if name == "revenue":
            body |= {"date_from": None, "date_to": None}
        assert body == get(client, name, exp.NONE), name


def test_a_category_keeps_its_rank_and_share_among_all(client: TestClient) -> None:
    f = Filters(D(2018, 3, 1), D(2018, 6, 30))
    every = get(client, "top-categories", f)
    for row in every:
        (only,) = get(client, "top-categories", Filters(f.date_from, f.date_to, row["category"]))
        assert only == row


@pytest.mark.parametrize(
    ("path", "params", "parameter"),
    [
        (path, params, parameter)
        for path in (
            "customers",
            "orders",
            "top-categories",
            "purchase-behaviour",
            "discount-impact",
            "revenue",
            "top-products",
        )
        for params, parameter in (
            ({"date_from": "2018-05-01", "date_to": "2018-04-30"}, "date_from"),
            ({"date_from": "2018-02-30"}, "date_from"),
            ({"date_to": "1/2/2018"}, "date_to"),
            ({"category": "a\x00b"}, "category"),
        )
    ],
)
def test_invalid_filters_are_422_problems(
    client: TestClient, path: str, params: dict[str, str], parameter: str
) -> None:
    body = assert_invalid(client.get(f"/analytics/{path}/", params=params), parameter)
    if parameter == "date_from" and "date_to" in params:
        assert "on or before" in body["errors"][0]["message"]


def test_a_range_covering_every_order_is_answered_as_unfiltered(
    client: TestClient, insight_engine: Engine
) -> None:
    """...and is dropped before the SQL runs, so the rollups answer (the dashboard's whole-period
    view must not pay for the base-table path); a range one day short is kept."""
    bound: list[Any] = []

    def capture(statement: str, params: Any) -> None:
        if "date_from" in params:
            bound.append((params["date_from"], params["date_to"]))

    with observe_statements(capture):
        get(client, "purchase-behaviour", Filters(D(2000, 1, 1), D(2100, 12, 31)))
        get(client, "orders", Filters(date_from=D(2000, 1, 1)))
        assert bound == [(None, None), (None, None)]
        bound.clear()
        with insight_engine.connect() as conn:
            first = conn.execute(text("SELECT min(order_date) FROM orders")).scalar_one()
        second_day = first + dt.timedelta(days=1)
        get(client, "orders", Filters(second_day, D(2100, 12, 31)))
        assert bound == [(second_day, D(2100, 12, 31))]
