"""Operations: request ids, JSON access logs, Prometheus metrics, readiness, CORS, body limits.

`install_operations(app, settings)` adds, from the outside in:

1. `RequestContextMiddleware`: every response carries `X-Request-ID` (the caller's, when it is a
   sane token, else a new one); one JSON line per request on the `app.access` logger (method,
   path, route template, status, duration, request id); request counts and a latency histogram per
   route template for `/metrics`.
2. CORS, only when `CORS_ALLOW_ORIGINS` names origins: closed by default (no
   `Access-Control-Allow-Origin` header at all).
3. `BodySizeLimitMiddleware`: a request body over `MAX_REQUEST_BODY_BYTES` gets a 413
   problem+json, whether it declares its length or streams it in chunks.

and two routes beside `/health` (app/operations_routes.py):

- `GET /ready`: 200 when the database answers and its schema is at the latest migration, else a
  503 problem (the load balancer's readiness check; `/health` stays the plain liveness of the DB).
- `GET /metrics`: Prometheus text format (needs `prometheus-client`; without it the route is
  absent and a warning says why). Includes the connection pool's size and checked-out gauges,
  read at scrape time without creating an engine.

Metric labels use the route template (`/customers/{customer_id}`), never the raw path, so their
number stays bounded; unmatched paths count as `<unmatched>`.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI
from fastapi.responses import Response
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.rest.errors import problem_response
from app.config import Settings
from app.metrics import Metrics, make_metrics
from app.operations_routes import operations_router

REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID_BYTES = REQUEST_ID_HEADER.lower().encode("latin-1")
# Accepted from callers as is: a short token of safe characters (a UUID, a trace id, …).
# Anything else (too long, spaces, control characters, quotes) is replaced, so logs stay parseable.
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:@/+=-]{1,128}$")
UNMATCHED = "<unmatched>"
TOO_LARGE_TYPE = "/problems/body-too-large"

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
access_log = logging.getLogger("app.access")
log = logging.getLogger(__name__)


# --- logging ---


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id and any `extra=`."""

    _STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
        "message",
        "asctime",
        "taskName",
    }

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": _timestamp(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None) or request_id_var.get()
        if request_id:
            entry["request_id"] = request_id
        for key, value in vars(record).items():
            if key not in self._STANDARD and key not in entry:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def _timestamp(created: float) -> str:
    return datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds")


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg,unused-ignore]
    """Writes to whatever `sys.stderr` is at the time (test runners swap it)."""

    def __init__(self) -> None:
        super().__init__()

    @property  # type: ignore[override,unused-ignore]
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        pass


def configure_access_log(enabled: bool) -> None:
    """JSON lines on stderr for `app.access` (once per process), or nothing at all."""
    if not enabled:
        access_log.disabled = True
        return
    access_log.disabled = False
    access_log.setLevel(logging.INFO)
    if not any(isinstance(h, _StderrHandler) for h in access_log.handlers):
        handler = _StderrHandler()
        handler.setFormatter(JsonFormatter())
        access_log.addHandler(handler)
    access_log.propagate = False


# --- middleware ---


def _route_template(scope: Scope) -> str:
    route = scope.get("route")
    template = getattr(route, "path_format", None) or getattr(route, "path", None)
    return str(template) if template else UNMATCHED


