"""One engine and one session factory per process, created lazily (never at import time).

`session_scope()` gives an ordinary transactional session: the loader, the CLIs, migrations, the
rollup refresher and `/ready`. The API's reads do not use this engine's pool: they run the same
services on asyncpg, on the event loop (`app.db.async_reads`), which reads its connection
settings from this engine's URL.

Surviving a database restart: instead of `pool_pre_ping` (a `SELECT 1` round trip on every
checkout), `_drop_dead_connections` checks on checkout whether the idle connection's socket has
become readable. An idle PostgreSQL connection receives nothing unless the server is going away
(a restart or `pg_terminate_backend` sends a FATAL message and closes the socket), so a readable
socket means a dead connection: the pool replaces it before any statement is sent. A connection
that died silently (no message, e.g. a lost host) fails on its first statement instead: SQLAlchemy
then invalidates the whole pool, that request answers 503, and the next ones reconnect.
"""

from __future__ import annotations

import select
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings, get_settings
from app.db.url import resolve_database_url

# How the app's connections introduce themselves (pg_stat_activity), sync engine and asyncpg alike.
APPLICATION_NAME = "ecommerce-analytics"

_lock = threading.Lock()
_engine: Engine | None = None
_session_factory: sessionmaker[Session] | None = None


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
        "application_name": APPLICATION_NAME,
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


def _set_factories(engine: Engine) -> None:
    global _engine, _session_factory
    _engine = engine
    _session_factory = sessionmaker(engine, expire_on_commit=False)


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
    global _engine, _session_factory
    with _lock:
        if _engine is not None:
            _engine.dispose()
        _engine = None
        _session_factory = None


@contextmanager
def session_scope() -> Iterator[Session]:
    get_engine()
    assert _session_factory is not None
    with _session_factory() as session:
        yield session
