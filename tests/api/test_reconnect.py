"""The app survives its database connections being cut (what a PostgreSQL restart does to them)
without a `SELECT 1` pre-ping per checkout: dead pooled connections are replaced on checkout,
and read sessions hand their connections back to the pool transactional."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from psycopg2.extensions import TRANSACTION_STATUS_IDLE, TRANSACTION_STATUS_INTRANS
from sqlalchemy import Engine, text

from app.db import engine as db_engine
from app.db.engine import make_engine, read_scope, session_scope
from app.main import app


@pytest.fixture
def own_engine(loaded_engine: Engine) -> Iterator[Engine]:
    """An engine of its own on the loaded database, so cutting its connections hurts no one."""
    engine = make_engine(loaded_engine.url.render_as_string(hide_password=False))
    db_engine.set_engine(engine)
    yield engine
    db_engine.dispose_engine()


def _pooled_pids(engine: Engine, count: int) -> list[int]:
    """Check out `count` connections at once, note their server pids, return them to the pool."""
    connections = [engine.connect() for _ in range(count)]
    try:
        return [int(c.execute(text("SELECT pg_backend_pid()")).scalar_one()) for c in connections]
    finally:
        for connection in connections:
            connection.close()


def test_requests_succeed_after_the_pooled_connections_are_terminated(
    own_engine: Engine, loaded_engine: Engine
) -> None:
    client = TestClient(app)
    assert client.get("/customers/37077").status_code == 200
    pids = _pooled_pids(own_engine, 3)
    with loaded_engine.connect() as admin:
        for pid in pids:
            admin.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid})
    for _ in range(5):  # every pooled connection is dead now; each is replaced on checkout
        assert client.get("/customers/37077").status_code == 200
        query = '{ customer(customerId: "37077") { gender } }'
        assert "errors" not in client.post("/graphql", json={"query": query}).json()


def test_read_sessions_autocommit_and_return_connections_transactional(own_engine: Engine) -> None:
    with read_scope() as session:
        session.execute(text("SELECT 1"))
        raw = session.connection().connection.dbapi_connection
        assert raw is not None and raw.autocommit
        assert raw.info.transaction_status == TRANSACTION_STATUS_IDLE  # no BEGIN was sent
    with session_scope() as session:
        session.execute(text("SELECT 1"))
        raw = session.connection().connection.dbapi_connection
        assert raw is not None and not raw.autocommit
        assert raw.info.transaction_status == TRANSACTION_STATUS_INTRANS
