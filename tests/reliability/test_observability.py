"""Request ids, JSON access logs, /metrics, /ready; CORS closed by default; body size limit."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine, create_engine, text

from app.config import Settings
from app.db import engine as db_engine
from app.db.engine import make_engine
from app.main import create_app
from app.observability import JsonFormatter, access_log
from app.operations_routes import _head_revisions
from tests.api.helpers import assert_problem

GENERATED_ID = re.compile(r"^[0-9a-f]{32}$")


@pytest.fixture
def on_engine() -> Iterator[Callable[[Engine, FastAPI | None], TestClient]]:
    """`on_engine(engine, app=None)`: a TestClient on a fresh app (its own metrics) and engine."""

    def make(engine: Engine, app: FastAPI | None = None) -> TestClient:
        db_engine.set_engine(engine)
        return TestClient(app or create_app())

    yield make
    db_engine.dispose_engine()


@pytest.fixture
def dead_engine() -> Engine:
    return create_engine(
        "postgresql+psycopg2://nobody:secret@127.0.0.1:1/nowhere",
        connect_args={"connect_timeout": 1},
    )


class Capture:
    """The JSON lines a logger emits while attached."""

    def __init__(self, name: str) -> None:
        self.stream = io.StringIO()
        self.handler = logging.StreamHandler(self.stream)
        self.handler.setFormatter(JsonFormatter())
        self.logger = logging.getLogger(name)
        self.logger.addHandler(self.handler)

    def entries(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.stream.getvalue().splitlines()]


@pytest.fixture
def captured() -> Iterator[Callable[[str], Capture]]:
    """`captured(logger_name)`: a Capture of that logger, detached after the test."""
    captures: list[Capture] = []

    def start(name: str) -> Capture:
        captures.append(Capture(name))
        return captures[-1]

    yield start
    for capture in captures:
        capture.logger.removeHandler(capture.handler)


# --- request ids and access logs ---


def test_request_id_is_echoed_generated_or_replaced(
    loaded_engine: Engine, on_engine: Callable[..., TestClient]
) -> None:
    client = on_engine(loaded_engine)
    echoed = client.get("/health", headers={"X-Request-ID": "trace-42.a:b"})
    assert echoed.headers["x-request-id"] == "trace-42.a:b"
    generated = {client.get("/health").headers["x-request-id"] for _ in range(3)}
    assert len(generated) == 3 and all(GENERATED_ID.fullmatch(g) for g in generated)
    for hostile in ("two words", "x" * 129, 'a"b', "a\tb", "ünïcode"):
        replaced = client.get("/health", headers={"X-Request-ID": hostile.encode()})
        assert GENERATED_ID.fullmatch(replaced.headers["x-request-id"]), hostile
    # Errors carry it too: 404 and 422 problems.
    for url in ("/no/such/route", "/orders/?limit=0"):
        response = client.get(url, headers={"X-Request-ID": "err-1"})
        assert response.status_code in (404, 422) and response.headers["x-request-id"] == "err-1"


def test_access_log_is_one_json_line_per_request_with_route_template(
    loaded_engine: Engine, on_engine: Callable[..., TestClient], captured: Any
) -> None:
    client = on_engine(loaded_engine)
    customer = client.get("/customers/", params={"limit": 1}).json()["items"][0]["customer_id"]
    lines = captured("app.access")
    assert not access_log.propagate and not access_log.disabled
    client.get(f"/customers/{customer}", headers={"X-Request-ID": "log-1"})
    client.get("/nowhere/at/all", headers={"X-Request-ID": "log-2"})
    entries = lines.entries()
    assert len(entries) == 2
    first, second = entries
    assert first["request_id"] == "log-1" and first["message"] == "request"
    assert first["method"] == "GET" and first["status"] == 200
    assert first["path"] == f"/customers/{customer}"
    assert first["route"] == "/customers/{customer_id}"
    assert first["duration_ms"] > 0 and first["response_bytes"] > 0
    assert first["level"] == "INFO" and first["logger"] == "app.access" and first["ts"]
    assert second["request_id"] == "log-2" and second["status"] == 404
    assert second["route"] == "<unmatched>"


def test_app_logs_during_a_request_carry_its_id(
    dead_engine: Engine, on_engine: Callable[..., TestClient], captured: Any
) -> None:
    lines = captured("app.api.rest.errors")
    response = on_engine(dead_engine).get("/products/", headers={"X-Request-ID": "outage-7"})
    assert_problem(response, 503)
    assert response.headers["x-request-id"] == "outage-7"
    warnings = [e for e in lines.entries() if "database unavailable" in e["message"]]
    assert warnings and warnings[0]["request_id"] == "outage-7"


# --- /ready ---


def test_ready_when_reachable_and_migrated(
    loaded_engine: Engine, on_engine: Callable[..., TestClient]
) -> None:
    response = on_engine(loaded_engine).get("/ready")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "schema_revision": ",".join(_head_revisions()),
        "replicas": [],  # none configured
    }


def test_ready_is_503_when_the_database_is_down(
    dead_engine: Engine, on_engine: Callable[..., TestClient]
) -> None:
    body = assert_problem(on_engine(dead_engine).get("/ready"), 503)
    assert body["type"] == "/problems/database-unavailable"


def test_ready_is_503_when_the_schema_is_missing_or_behind(
    new_database: Callable[..., Engine], on_engine: Callable[..., TestClient]
) -> None:
    engine = new_database(migrated=False)
    client = on_engine(engine)
    body = assert_problem(client.get("/ready"), 503)
    assert body["type"] == "/problems/not-ready" and "migrate" in body["detail"]
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY)"))
        conn.execute(text("INSERT INTO alembic_version VALUES ('0001')"))
    body = assert_problem(client.get("/ready"), 503)
    assert "0001" in body["detail"] and "latest migration" in body["detail"]
    assert client.get("/health").status_code == 200  # liveness only asks for the database


# --- /metrics ---


def _families(client: TestClient) -> dict[str, Any]:
    response = client.get("/metrics", headers={"Accept": "text/plain"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    return {f.name: f for f in text_string_to_metric_families(response.text)}


def _sample(families: dict[str, Any], family: str, name: str, **labels: str) -> float | None:
    for sample in families[family].samples:
        if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
            return float(sample.value)
    return None


def test_metrics_count_requests_and_latency_per_route_template(
    loaded_engine: Engine, on_engine: Callable[..., TestClient]
) -> None:
    client = on_engine(loaded_engine)
    customers = [c["customer_id"] for c in client.get("/customers/?limit=2").json()["items"]]
    for customer in customers:
        client.get(f"/customers/{customer}")
    client.get("/customers/no-such-customer")
    client.get("/random/path/1")
    client.get("/random/path/2")
    client.post("/graphql", json={"query": "{ products(first: 1) { edges { node { id } } } }"})
    families = _families(client)
    requests, latency = "http_requests", "http_request_duration_seconds"
    route = "/customers/{customer_id}"
    total = "http_requests_total"
    assert _sample(families, requests, total, route=route, status="200", method="GET") == 2
    assert _sample(families, requests, total, route=route, status="404") == 1
    assert _sample(families, requests, total, route="<unmatched>", status="404") == 2
    assert _sample(families, requests, total, route="/customers/", status="200") == 1
    assert _sample(families, requests, total, route="/graphql", method="POST") == 1
    assert _sample(families, latency, f"{latency}_count", route=route, method="GET") == 3
    buckets = [
        (float(s.labels["le"]), s.value)
        for s in families[latency].samples
        if s.name.endswith("_bucket") and s.labels["route"] == route
    ]
    counts = [count for _, count in sorted(buckets)]
    assert counts == sorted(counts) and counts[-1] == 3  # cumulative, +Inf holds every request
    assert (_sample(families, latency, f"{latency}_sum", route=route) or 0) > 0
    text_ = client.get("/metrics").text
    assert "/random/path" not in text_ and "no-such-customer" not in text_  # bounded labels


def test_metrics_negotiate_openmetrics(
    loaded_engine: Engine, on_engine: Callable[..., TestClient]
) -> None:
    client = on_engine(loaded_engine)
    client.get("/health")
    response = client.get("/metrics", headers={"Accept": "application/openmetrics-text"})
    assert response.headers["content-type"].startswith("application/openmetrics-text")
    assert response.text.rstrip().endswith("# EOF")
    assert 'http_requests_total{method="GET",route="/health",status="200"} 1.0' in response.text


def test_metrics_show_the_pool(loaded_engine: Engine, on_engine: Callable[..., TestClient]) -> None:
    settings = Settings(db_pool_size=3)
    engine = make_engine(loaded_engine.url.render_as_string(hide_password=False), settings)
    client = on_engine(engine)
    with engine.connect() as held:
        held.execute(text("SELECT 1"))
        families = _families(client)
        assert _sample(families, "db_pool_size", "db_pool_size") == 3
        assert _sample(families, "db_pool_checked_out", "db_pool_checked_out") == 1
    families = _families(client)
    assert _sample(families, "db_pool_checked_out", "db_pool_checked_out") == 0
    assert (_sample(families, "db_pool_checked_in", "db_pool_checked_in") or 0) >= 1
    engine.dispose()


def test_metrics_show_the_read_pool(loaded_engine: Engine) -> None:
    """The API's reads have a pool of their own (the server's loop, given by the lifespan)."""
    db_engine.set_engine(loaded_engine)
    try:
        with TestClient(create_app(Settings(metrics_enabled=True))) as client:
            families = _families(client)
            assert _sample(families, "db_read_pool_open", "db_read_pool_open") is None  # none yet
            assert client.get("/customers/37077").status_code == 200
            families = _families(client)
            assert _sample(families, "db_read_pool_open", "db_read_pool_open") == 1
            assert _sample(families, "db_read_pool_idle", "db_read_pool_idle") == 1
            assert _sample(families, "db_read_pool_waiting", "db_read_pool_waiting") == 0
            maximum = Settings().db_pool_size + Settings().db_max_overflow
            assert _sample(families, "db_read_pool_max", "db_read_pool_max") == maximum
    finally:
        db_engine.dispose_engine()


def test_metrics_can_be_turned_off(
    loaded_engine: Engine, on_engine: Callable[..., TestClient]
) -> None:
    client = on_engine(loaded_engine, create_app(Settings(metrics_enabled=False)))
    assert_problem(client.get("/metrics"), 404)
    assert client.get("/health").headers["x-request-id"]


# --- CORS ---


def test_cors_is_closed_by_default(
    loaded_engine: Engine, on_engine: Callable[..., TestClient]
) -> None:
    assert Settings().cors_allow_origins == []
    client = on_engine(loaded_engine)
    origin = {"Origin": "https://evil.example"}
    response = client.get("/customers/?limit=1", headers=origin)
    assert response.status_code == 200
    assert not any(h.startswith("access-control-") for h in response.headers)
    preflight = client.options(
        "/graphql", headers={**origin, "Access-Control-Request-Method": "POST"}
    )
    assert "access-control-allow-origin" not in preflight.headers


def test_cors_allows_only_the_configured_origins(
    loaded_engine: Engine, on_engine: Callable[..., TestClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CORS_ALLOW_ORIGINS", " https://dash.example , https://admin.example")
    settings = Settings()
    assert settings.cors_allow_origins == ["https://dash.example", "https://admin.example"]
    monkeypatch.setenv("CORS_ALLOW_ORIGINS", '["https://dash.example"]')
    assert Settings().cors_allow_origins == ["https://dash.example"]
    client = on_engine(loaded_engine, create_app(settings))
    allowed = client.get("/products/?limit=1", headers={"Origin": "https://dash.example"})
    assert allowed.headers["access-control-allow-origin"] == "https://dash.example"
    assert "x-request-id" in allowed.headers["access-control-expose-headers"].lower()
    assert "access-control-allow-credentials" not in allowed.headers
    other = client.get("/products/?limit=1", headers={"Origin": "https://evil.example"})
    assert other.status_code == 200 and "access-control-allow-origin" not in other.headers
    preflight = client.options(
        "/graphql",
        headers={
            "Origin": "https://admin.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "https://admin.example"
    assert "POST" in preflight.headers["access-control-allow-methods"]
    refused = client.options(
        "/graphql",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert refused.status_code == 400 and "access-control-allow-origin" not in refused.headers


# --- request body size ---


def _padded_query(size: int) -> bytes:
    """A valid GraphQL request of exactly `size` bytes (the query padded with spaces)."""
    head, tail = b'{"query": "{ products(first: 1) { edges { node { id } } } }', b'"}'
    return head + b" " * (size - len(head) - len(tail)) + tail


def test_graphql_body_over_one_megabyte_is_413_problem(
    loaded_engine: Engine, on_engine: Callable[..., TestClient]
) -> None:
    limit = Settings().max_request_body_bytes
    assert limit == 1_048_576
    client = on_engine(loaded_engine)
    headers = {"Content-Type": "application/json", "X-Request-ID": "big-1"}
    at_limit = client.post("/graphql", content=_padded_query(limit), headers=headers)
    assert at_limit.status_code == 200 and "errors" not in at_limit.json(), at_limit.text[:300]
    over = client.post("/graphql", content=_padded_query(limit + 1), headers=headers)
    body = assert_problem(over, 413)
    assert body["type"] == "/problems/body-too-large" and "1,048,576" in body["detail"]
    assert over.headers["x-request-id"] == "big-1"


def test_streamed_body_over_the_limit_is_413_problem(
    loaded_engine: Engine, on_engine: Callable[..., TestClient]
) -> None:
    client = on_engine(loaded_engine, create_app(Settings(max_request_body_bytes=1_000)))
    payload = _padded_query(5_000)

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit must count what arrives
        for start in range(0, len(payload), 256):
            yield payload[start : start + 256]

    response = client.post(
        "/graphql", content=chunks(), headers={"Content-Type": "application/json"}
    )
    body = assert_problem(response, 413)
    assert "1,000" in body["detail"]
    small = client.post(
        "/graphql", content=_padded_query(900), headers={"Content-Type": "application/json"}
    )
    assert small.status_code == 200 and "errors" not in small.json()


def test_body_limit_zero_disables_it(
    loaded_engine: Engine, on_engine: Callable[..., TestClient]
) -> None:
    client = on_engine(loaded_engine, create_app(Settings(max_request_body_bytes=0)))
    response = client.post(
        "/graphql", content=_padded_query(1_200_000), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 200 and "errors" not in response.json()
