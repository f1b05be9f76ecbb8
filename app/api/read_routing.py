"""Read routing: each request reads one server, a replica when one is fit (app/db/read_targets.py).

Installed only when DATABASE_REPLICA_URLS names replicas. It sits outside the HTTP cache, so the
cache's data version probe reads the request's own server. A request routed to a replica whose read
failed there for the replica's own reasons (`report_failure`) has its answer thrown away when it
starts, and runs again, once, on the primary (its body replayed), so a dying or lagging replica
costs a retry, never an error. With no usable replica the request reads the primary, or
(DB_READ_FALLBACK_TO_PRIMARY=false) is answered 503.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.http_cache import read_body, replay_body
from app.api.rest.errors import problem_response
from app.config import Settings
from app.db.read_targets import ReplicaMonitor, enter_read, leave_read, reading_from

log = logging.getLogger(__name__)
# Routes that never read the API's data: served without choosing a server.
UNROUTED_PREFIXES = ("/health", "/ready", "/metrics", "/docs", "/redoc", "/dashboard")
BODILESS = ("GET", "HEAD")  # requests whose body is not read, so a retry needs no replay


class ReadRoutingMiddleware:
    def __init__(self, app: ASGIApp, *, monitor: ReplicaMonitor) -> None:
        self.app = app
        self.monitor = monitor

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(UNROUTED_PREFIXES):
            await self.app(scope, receive, send)
            return
        target = self.monitor.choose()
        if target is None:
            if not self.monitor.fallback_to_primary:
                detail = "No read replica is fit to answer and reads may not use the primary."
                await problem_response(503, detail, headers={"Retry-After": "1"})(
                    scope, receive, send
                )
                return
            with reading_from(None):
                await self.app(scope, receive, send)
            return
        # Reads happen before the answer starts (no route streams), so a failure is known when
        # the response starts: a failed answer is dropped there, and nothing is buffered.
        body = None if scope["method"] in BODILESS else await read_body(receive)
        read, token = enter_read(target)
        dropped = False

        async def send_unless_failed(message: Message) -> None:
            nonlocal dropped
            if message["type"] == "http.response.start" and read.failed:
                dropped = True
            if not dropped:
                await send(message)

        try:
            await self.app(scope, _replayed(body, receive), send_unless_failed)
        finally:
            leave_read(token)
        if not dropped:
            return
        self.monitor.retries += 1
        self.monitor.primary_reads += 1
        with reading_from(None):
            await self.app(scope, _replayed(body, receive), send)


def _replayed(body: bytes | None, receive: Receive) -> Receive:
    """A `receive` handing each run of the app the request's body afresh (None: a GET, whose
    body is never read)."""
    return receive if body is None else replay_body(body, receive)


def install_read_routing(app: FastAPI, settings: Settings) -> ReplicaMonitor | None:
    """Add the middleware when replicas are configured (after the HTTP cache's, so outside it);
    the monitor is also `app.state.replica_monitor`."""
    if not settings.database_replica_urls:
        app.state.replica_monitor = None
        return None
    monitor = ReplicaMonitor.from_urls(
        settings.database_replica_urls,
        max_lag_s=settings.db_replica_max_lag_s,
        interval_s=settings.db_replica_probe_interval_s,
        fallback=settings.db_read_fallback_to_primary,
    )
    app.add_middleware(ReadRoutingMiddleware, monitor=monitor)
    app.state.replica_monitor = monitor
    return monitor


@contextlib.asynccontextmanager
async def monitoring(monitor: ReplicaMonitor | None) -> AsyncIterator[None]:
    """Probe the replicas for as long as the app runs (its lifespan); the first probe is done
    before the app serves, so the first requests already know which replicas are fit."""
    if monitor is None:
        yield
        return
    with contextlib.suppress(Exception):
        await monitor.probe()
    task = asyncio.get_running_loop().create_task(monitor.run(), name="replica-monitor")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
