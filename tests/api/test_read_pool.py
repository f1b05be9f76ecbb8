"""The API's read pool (app/db/read_pool.py) on a real server: its bound, its queue, and that no
connection leaks or is reused after a call that may have left it mid-protocol."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from functools import partial
from typing import Any, TypeVar

import asyncpg
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm import Session

from app.config import get_settings
from app.db import async_reads
from app.db import engine as db_engine
from app.db.asyncpg_connect import connect_arguments
from app.db.read_pool import ReadPool
from app.services import customers

T = TypeVar("T")


@pytest.fixture
def connect(loaded_engine: Engine) -> Iterator[Callable[[], Awaitable[asyncpg.Connection]]]:
    db_engine.set_engine(loaded_engine)
    yield partial(asyncpg.connect, **connect_arguments())
    db_engine.dispose_engine()


def run(scenario: Callable[[], Awaitable[T]]) -> T:
    return asyncio.run(scenario())  # type: ignore[arg-type]


def test_connections_open_on_demand_up_to_the_bound_and_are_reused(connect: Any) -> None:
    async def scenario() -> None:
        pool = ReadPool(connect, max_size=2)
        assert (pool.size, pool.idle) == (0, 0)
        first = await pool.acquire(1)
        second = await pool.acquire(1)
        assert pool.size == 2
        pool.release(first)
        assert await pool.acquire(1) is first  # the idle one, no new connection
        pool.release(first)
        pool.release(second)
        assert (pool.size, pool.idle) == (2, 2)
        await pool.close()
        assert (pool.size, pool.idle) == (0, 0)
        assert first.is_closed() and second.is_closed()

    run(scenario)


def test_a_full_pool_serves_waiters_in_order_and_times_out(connect: Any) -> None:
    async def scenario() -> None:
        pool = ReadPool(connect, max_size=1)
        held = await pool.acquire(1)
        order: list[str] = []

        async def wait(name: str) -> asyncpg.Connection:
            connection = await pool.acquire(5)
            order.append(name)
            return connection

        first = asyncio.create_task(wait("first"))
        second = asyncio.create_task(wait("second"))
        await asyncio.sleep(0.05)
        pool.release(held)
        connection = await first
        assert connection is held and order == ["first"]
        pool.release(connection)
        assert await second is held and order == ["first", "second"]
        with pytest.raises(PoolTimeoutError):
            await pool.acquire(0.1)  # held by "second"
        pool.release(held)
        assert pool.size == 1 and await pool.acquire(0.1) is held
        pool.release(held)
        await pool.close()

    run(scenario)


def test_a_connection_handed_to_a_waiter_that_gives_up_is_not_lost(connect: Any) -> None:
    async def scenario() -> None:
        pool = ReadPool(connect, max_size=1)
        held = await pool.acquire(1)
        waiting = asyncio.create_task(pool.acquire(5))
        await asyncio.sleep(0.05)
        pool.release(held)  # handed to the waiter...
        waiting.cancel()  # ...which is cancelled before it runs again
        with pytest.raises(asyncio.CancelledError):
            await waiting
        assert (pool.size, pool.idle) == (1, 1)
        assert await pool.acquire(0.1) is held
        pool.release(held)
        await pool.close()

    run(scenario)


def test_an_unreusable_or_dead_connection_frees_its_place(connect: Any) -> None:
    async def scenario() -> None:
        pool = ReadPool(connect, max_size=1)
        first = await pool.acquire(1)
        waiting = asyncio.create_task(pool.acquire(5))
        await asyncio.sleep(0.05)
        pool.release(first, reusable=False)  # closed; the waiter opens a new one
        second = await waiting
        assert first.is_closed() and second is not first and pool.size == 1
        pool.release(second)
        second.terminate()  # dies while idle
        third = await pool.acquire(1)
        assert third is not second and not third.is_closed() and pool.size == 1
        assert await third.fetchval("SELECT 1") == 1
        pool.release(third)
        await pool.close()

    run(scenario)


def test_closing_fails_waiters_and_closes_busy_connections_on_return(connect: Any) -> None:
    async def scenario() -> None:
        pool = ReadPool(connect, max_size=1)
        busy = await pool.acquire(1)
        waiting = asyncio.create_task(pool.acquire(5))
        await asyncio.sleep(0.05)
        await pool.close()
        with pytest.raises(ConnectionError):
            await waiting
        pool.release(busy)
        assert busy.is_closed() and pool.size == 0
        with pytest.raises(ConnectionError):
            await pool.acquire(1)

    run(scenario)


def _sleep(session: Session, seconds: float) -> None:
    session.execute(text("SELECT pg_sleep(:seconds)"), {"seconds": seconds})


def test_a_read_cancelled_mid_query_does_not_return_its_connection(connect: Any) -> None:
    """A cancelled request's connection may still be running its statement: it is closed, not
    handed to the next request, and the next read works."""

    async def scenario() -> str:
        await async_reads.open_read_pool()
        try:
            slow = asyncio.create_task(async_reads.run_read(_sleep, 5))
            await asyncio.sleep(0.2)
            slow.cancel()
            with pytest.raises(asyncio.CancelledError):
                await slow
            pool = async_reads._pool_for(async_reads._loop_pools[asyncio.get_running_loop()])
            assert (pool.size, pool.idle) == (0, 0)
            detail = await async_reads.run_read(customers.get_customer, "37077")
            assert (pool.size, pool.idle) == (1, 1)
            return detail.customer.customer_id
        finally:
            await async_reads.close_read_pool()

    assert run(scenario) == "37077"


def _show(session: Session, *names: str) -> list[str]:
    return [session.execute(text(f"SHOW {name}")).scalar_one() for name in names]


def test_libpq_parameters_of_the_url_reach_asyncpg(loaded_engine: Engine) -> None:
    """A DATABASE_URL written for libpq/psycopg2 works for the API's reads too: `sslmode` is
    understood, `connect_timeout` left to DB_CONNECT_TIMEOUT_S, `options` turned into server
    settings, and the app's statement timeout and application name are set."""
    url = loaded_engine.url.update_query_dict(
        {"sslmode": "disable", "connect_timeout": "5", "options": "-c work_mem=7MB"}
    )
    db_engine.set_engine(db_engine.make_engine(url.render_as_string(hide_password=False)))
    try:
        names = ("work_mem", "application_name", "statement_timeout")
        shown = asyncio.run(async_reads.run_read(_show, *names))
    finally:
        db_engine.dispose_engine()
    assert shown == ["7MB", "ecommerce-analytics", "15s"]


def test_a_statement_over_the_timeout_is_a_database_unavailable_error(
    loaded_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DB_STATEMENT_TIMEOUT_MS caps the API's reads: PostgreSQL cancels the statement, the
    caller gets SQLAlchemy's OperationalError (a 503 in REST, SERVICE_UNAVAILABLE in GraphQL),
    and the connection stays usable."""
    monkeypatch.setenv("DB_STATEMENT_TIMEOUT_MS", "200")
    get_settings.cache_clear()
    db_engine.set_engine(loaded_engine)

    async def scenario() -> list[str]:
        await async_reads.open_read_pool()
        try:
            with pytest.raises(OperationalError, match="statement timeout"):
                await async_reads.run_read(_sleep, 2)
            return await async_reads.run_read(_show, "statement_timeout")
        finally:
            await async_reads.close_read_pool()

    try:
        assert asyncio.run(scenario()) == ["200ms"]
    finally:
        db_engine.dispose_engine()
        get_settings.cache_clear()
