"""Scale-out benchmark (not a test): bench.graphql's three scenarios on uvicorn and granian, with
one and two worker processes, and with reads on a replica, in one run.

One primary with a streaming replica (bench/replication.py), 51,290 synthetic rows (loader.synth)
loaded into the primary, the servers started side by side: uvicorn with 1 and 2 workers, granian
with 1 and 2, all reading the primary, uvicorn with 1 worker reading the replica
(DATABASE_REPLICA_URLS), and uvicorn's own `--workers 2` (one socket shared by the workers).
uvicorn runs as `python -m app serve` runs it; granian serves the same tuned app. The response
cache is off, as in bench.graphql; multiprocess metrics are on for two workers. Every (server,
scenario) window is measured in `--rounds` interleaved rounds; the table gives medians. CPU per
request sums every process of the server (parent and workers) and of both PostgreSQL servers, from
/proc; "cores busy" adds the load generator's own CPU (wrk) and divides by the window: at the
machine's core count the window was CPU-bound, and more workers cannot help.

With npm on the machine (`--no-postgraphile` to skip), PostGraphile 4 runs too, with one Node
process and with `--cluster-workers 2`, on the same primary (bench/postgraphile.py: installed
into a temporary folder, its own queries for the two GraphQL scenarios).

The load generator is wrk when installed (C, one thread: little of the two cores), else the
asyncio one of bench.graphql (`--client`).

    python -m bench.scaleout --duration 4 --rounds 3
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Coroutine, Sequence
from itertools import chain
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy import create_engine, text

from app.serving import APP_FACTORY
from bench import postgraphile, wrk
from bench.graphql import (
    OUT_DIR,
    REPO_ROOT,
    Result,
    check_answers,
    dataset,
    drive,
    load,
    scenarios,
)
from bench.http import HOST, free_port, wait_until_up
from bench.procfs import cpu_seconds, process_tree
from bench.replication import Cluster

SCENARIOS = ("graphql-nested", "graphql-flat", "rest-customer")
DATABASE = "ecommerce_db"
SERVERS = {  # name -> (server, workers, reads from the replica)
    "uvicorn x1": ("uvicorn", 1, False),
    "uvicorn x2": ("uvicorn", 2, False),
    "granian x1": ("granian", 1, False),
    "granian x2": ("granian", 2, False),
    "uvicorn x1, replica": ("uvicorn", 1, True),
    "uvicorn x2, shared socket": ("uvicorn-shared", 2, False),
    "postgraphile x1": ("postgraphile", 1, False),
    "postgraphile x2": ("postgraphile", 2, False),
}


def command(server: str, workers: int, port: int) -> list[str]:
    """uvicorn as the product serves it (`python -m app serve`: the collector tuned, workers on
    their own listeners, multiprocess metrics), or with uvicorn's shared socket; granian on the
    same tuned app factory."""
    if server == "uvicorn":
        return [
            *(sys.executable, "-m", "app", "serve", "--no-load", "--host", HOST),
            *("--port", str(port), "--workers", str(workers)),
        ]
    if server == "uvicorn-shared":  # uvicorn's own --workers: one socket for all workers
        return [
            *(sys.executable, "-m", "uvicorn", APP_FACTORY, "--factory", "--host", HOST),
            *("--port", str(port), "--workers", str(workers)),
            *("--log-level", "warning", "--no-access-log"),
        ]
    return [
        *(sys.executable, "-m", "granian", "--interface", "asgi", "--host", HOST),
        *("--port", str(port), "--workers", str(workers), "--log-level", "warning"),
        *("--factory", APP_FACTORY),
    ]


def start(
    name: str, cluster: Cluster, postgraphile_cli: Path | None
) -> tuple[subprocess.Popen[bytes], int]:
    """The server `name`, in a process group of its own (stopped whole by `stop`)."""
    server, workers, on_replica = SERVERS[name]
    port = free_port()
    if server == "postgraphile":
        assert postgraphile_cli is not None
        argv = postgraphile.command(postgraphile_cli, cluster.primary.url(DATABASE), port, workers)
        health = postgraphile.HEALTH_PATH
    else:
        argv, health = command(server, workers, port), "/health"
    env = os.environ | {
        "DATABASE_URL": cluster.primary.url(DATABASE),
        "RESPONSE_CACHE_MAX_BYTES": "0",
    }
    if on_replica:
        env["DATABASE_REPLICA_URLS"] = cluster.replica.url(DATABASE)
    if workers > 1:  # `app serve` empties it at start
        env["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="bench-metrics-")
    log_path = OUT_DIR / f"scaleout_{name.replace(' ', '_')}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            argv, cwd=REPO_ROOT, env=env, stdout=log, stderr=log, start_new_session=True
        )
    return process, wait_until_up(process, port, health, f"; see {log_path}")


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the server's whole process group (Node's cluster workers included)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=30)


def window(port: int, requests: list[bytes], seconds: float, args: argparse.Namespace) -> Result:
    if args.client == "wrk":
        return wrk.drive(port, requests, args.connections, seconds)
    return run(drive(port, requests, args.connections, 0, seconds))


def run(coroutine: Coroutine[Any, Any, Result]) -> Result:
    """The load generator on uvloop: it shares the two cores with the servers it loads, so
    every microsecond it spends is taken from them."""
    import uvloop

    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(coroutine)


def measure(
    servers: dict[str, tuple[subprocess.Popen[bytes], int]],
    requests: dict[str, dict[str, list[bytes]]],
    postmasters: list[int],
    args: argparse.Namespace,
) -> dict[tuple[str, str], Result]:
    """`requests[server][scenario]`: every server's own requests for the scenarios it runs."""
    results = {(s, c): Result(name=f"{s}: {c}") for s in servers for c in requests[s]}
    for round_number in range(1, args.rounds + 1):
        for name, (process, port) in servers.items():
            for scenario, batch in requests[name].items():
                warmup = args.warmup if round_number == 1 else 0.5
                window(port, batch, warmup, args)
                # After the warm-up: the backends the server's pools opened are in the tree.
                pids = [*process_tree(process.pid), *chain(*map(process_tree, postmasters))]
                before = cpu_seconds(pids)
                measured = window(port, batch, args.duration, args)
                measured.server_cpu = cpu_seconds(pids) - before
                results[(name, scenario)].add_round(measured)
                print(f"round {round_number}, {name}, {scenario}: {measured.rate:,.0f} req/s")
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scaleout", description=__doc__)
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("--duration", type=float, default=4.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--client",
        choices=("wrk", "python"),
        default="wrk" if wrk.available() else "python",
        help="load generator: wrk (C, default when installed) or bench.graphql's asyncio one",
    )
    parser.add_argument(
        "--postgraphile",
        action=argparse.BooleanOptionalAction,
        default=postgraphile.available(),
        help="also run PostGraphile 4 (npm install into a temporary folder; default: with npm)",
    )
    parser.add_argument(
        "--servers",
        nargs="+",
        choices=SERVERS,
        default=list(SERVERS),
        metavar="NAME",
        help=f"only these servers (quoted names: {', '.join(map(repr, SERVERS))})",
    )
    args = parser.parse_args(argv)
    console = Console(width=None if sys.stdout.isatty() else 150)
    csv_path = dataset(args.seed, console)
    names = [n for n in args.servers if args.postgraphile or SERVERS[n][0] != "postgraphile"]
    cli = None
    if any(SERVERS[n][0] == "postgraphile" for n in names):  # into the bench's own temporary folder
        cli = postgraphile.install(Path(tempfile.mkdtemp(prefix="bench-postgraphile-")))
    cluster = Cluster().start()
    running: dict[str, tuple[subprocess.Popen[bytes], int]] = {}
    try:
        admin = create_engine(cluster.primary.url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {DATABASE}"))
        admin.dispose()
        customer_ids = load(cluster.primary.url(DATABASE), csv_path)
        cluster.wait_replayed(DATABASE)
        product = {k: v for k, v in scenarios(customer_ids).items() if k in SCENARIOS}
        theirs = postgraphile.scenarios(customer_ids)
        requests = {n: theirs if SERVERS[n][0] == "postgraphile" else product for n in names}
        postmasters = [cluster.postmaster(cluster.primary), cluster.postmaster(cluster.replica)]
        for name in names:
            running[name] = start(name, cluster, cli)
            check_answers(running[name][1], requests[name])
        results = measure(running, requests, postmasters, args)
    finally:
        for process, _ in running.values():
            stop(process)
        cluster.stop()
    report(results, args, console)
    return 1 if any(r.failures for r in results.values()) else 0


def report(
    results: dict[tuple[str, str], Result], args: argparse.Namespace, console: Console
) -> None:
    table = Table(
        title=f"{args.client}, {args.connections} connections, median of {args.rounds} windows each"
    )
    columns = ("server", "scenario", "req/s", "p99 ms", "CPU ms/req (all)", "cores busy")
    for column in (*columns, "failed"):
        table.add_column(column, justify="left" if column in ("server", "scenario") else "right")
    for (name, scenario), result in results.items():
        cpu = result.cpu_per_request_ms
        table.add_row(
            name,
            scenario,
            f"{result.rate:,.0f}",
            f"{result.percentile(0.99):.1f}",
            "" if cpu is None else f"{cpu:.2f}",
            "" if result.cores_busy is None else f"{result.cores_busy:.2f}",
            str(result.failures),
        )
    console.print(table)

    def value(name: str, scenario: str, measure: str = "rate") -> float | None:
        """`measure` (rate, cores_busy, cpu_per_request_ms) of a server that ran, else None."""
        result = results.get((name, scenario))
        return None if result is None else getattr(result, measure)

    for kind in ("uvicorn", "granian", "postgraphile"):
        for scenario in SCENARIOS:
            one, two = value(f"{kind} x1", scenario), value(f"{kind} x2", scenario)
            if one and two:
                console.print(f"{kind} 2 workers / 1 worker, {scenario}: {two / one:.2f}x")
    cores = os.cpu_count() or 1
    for scenario in SCENARIOS:
        # One worker already keeps this many cores busy (itself, PostgreSQL, wrk): with no
        # overhead at all, more workers can multiply its rate by at most cores / busy.
        busy = value("uvicorn x1", scenario, "cores_busy")
        if busy:
            console.print(f"ceiling on {cores} cores, {scenario}: {cores / busy:.2f}x")
    for scenario in SCENARIOS:
        primary = value("uvicorn x1", scenario, "cpu_per_request_ms")
        replica = value("uvicorn x1, replica", scenario, "cpu_per_request_ms")
        if primary and replica:
            console.print(f"replica routing, CPU per request, {scenario}: {replica / primary:.2f}x")
        for other in ("granian", "postgraphile"):
            for workers in (1, 2):
                ours = value(f"uvicorn x{workers}", scenario)
                theirs = value(f"{other} x{workers}", scenario)
                if ours and theirs:
                    console.print(
                        f"{other} / uvicorn, {workers} worker(s), {scenario}: {theirs / ours:.2f}x"
                    )
    for scenario in SCENARIOS:
        own, shared = value("uvicorn x2", scenario), value("uvicorn x2, shared socket", scenario)
        if own and shared:
            console.print(
                f"own sockets / shared socket, 2 workers, {scenario}: {own / shared:.2f}x"
            )
    console.print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {cores} CPUs")


if __name__ == "__main__":
    raise SystemExit(main())
