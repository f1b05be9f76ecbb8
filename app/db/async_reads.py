"""Read-only service calls from async code (every REST route, every GraphQL resolver), on asyncpg.

The service layer is plain sync code over a `Session` (`fetch(session, stmt, params)`,
`session.execute(...)`), shared with the CLIs and the tests. `run_read(service, *args)` runs that
same function on the event loop, inside a greenlet (SQLAlchemy's `greenlet_spawn`, the mechanism
behind its own asyncio extension), with an `AsyncReadSession` in place of the Session: each
statement is compiled once by SQLAlchemy for the asyncpg dialect, and sent by asyncpg, whose await
suspends the greenlet and leaves the loop free. So the loop never blocks on PostgreSQL, no worker
thread is involved, and each query exists once, as the service's SQLAlchemy statement (or its
`queries/*.sql` text).

Why not worker threads with psycopg2 sessions, nor SQLAlchemy's AsyncSession: per call, a sync
session costs about 2.5 times this module's CPU and AsyncSession about 4 times, and threads add
GIL hand-overs under load (numbers and alternatives: docs/design.md, "The greenlet bridge and
ReadPool").

Connections: a long-lived event loop (the server's, registered by the app's lifespan through
`open_read_pool`) gets a `ReadPool` (app/db/read_pool.py), sized like the SQLAlchemy pool, whose
connections open on demand with the same statement timeout, connect timeout and application
name. Reads run in autocommit (asyncpg sends no BEGIN for a lone statement), so there is nothing
to reset when a connection goes back. Any other loop (a one-off `asyncio.run`, a test client
without lifespan) opens one connection per service call and closes it afterwards, so nothing
leaks. A connection the server dropped (restart, `pg_terminate_backend`) is noticed by asyncpg
when the socket closes and dropped at its next checkout; if it has not been noticed yet, the
call's first statement fails and is sent again on a fresh connection.

Errors become SQLAlchemy's exception types, so both transports keep one mapping: connection
trouble, timeouts and server shutdown become `OperationalError` (503 in REST,
SERVICE_UNAVAILABLE in GraphQL), a full pool `sqlalchemy.exc.TimeoutError`, and any other
PostgreSQL error a `DBAPIError`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from functools import partial
from typing import Any, Concatenate, ParamSpec, TypeVar, cast

import asyncpg
from sqlalchemy import make_url
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, MultipleResultsFound, NoResultFound, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.util import greenlet_spawn

try:  # SQLAlchemy 2.1 and later; `await_only` is the 2.0 name of the same function
    from sqlalchemy.util import await_
except ImportError:  # pragma: no cover - SQLAlchemy 2.0
    from sqlalchemy.util import await_only as await_

from app.config import get_settings
from app.db import engine as db_engine
from app.db.asyncpg_connect import connect_arguments
from app.db.read_pool import ReadPool
from app.db.read_targets import ReplicaTarget, current_target, report_failure
from app.db.url import normalize_url

P = ParamSpec("P")
R = TypeVar("R")

log = logging.getLogger(__name__)

_DIALECT = asyncpg_dialect()
# This dialect never connects, so it cannot read the server's standard_conforming_strings: it is
# told PostgreSQL's default (on), so a backslash in a literal (LIKE ... ESCAPE '\\') is written
# once. Set here because SQLAlchemy's own assumption differs between 2.0 and 2.1.
_DIALECT._backslash_escapes = False
_COMPILED_CACHE_SIZE = 512  # statements are module constants or cached builders: a few dozen
_compiled: OrderedDict[int, tuple[ClauseElement, SQLCompiler]] = OrderedDict()
_compiled_lock = threading.Lock()

# How a pooled connection that the server closed while idle fails on its next statement.
_STALE_CONNECTION = (
    asyncpg.ConnectionDoesNotExistError,
    asyncpg.AdminShutdownError,  # the FATAL message pg_terminate_backend left on the socket
    asyncpg.InterfaceError,  # "connection is closed"
    ConnectionResetError,
)

# SQLSTATE classes meaning "the database is unavailable or overloaded", not "the query is wrong":
# 08 connection exception, 53 insufficient resources, 57 operator intervention (shutdown,
# statement timeout, cancel), 58 system error.
_UNAVAILABLE_CLASSES = ("08", "53", "57", "58")


class Row(asyncpg.Record):
    """asyncpg's record with attribute access (`row.total_revenue`), as SQLAlchemy rows have."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def _mapping(self) -> dict[str, Any]:
        """Column name → value, as SQLAlchemy's `Row._mapping` (services build shapes from it)."""
        return dict(zip(self.keys(), self.values(), strict=True))


class Result:
    """The part of SQLAlchemy's `Result` the read services use."""

    __slots__ = ("_rows",)

    def __init__(self, rows: list[Row]) -> None:
        self._rows = rows

    def all(self) -> list[Row]:
        return self._rows

    def one(self) -> Row:
        if not self._rows:
            raise NoResultFound("No row was found when one was required")
        if len(self._rows) > 1:
            raise MultipleResultsFound("Multiple rows were found when exactly one was required")
        return self._rows[0]

    def scalar_one(self) -> Any:
        return self.one()[0]


