"""CSV export of every /analytics route: the CSV parsed back equals the JSON answer's rows and the
independent pandas expectations (tests/insights/expected.py), with filters; content negotiation by
`?format=` and `Accept`; headers (type, filename, Vary); 422 for an unknown format; JSON unchanged.

The flattening is restated here per route (which lists are rows, which fields are repeated on
each row), not derived from the app's own code, so the two are checked against each other.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.main import app
from tests.api.expected import Expected
from tests.api.helpers import assert_invalid
from tests.insights import expected as exp
from tests.insights.expected import NONE, Filters

CSV_TYPE = "text/csv; charset=utf-8"
FILTERED = Filters(dt.date(2018, 3, 1), dt.date(2018, 6, 30), "Fashion")


@dataclass(frozen=True)
class Case:
    """A route: its lists that become rows (several → a `section` column), the parameters used
    here, the JSON-shaped answer pandas expects, and the fields pandas does not compute."""

    sections: tuple[str, ...]
    params: dict[str, Any]
    want: Callable[[Expected, Filters], dict[str, Any]]
    filterable: bool = True
    not_computed: frozenset[str] = field(default_factory=frozenset)


CASES: dict[str, Case] = {
    "top-products": Case(
        ("items",),
        {"by": "profit", "limit": 10},
        lambda e, f: {"by": "profit", "limit": 10, "items": exp.top_products(e, "profit", 10, f)},
        not_computed=frozenset({"product_id"}),
    ),
    "revenue": Case((), {}, exp.revenue),
    "customers": Case(("by_device_type", "by_login_type"), {}, exp.customers_overview),
    "top-categories": Case(
        ("items",),
        {"limit": 100},
        lambda e, f: {"limit": 100, "items": exp.top_categories(e, 100, f)},
    ),
    "profit-margins": Case(
        ("items",),
        {"limit": 5},
        lambda e, f: {"limit": 5, "items": exp.profit_margins(e)[:5]},
        filterable=False,
        not_computed=frozenset({"product_id"}),
    ),
    "orders": Case((), {}, exp.orders_overview),
    "discount-impact": Case(
        ("levels",), {}, exp.discount_impact, not_computed=frozenset({"reading"})
    ),
    "revenue-trend": Case(
        ("points",),
        {"granularity": "week"},
        lambda e, f: {
            "granularity": "week",
            **{k: f.params().get(k) for k in ("date_from", "date_to", "category")},
            "points": exp.revenue_trend(e, "week", f.date_from, f.date_to, f.category),
        },
    ),
    "customer-lifetime-value": Case(
        ("top",),
        {"limit": 10},
        lambda e, f: exp.customer_lifetime_value(e, 10),
        filterable=False,
    ),
    "purchase-behaviour": Case(
        ("by_device_type", "by_login_type", "by_payment_method"), {}, exp.purchase_behaviour
    ),
}
FILTER_CASES = [
    (name, f) for name, case in CASES.items() for f in (NONE, FILTERED)[: 1 + case.filterable]
]


def text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def flat(value: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    """Nested objects as dotted keys, every value as its CSV text."""
    out: dict[str, str] = {}
    for key, item in value.items():
        if isinstance(item, Mapping):
            out |= flat(item, f"{prefix}{key}.")
        else:
            out[f"{prefix}{key}"] = text(item)
    return out


def table(body: Mapping[str, Any], sections: tuple[str, ...]) -> list[dict[str, str]]:
    """The rows the flattening rules give `body`: one per item of `sections`, the other fields
    repeated on each; a single row when there are no sections."""
    context = flat({k: v for k, v in body.items() if k not in sections})
    if not sections:
        return [context]
    tag = len(sections) > 1
    return [
        ({"section": s} if tag else {}) | flat(item) | context for s in sections for item in body[s]
    ]


def parse(response: Any) -> tuple[list[str], list[dict[str, str]]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == CSV_TYPE
    reader = csv.DictReader(io.StringIO(response.content.decode("utf-8"), newline=""))
    rows = list(reader)
    return list(reader.fieldnames or []), rows


def without(rows: list[dict[str, str]], keys: frozenset[str]) -> list[dict[str, str]]:
    return [{k: v for k, v in row.items() if k not in keys} for row in rows]


def url(name: str) -> str:
    return f"/analytics/{name}/"


def test_every_analytics_route_is_covered() -> None:
    # From the OpenAPI document: `app.routes` is not a flat list of routes on every FastAPI release.
    paths = {path for path in app.openapi()["paths"] if path.startswith("/analytics")}
    assert paths == {url(name) for name in CASES}


@pytest.mark.parametrize(("name", "filters"), FILTER_CASES)
def test_csv_rows_equal_the_json_rows_and_pandas(
    client: TestClient, expected: Expected, name: str, filters: Filters
) -> None:
    case = CASES[name]
    params = {**case.params, **filters.params()}
    body = client.get(url(name), params=params).json()
    header, rows = parse(client.get(url(name), params={**params, "format": "csv"}))

    want = table(body, case.sections)
    assert rows, "these filters must leave rows to compare"
    assert rows == want
    assert header == list(want[0])
    assert without(rows, case.not_computed) == table(case.want(expected, filters), case.sections)


def test_filters_change_the_csv(client: TestClient) -> None:
    whole = parse(client.get(url("top-categories"), params={"format": "csv"}))[1]
    fashion = parse(
        client.get(url("top-categories"), params={"format": "csv", **FILTERED.params()})
    )[1]
    assert [row["category"] for row in fashion] == ["Fashion"]
    assert fashion != [row for row in whole if row["category"] == "Fashion"]


@pytest.mark.parametrize("name", CASES)
def test_csv_headers(client: TestClient, name: str) -> None:
    response = client.get(url(name), params={"format": "csv"})
    assert response.headers["content-type"] == CSV_TYPE
    assert response.headers["content-disposition"] == f'attachment; filename="{name}.csv"'
    assert response.headers["vary"] == "Accept"
    lines = response.content.decode().split("\r\n")
    assert lines[-1] == "" and all("\n" not in line for line in lines)  # CRLF, RFC 4180


def test_filename_names_the_given_parameters_in_the_routes_order(client: TestClient) -> None:
    params = {"category": "Auto & Accessories", "limit": "10", "by": "profit"}
    response = client.get(
        url("top-products"), params={**params, "date_from": "2018-03-01", "format": "csv"}
    )
    assert response.headers["content-disposition"] == (
        'attachment; filename="top-products_date_from-2018-03-01_by-profit_limit-10'
        '_category-Auto-Accessories.csv"'
    )


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("value", ["xml", "CSV", ""])
def test_an_unknown_format_is_a_422_problem(client: TestClient, name: str, value: str) -> None:
    body = assert_invalid(client.get(url(name), params={"format": value}), "format")
    assert "'json' or 'csv'" in body["errors"][0]["message"]


def test_invalid_parameters_stay_problems_when_csv_is_asked(client: TestClient) -> None:
    for headers, params in [({"Accept": "text/csv"}, {}), ({}, {"format": "csv"})]:
        dates = {"date_from": "2018-06-30", "date_to": "2018-03-01", **params}
        assert_invalid(client.get(url("revenue"), params=dates, headers=headers), "date_from")
        limit = {"limit": 0, **params}
        assert_invalid(client.get(url("top-categories"), params=limit, headers=headers), "limit")


@pytest.mark.parametrize(
    ("accept", "params", "media_type"),
    [
        ("text/csv", {}, "text/csv"),
        ("text/csv;q=0.9, application/json;q=0.5", {}, "text/csv"),
        ("text/*", {}, "text/csv"),
        ("text/csv, application/json", {}, "application/json"),  # a tie keeps the default
        ("application/json;q=0.9, text/csv;q=0.5", {}, "application/json"),
        ("text/html,application/xhtml+xml,*/*;q=0.8", {}, "application/json"),  # a browser
        ("*/*", {}, "application/json"),
        (None, {}, "application/json"),
        ("text/csv", {"format": "json"}, "application/json"),  # the parameter wins
        ("application/json", {"format": "csv"}, "text/csv"),
    ],
)
def test_accept_and_format_choose_the_representation(
    client: TestClient, accept: str | None, params: dict[str, str], media_type: str
) -> None:
    headers = {"Accept": accept} if accept is not None else {}
    response = client.get(url("top-categories"), params=params, headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type
    assert response.headers["vary"] == "Accept"


def test_accept_text_csv_answers_the_same_csv_as_format_csv(client: TestClient) -> None:
    params = {"granularity": "month", **FILTERED.params()}
    by_header = client.get(url("revenue-trend"), params=params, headers={"Accept": "text/csv"})
    by_parameter = client.get(url("revenue-trend"), params={**params, "format": "csv"})
    assert by_header.content == by_parameter.content
    assert by_header.headers["content-disposition"] == by_parameter.headers["content-disposition"]


@pytest.mark.parametrize("name", CASES)
def test_json_is_unchanged(client: TestClient, name: str) -> None:
    plain = client.get(url(name), params=CASES[name].params)
    asked = client.get(url(name), params={**CASES[name].params, "format": "json"})
    assert plain.headers["content-type"] == asked.headers["content-type"] == "application/json"
    assert "content-disposition" not in plain.headers
    # FastAPI's own JSON rendering of the same body: compact, UTF-8.
    compact = json.dumps(plain.json(), ensure_ascii=False, separators=(",", ":")).encode()
    assert plain.content == asked.content == compact


@pytest.mark.parametrize(
    "name", ["customers", "top-categories", "purchase-behaviour", "revenue-trend"]
)
def test_no_rows_is_a_header_alone(client: TestClient, name: str) -> None:
    params = {**CASES[name].params, "format": "csv"}
    header = parse(client.get(url(name), params=params))[0]
    empty = client.get(url(name), params={**params, "category": "No such category"})
    assert parse(empty) == (header, [])


def test_openapi_documents_the_csv_variant() -> None:
    document = app.openapi()
    for name in CASES:
        operation = document["paths"][url(name)]["get"]
        content = operation["responses"]["200"]["content"]
        assert {"application/json", "text/csv"} <= content.keys(), name
        assert content["text/csv"]["example"].endswith("\r\n")
        (parameter,) = [p for p in operation["parameters"] if p["name"] == "format"]
        assert parameter["in"] == "query" and not parameter["required"]
    enum = document["components"]["schemas"]["ResponseFormat"]["enum"]
    assert enum == ["json", "csv"]
