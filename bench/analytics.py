"""Latency of every /analytics route (and of the nested GraphQL page) at 1x and 20x scale: median
and p95 per route.

Each scale's synthetic CSV is loaded by the real loader into a fresh database, the rollups are
refreshed (as at the end of a load), and each route is requested through the whole FastAPI stack
(in-process HTTP client: routing, validation, service, SQL, serialisation). The baseline measured
in the same run is the live path: the same requests with the rollups marked stale, so the SQL
aggregates the base tables instead of reading the materialized views.

    python -m bench.analytics                     # 1x and 20x, 50 requests per route
    python -m bench.analytics --scales 1 --requests 20
    python -m bench.analytics --url 20x=postgresql://…/db   # an already loaded database
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any

from fastapi.testclient import TestClient
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, create_engine, text

from app.db import engine as db_engine
from app.services.rollups import refresh_rollups

TARGET_MS = 100.0
ROUTES: tuple[tuple[str, dict[str, Any]], ...] = (
    ("/analytics/customers/", {}),
    ("/analytics/top-products/", {}),
    ("/analytics/top-categories/", {}),
    ("/analytics/profit-margins/", {}),
    ("/analytics/orders/", {}),
    ("/analytics/revenue/", {}),
    ("/analytics/revenue-trend/", {"granularity": "week"}),
    ("/analytics/revenue-trend/", {"granularity": "day", "category": "Fashion"}),
    ("/analytics/discount-impact/", {}),
    ("/analytics/customer-lifetime-value/", {}),
    ("/analytics/purchase-behaviour/", {}),
)


@dataclass
class RouteResult:
    scale: str
    route: str
    rollup_ms: list[float] = field(default_factory=list)
    live_ms: list[float] = field(default_factory=list)

    @staticmethod
    def percentile(values: list[float], q: float) -> float:
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _label(path: str, params: dict[str, Any]) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"{path}?{query}" if query else path


def _time_requests(client: TestClient, path: str, params: dict[str, Any], n: int) -> list[float]:
    client.get(path, params=params)  # warm-up: connection, plan, cache
    times = []
    for _ in range(n):
        started = time.perf_counter()
        response = client.get(path, params=params)
        times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{path}: {response.status_code} {response.text[:200]}")
    return times


def _set_fresh(engine: Engine, fresh: bool) -> None:
    # The data do not change during the benchmark, so the materialized views stay exact and
    # only the switch is flipped; a real write would need refresh_rollups().
    with engine.begin() as conn:
        conn.execute(text("UPDATE rollup_state SET fresh = :fresh"), {"fresh": fresh})


def _time_nested_page(client: TestClient, n: int) -> list[float]:
    from bench.graphql import NESTED

    body = {"query": NESTED, "variables": {"after": None}}
    client.post("/graphql", json=body)  # warm-up
    times = []
    for _ in range(n):
        started = time.perf_counter()
        response = client.post("/graphql", json=body)
        times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200 or "errors" in response.json():
            raise RuntimeError(f"nested page: {response.status_code} {response.text[:200]}")
    return times


def measure(
    scale: str, engine: Engine, requests: int, live_requests: int, console: Console
) -> list[RouteResult]:
    from app.config import Settings
    from app.main import create_app

    # The response cache off: repeated requests must be computed, and flipping the rollups'
    # switch below does not change the data version the cache keys on.
    app = create_app(Settings(response_cache_max_bytes=0, rollup_refresh_interval_s=0))
    db_engine.set_engine(engine)
    client = TestClient(app)
    results = []
    try:
        nested = RouteResult(scale, "GraphQL nested page (20 customers → orders → items)")
        nested.rollup_ms = _time_nested_page(client, requests)
        results.append(nested)
        for path, params in ROUTES:
            result = RouteResult(scale, _label(path, params))
            result.rollup_ms = _time_requests(client, path, params, requests)
            if live_requests:
                _set_fresh(engine, False)
                try:
                    result.live_ms = _time_requests(client, path, params, live_requests)
                finally:
                    _set_fresh(engine, True)
            console.print(
                f"{scale:>4} {result.route:<58} {statistics.median(result.rollup_ms):8.2f} ms",
                highlight=False,
            )
            results.append(result)
    finally:
        db_engine.dispose_engine()
    return results


@contextmanager
def loaded(
    scales: Sequence[int], seed: int, console: Console
) -> Iterator[list[tuple[str, Engine]]]:
    from app.db.scratch import scratch_server
    from bench.load import dataset
    from loader.load import load_csv

    with scratch_server() as server, ExitStack() as stack:
        engines = []
        for scale in scales:
            csv = dataset(scale, seed, False, console)
            engine = create_engine(stack.enter_context(server.fresh_database()))
            stack.callback(engine.dispose)
            started = time.perf_counter()
            load_csv(csv, engine)
            loaded_s = time.perf_counter() - started
            with engine.begin() as conn:
                refresh_rollups(conn)
            console.print(
                f"{scale}x: loaded in {loaded_s:.1f} s, rollups refreshed in "
                f"{time.perf_counter() - started - loaded_s:.1f} s",
                highlight=False,
            )
            engines.append((f"{scale}x", engine))
        yield engines


def results_table(results: Sequence[RouteResult]) -> Table:
    table = Table(
        title=f"/analytics routes: latency through FastAPI (target: median ≤ {TARGET_MS:.0f} ms)"
    )
    for column in (
        "scale",
        "route",
        "median ms",
        "p95 ms",
        "live median ms",
        "live / rollup",
        "target",
    ):
        table.add_column(column, justify="left" if column == "route" else "right")
    for r in results:
        median = statistics.median(r.rollup_ms)
        live = statistics.median(r.live_ms) if r.live_ms else None
        table.add_row(
            r.scale,
            r.route,
            f"{median:.2f}",
            f"{r.percentile(r.rollup_ms, 0.95):.2f}",
            f"{live:.1f}" if live is not None else "—",
            f"{live / median:.0f}x" if live is not None else "—",
            "ok" if median <= TARGET_MS else "MISSED",
        )
    return table


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.analytics", description=__doc__)
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("--scales", default="1,20", help="comma-separated multiples of 51,290 rows")
    parser.add_argument("--requests", type=int, default=50, help="timed requests per route")
    parser.add_argument("--live-requests", type=int, default=3, help="baseline requests (0: skip)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--url", action="append", metavar="NAME=URL", help="loaded database(s)")
    args = parser.parse_args(argv)
    console = Console(width=None if console_is_tty() else 150)
    results: list[RouteResult] = []
    with ExitStack() as stack:
        if args.url:
            engines = [(n, create_engine(u)) for n, u in (item.split("=", 1) for item in args.url)]
        else:
            scales = [int(s) for s in args.scales.split(",")]
            engines = stack.enter_context(loaded(scales, args.seed, console))
        for name, engine in engines:
            results += measure(name, engine, args.requests, args.live_requests, console)
    console.print(results_table(results))
    return 0 if all(statistics.median(r.rollup_ms) <= TARGET_MS for r in results) else 1


def console_is_tty() -> bool:
    import sys

    return sys.stdout.isatty()


if __name__ == "__main__":
    raise SystemExit(main())
