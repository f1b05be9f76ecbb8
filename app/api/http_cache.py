"""HTTP caching of data responses: ETags from the data version, 304s, and a response cache.

What it guarantees:

- Every successful (200) read of data (`GET` on /customers, /orders, /products, /analytics and
  GraphQL queries by `GET /graphql?query=...`) carries a weak `ETag`, `Cache-Control: public,
  max-age=HTTP_CACHE_MAX_AGE_S, must-revalidate` and `Vary: Accept`. The tag is a hash of the
  data version (`rollup_state.data_version`, migration 0006, with the database's name), the
  application's version and the request (path, query string, `Accept`), so it changes exactly
  when a load commits, the rollups are refreshed or the code is upgraded.
- `If-None-Match` holding the current tag (or `*`) is answered 304 before any route code runs:
  the only statement is the version probe.
- Successful answers of the analytics routes and of GraphQL queries (by GET or by a JSON POST)
  are kept in a bounded in-process LRU keyed by (request, data version), like Hasura's
  `@cached`: a repeated request costs the version probe and a copy. Its memory is bounded by
  RESPONSE_CACHE_MAX_BYTES (bodies and headers counted); 0 turns it off. Each worker process has
  its own cache; they agree because they all key on the database's version.
- Never stale after a commit: a 304 or a cached answer is given only against a version read by
  a statement sent after the request arrived (app/db/data_version.py shares one such probe
  between the requests that arrive during the previous one's round trip), so a request that
  starts after a load's commit can only match tags and entries made from the new data. A fresh
  answer that is only labelled may carry a version up to a second old (no probe per request):
  new data under an older tag at worst, which costs the client one more full answer, never an
  old answer under a new tag.
- Not cached and not tagged: error statuses, GraphQL answers with `errors`, streamed GraphQL
  answers, and any response whose route set its own `Cache-Control` (how a route opts out).
  When the version cannot be read (database down) the request passes through untouched, so the
  route's own error handling answers.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import orjson
from cachetools import LRUCache
from fastapi import FastAPI
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.config import Settings
from app.db.data_version import current_data_version, data_version_label

log = logging.getLogger(__name__)

# Routes whose answers are computed from the data (every other path passes through untouched).
DATA_PREFIXES = ("/customers", "/orders", "/products", "/analytics", "/graphql")
# Of those, the ones whose whole answers are worth keeping in memory.
RESPONSE_CACHED_PREFIXES = ("/analytics", "/graphql")
GRAPHQL_PATH = "/graphql"
# Accept types that ask GraphQL for a streamed answer (multipart or server-sent events).
STREAMED = ("multipart/mixed", "text/event-stream")
# Paths whose route is remembered for labelling 304s and hits (LRU; a few hundred KB at most).
ROUTES_REMEMBERED = 4096
# Counted per cache entry on top of body and headers (the key, the objects holding them).
ENTRY_OVERHEAD_BYTES = 256

RequestKey = tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class CachedResponse:
    status: int
    headers: tuple[tuple[bytes, bytes], ...]
    body: bytes
    key_size: int

    @property
    def size(self) -> int:
        headers = sum(len(name) + len(value) for name, value in self.headers)
        return len(self.body) + headers + self.key_size + ENTRY_OVERHEAD_BYTES


class ResponseCache:
    """A bounded LRU of whole responses for one data version at a time.

    Entries of older versions can never be asked for again, so the first request that sees a
    new version empties the cache instead of waiting for the LRU to push them out."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._entries: LRUCache[RequestKey, CachedResponse] = LRUCache(
            maxsize=max(max_bytes, 1), getsizeof=lambda entry: entry.size
        )
        self._version: str | None = None
        self.hits = 0
        self.misses = 0

    @property
    def enabled(self) -> bool:
        return self.max_bytes > 0

    @property
    def size_bytes(self) -> int:
        """Bytes held now (bodies, headers, keys and per-entry overhead); never above max_bytes."""
        return int(self._entries.currsize)

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, version: str, key: RequestKey) -> CachedResponse | None:
        if version != self._version:
            self._entries.clear()
            self._version = version
        entry = self._entries.get(key)
        if entry is None:
            self.misses += 1
        else:
            self.hits += 1
        return entry

    def put(self, version: str, key: RequestKey, entry: CachedResponse) -> None:
        if version != self._version or entry.size > self.max_bytes:
            return  # computed for a version already superseded, or larger than the whole cache
        self._entries[key] = entry


