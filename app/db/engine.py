"""One engine and one session factory per process, created lazily (never at import time).

Two kinds of session share the engine's pool:

- `session_scope()`: an ordinary transactional session (CLIs, and anything that might write).
- `read_scope()` / `run_read()`: for every API route, REST and GraphQL (all read-only), through
  READ_THREADS worker threads, fewer than the pool's connections. Its connections run in
  autocommit, so a request costs exactly its SELECTs: no `BEGIN` before the first one and no
  `ROLLBACK` when the connection goes back to the pool (psycopg2 sends both as round trips of
  their own). Under READ COMMITTED every statement takes its own snapshot
  either way, so what a request can see does not change. Autocommit is switched with psycopg2's
  `autocommit` attribute (no I/O) when the session takes its connection and switched back when
  the connection returns to the pool; SQLAlchemy's `isolation_level="AUTOCOMMIT"` option would
  send a `SET default_transaction_isolation` round trip on every return.

Surviving a database restart: instead of `pool_pre_ping` (a `SELECT 1` round trip on every
checkout), `_drop_dead_connections` checks on checkout whether the idle connection's socket has
become readable. An idle PostgreSQL connection receives nothing unless the server is going away
(a restart or `pg_terminate_backend` sends a FATAL message and closes the socket), so a readable
socket means a dead connection: the pool replaces it before any statement is sent. A connection
that died silently (no message, e.g. a lost host) fails on its first statement instead: SQLAlchemy
then invalidates the whole pool, that request answers 503, and the next ones reconnect.
"""

from __future__ import annotations

import asyncio
import select
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import partial
from typing import Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

from app.config import Settings, get_settings
from app.db.url import resolve_database_url

P = ParamSpec("P")
R = TypeVar("R")

_lock = threading.Lock()
_engine: Engine | None = None
_session_factory: sessionmaker[Session] | None = None
_read_session_factory: sessionmaker[Session] | None = None


def connection_is_dead(dbapi_connection: Any) -> bool:
    """True when an idle psycopg2 connection is closed or its server has hung up (no round trip).

    A false positive (say, an asynchronous notice waiting on an idle connection) only costs a
    reconnect, never an error.
    """
    if dbapi_connection.closed:
        return True
    poller = select.poll()
    poller.register(dbapi_connection.fileno(), select.POLLIN | select.POLLPRI)
    return bool(poller.poll(0))


def _drop_dead_connections(dbapi_connection: Any, record: Any, proxy: Any) -> None:
    """Pool `checkout` hook: make the pool replace a connection whose server has gone away."""
    if connection_is_dead(dbapi_connection):
        raise DisconnectionError("the server closed the connection while it sat in the pool")


def make_engine(url: str, settings: Settings | None = None) -> Engine:
    settings = settings or get_settings()
    connect_args: dict[str, object] = {
        # libpq's connect timeout (whole seconds, >= 2): an unreachable server costs a request
        # at most this long before its 503.
        "connect_timeout": settings.db_connect_timeout_s,
        "application_name": "ecommerce-analytics",
    }
    if settings.db_statement_timeout_ms:
        connect_args["options"] = f"-c statement_timeout={settings.db_statement_timeout_ms}"
    engine = create_engine(
        url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout_s,
        connect_args=connect_args,
    )
    # Survive a database restart without restarting the app, without a round trip per checkout.
    event.listen(engine, "checkout", _drop_dead_connections)
    return engine


def _autocommit(session: Session, transaction: SessionTransaction, connection: Connection) -> None:
    """Read sessions' `after_begin` hook: nothing has been sent yet (psycopg2 begins lazily)."""
    connection.connection.dbapi_connection.autocommit = True  # type: ignore[union-attr]


def _end_autocommit(dbapi_connection: Any, record: Any) -> None:
    """Pool `checkin` hook: connections go back to the pool transactional, as they came."""
    if dbapi_connection is not None and not dbapi_connection.closed:
        dbapi_connection.autocommit = False  # no transaction is open in autocommit: no I/O


def _set_factories(engine: Engine) -> None:
    global _engine, _session_factory, _read_session_factory
    _engine = engine
    _session_factory = sessionmaker(engine, expire_on_commit=False)
    _read_session_factory = sessionmaker(engine, expire_on_commit=False)
    event.listen(_read_session_factory, "after_begin", _autocommit)
    if not event.contains(engine, "checkin", _end_autocommit):
        event.listen(engine, "checkin", _end_autocommit)


def get_engine() -> Engine:
    with _lock:
        if _engine is None:
            _set_factories(make_engine(resolve_database_url()))
        assert _engine is not None
        return _engine


def set_engine(engine: Engine) -> None:
    """Point the process at a given engine (tests, or a CLI that resolved the URL itself)."""
    with _lock:
        _set_factories(engine)


def dispose_engine() -> None:
    global _engine, _session_factory, _read_session_factory
    with _lock:
        if _engine is not None:
            _engine.dispose()
        _engine = None
        _session_factory = None
        _read_session_factory = None


@contextmanager
def session_scope() -> Iterator[Session]:
    get_engine()
    assert _session_factory is not None
    with _session_factory() as session:
        yield session


def read_session() -> Session:
    """A new session for read-only services (autocommit, see the module docstring).

    Creating it does no I/O: the connection is checked out by its first statement. Closing it
    does none either (nothing to roll back), so it may be closed on the event loop.
    """
    factory = _read_session_factory
    if factory is None:
        get_engine()
        factory = _read_session_factory
        assert factory is not None
    return factory()


@contextmanager
def read_scope() -> Iterator[Session]:
    with read_session() as session:
        yield session


# Worker threads for read-only service calls made from async code (REST routes, GraphQL):
# a plain executor hop costs less than Starlette's thread pool (anyio's limiter and cancel
# scopes), and with fewer threads than pooled connections, a thread never waits for a connection
# held by a request that is itself waiting for a thread.
READ_THREADS = 8
_read_executor = ThreadPoolExecutor(max_workers=READ_THREADS, thread_name_prefix="db-read")


def _read_call(service: Callable[Concatenate[Session, P], R], *args: Any, **kwargs: Any) -> R:
    with read_session() as session:
        return service(session, *args, **kwargs)


async def run_read(
    service: Callable[Concatenate[Session, P], R], /, *args: P.args, **kwargs: P.kwargs
) -> R:
    """`service(session, *args, **kwargs)` on a read session of its own, in a worker thread."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_read_executor, partial(_read_call, service, *args, **kwargs))


def run_in_read_thread(call: Callable[[], R]) -> asyncio.Future[R]:
    """`call()` in one of the read threads (for callers that batch several service calls)."""
    return asyncio.get_running_loop().run_in_executor(_read_executor, call)
