"""HTTP caching benchmark (not a test): what ETags and the response cache save, in one run.

One freshly loaded database of 51,290 synthetic rows (loader.synth), two uvicorn workers over it
started side by side: `off` (HTTP_CACHE_ENABLED=false, no validators, no cache: the baseline)
and `on` (the defaults). Measured in the same run, scenarios interleaved over `--rounds`
windows, medians reported (this VM's speed drifts by ±20 % over minutes):

- nested page (bench.graphql's (b), a JSON POST) and `GET /analytics/purchase-behaviour/`:
  `off`; `on` with every request new to the cache (an unused variable or query parameter
  makes each one distinct: a miss pays the version probe and the store); `on` repeating the
  same requests (hits);
- `GET /analytics/purchase-behaviour/` with the current tag in `If-None-Match` (304s);
- `GET /customers/{id}` (ETag only, never cached): what the per-request version probe costs.

CPU per request is the app process's plus PostgreSQL's (every backend of the bench's server),
from /proc. Then a dashboard reload in Debian's Chromium (Playwright, no browser download) on
each server: requests, bytes transferred and server CPU of the reload after a first visit.

    python -m bench.http_cache --duration 4 --rounds 3
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy import create_engine, text

from app.db.scratch import scratch_server
from bench.graphql import NESTED, OUT_DIR, Result, dataset, drive, is_ok, load, start_server
from bench.http import HOST, get, post
from bench.procfs import cpu_seconds, parent, process_tree

# Debian's and Ubuntu's names for the browser; CHROMIUM (a path or a name) first.
CHROMIUM_NAMES = ("chromium", "chromium-browser")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PURCHASE = "/analytics/purchase-behaviour/"
DISTINCT = 40_000  # requests new to the cache per miss scenario (more than a run sends)


def postmaster_pid(database_url: str) -> int:
    """The bench server's postmaster: `process_tree` of it, taken when CPU is counted, holds
    the backends the app's pools opened by then."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:  # the backend lives as long as its connection
            backend = int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())
            postmaster = parent(backend)
    finally:
        engine.dispose()
    if postmaster is None:
        raise RuntimeError(f"no parent process found for backend {backend}")
    return postmaster


def scenario_requests(port_on: int) -> dict[str, list[bytes]]:
    from app.api.graphql.pagination import encode_cursor

    cursors: list[str | None] = [None, *(encode_cursor(20 * page - 1) for page in range(1, 50))]
    nested = [post("/graphql", {"query": NESTED, "variables": {"after": c}}) for c in cursors]
    nested_new = [
        post("/graphql", {"query": NESTED, "variables": {"after": cursors[i % 50], "nonce": i}})
        for i in range(DISTINCT)
    ]
    purchase_new = [get(f"{PURCHASE}?nonce={i}") for i in range(DISTINCT)]
    etag = asyncio.run(_etag(port_on, PURCHASE))
    conditional = (
        f"GET {PURCHASE} HTTP/1.1\r\nHost: {HOST}\r\nAccept: application/json\r\n"
        f"If-None-Match: {etag}\r\n\r\n"
    ).encode()
    return {
        "nested": nested,
        "nested-new": nested_new,
        "purchase": [get(PURCHASE)],
        "purchase-new": purchase_new,
        "purchase-304": [conditional],
    }


async def _etag(port: int, path: str) -> str:
    reader, writer = await asyncio.open_connection(HOST, port)
    writer.write(get(path))
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
    writer.close()
    for line in head.split("\r\n"):
        name, _, value = line.partition(":")
        if name.lower() == "etag":
            return value.strip()
    raise RuntimeError(f"{path} answered without an ETag: {head}")


def chromium() -> str:
    names = [os.environ["CHROMIUM"]] if os.environ.get("CHROMIUM") else []
    for name in [*names, *CHROMIUM_NAMES]:
        if found := shutil.which(name):
            return found
    raise FileNotFoundError(f"no Chromium on PATH (looked for {', '.join(CHROMIUM_NAMES)})")


def not_modified(status: int, body: bytes) -> bool:
    return status == 304 and not body


# (row label, server, scenario): what each window measures.
PLAN = [
    ("nested page: cache off", "off", "nested"),
    ("nested page: miss", "on", "nested-new"),
    ("nested page: hit", "on", "nested"),
    ("purchase-behaviour: cache off", "off", "purchase"),
    ("purchase-behaviour: miss", "on", "purchase-new"),
    ("purchase-behaviour: hit", "on", "purchase"),
    ("purchase-behaviour: 304", "on", "purchase-304"),
    ("GET /customers/{id}: off", "off", "customer"),
    ("GET /customers/{id}: ETag", "on", "customer"),
]


def measure(
    ports: dict[str, int],
    requests: dict[str, list[bytes]],
    postmaster: int,
    args: argparse.Namespace,
) -> dict[str, Result]:
    results = {label: Result(name=label) for label, _, _ in PLAN}
    for round_number in range(1, args.rounds + 1):
        for label, server, scenario in PLAN:
            pg = process_tree(postmaster)
            pg_before = cpu_seconds(pg)
            window = asyncio.run(
                drive(
                    ports[server],
                    requests[scenario],
                    args.connections,
                    0.5 if round_number > 1 else args.warmup,
                    args.duration,
                    ports[f"{server}-pid"],
                    not_modified if scenario.endswith("304") else is_ok,
                )
            )
            if window.server_cpu is not None:
                window.server_cpu += cpu_seconds(pg) - pg_before  # PostgreSQL's share
            results[label].add_round(window)
            print(f"round {round_number}, {label}: {window.rate:,.0f} req/s", flush=True)
    return results


