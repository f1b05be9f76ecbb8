"""Per-request context: the request's way to the database and a fresh set of DataLoaders.

Why sync sessions run in worker threads (and not an async engine)
-----------------------------------------------------------------
The service layer is sync SQLAlchemy on psycopg2, shared with REST. GraphQL resolvers are async,
so a service call made directly from a resolver would block the event loop for the whole
round trip to PostgreSQL and serialise every concurrent request behind it. An async engine
(asyncpg or psycopg 3) would mean a second copy of every query or a second driver in the
dependencies; instead the service calls run in a worker thread, so the loop keeps serving other
requests while PostgreSQL works.

Service calls of one request are queued and run in order, one batch at a time, in a worker
thread: calls made in the same turn of the event loop (e.g. the statistics and the orders of one
page of customers, whose DataLoaders dispatch together) share one thread hop, which is the
expensive part of a short call on a busy machine (waking a thread, handing the GIL over).
Each batch takes a read session (autocommit, see `app.db.engine`) and gives its connection back
to the pool when it ends: a connection is held only while statements run, never while the
request waits on the loop, so requests can never hold every connection of the pool while
waiting for a thread (nor a thread wait for a connection held by a request waiting for it).
Under autocommit each statement sees the latest committed data, as it did under READ COMMITTED.

Measured with `python -m bench.graphql --compare-inline` (one run, 16 connections, one uvicorn
worker, 2 shared cores), before the read sessions and batched hops: worker threads 326 req/s
flat / 56 nested; the same server calling the services inline on the loop 221 / 45. After them
(one round trip per call, one hop per batch) the two are level — threads 416 / 73, inline
441 / 75 — and threads are kept: they leave the loop free while a slow query runs. After the
GraphQL per-field work was cut (execution.py), the hop shows again on the flat query (one run,
busy machine: threads 464 req/s at 2.06 ms CPU/request, inline 613 at 1.22; nested 87 vs 86),
mostly GIL hand-overs between the loop and the worker threads; still kept, for the same reason.

The loaders live here, per request, and never at module level: a DataLoader caches what it loaded,
and a cache shared between requests would serve one user's data to another (and grow forever).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable
from functools import partial
from typing import Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy.orm import Session
from strawberry.fastapi import BaseContext

from app.api.graphql.loaders import Loaders
from app.db.engine import read_session, run_in_read_thread

P = ParamSpec("P")
R = TypeVar("R")

_Call = tuple[Callable[[Session], Any], "asyncio.Future[Any]"]


class RequestDb:
    """The request's way to the database: the only way resolvers reach it."""

    def __init__(self) -> None:
        self._queue: list[_Call] = []
        self._busy = False  # a batch of calls is queued for, or running in, a worker thread
        self._idle: asyncio.Future[None] | None = None  # set when the last batch is done
        self.calls = 0  # service calls made for this request (tests and debugging)
        self.hops = 0  # worker-thread batches those calls took

    async def run(
        self,
        service: Callable[Concatenate[Session, P], R],
        /,
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> R:
        """`service(session, *args, **kwargs)` in a worker thread, after the calls queued
        before it; calls queued in the same turn of the loop go in one thread hop."""
        self.calls += 1
        loop = asyncio.get_running_loop()
        future: asyncio.Future[R] = loop.create_future()
        self._queue.append((lambda session: service(session, *args, **kwargs), future))
        if not self._busy:
            self._busy = True
            loop.call_soon(self._dispatch)  # after this turn: let sibling calls join the batch
        return await future

    def _dispatch(self) -> None:
        batch, self._queue = self._queue, []
        self.hops += 1
        done = run_in_read_thread(partial(self._run_batch, batch))
        done.add_done_callback(partial(self._settle, batch))

    def _run_batch(self, batch: list[_Call]) -> list[tuple[bool, Any]]:
        """In the worker thread: every call in order on one session, each outcome kept apart."""
        outcomes: list[tuple[bool, Any]] = []
        with read_session() as session:
            for call, _ in batch:
                try:
                    outcomes.append((True, call(session)))
                except Exception as error:  # handed to that call's awaiting resolver
                    outcomes.append((False, error))
                    session.rollback()  # the next call starts clean (autocommit: no I/O)
        return outcomes

    def _settle(self, batch: list[_Call], done: asyncio.Future[list[tuple[bool, Any]]]) -> None:
        if done.cancelled() or done.exception() is not None:  # the executor itself failed
            error = done.exception() if not done.cancelled() else asyncio.CancelledError()
            outcomes: list[tuple[bool, Any]] = [(False, error)] * len(batch)
        else:
            outcomes = done.result()
        for (_, future), (ok, value) in zip(batch, outcomes, strict=True):
            if future.done():  # its resolver was cancelled
                continue
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)
        if self._queue:
            self._dispatch()
        else:
            self._busy = False
            if self._idle is not None and not self._idle.done():
                self._idle.set_result(None)

    def _call(
        self, service: Callable[Concatenate[Session, P], R], *args: P.args, **kwargs: P.kwargs
    ) -> R:
        """`service(session, ...)` on a read session of its own, here and now (no thread)."""
        with read_session() as session:
            return service(session, *args, **kwargs)

    async def close(self) -> None:
        """Wait for calls still running (a cancelled request's): nothing outlives the request."""
        while self._busy:
            self._idle = asyncio.get_running_loop().create_future()
            await asyncio.shield(self._idle)


class Context(BaseContext):
    def __init__(self, db: RequestDb) -> None:
        super().__init__()
        self.db = db
        self.loaders = Loaders(db)
        self.selections: dict[tuple[int, tuple[str, ...]], frozenset[str]] = {}  # selection.py
        # Resolver arguments converted once per field node (execution.py).
        self.converted_arguments: dict[tuple[int, int], tuple[Any, dict[str, Any]]] = {}
        self.per_field_node: dict[tuple[int, str], tuple[Any, Any]] = {}  # types.py


async def get_context() -> AsyncGenerator[Context, None]:
    """FastAPI dependency given to the GraphQL router: a fresh context, closed after the request."""
    db = RequestDb()
    try:
        yield Context(db)
    finally:
        await db.close()