class HttpCacheMiddleware:
    """The ASGI middleware described in the module docstring (innermost: request ids, metrics
    and the body limit still apply to cached answers)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        cache: ResponseCache,
        max_age_s: int,
        app_version: str,
    ) -> None:
        self.app = app
        # Path → the route that answered it last: answers given here (304s, hits) carry it in
        # the scope as routing would, so metrics and access logs label them by route template.
        self._routes_by_path: LRUCache[str, Any] = LRUCache(maxsize=ROUTES_REMEMBERED)
        self.cache = cache
        self.app_version = app_version
        self.validator_headers = (
            (b"cache-control", f"public, max-age={max_age_s}, must-revalidate".encode()),
            (b"vary", b"Accept"),
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith(DATA_PREFIXES):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        accept = headers.get("accept", "")
        method = scope["method"]
        key: RequestKey | None = None
        if method == "GET" and (path != GRAPHQL_PATH or b"query=" in scope["query_string"]):
            key = (path, scope["query_string"], accept)
        elif method == "POST" and path == GRAPHQL_PATH and self.cache.enabled:
            body = await read_body(receive)
            receive = replay_body(body, receive)
            key = _graphql_post_key(body, headers.get("content-type", ""), accept)
        if key is None or any(kind in accept for kind in STREAMED):
            await self.app(scope, receive, send)
            return
        # Answering from the cache or with a 304 needs a version read after the request arrived;
        # only labelling a fresh answer may use a recent one (app/db/data_version.py).
        cached = self.cache.enabled and path.startswith(RESPONSE_CACHED_PREFIXES)
        strict = cached or "if-none-match" in headers
        try:
            version = await (current_data_version() if strict else data_version_label())
        except Exception as error:  # the route's own error handling answers
            log.debug("data version unavailable (%s): response not cached", error)
            await self.app(scope, receive, send)
            return

        validators: tuple[tuple[bytes, bytes], ...] = ()
        if method == "GET":
            etag = self._etag(version, key)
            validators = ((b"etag", etag), *self.validator_headers)
            if _matches(headers.get("if-none-match"), etag):
                self._name_route(scope)
                await send({"type": "http.response.start", "status": 304, "headers": validators})
                await send({"type": "http.response.body", "body": b""})
                return
        if not cached and path != GRAPHQL_PATH:
            await self.app(scope, receive, _tagging(send, validators))
            self._remember_route(scope)
            return
        if cached:
            hit = self.cache.get(version, key)
            if hit is not None:
                self._name_route(scope)
                await _send_whole(send, hit.status, (*hit.headers, *validators), hit.body)
                return
        # Buffered: a GraphQL answer is 200 even with errors, which must be neither kept nor
        # tagged (a 304 would tell a client that an error it received is still the answer).
        status, app_headers, body = await _buffered(self.app, scope, receive)
        self._remember_route(scope)
        if (
            status == 200
            and not _has(app_headers, b"cache-control")
            and not (path == GRAPHQL_PATH and _has_graphql_errors(body))
        ):
            if cached:
                entry = CachedResponse(status, tuple(app_headers), body, _key_size(key))
                self.cache.put(version, key, entry)
            app_headers = _with_validators(app_headers, validators)
        await _send_whole(send, status, app_headers, body)

    def _name_route(self, scope: Scope) -> None:
        route = self._routes_by_path.get(scope["path"])
        if route is not None:
            scope["route"] = route

    def _remember_route(self, scope: Scope) -> None:
        route = scope.get("route")
        if route is not None:
            self._routes_by_path[scope["path"]] = route

    def _etag(self, version: str, key: RequestKey) -> bytes:
        path, query, accept = key
        digest = hashlib.blake2b(digest_size=12)
        for part in (self.app_version, version, path, accept):
            digest.update(part.encode())
            digest.update(b"\0")
        digest.update(query)
        return b'W/"' + digest.hexdigest().encode() + b'"'


def install_http_cache(app: FastAPI, settings: Settings, app_version: str) -> ResponseCache:
    """Add the middleware (call before the operations middleware, so it sits inside them)
    unless HTTP_CACHE_ENABLED is false; the cache is also `app.state.response_cache`."""
    cache = ResponseCache(settings.response_cache_max_bytes if settings.http_cache_enabled else 0)
    app.state.response_cache = cache
    if not settings.http_cache_enabled:
        return cache
    app.add_middleware(
        HttpCacheMiddleware,
        cache=cache,
        max_age_s=settings.http_cache_max_age_s,
        app_version=app_version,
    )
    return cache


# --- helpers ---


def _matches(if_none_match: str | None, etag: bytes) -> bool:
    """RFC 9110's weak comparison of `If-None-Match` against the current tag."""
    if not if_none_match:
        return False
    opaque = etag.decode().removeprefix("W/")
    for candidate in if_none_match.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/") == opaque:
            return True
    return False


