"""CPU per `/graphql` request of the app's router (`FastGraphQLRouter`) against Strawberry's own
`GraphQLRouter`, on the same schema, without a database or an HTTP server.

Each variant is a bare FastAPI app holding one router, called as an ASGI application in-process
(no sockets, no middleware), with a JSON POST of `{ __typename }`: the schema executes nothing
that reads data, so the difference between the variants is the routers' own work (dependencies,
request parsing, context, response). A query that reads data adds the same resolver work to both.

    python -m bench.graphql_router                 # 15 interleaved rounds of 2,000 requests
    python -m bench.graphql_router --only fast --rounds 1 --iterations 0   # callgrind baseline
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi import FastAPI
from strawberry.fastapi import GraphQLRouter

from app.api.graphql import PATH, graphql_router
from app.api.graphql.context import get_context
from app.api.graphql.schema import schema

BODY = b'{"query": "{ __typename }"}'
WARM_UP = 200

Send = Callable[[dict[str, Any]], Awaitable[None]]


def apps() -> dict[str, FastAPI]:
    fast = FastAPI()
    fast.include_router(graphql_router())
    stock = FastAPI()
    stock.include_router(
        GraphQLRouter(schema, path=PATH, context_getter=get_context, allow_queries_via_get=True)
    )
    return {"fast": fast, "stock": stock}


async def call(app: FastAPI) -> bytes:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": PATH,
        "raw_path": PATH.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"bench"),
            (b"content-type", b"application/json"),
            (b"accept", b"application/json"),
            (b"content-length", str(len(BODY)).encode()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("bench", 80),
    }
    sent = False
    body = bytearray()

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": BODY, "more_body": False}
        return {"type": "http.disconnect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        if message["type"] == "http.response.start":
            assert message["status"] == 200, message
        elif message["type"] == "http.response.body":
            body.extend(message.get("body", b""))

    await app(scope, receive, send)
    return bytes(body)


async def measure(only: list[str] | None, rounds: int, iterations: int) -> None:
    variants = {name: app for name, app in apps().items() if not only or name in only}
    for app in variants.values():
        answer = await call(app)
        assert answer == b'{"data":{"__typename":"Query"}}', answer
        for _ in range(WARM_UP):
            await call(app)
    if iterations == 0:
        print("set-up only")
        return
    per_request: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(rounds):
        for name, app in variants.items():
            start = time.process_time()
            for _ in range(iterations):
                await call(app)
            per_request[name].append((time.process_time() - start) * 1e6 / iterations)
    for name, values in per_request.items():
        print(
            f"{name:<6} median {statistics.median(values):7.1f} µs CPU per request "
            f"(min {min(values):.1f}, max {max(values):.1f}; {rounds} rounds of {iterations})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="comma-separated variants (fast, stock)")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--iterations", type=int, default=2000, help="requests per round")
    args = parser.parse_args()
    only = args.only.split(",") if args.only else None
    asyncio.run(measure(only, args.rounds, args.iterations))


if __name__ == "__main__":
    main()
