"""The app survives its database connections being cut (what a PostgreSQL restart does to them),
without a `SELECT 1` pre-ping per checkout: the API's asyncpg pool drops a dead connection at its
first statement and sends the statement again on a new one; the sync engine (`/ready`, the CLIs)
replaces dead pooled connections on checkout."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from app.db import async_reads
from app.db import engine as db_engine
from app.db.engine import make_engine, session_scope
from app.main import app
from app.services import customers


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


def _terminate_every_other_backend(admin_engine: Engine) -> int:
    with admin_engine.connect() as admin:
        return len(
            admin.execute(
                text(
                    "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            ).all()
        )


def test_requests_succeed_after_the_pooled_connections_are_terminated(
    own_engine: Engine, loaded_engine: Engine
) -> None:
    query = '{ customer(customerId: "37077") { gender orders { totalCount } } }'
    with TestClient(app) as client:  # the lifespan gives the server's loop its asyncpg pool
        for _ in range(3):
            assert client.get("/customers/37077").status_code == 200
            assert "errors" not in client.post("/graphql", json={"query": query}).json()
        assert client.get("/ready").status_code == 200
        assert _terminate_every_other_backend(loaded_engine) >= 2  # both pools had connections
        for _ in range(5):  # every pooled connection is dead now; each is replaced when used
            assert client.get("/customers/37077").status_code == 200
            assert "errors" not in client.post("/graphql", json={"query": query}).json()
            assert client.get("/ready").status_code == 200


def test_the_sync_pool_replaces_dead_connections_on_checkout(
    own_engine: Engine, loaded_engine: Engine
) -> None:
    pids = _pooled_pids(own_engine, 3)
    with loaded_engine.connect() as admin:
        for pid in pids:
            admin.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid})
    for _ in range(5):
        with session_scope() as session:
            assert session.execute(text("SELECT 1")).scalar_one() == 1


def test_a_read_on_a_connection_that_died_unnoticed_is_sent_again(
    own_engine: Engine, loaded_engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    """The pool's connection is cut while the loop is busy, so asyncpg has not seen the socket
    close when the next read takes it: that read fails at its first statement, and is sent
    again on a new connection instead of answering 503."""

    async def scenario() -> str:
        await async_reads.open_read_pool()
        try:
            await async_reads.run_read(customers.get_customer, "37077")  # the pool connects
            _terminate_every_other_backend(loaded_engine)  # blocking: the loop cannot notice
            detail = await async_reads.run_read(customers.get_customer, "37077")
            return detail.customer.customer_id
        finally:
            await async_reads.close_read_pool()

    with caplog.at_level(logging.WARNING, logger="app.db.async_reads"):
        assert asyncio.run(scenario()) == "37077"
    assert "reconnecting" in caplog.text