def dashboard_reloads(
    base: str, pids: Sequence[int], log_path: Path, reloads: int
) -> dict[str, float]:
    """A first visit, then `reloads` reloads: medians of what the server answered (from its
    JSON access log: requests, 304s, body bytes), the bytes the browser received (headers
    included) and the server's CPU (app and PostgreSQL)."""
    from playwright.sync_api import Request, sync_playwright

    stats: dict[str, list[float]] = {
        key: [] for key in ("requests", "304s", "body_bytes", "transferred", "cpu_ms")
    }
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
        page = browser.new_context().new_page()
        page.goto(f"{base}/dashboard")
        page.wait_for_load_state("networkidle")
        for _ in range(reloads):
            seen: list[Request] = []

            def finished(request: Request, seen: list[Request] = seen) -> None:
                seen.append(request)

            page.on("requestfinished", finished)
            log_from = log_path.stat().st_size
            before = cpu_seconds(pids)
            page.reload()
            page.wait_for_load_state("networkidle")
            stats["cpu_ms"].append((cpu_seconds(pids) - before) * 1000)
            page.remove_listener("requestfinished", finished)
            answered = _access_lines(log_path, log_from)
            stats["requests"].append(len(answered))
            stats["304s"].append(sum(line["status"] == 304 for line in answered))
            stats["body_bytes"].append(sum(line["response_bytes"] for line in answered))
            sizes = [request.sizes() for request in seen]
            stats["transferred"].append(
                sum(size["responseBodySize"] + size["responseHeadersSize"] for size in sizes)
            )
        browser.close()
    return {key: statistics.median(values) for key, values in stats.items()}


def _access_lines(log_path: Path, offset: int) -> list[dict[str, Any]]:
    with log_path.open("rb") as log:
        log.seek(offset)
        lines = log.read().decode().splitlines()
    entries = [json.loads(line) for line in lines if line.startswith("{")]
    return [entry for entry in entries if entry.get("logger") == "app.access"]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.http_cache", description=__doc__)
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("--duration", type=float, default=4.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--reloads", type=int, default=5)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    console = Console(width=None if sys.stdout.isatty() else 150)
    csv_path = dataset(args.seed, console)
    with scratch_server() as server, server.fresh_database() as url:
        customer_ids = load(url, csv_path)
        postmaster = postmaster_pid(url)
        processes, ports = {}, {}
        try:
            for name, enabled in (("off", "false"), ("on", "true")):
                log_path = OUT_DIR / f"http_cache_{name}.log"
                process, port = start_server(url, log_path, env={"HTTP_CACHE_ENABLED": enabled})
                processes[name], ports[name], ports[f"{name}-pid"] = process, port, process.pid
            requests = scenario_requests(ports["on"])
            requests["customer"] = [get(f"/customers/{i}") for i in customer_ids]
            results = measure(ports, requests, postmaster, args)
            reload_stats = {
                name: dashboard_reloads(
                    f"http://{HOST}:{ports[name]}",
                    [processes[name].pid, *process_tree(postmaster)],
                    OUT_DIR / f"http_cache_{name}.log",
                    args.reloads,
                )
                for name in ("off", "on")
            }
        finally:
            for process in processes.values():
                process.terminate()
                process.wait(timeout=10)
    table = Table(title=f"{args.connections} connections, median of {args.rounds} windows each")
    for column in ("scenario", "req/s", "p50 ms", "p99 ms", "CPU ms/req (app+PG)", "failed"):
        table.add_column(column, justify="left" if column == "scenario" else "right")
    for result in results.values():
        cpu = result.cpu_per_request_ms
        table.add_row(
            result.name,
            f"{result.rate:,.0f}",
            f"{result.percentile(0.5):.1f}",
            f"{result.percentile(0.99):.1f}",
            "" if cpu is None else f"{cpu:.2f}",
            str(result.failures),
        )
    console.print(table)
    for base_label, other in (
        ("nested page: cache off", "nested page: hit"),
        ("nested page: cache off", "nested page: miss"),
        ("purchase-behaviour: cache off", "purchase-behaviour: hit"),
        ("purchase-behaviour: cache off", "purchase-behaviour: miss"),
        ("GET /customers/{id}: off", "GET /customers/{id}: ETag"),
    ):
        ratio = results[other].rate / results[base_label].rate
        console.print(f"{other} / {base_label} (same run): {ratio:.2f}x", highlight=False)
    reload_table = Table(title=f"dashboard reload after a first visit, median of {args.reloads}")
    columns = ("server", "requests", "304s", "body bytes", "bytes received", "CPU ms (app+PG)")
    for column in columns:
        reload_table.add_column(column, justify="left" if column == "server" else "right")
    for name, stats in reload_stats.items():
        reload_table.add_row(
            f"cache {name}",
            f"{stats['requests']:.0f}",
            f"{stats['304s']:.0f}",
            f"{stats['body_bytes']:,.0f}",
            f"{stats['transferred']:,.0f}",
            f"{stats['cpu_ms']:.0f}",
        )
    console.print(reload_table)
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    console.print(f"machine: {os.cpu_count()} CPUs, Python {platform.python_version()}; {when}")
    return 1 if any(r.failures for r in results.values()) else 0


if __name__ == "__main__":
    raise SystemExit(main())
