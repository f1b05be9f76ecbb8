"""Mixed REST + GraphQL load over loopback (a benchmark, not a test): req/s, p50/p99, errors.

One freshly loaded database (51,290 synthetic rows, loader.synth), one uvicorn worker serving
`app.main:app` in a subprocess (access log, metrics and request ids on, as in production; its
stderr goes to bench/out/load_test_server.log), and N keep-alive clients in this process (plain
asyncio streams, as in bench.graphql). The run is bounded: a warm-up, then a fixed measuring window,
and at most --max-requests in it. Each client cycles through a fixed, seeded mix:

    rest-customer 30%  GET /customers/{id}             rest-orders   10%  GET /orders/?customer_id=
    rest-products 10%  GET /products/?limit=20          rest-revenue   5%  GET /analytics/revenue/
    rest-top       5%  GET /analytics/top-products/     graphql-flat  30%  customer(customerId) {…}
    graphql-nested 10% 20 customers → orders → items → product

Errors are anything but a 200 without a GraphQL `errors` member, plus broken connections. At the
end, /metrics is read to show what the server itself counted.

    python -m bench.load_test --clients 64 --duration 15
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from rich.console import Console
from rich.table import Table

from app.db.scratch import scratch_server
from bench.graphql import (
    FLAT,
    NESTED,
    OUT_DIR,
    dataset,
    is_ok,
    load,
    process_cpu_seconds,
    start_server,
)
from bench.http import HOST, get, post, read_response
from loader.vocab import PUBLISHED_ROWS

MIX = {  # scenario -> weight (percent)
    "rest-customer": 30,
    "rest-orders": 10,
    "rest-products": 10,
    "rest-revenue": 5,
    "rest-top": 5,
    "graphql-flat": 30,
    "graphql-nested": 10,
}


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: Counter[str] = field(default_factory=Counter)  # scenario -> failed requests
    statuses: Counter[int] = field(default_factory=Counter)
    broken_connections: int = 0
    seconds: float = 0.0

    def add(self, name: str, seconds: float, status: int, ok: bool) -> None:
        self.latencies.setdefault(name, []).append(seconds)
        self.statuses[status] += 1
        if not ok:
            self.errors[name] += 1

    @property
    def requests(self) -> int:
        return sum(len(v) for v in self.latencies.values())


def percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def request_mix(customer_ids: list[str], seed: int, size: int = 2_000) -> list[tuple[str, bytes]]:
    from app.api.graphql.pagination import encode_cursor

    rng = random.Random(seed)
    cursors: list[str | None] = [None, *(encode_cursor(20 * p - 1) for p in range(1, 50))]

    def build(name: str) -> bytes:
        customer = rng.choice(customer_ids)
        if name == "rest-customer":
            return get(f"/customers/{customer}")
        if name == "rest-orders":
            return get(f"/orders/?customer_id={customer}&limit=20")
        if name == "rest-products":
            return get(f"/products/?limit=20&offset={rng.randrange(0, 40)}")
        if name == "rest-revenue":
            month = rng.randrange(1, 12)
            return get(f"/analytics/revenue/?date_from=2018-{month:02d}-01&date_to=2018-12-31")
        if name == "rest-top":
            return get(f"/analytics/top-products/?limit={rng.randrange(3, 20)}")
        if name == "graphql-flat":
            return post("/graphql", {"query": FLAT, "variables": {"id": customer}})
        return post("/graphql", {"query": NESTED, "variables": {"after": rng.choice(cursors)}})

    names = rng.choices(list(MIX), weights=list(MIX.values()), k=size)
    return [(name, build(name)) for name in names]


async def drive(
    port: int,
    mix: Sequence[tuple[str, bytes]],
    clients: int,
    warmup: float,
    duration: float,
    max_requests: int,
) -> Stats:
    stats = Stats()
    started = time.perf_counter()
    measure_from = started + warmup
    stop_at = measure_from + duration

    async def client(offset: int) -> None:
        i = offset * 7
        while time.perf_counter() < stop_at and stats.requests < max_requests:
            try:
                reader, writer = await asyncio.open_connection(HOST, port)
            except OSError:
                stats.broken_connections += 1
                await asyncio.sleep(0.1)
                continue
            try:
                while (now := time.perf_counter()) < stop_at and stats.requests < max_requests:
                    name, request = mix[i % len(mix)]
                    i += 1
                    writer.write(request)
                    status, body = await read_response(reader)
                    if now >= measure_from:
                        stats.add(name, time.perf_counter() - now, status, is_ok(status, body))
            except (OSError, asyncio.IncompleteReadError, RuntimeError):
                stats.broken_connections += 1
            finally:
                writer.close()

    await asyncio.gather(*(client(c) for c in range(clients)))
    stats.seconds = max(1e-9, min(time.perf_counter(), stop_at) - measure_from)
    return stats


def fetch(port: int, path: str) -> tuple[int, bytes]:
    async def one() -> tuple[int, bytes]:
        reader, writer = await asyncio.open_connection(HOST, port)
        writer.write(get(path))
        try:
            return await read_response(reader)
        finally:
            writer.close()

    return asyncio.run(one())


def results_table(stats: Stats, clients: int) -> Table:
    table = Table(title=f"{clients} clients, {stats.seconds:.1f} s measured")
    for column in ("scenario", "requests", "req/s", "p50 ms", "p99 ms", "errors"):
        table.add_column(column, justify="left" if column == "scenario" else "right")
    every: list[float] = []
    for name in MIX:
        values = stats.latencies.get(name, [])
        every += values
        table.add_row(
            name,
            f"{len(values):,}",
            f"{len(values) / stats.seconds:,.0f}",
            f"{percentile(values, 0.50):.1f}",
            f"{percentile(values, 0.99):.1f}",
            str(stats.errors[name]),
        )
    table.add_row(
        "[b]all[/]",
        f"{len(every):,}",
        f"[b]{len(every) / stats.seconds:,.0f}[/]",
        f"[b]{percentile(every, 0.50):.1f}[/]",
        f"[b]{percentile(every, 0.99):.1f}[/]",
        f"[b]{sum(stats.errors.values()) + stats.broken_connections}[/]",
    )
    return table


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load_test", description=__doc__)
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--duration", type=float, default=15.0, help="measured seconds")
    parser.add_argument("--warmup", type=float, default=3.0, help="unmeasured seconds first")
    parser.add_argument("--max-requests", type=int, default=200_000, help="cap in the window")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    if not (0 < args.duration <= 300 and 0 <= args.warmup <= 60 and 1 <= args.clients <= 512):
        parser.error("--duration (0, 300], --warmup [0, 60], --clients [1, 512]")

    console = Console(width=None if sys.stdout.isatty() else 120)
    csv_path = dataset(args.seed, console)
    log_path = OUT_DIR / "load_test_server.log"
    with scratch_server() as server, server.fresh_database() as url:
        customer_ids = load(url, csv_path)
        console.print(
            f"PostgreSQL {server.version()} ({server.description}); {PUBLISHED_ROWS:,} rows;"
            f" python {platform.python_version()}; {os.cpu_count()} CPUs",
            highlight=False,
        )
        process, port = start_server(url, log_path, ready_path="/ready")
        try:
            cpu_before = process_cpu_seconds(process.pid)
            stats = asyncio.run(
                drive(
                    port,
                    request_mix(customer_ids, args.seed),
                    args.clients,
                    args.warmup,
                    args.duration,
                    args.max_requests,
                )
            )
            cpu_after = process_cpu_seconds(process.pid)
            status, metrics = fetch(port, "/metrics")
        finally:
            process.terminate()
            process.wait(10)
    console.print(results_table(stats, args.clients))
    console.print(
        f"statuses: {dict(sorted(stats.statuses.items()))}; broken connections: "
        f"{stats.broken_connections}",
        highlight=False,
    )
    if cpu_before is not None and cpu_after is not None and stats.requests:
        per_request = (cpu_after - cpu_before) / stats.requests * 1000
        console.print(f"server CPU per request (incl. warm-up): {per_request:.2f} ms")
    if status == 200:
        counted = sum(
            float(line.rsplit(" ", 1)[1])
            for line in metrics.decode().splitlines()
            if line.startswith("http_requests_total{")
        )
        console.print(f"server's own count (/metrics, incl. warm-up): {counted:,.0f} requests")
    errors = sum(stats.errors.values()) + stats.broken_connections
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