class RequestContextMiddleware:
    """Request id, access log line and metrics for every HTTP request (pure ASGI: no buffering)."""

    def __init__(self, app: ASGIApp, metrics: Metrics | None = None) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = _incoming_request_id(scope) or uuid.uuid4().hex
        token = request_id_var.set(request_id)
        header = (_REQUEST_ID_BYTES, request_id.encode("latin-1"))
        status = 500
        size = 0

        async def send_with_id(message: Message) -> None:
            nonlocal status, size
            if message["type"] == "http.response.start":
                status = int(message["status"])
                message["headers"] = [
                    *(h for h in message.get("headers", ()) if h[0].lower() != _REQUEST_ID_BYTES),
                    header,
                ]
            elif message["type"] == "http.response.body":
                size += len(message.get("body", b""))
            await send(message)

        metrics = self.metrics
        if metrics is not None:
            metrics.in_progress.inc()
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            route = _route_template(scope)
            method = str(scope.get("method", ""))
            if metrics is not None:
                metrics.in_progress.dec()
                metrics.observe(method, route, status, seconds)
            if access_log.isEnabledFor(logging.INFO):
                client = scope.get("client")
                _log_access(
                    {
                        "request_id": request_id,
                        "method": method,
                        "path": scope.get("path", ""),
                        "route": route,
                        "status": status,
                        "duration_ms": round(seconds * 1000, 2),
                        "response_bytes": size,
                        "client": client[0] if client else None,
                    }
                )
            request_id_var.reset(token)


# json.dumps with options builds a new encoder per call; this one is what it would build.
_ACCESS_JSON = json.JSONEncoder(default=str, ensure_ascii=False)


def _log_access(fields: dict[str, Any]) -> None:
    """The access line: through `logging` when anything else listens to `app.access` (a test's
    handler, a filter), else the same JSON written straight to our stderr handler, skipping the
    LogRecord and the formatter's generic walk over it (a sizeable part of a short request)."""
    handlers = access_log.handlers
    handler = handlers[0] if len(handlers) == 1 else None
    if (
        type(handler) is not _StderrHandler
        or type(handler.formatter) is not JsonFormatter
        or handler.filters
        or access_log.filters
        or handler.level > logging.INFO
    ):
        access_log.info("request", extra=fields)
        return
    entry = {
        "ts": _timestamp(time.time()),
        "level": "INFO",
        "logger": access_log.name,
        "message": "request",
        **fields,
    }
    line = _ACCESS_JSON.encode(entry) + handler.terminator
    try:
        with handler.lock:  # type: ignore[union-attr]  # created by Handler.__init__
            stream = handler.stream
            stream.write(line)
            stream.flush()
    except Exception:  # as logging does: a broken stderr must not fail the request
        handler.handleError(logging.makeLogRecord({"msg": line}))


def _incoming_request_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == _REQUEST_ID_BYTES:
            candidate = value.decode("latin-1")
            return candidate if _SAFE_REQUEST_ID.fullmatch(candidate) else None
    return None


class BodySizeLimitMiddleware:
    """413 problem+json for bodies over `max_bytes`: declared (Content-Length) or streamed."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _too_large(self) -> Response:
        return problem_response(
            413,
            f"The request body is larger than the limit of {self.max_bytes:,} bytes.",
            type_=TOO_LARGE_TYPE,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.max_bytes:
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = -1
                if declared > self.max_bytes:
                    await self._too_large()(scope, receive, send)
                    return
                break
        received = 0
        limit = self.max_bytes

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # Becomes a 413 problem through the app's HTTPException handler.
                    raise HTTPException(
                        413, f"The request body is larger than the limit of {limit:,} bytes."
                    )
            return message

        response_started = False

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except HTTPException as exc:
            # Raised where no handler catches it (outside the router): answer here if we can.
            if exc.status_code != 413 or response_started:
                raise
            await self._too_large()(scope, receive, send)


def install_operations(app: FastAPI, settings: Settings) -> Metrics | None:
    """Add the middleware and routes described in the module docstring; returns the metrics."""
    from fastapi.middleware.cors import CORSMiddleware

    metrics = make_metrics() if settings.metrics_enabled else None
    configure_access_log(settings.access_log)
    app.include_router(operations_router(metrics))
    # add_middleware puts each new one outside the previous ones.
    if settings.max_request_body_bytes:
        app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_request_body_bytes)
    if settings.cors_allow_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_allow_origins,
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=["Content-Type", REQUEST_ID_HEADER],
            expose_headers=[REQUEST_ID_HEADER],
            max_age=600,
        )
    app.add_middleware(RequestContextMiddleware, metrics=metrics)
    app.state.metrics = metrics
    return metrics
