"""HTTP caching (app/api/http_cache.py) on real PostgreSQL: ETags and 304s, the response cache's
hits, its memory bound, and freshness across loads and rollup refreshes (the data version itself:
test_data_version.py).

Freshness is checked two ways after every change of the data: each answer of the caching app
equals the answer of an app with the cache off on the same database, and the headline numbers
equal pandas over the CSV that was loaded."""

from __future__ import annotations

import csv
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from app.api.http_cache import ResponseCache
from app.config import Settings
from app.db import data_version
from app.db.async_reads import observe_statements
from app.main import create_app
from app.services.rollups import refresh_if_stale
from loader.load import load_csv
from tests.api.expected import Expected
from tests.insights import expected as exp

# Every data route a client reads, with parameters; the analytics ones are also response-cached.
ROUTES = [
    "/customers/?limit=5",
    "/orders/?limit=5",
    "/products/?limit=5",
    "/analytics/revenue/",
    "/analytics/top-products/",
    "/analytics/customers/",
    "/analytics/top-categories/",
    "/analytics/profit-margins/",
    "/analytics/orders/",
    "/analytics/discount-impact/",
    "/analytics/revenue-trend/",
    "/analytics/customer-lifetime-value/",
    "/analytics/purchase-behaviour/",
    "/graphql?" + urlencode({"query": "{ analytics { revenue { totalRevenue orderCount } } }"}),
]
NESTED = """query Page($first: Int!) { customers(first: $first) { totalCount edges { node {
    customerId orders(first: 3) { edges { node { orderDate total
    items { quantity product { name } } } } } } } } }"""


def _app(**settings: Any) -> FastAPI:
    return create_app(Settings(rollup_refresh_interval_s=0, **settings))


def _cache(app: FastAPI) -> ResponseCache:
    cache: ResponseCache = app.state.response_cache
    return cache


@pytest.fixture
def cached() -> TestClient:
    return TestClient(_app(response_cache_max_bytes=8 * 1024 * 1024, http_cache_max_age_s=30))


@pytest.fixture
def uncached() -> TestClient:
    return TestClient(_app(response_cache_max_bytes=0))