def _compile(stmt: ClauseElement) -> SQLCompiler:
    """`stmt` compiled for asyncpg, once per statement object (LRU-bounded; the cache holds the
    statement, so its id cannot be reused while cached). Locked: a test process may run event
    loops in several threads."""
    key = id(stmt)
    with _compiled_lock:
        hit = _compiled.get(key)
        if hit is not None and hit[0] is stmt:
            _compiled.move_to_end(key)
            return hit[1]
    compiled = cast(SQLCompiler, stmt.compile(dialect=_DIALECT))
    if compiled.literal_execute_params or compiled.post_compile_params:
        # Expanding IN lists are rendered per execution; the services use `= ANY(:keys)`.
        raise NotImplementedError(f"statement needs per-execution rendering: {compiled}")
    with _compiled_lock:
        _compiled[key] = (stmt, compiled)
        if len(_compiled) > _COMPILED_CACHE_SIZE:
            _compiled.popitem(last=False)
    return compiled


def bind(stmt: ClauseElement, params: Mapping[str, Any] | None) -> tuple[str, list[Any]]:
    """The SQL text and positional arguments asyncpg takes for `stmt` with `params`."""
    compiled = _compile(stmt)
    values = compiled.construct_params(params)
    processors = cast(dict[str, Callable[[Any], Any]], compiled._bind_processors)
    names = compiled.positiontup or ()
    if processors:
        return compiled.string, [
            processors[name](values[name]) if name in processors else values[name] for name in names
        ]
    return compiled.string, [values[name] for name in names]


def _translate(error: BaseException, sql: str | None) -> BaseException:
    """asyncpg's (and the socket's) exceptions as SQLAlchemy's, for the error handlers."""
    if isinstance(error, asyncpg.PostgresError):
        sqlstate = getattr(error, "sqlstate", None) or ""
        if sqlstate[:2] in _UNAVAILABLE_CLASSES:
            return OperationalError(sql, None, error)
        return DBAPIError(sql, None, error)
    if isinstance(error, asyncpg.InterfaceError | OSError | asyncio.TimeoutError):
        return OperationalError(sql, None, error)
    return error


# --- connections ---


class _LoopPool:
    """The pools of one long-lived event loop: the primary's, for the engine the app points
    at, and one per read replica (app/db/read_targets.py)."""

    def __init__(self) -> None:
        self.pool: ReadPool | None = None
        self.engine: Engine | None = None
        self.replica_pools: dict[str, ReadPool] = {}


_loop_pools: dict[asyncio.AbstractEventLoop, _LoopPool] = {}
_statement_observers: list[Callable[[str, Mapping[str, Any]], None]] = []


def _pool_for(entry: _LoopPool) -> ReadPool:
    engine = db_engine.get_engine()
    if entry.pool is None or entry.engine is not engine:
        if entry.pool is not None:  # the app was pointed at another database (tests)
            entry.pool.terminate()
        settings = get_settings()
        entry.pool = ReadPool(
            partial(asyncpg.connect, **connect_arguments(), record_class=Row),
            max_size=settings.db_pool_size + settings.db_max_overflow,
        )
        entry.engine = engine
    return entry.pool


def _replica_pool_for(entry: _LoopPool, target: ReplicaTarget) -> ReadPool:
    pool = entry.replica_pools.get(target.url)
    if pool is None:
        settings = get_settings()
        arguments = connect_arguments(make_url(normalize_url(target.url)))
        pool = entry.replica_pools[target.url] = ReadPool(
            partial(asyncpg.connect, **arguments, record_class=Row),
            max_size=settings.db_pool_size + settings.db_max_overflow,
        )
    return pool


async def _acquire() -> tuple[asyncpg.Connection, ReadPool | None]:
    """A connection to this request's target (app/db/read_targets.py: a replica, or the
    primary), and the pool to give it back to: this loop's pool if it has one, else a fresh
    connection (None: close it after use)."""
    target = current_target()
    entry = _loop_pools.get(asyncio.get_running_loop())
    if entry is None:
        url = None if target is None else make_url(normalize_url(target.url))
        return await asyncpg.connect(**connect_arguments(url), record_class=Row), None
    pool = _pool_for(entry) if target is None else _replica_pool_for(entry, target)
    return await pool.acquire(get_settings().db_pool_timeout_s), pool


async def _release(
    connection: asyncpg.Connection, pool: ReadPool | None, *, reusable: bool = True
) -> None:
    if pool is not None:
        pool.release(connection, reusable=reusable)
    elif reusable:
        await connection.close(timeout=5)
    else:
        connection.terminate()


@contextlib.asynccontextmanager
async def checkout() -> AsyncIterator[asyncpg.Connection]:
    """Hold a read connection (of the pool, when the loop has one) for the block."""
    connection, pool = await _acquire()
    try:
        yield connection
    finally:
        await _release(connection, pool)


