"""GraphQL test fixtures: a TestClient over the real sample, a `gql` helper, a statement counter."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event

from app.db import engine as db_engine
from app.db.async_reads import observe_statements
from app.main import app

GraphQL = Callable[..., dict[str, Any]]


@pytest.fixture
def client(loaded_engine: Engine) -> Iterator[TestClient]:
    """No `with`: the lifespan would dispose the shared engine after every test."""
    db_engine.set_engine(loaded_engine)
    yield TestClient(app)
    db_engine.dispose_engine()


@pytest.fixture
def gql(client: TestClient) -> GraphQL:
    """POST a query; return the whole response body (`data` and, if any, `errors`)."""

    def run(query: str, **variables: Any) -> dict[str, Any]:
        response = client.post("/graphql", json={"query": query, "variables": variables})
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    return run


@pytest.fixture
def data(gql: GraphQL) -> GraphQL:
    """Like `gql`, for queries that must succeed: returns `data`, fails on any error."""

    def run(query: str, **variables: Any) -> dict[str, Any]:
        body = gql(query, **variables)
        assert "errors" not in body, body["errors"]
        result: dict[str, Any] = body["data"]
        return result

    return run


class StatementLog:
    def __init__(self) -> None:
        self.statements: list[str] = []

    def __len__(self) -> int:
        return len(self.statements)

    def clear(self) -> None:
        self.statements.clear()


@pytest.fixture
def statements(loaded_engine: Engine) -> Iterator[StatementLog]:
    """Every SQL statement the app sends while the test runs: the API's reads
    (`observe_statements`) and anything on the sync engine (`before_cursor_execute`)."""
    log = StatementLog()

    def record_read(statement: str, params: Any) -> None:
        log.statements.append(statement)

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        log.statements.append(statement)

    event.listen(loaded_engine, "before_cursor_execute", record)
    with observe_statements(record_read):
        yield log
    event.remove(loaded_engine, "before_cursor_execute", record)
