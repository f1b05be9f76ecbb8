"""GraphQL vs REST throughput benchmark (not a test): requests/s, p50 and p99 over loopback.

One run, one freshly loaded database of 51,290 synthetic rows (loader.synth), one uvicorn worker
serving `app.main:app` in a subprocess, and a keep-alive HTTP/1.1 load generator in this process
(plain asyncio streams: an HTTP client library would cost more CPU than the server it measures on
a 2-core machine). Every scenario gets a warm-up, then a fixed measuring window:

- (a) graphql-flat:   `customer(customerId)` with its order statistics (ids rotate)
- (b) graphql-nested: 20 customers → orders → items → product, with `totalCount` (pages rotate)
- (c) rest-customer:  `GET /customers/{customer_id}`, the REST baseline (ids rotate)
- graphql-floor, http-floor: `{ __typename }` and `GET /`, no database: the fixed cost of the
  GraphQL endpoint and of one uvicorn worker, so the rows above can be read as ratios to them

Each row also gives the server process's CPU time per request in the window (`CPU ms/req`, from
/proc): on a shared machine req/s moves with everyone else's load, CPU per request much less.
Scenarios are measured in `--rounds` interleaved windows and the table gives each one's median
window (req/s, CPU) and the percentiles over all of them: this VM's speed drifts by ±20 % over
minutes, and a single window per scenario would compare scenarios measured at different speeds.

    python -m bench.graphql --duration 5 --rounds 3 --connections 16
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.table import Table
from sqlalchemy import create_engine, text

from app.db.scratch import scratch_server
from bench.http import HOST, free_port, get, post, read_response, wait_until_up
from loader.synth import generate
from loader.vocab import PUBLISHED_ROWS

REPO_ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = REPO_ROOT / "bench" / "out"  # git-ignored
# Issue targets (one uvicorn worker, this 2-core machine). PostGraphile 4 is measured beside
# the product by bench.scaleout.
TARGETS = {"graphql-flat": 1500.0, "graphql-nested": 300.0, "rest-customer": 2000.0}
FLOOR = "http-floor"

FLAT = """query Flat($id: String!) {
  customer(customerId: $id) {
    customerId gender deviceType loginType orderCount totalSales
  }
}"""

NESTED = """query Nested($after: String) {
  customers(first: 20, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node {
      customerId
      orders { edges { node {
        id orderDate total
        items { quantity sales product { name } }
      } } }
    } }
  }
}"""


@dataclass
class Result:
    name: str
    requests: int = 0
    failures: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    server_cpu: float | None = None  # CPU seconds the server process used in the window
    rounds: list[Result] = field(default_factory=list)  # the measuring windows, when several
    reported_p99_ms: float | None = None  # from a generator that reports percentiles (bench.wrk)
    client_cpu: float | None = None  # CPU seconds the load generator used, when it is a process

    @property
    def cores_busy(self) -> float | None:
        """Server and client CPU per second of the window: near the machine's core count, the
        window was CPU-bound."""
        if self.rounds:
            values = [r.cores_busy for r in self.rounds]
            known = [v for v in values if v is not None]
            return statistics.median(known) if known else None
        if self.server_cpu is None or self.client_cpu is None or not self.seconds:
            return None
        return (self.server_cpu + self.client_cpu) / self.seconds

    @property
    def rate(self) -> float:
        if self.rounds:
            return statistics.median(r.rate for r in self.rounds)
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def cpu_per_request_ms(self) -> float | None:
        """Server CPU per request: unlike req/s, barely moved by other load on the machine."""
        if self.rounds:
            values = [r.cpu_per_request_ms for r in self.rounds]
            known = [v for v in values if v is not None]
            return statistics.median(known) if known else None
        if self.server_cpu is None or not self.requests:
            return None
        return self.server_cpu / self.requests * 1000

    def add_round(self, window: Result) -> None:
        self.rounds.append(window)
        self.requests += window.requests
        self.failures += window.failures
        self.seconds += window.seconds
        self.latencies += window.latencies

    def percentile(self, q: float) -> float:
        reported = [r.reported_p99_ms for r in self.rounds or [self]]
        if q == 0.99 and not self.latencies and all(p is not None for p in reported):
            return statistics.median(p for p in reported if p is not None)
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


# --- the load generator -----------------------------------------------------------------------


def is_ok(status: int, body: bytes) -> bool:
    return status == 200 and b'"errors"' not in body


def process_cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process so far (Linux /proc; None elsewhere)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def drive(
    port: int,
    requests: Sequence[bytes],
    connections: int,
    warmup: float,
    duration: float,
    server_pid: int | None = None,
    ok: Callable[[int, bytes], bool] = is_ok,
) -> Result:
    """`connections` keep-alive connections, each sending the next request as soon as the last
    one is answered; latencies (and the server's CPU time) are recorded only inside the
    measuring window."""
    result = Result(name="")
    started = time.perf_counter()
    measure_from = started + warmup
    stop_at = measure_from + duration
    cpu_at_start: list[float | None] = []
    if server_pid is not None:
        asyncio.get_running_loop().call_later(
            warmup, lambda: cpu_at_start.append(process_cpu_seconds(server_pid))
        )

    async def connection(offset: int) -> None:
        reader, writer = await asyncio.open_connection(HOST, port)
        i = offset
        try:
            while (now := time.perf_counter()) < stop_at:
                writer.write(requests[i % len(requests)])
                i += connections
                status, body = await read_response(reader)
                if now >= measure_from:
                    result.latencies.append(time.perf_counter() - now)
                    result.requests += 1
                    result.failures += not ok(status, body)
        finally:
            writer.close()

    await asyncio.gather(*(connection(c) for c in range(connections)))
    result.seconds = time.perf_counter() - measure_from
    if server_pid is not None and cpu_at_start and cpu_at_start[0] is not None:
        cpu_at_end = process_cpu_seconds(server_pid)
        if cpu_at_end is not None:
            result.server_cpu = cpu_at_end - cpu_at_start[0]
    return result


# --- the server --------------------------------------------------------------------------------


def serve(port: int) -> None:
    """Entry point of the server subprocess (`--serve`): served as `python -m app serve` does."""
    from app.serving import serve as serve_app

    serve_app(HOST, port, "warning", access_log=False)


def start_server(
    database_url: str,
    log_path: Path = OUT_DIR / "graphql_server.log",
    ready_path: str = "/health",
    env: dict[str, str] | None = None,
) -> tuple[subprocess.Popen[bytes], int]:
    """One uvicorn worker serving the app on a free port, once `ready_path` answers 200. Its
    output (the JSON access log among it) goes to `log_path`, not this terminal; `env` adds
    settings."""
    port = free_port()
    env = os.environ | {"DATABASE_URL": database_url} | (env or {})
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "bench.graphql", "--serve", str(port)],
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=log,
        )
    return process, wait_until_up(process, port, ready_path, f"; see {log_path}")


# --- the run -----------------------------------------------------------------------------------


def dataset(seed: int, console: Console) -> Path:
    path = OUT_DIR / f"ecommerce_{PUBLISHED_ROWS}_seed{seed}.csv"
    if not path.is_file():
        OUT_DIR.mkdir(parents=True, exist_ok=True)
        generate(path, PUBLISHED_ROWS, seed=seed)
        console.print(f"generated {PUBLISHED_ROWS:,} rows -> {path}", highlight=False)
    return path


def load(database_url: str, csv_path: Path) -> list[str]:
    """Migrate and load the database, refresh its rollups; return customer ids to rotate through
    (1,000 of them)."""
    from app.db.migrate import upgrade_to_head
    from app.services.rollups import refresh_if_stale
    from loader.load import load_csv

    engine = create_engine(database_url)
    try:
        upgrade_to_head(engine)
        load_csv(csv_path, engine)
        refresh_if_stale(engine)  # as `python -m app serve` does after its load
        with engine.connect() as conn:
            ids = conn.execute(
                text("SELECT customer_id FROM customers ORDER BY md5(customer_id) LIMIT 1000")
            ).scalars()
            return list(ids)
    finally:
        engine.dispose()


def scenarios(customer_ids: list[str]) -> dict[str, list[bytes]]:
    from app.api.graphql.pagination import encode_cursor

    cursors: list[str | None] = [None, *(encode_cursor(20 * page - 1) for page in range(1, 50))]
    return {
        "graphql-flat": [
            post("/graphql", {"query": FLAT, "variables": {"id": i}}) for i in customer_ids
        ],
        "graphql-nested": [
            post("/graphql", {"query": NESTED, "variables": {"after": c}}) for c in cursors
        ],
        "rest-customer": [get(f"/customers/{i}") for i in customer_ids],
        # No database: what GraphQL (parse cache, validation cache, execution) adds to the route,
        # and what one uvicorn worker and FastAPI cost per request on this machine.
        "graphql-floor": [post("/graphql", {"query": "{ __typename }"})],
        "http-floor": [get("/")],
    }


def check_answers(port: int, requests: dict[str, list[bytes]]) -> None:
    """One request of each kind, answered in full and without errors, before measuring."""

    async def one(request: bytes) -> tuple[int, bytes]:
        reader, writer = await asyncio.open_connection(HOST, port)
        writer.write(request)
        answer = await read_response(reader)
        writer.close()
        return answer

    for name, batch in requests.items():
        status, body = asyncio.run(one(batch[-1]))
        if not is_ok(status, body):
            raise RuntimeError(f"{name}: {status} {body[:500]!r}")


def measure(url: str, requests: dict[str, list[bytes]], args: argparse.Namespace) -> list[Result]:
    """Every scenario once per round, the rounds one after the other: a slow spell of the
    machine then costs each scenario one window of several, and the table gives each
    scenario's median window."""
    # The rotating pages and ids would soon all be response-cache hits (bench.http_cache measures
    # those): off here, so this measures computing the answers. ETags stay, as in production.
    process, port = start_server(url, env={"RESPONSE_CACHE_MAX_BYTES": "0"})
    results = {name: Result(name=name) for name in requests}
    try:
        check_answers(port, requests)
        for round_number in range(1, args.rounds + 1):
            warmup = args.warmup if round_number == 1 else 0.5
            for name, batch in requests.items():
                window = asyncio.run(
                    drive(port, batch, args.connections, warmup, args.duration, process.pid)
                )
                results[name].add_round(window)
                cpu = window.cpu_per_request_ms
                per_request = "" if cpu is None else f", server CPU {cpu:.2f} ms/request"
                print(
                    f"round {round_number}, {name}: {window.rate:,.0f} req/s{per_request}",
                    flush=True,
                )
    finally:
        process.terminate()
        process.wait(timeout=10)
    return list(results.values())


def results_table(results: list[Result], connections: int, rounds: int) -> Table:
    table = Table(
        title=f"{connections} connections, 1 uvicorn worker, median of {rounds} windows each"
    )
    columns = ("scenario", "req/s", "p50 ms", "p99 ms", "CPU ms/req", "failed", "target")
    for column in columns:
        table.add_column(column, justify="left" if column == "scenario" else "right")
    for r in results:
        target = TARGETS.get(r.name)
        met = "" if target is None else "[green]" if r.rate >= target else "[red]"
        table.add_row(
            r.name,
            f"{met}{r.rate:,.0f}[/]" if met else f"{r.rate:,.0f}",
            f"{r.percentile(0.50):.1f}",
            f"{r.percentile(0.99):.1f}",
            "" if r.cpu_per_request_ms is None else f"{r.cpu_per_request_ms:.2f}",
            str(r.failures),
            "" if target is None else f">= {target:,.0f}",
        )
    return table


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.graphql", description=__doc__)
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument(
        "--duration", type=float, default=5.0, help="measured seconds per scenario and round"
    )
    parser.add_argument("--rounds", type=int, default=3, help="measuring windows per scenario")
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured seconds first")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--only", help="comma-separated scenario names")
    parser.add_argument("--serve", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.serve)
        return 0
    if not (
        0 < args.duration <= 120
        and 0 <= args.warmup <= 30
        and 1 <= args.connections <= 256
        and 1 <= args.rounds <= 20
    ):
        parser.error(
            "--duration (0, 120], --warmup [0, 30], --connections [1, 256], --rounds [1, 20]"
        )

    console = Console(width=None if sys.stdout.isatty() else 140)
    csv_path = dataset(args.seed, console)
    with scratch_server() as server, server.fresh_database() as url:
        started = time.perf_counter()
        customer_ids = load(url, csv_path)
        console.print(
            f"PostgreSQL {server.version()} ({server.description}); loaded {PUBLISHED_ROWS:,} rows"
            f" in {time.perf_counter() - started:.1f} s; python {platform.python_version()};"
            f" {os.cpu_count()} CPUs",
            highlight=False,
        )
        requests = scenarios(customer_ids)
        if args.only:
            requests = {k: v for k, v in requests.items() if k in args.only.split(",")}
        results = measure(url, requests, args)
    console.print(results_table(results, args.connections, args.rounds))
    rates = {r.name: r.rate for r in results}
    for name, baseline in (("graphql-flat", "rest-customer"), ("rest-customer", FLOOR)):
        if name in rates and rates.get(baseline):
            ratio = rates[name] / rates[baseline]
            console.print(f"{name} / {baseline} (same run): {ratio:.2f}x", highlight=False)
    return 1 if any(r.failures for r in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