def _graphql_post_key(body: bytes, content_type: str, accept: str) -> RequestKey | None:
    """(query, variables, operation name, extensions, Accept) of a JSON POST, with variables and
    extensions in a canonical order; None for anything the router answers some other way."""
    if not content_type.startswith("application/json"):
        return None
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("query"), str):
        return None
    canonical = [
        orjson.dumps(data.get(name), option=orjson.OPT_SORT_KEYS)
        for name in ("variables", "operationName", "extensions")
    ]
    return (GRAPHQL_PATH, data["query"], *canonical, accept)


def _key_size(key: RequestKey) -> int:
    return sum(len(part) for part in key if isinstance(part, str | bytes))


def _has_graphql_errors(body: bytes) -> bool:
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return True
    return not isinstance(data, dict) or bool(data.get("errors"))


def _has(headers: list[tuple[bytes, bytes]], name: bytes) -> bool:
    return any(key.lower() == name for key, _ in headers)


def _with_validators(
    headers: list[tuple[bytes, bytes]], validators: tuple[tuple[bytes, bytes], ...]
) -> list[tuple[bytes, bytes]]:
    """`headers` plus the validators; an existing `Vary` gains Accept rather than a second one."""
    merged = list(headers)
    for name, value in validators:
        if name == b"vary":
            index = next((i for i, (key, _) in enumerate(merged) if key.lower() == b"vary"), None)
            if index is not None:
                existing = merged[index][1]
                if b"accept" not in [v.strip().lower() for v in existing.split(b",")]:
                    merged[index] = (b"vary", existing + b", " + value)
                continue
        merged.append((name, value))
    return merged


def _tagging(send: Send, validators: tuple[tuple[bytes, bytes], ...]) -> Send:
    """`send` adding the validators to a 200 whose route set no Cache-Control of its own."""
    if not validators:
        return send

    async def tagging_send(message: Message) -> None:
        if message["type"] == "http.response.start" and message["status"] == 200:
            headers = list(message.get("headers", ()))
            if not _has(headers, b"cache-control"):
                message = {**message, "headers": _with_validators(headers, validators)}
        await send(message)

    return tagging_send


async def _buffered(
    app: ASGIApp, scope: Scope, receive: Receive
) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """Run `app` and collect its whole response (the cached routes answer small bodies)."""
    start: Message = {}
    chunks: list[bytes] = []

    async def collect(message: Message) -> None:
        if message["type"] == "http.response.start":
            start.update(message)
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, collect)
    return int(start["status"]), list(start.get("headers", ())), b"".join(chunks)


async def _send_whole(send: Send, status: int, headers: Any, body: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": list(headers)})
    await send({"type": "http.response.body", "body": body})


async def read_body(receive: Receive) -> bytes:
    """The whole request body, read from `receive` (hand the app `replay_body` afterwards)."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def replay_body(body: bytes, receive: Receive) -> Callable[[], Awaitable[Message]]:
    """A `receive` that hands the app the body already read, then defers to the server."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