def read_pools() -> list[ReadPool]:
    """The read pools of the process (one per long-lived loop; the server has one)."""
    return [entry.pool for entry in list(_loop_pools.values()) if entry.pool is not None]


async def open_read_pool() -> None:
    """Give the running loop (the server's) a connection pool; called by the app's lifespan."""
    _loop_pools.setdefault(asyncio.get_running_loop(), _LoopPool())


async def close_read_pool() -> None:
    """Close the running loop's pool (lifespan shutdown): waits briefly for calls in flight."""
    entry = _loop_pools.pop(asyncio.get_running_loop(), None)
    if entry is None:
        return
    for pool in [entry.pool, *entry.replica_pools.values()]:
        if pool is None:
            continue
        try:
            await asyncio.wait_for(pool.close(), timeout=10)
        except TimeoutError:
            pool.terminate()


@contextlib.contextmanager
def observe_statements(observer: Callable[[str, Mapping[str, Any]], None]) -> Iterator[None]:
    """Call `observer(sql, params)` before every statement `run_read` sends (tests, debugging):
    what SQLAlchemy's `before_cursor_execute` event is for the sync sessions."""
    _statement_observers.append(observer)
    try:
        yield
    finally:
        _statement_observers.remove(observer)


# --- the session services see ---


class AsyncReadSession:
    """Stands in for a `Session` in read services run by `run_read`: `execute()` (and
    `connection().execute()`) with SQLAlchemy statements, rows as asyncpg records.

    Its connection is checked out at the first statement and given back when the call ends.
    """

    def __init__(self) -> None:
        self._connection: asyncpg.Connection | None = None
        self._pool: ReadPool | None = None
        # False once a statement ended other than with rows or a PostgreSQL error (cancelled,
        # socket or driver error): the connection may be mid-protocol, so it is not reused.
        self._reusable = True

    def connection(self) -> AsyncReadSession:
        return self

    def execute(self, stmt: ClauseElement, params: Mapping[str, Any] | None = None) -> Result:
        sql, arguments = bind(stmt, params)
        for observer in _statement_observers:
            observer(sql, params or {})
        try:
            if self._connection is not None:
                rows = await_(self._connection.fetch(sql, *arguments))
            else:
                rows = await_(self._first_fetch(sql, arguments))
        except BaseException as error:
            if not isinstance(error, asyncpg.PostgresError):
                self._reusable = False
            report_failure(error)
            translated = _translate(error, sql)
            if translated is error:
                raise
            raise translated from error
        return Result(rows)

    async def _first_fetch(self, sql: str, arguments: list[Any]) -> list[Row]:
        """The call's first statement, on a new checkout. A pooled connection whose server
        went away while it sat idle (a restart, `pg_terminate_backend`) fails here before
        anything ran: it is dropped and the statement sent once more on a fresh connection
        (a read, so repeating it is harmless)."""
        connection = await self._open()
        try:
            return cast(list[Row], await connection.fetch(sql, *arguments))
        except _STALE_CONNECTION as error:
            log.warning("database connection lost while idle (%s); reconnecting", error)
            self._reusable = False
            await self.close()
            self._reusable = True
        connection = await self._open()
        return cast(list[Row], await connection.fetch(sql, *arguments))

    async def _open(self) -> asyncpg.Connection:
        self._connection, self._pool = await _acquire()
        return self._connection

    async def close(self) -> None:
        connection, pool = self._connection, self._pool
        self._connection = self._pool = None
        if connection is not None:
            await _release(connection, pool, reusable=self._reusable)


async def run_read(
    service: Callable[Concatenate[Session, P], R], /, *args: P.args, **kwargs: P.kwargs
) -> R:
    """`service(session, *args, **kwargs)` with an `AsyncReadSession`, on the event loop."""
    session = AsyncReadSession()
    try:
        # The read services only use what AsyncReadSession implements of a Session.
        return await greenlet_spawn(partial(service, cast(Session, session), *args, **kwargs))
    finally:
        await session.close()


async def fetch_value(sql: str) -> Any:
    """The first column of `fetch_row(sql)`, or None when there is no row."""
    row = await fetch_row(sql)
    return None if row is None else row[0]


async def fetch_row(sql: str) -> Row | None:
    """The first row of `sql` (a constant statement without parameters), on the same
    connections as `run_read` (this request's target), stale-connection retry and error
    translation included.

    For the app's own bookkeeping reads (the data version the HTTP cache checks before each
    request, the replicas' probes): they skip the greenlet and the statement observers, so
    tests that count a request's statements see only what its services sent."""
    session = AsyncReadSession()
    try:
        rows = await session._first_fetch(sql, [])
    except BaseException as error:
        if not isinstance(error, asyncpg.PostgresError):
            session._reusable = False
        report_failure(error)
        translated = _translate(error, sql)
        if translated is error:
            raise
        raise translated from error
    finally:
        await session.close()
    return rows[0] if rows else None
