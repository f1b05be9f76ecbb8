"""Health, the index, OpenAPI, problem+json for every error class, and database outages (503)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine

from app.config import get_settings
from app.db import async_reads
from app.db import engine as db_engine
from app.main import app, create_app
from tests.api.helpers import PROBLEM_JSON, assert_problem

LIST_ROUTES = ["/customers/", "/orders/", "/products/"]


def test_health_ok(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_index_links(client: TestClient) -> None:
    links = client.get("/").json()["links"]
    assert links["docs"] == "/docs" and links["health"] == "/health"
    assert links["graphql"] == "/graphql"


def test_docs_and_openapi_describe_money_and_problems(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200
    schema = client.get("/openapi.json").json()
    assert schema["info"]["title"] and schema["info"]["version"]
    for path in ["/customers/", "/orders/{order_id}", "/analytics/top-products/", "/health"]:
        assert path in schema["paths"]
    revenue = schema["components"]["schemas"]["RevenueOut"]["properties"]["total_revenue"]
    assert revenue["type"] == "string" and "2 decimals" in revenue["description"]
    not_found = schema["paths"]["/orders/{order_id}"]["get"]["responses"]["404"]
    assert list(not_found["content"]) == [PROBLEM_JSON]
    invalid = schema["paths"]["/orders/"]["get"]["responses"]["422"]
    assert list(invalid["content"]) == [PROBLEM_JSON]
    params = {p["name"]: p for p in schema["paths"]["/orders/"]["get"]["parameters"]}
    assert params["limit"]["schema"]["maximum"] == 500
    assert params["priority"]["description"]


def test_unknown_route_is_404_problem(client: TestClient) -> None:
    assert_problem(client.get("/no/such/route"), 404)


def test_wrong_method_is_405_problem_with_allow(client: TestClient) -> None:
    response = client.post("/customers/")
    assert_problem(response, 405)
    assert "GET" in response.headers["allow"]


def test_validation_problem_lists_every_bad_parameter(client: TestClient) -> None:
    response = client.get("/orders/", params={"limit": 0, "offset": -1, "priority": "x"})
    body = assert_problem(response, 422)
    assert {e["parameter"] for e in body["errors"]} == {"limit", "offset", "priority"}
    assert all(e["location"] == "query" for e in body["errors"])
    assert body["title"] == "Unprocessable Entity"
    assert "limit" in body["detail"]


def test_import_does_not_connect() -> None:
    # create_app() with no engine configured must not start or reach a database.
    db_engine.dispose_engine()
    create_app()
    assert db_engine._engine is None


@pytest.fixture
def unreachable_client() -> Iterator[TestClient]:
    """The app pointed at a port where nothing listens: every query fails to connect."""
    dead = create_engine(
        "postgresql+psycopg2://nobody:secret@127.0.0.1:1/nowhere",
        connect_args={"connect_timeout": 1},
    )
    db_engine.set_engine(dead)
    yield TestClient(app)
    db_engine.dispose_engine()


@pytest.mark.parametrize(
    "url", ["/health", *LIST_ROUTES, "/customers/37077", "/orders/1", "/analytics/revenue/"]
)
def test_database_down_is_503_problem(unreachable_client: TestClient, url: str) -> None:
    response = unreachable_client.get(url)
    body = assert_problem(response, 503)
    assert body["type"] == "/problems/database-unavailable"
    assert response.headers["retry-after"]
    # Nothing about the connection (host, user, password, driver) leaks to the client.
    for secret in ("secret", "nobody", "127.0.0.1", "psycopg2", "OperationalError"):
        assert secret not in response.text


def test_pool_timeout_is_503_problem(
    loaded_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every pooled connection held by other requests: a request waits DB_POOL_TIMEOUT_S, then
    answers 503 (the server's pool, which the app's lifespan gives its event loop)."""
    for name, value in (
        ("DB_POOL_SIZE", "1"),
        ("DB_MAX_OVERFLOW", "0"),
        ("DB_POOL_TIMEOUT_S", "0.2"),
    ):
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    db_engine.set_engine(loaded_engine)

    async def scenario() -> httpx.Response:
        await async_reads.open_read_pool()
        try:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
                assert (await client.get("/products/")).status_code == 200
                async with async_reads.checkout():  # the only connection, held by "another request"
                    return await client.get("/products/")
        finally:
            await async_reads.close_read_pool()

    try:
        response = asyncio.run(scenario())
    finally:
        get_settings.cache_clear()
    body = assert_problem(response, 503)
    assert "retry" in body["detail"].lower()


def test_lifespan_disposes_engine_on_shutdown(loaded_engine: Engine) -> None:
    db_engine.set_engine(loaded_engine)
    with TestClient(app) as client:
        assert client.get("/health").status_code == 200
    assert db_engine._engine is None


def test_concurrent_requests_share_the_pool(client: TestClient) -> None:
    statuses: list[int] = []

    def hit() -> None:
        statuses.append(client.get("/analytics/revenue/").status_code)

    threads = [threading.Thread(target=hit) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 8