def _first_customers_half(source: Path, target: Path) -> None:
    """The rows of the first half of the customers (in order of first appearance): every order
    is whole in either half, so loading the rest later only adds orders."""
    with source.open(newline="", encoding="utf-8") as file:
        rows = list(csv.reader(file))
    header, body = rows[0], rows[1:]
    column = header.index("Customer_Id")
    customers = list(dict.fromkeys(row[column] for row in body))
    first = set(customers[: len(customers) // 2])
    with target.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(header)
        writer.writerows(row for row in body if row[column] in first)


def _snapshot(client: TestClient) -> dict[str, tuple[str | None, Any]]:
    answers = {}
    for url in ROUTES:
        response = client.get(url)
        assert response.status_code == 200, (url, response.text)
        answers[url] = (response.headers.get("etag"), response.json())
    return answers


def _graphql(client: TestClient, first: int = 5) -> Any:
    response = client.post("/graphql", json={"query": NESTED, "variables": {"first": first}})
    assert response.status_code == 200, response.text
    assert "errors" not in response.json(), response.text
    return response.json()["data"]


# --- ETags and 304 ---


def test_every_data_route_carries_validators_and_answers_304_without_querying(
    engine: Engine, sample_csv: Path, cached: TestClient
) -> None:
    load_csv(sample_csv, engine)
    customer_id = cached.get("/customers/?limit=1").json()["items"][0]["customer_id"]
    for url in [*ROUTES, f"/customers/{customer_id}"]:
        response = cached.get(url)
        etag = response.headers["etag"]
        assert etag.startswith('W/"'), url
        assert response.headers["cache-control"] == "public, max-age=30, must-revalidate"
        assert "Accept" in response.headers["vary"]
        statements: list[str] = []
        with observe_statements(lambda sql, params, seen=statements: seen.append(sql)):
            again = cached.get(url, headers={"If-None-Match": etag})
            listed = cached.get(
                url, headers={"If-None-Match": f'"other", {etag.removeprefix("W/")}'}
            )
            anything = cached.get(url, headers={"If-None-Match": "*"})
        for not_modified in (again, listed, anything):
            assert not_modified.status_code == 304, url
            assert not_modified.content == b""
            assert not_modified.headers["etag"] == etag
        assert statements == [], url  # only the version probe, which is not a service statement
        stale = cached.get(url, headers={"If-None-Match": 'W/"not-the-current-tag"'})
        assert stale.status_code == 200 and stale.headers["etag"] == etag


def test_errors_and_other_representations_are_not_confused(
    engine: Engine, sample_csv: Path, uncached: TestClient
) -> None:
    load_csv(sample_csv, engine)
    missing = uncached.get("/customers/no-such-customer")
    invalid = uncached.get("/analytics/top-categories/?limit=0")
    assert (missing.status_code, invalid.status_code) == (404, 422)
    assert "etag" not in missing.headers and "etag" not in invalid.headers
    json_tag = uncached.get("/analytics/revenue/").headers["etag"]
    other_accept = uncached.get("/analytics/revenue/", headers={"Accept": "text/plain, */*"})
    other_query = uncached.get("/analytics/revenue/?date_from=2018-03-01")
    assert len({json_tag, other_accept.headers["etag"], other_query.headers["etag"]}) == 3
    assert "etag" not in uncached.get("/health").headers


# --- the response cache ---


def test_a_repeated_request_is_answered_from_the_cache(
    engine: Engine, sample_csv: Path, cached: TestClient
) -> None:
    load_csv(sample_csv, engine)
    cache = _cache(cached.app)  # type: ignore[arg-type]
    statements: list[str] = []
    with observe_statements(lambda sql, params: statements.append(sql)):
        first = cached.get("/analytics/purchase-behaviour/")
        ran = len(statements)
        second = cached.get("/analytics/purchase-behaviour/")
        graphql_first = _graphql(cached)
        ran_graphql = len(statements)
        graphql_second = _graphql(cached)
        graphql_other = _graphql(cached, first=6)  # other variables: computed
    assert ran > 0 and ran_graphql > ran
    assert len(statements) > ran_graphql  # only the third GraphQL request ran statements
    assert second.content == first.content and second.headers["etag"] == first.headers["etag"]
    assert graphql_second == graphql_first != graphql_other
    assert cache.hits == 2


@pytest.mark.parametrize("cache_bytes", [0, 1_000_000], ids=["cache-off", "cache-on"])
def test_graphql_answers_with_errors_carry_no_validators(
    engine: Engine, sample_csv: Path, cache_bytes: int
) -> None:
    """A GraphQL error is answered 200 (application/json): tagged, a later 304 would tell the
    client that the error is still the answer."""
    load_csv(sample_csv, engine)
    client = TestClient(_app(response_cache_max_bytes=cache_bytes))
    failing = client.get(
        "/graphql", params={"query": '{ customers(first: 2, after: "x") { totalCount } }'}
    )
    assert failing.status_code == 200 and failing.json()["errors"]
    assert "etag" not in failing.headers
    working = client.get("/graphql", params={"query": "{ customers(first: 2) { totalCount } }"})
    assert working.status_code == 200 and "etag" in working.headers


def test_graphql_answers_with_errors_are_not_cached(
    engine: Engine, sample_csv: Path, cached: TestClient
) -> None:
    load_csv(sample_csv, engine)
    query = '{ customers(first: 2, after: "not-a-cursor") { totalCount } }'
    for _ in range(2):
        response = cached.post("/graphql", json={"query": query})
        assert response.json()["errors"]
    assert _cache(cached.app).hits == 0  # type: ignore[arg-type]
    assert len(_cache(cached.app)) == 0  # type: ignore[arg-type]


def test_the_cache_stays_within_its_memory_bound(engine: Engine, sample_csv: Path) -> None:
    load_csv(sample_csv, engine)
    bound = 12_000
    client = TestClient(_app(response_cache_max_bytes=bound))
    cache = _cache(client.app)  # type: ignore[arg-type]
    sizes = []
    for limit in range(1, 41):
        response = client.get(f"/analytics/profit-margins/?limit={limit}")
        assert response.status_code == 200
        sizes.append(len(response.content))
        assert 0 < cache.size_bytes <= bound
    assert sum(sizes) > 3 * bound  # the answers did not all fit ...
    assert 0 < len(cache) < 40  # ... so the least recently used went
    hits = cache.hits
    client.get("/analytics/profit-margins/?limit=40")  # the latest is still there
    assert cache.hits == hits + 1
    client.get("/analytics/profit-margins/?limit=1")  # the oldest is not
    assert cache.hits == hits + 1
    big = TestClient(_app(response_cache_max_bytes=300))  # smaller than any answer: none kept
    big.get("/analytics/profit-margins/")
    assert len(_cache(big.app)) == 0 and _cache(big.app).size_bytes == 0  # type: ignore[arg-type]


# --- freshness across loads and refreshes ---


def test_a_load_changes_every_etag_and_no_cached_answer_outlives_it(
    engine: Engine,
    sample_csv: Path,
    uncached: TestClient,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """As served: one event loop (the client's lifespan), so routes that only label their
    answers reuse the process's latest version probe for up to LABEL_MAX_AGE_S."""
    monkeypatch.setattr(data_version, "LABEL_MAX_AGE_S", 0.5)
    half = tmp_path / "first_half.csv"
    _first_customers_half(sample_csv, half)
    load_csv(half, engine)
    app = _app(response_cache_max_bytes=8 * 1024 * 1024)
    with TestClient(app) as cached:
        before = _snapshot(cached)
        graphql_before = _graphql(cached)
        assert _snapshot(cached) == before  # served again (from the cache for analytics)
        assert _cache(app).hits >= 10

        load_csv(sample_csv, engine)  # the other half of the customers arrives
        after = _snapshot(cached)  # at once, before any label could catch up
        for url in ROUTES:
            assert after[url][1] == uncached.get(url).json(), url  # no answer is stale
            revalidated = cached.get(url, headers={"If-None-Match": before[url][0]})
            assert revalidated.status_code == 200, url  # no 304 for the old tag
            if url.startswith(("/analytics", "/graphql")):  # cached routes: new tags at once
                assert after[url][0] != before[url][0], url
        assert _graphql(cached) == _graphql(uncached) != graphql_before
        full = Expected.from_csv(sample_csv)
        assert after["/analytics/orders/"][1] == exp.orders_overview(full)
        assert after["/analytics/purchase-behaviour/"][1] == exp.purchase_behaviour(full)
        time.sleep(0.6)  # labels catch up within LABEL_MAX_AGE_S: every tag has moved
        settled = _snapshot(cached)
        for url in ROUTES:
            assert settled[url][0] != before[url][0], url
            assert settled[url][1] == after[url][1], url

        with engine.begin() as conn:  # a write outside the loader (that changes no value)
            conn.execute(text("UPDATE products SET product_name = product_name WHERE false"))
        assert refresh_if_stale(engine) is not None  # the rollups change: tags move, answers hold
        time.sleep(0.6)
        refreshed = _snapshot(cached)
        for url in ROUTES:
            assert refreshed[url][0] != settled[url][0], url
            assert refreshed[url][1] == settled[url][1], url


def test_metrics_count_hits_and_misses_and_the_switch_turns_everything_off(
    engine: Engine, sample_csv: Path, cached: TestClient
) -> None:
    load_csv(sample_csv, engine)
    for _ in range(3):
        etag = cached.get("/analytics/customers/").headers["etag"]
    cached.get("/analytics/customers/", headers={"If-None-Match": etag})
    metrics = cached.get("/metrics").text
    # hits and 304s are labelled by their route template, as computed answers are
    assert 'route="/analytics/customers/",status="200"} 3.0' in metrics
    assert 'route="/analytics/customers/",status="304"} 1.0' in metrics
    assert "http_response_cache_hits_total 2.0" in metrics
    assert "http_response_cache_misses_total 1.0" in metrics
    assert "http_response_cache_entries 1.0" in metrics
    off = TestClient(_app(http_cache_enabled=False))
    counts = []
    for _ in range(2):
        statements: list[str] = []
        with observe_statements(lambda sql, params, seen=statements: seen.append(sql)):
            response = off.get("/analytics/customers/")
        assert response.status_code == 200 and "etag" not in response.headers
        counts.append(len(statements))
    assert counts[0] == counts[1] > 0  # both computed in full


def test_csv_and_json_are_separate_entries_with_separate_tags(
    engine: Engine, sample_csv: Path, cached: TestClient
) -> None:
    load_csv(sample_csv, engine)
    url = "/analytics/top-categories/"
    answers = {
        "json": cached.get(url),
        "format": cached.get(url, params={"format": "csv"}),
        "accept": cached.get(url, headers={"Accept": "text/csv"}),
    }
    again = {
        "json": cached.get(url),
        "format": cached.get(url, params={"format": "csv"}),
        "accept": cached.get(url, headers={"Accept": "text/csv"}),
    }
    assert _cache(cached.app).hits == 3  # type: ignore[arg-type]
    for kind, response in answers.items():
        assert response.status_code == 200
        assert again[kind].content == response.content
        assert again[kind].headers["content-type"] == response.headers["content-type"]
        assert response.headers.get_list("vary") == ["Accept"]
    assert answers["json"].headers["content-type"].startswith("application/json")
    assert answers["format"].headers["content-type"].startswith("text/csv")
    assert answers["accept"].content == answers["format"].content
    assert answers["format"].headers["content-disposition"].endswith('top-categories.csv"')
    assert len({response.headers["etag"] for response in answers.values()}) == 3
