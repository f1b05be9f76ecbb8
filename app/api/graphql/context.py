"""Per-request context: the request's way to the database and a fresh set of DataLoaders.

Resolvers reach PostgreSQL only through `RequestDb.run(service, ...)`, which runs the same sync
service functions as the REST routes with `run_read` (`app.db.async_reads`): on the event loop,
inside a greenlet, on asyncpg, so the loop never blocks on the database and no thread is
involved. Each call checks a connection out of the pool at its first statement and gives it back
when it returns: a connection is held only while statements run, never while the request waits
on the loop, and calls of one request never share one.

Why not worker threads with sync sessions: SQLAlchemy session overhead and GIL hand-overs between
the loop and the threads cost several times the CPU per query (numbers: docs/design.md, "The
greenlet bridge and ReadPool").

The loaders live here, per request, and never at module level: a DataLoader caches what it loaded,
and a cache shared between requests would serve one user's data to another (and grow forever).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable
from typing import Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy.orm import Session
from strawberry.fastapi import BaseContext

from app.api.graphql.loaders import Loaders
from app.db.async_reads import run_read

P = ParamSpec("P")
R = TypeVar("R")


class RequestDb:
    """The request's way to the database: the only way resolvers reach it."""

    async def run(
        self,
        service: Callable[Concatenate[Session, P], R],
        /,
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> R:
        """`service(session, *args, **kwargs)` on a read session of its own (`run_read`)."""
        return await run_read(service, *args, **kwargs)


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
    yield Context(RequestDb())
