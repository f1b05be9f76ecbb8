"""Rollup maintenance benchmark (not a test): what a later load costs the insight rollups, and
what readers see meanwhile.

One database of `--scale` x 51,290 synthetic rows (loader.synth, seed 42), loaded and its rollups
recomputed, is copied (CREATE DATABASE … TEMPLATE) once per variant and round; each copy then
receives the same increment (`--increment` x 51,290 rows of another seed):

- incremental: the default load, which updates the rollups from its own rows in its transaction;
- recompute: the same load with `--refresh-rollups` (a full recompute in its transaction), the
  same-run baseline for the rollup work;
- stale: the load leaving them stale, then the app's recompute (`refresh_if_stale`), as loads
  did before the rollups were incremental.

Throughout each variant, until its rollups are fresh again, a second connection runs the
unfiltered orders insight (`queries/orders_overview.sql`, what `/analytics/orders/` runs) in a
loop under the API's statement timeout; the table gives its median and slowest answer and its
timeouts. Variants are interleaved per round; medians over rounds.

    python -m bench.rollups --scale 20 --rounds 3
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, create_engine
from sqlalchemy.exc import DBAPIError

from app.config import get_settings
from app.db.migrate import upgrade_to_head
from app.db.scratch import Server, scratch_server
from app.services.rollups import refresh_if_stale
from bench.load import StageClock, dataset
from loader.load import load_csv
from queries import load_query

VARIANTS = ("incremental", "recompute", "stale")
INCREMENT_SEED = 7


@dataclass
class Reads:
    latencies: list[float] = field(default_factory=list)
    timeouts: int = 0


@dataclass
class Window:
    load_s: float
    rollups_s: float  # in the load (incremental, recompute) or after it (stale)
    until_fresh_s: float
    reads: Reads


def read_while(engine: Engine, running: threading.Event, reads: Reads) -> None:
    """Run the orders insight until `running` clears, as the API would (its statement timeout)."""
    timeout_ms = get_settings().db_statement_timeout_ms
    query = load_query("orders_overview")
    params = {"date_from": None, "date_to": None, "category": None}
    with engine.connect() as conn:
        conn.exec_driver_sql(f"SET statement_timeout = {timeout_ms}")
        conn.commit()  # a session setting, kept by the rollbacks below
        while running.is_set():
            started = time.perf_counter()
            try:
                conn.execute(query, params).all()
                reads.latencies.append(time.perf_counter() - started)
            except DBAPIError:
                reads.timeouts += 1
            conn.rollback()


def run_variant(variant: str, url: str, increment: Path) -> Window:
    engine = create_engine(url)
    reads, running = Reads(), threading.Event()
    running.set()
    reader = threading.Thread(target=read_while, args=(engine, running, reads))
    try:
        if variant == "stale":  # as if a write outside the loader had made them stale
            with engine.begin() as conn:
                conn.exec_driver_sql("UPDATE rollup_state SET fresh = false")
        reader.start()
        clock = StageClock()
        summary = load_csv(
            increment, engine, refresh_rollups=variant == "recompute", progress=clock
        )
        loaded = time.perf_counter()
        rollups_s = clock.split(loaded).get("rollups", 0.0)
        if variant == "stale":
            rollups_s = refresh_if_stale(engine) or 0.0
        until_fresh = time.perf_counter() - clock.started
        expected = {"incremental": "updated", "recompute": "refreshed", "stale": "stale"}
        if summary.rollups != expected[variant]:
            raise RuntimeError(f"{variant}: the load reported rollups {summary.rollups!r}")
        return Window(loaded - clock.started, rollups_s, until_fresh, reads)
    finally:
        running.clear()
        if reader.is_alive():
            reader.join()
        engine.dispose()


def base_database(server: Server, name: str, source: Path, console: Console) -> None:
    server.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"CREATE DATABASE {name}")
    engine = create_engine(server.url(name))
    try:
        upgrade_to_head(engine)
        started = time.perf_counter()
        load_csv(source, engine)
        loaded = time.perf_counter()
        refreshed = refresh_if_stale(engine)
        console.print(
            f"base: loaded in {loaded - started:.1f} s, rollups recomputed in {refreshed:.1f} s",
            highlight=False,
        )
    finally:
        engine.dispose()


def measure(
    server: Server, base: str, increment: Path, rounds: int, report: Callable[[str], None]
) -> dict[str, list[Window]]:
    windows: dict[str, list[Window]] = {v: [] for v in VARIANTS}
    for round_number in range(1, rounds + 1):
        for variant in VARIANTS:
            copy = f"{base}_{variant}"
            server.execute(
                f"DROP DATABASE IF EXISTS {copy} WITH (FORCE)",
                f"CREATE DATABASE {copy} TEMPLATE {base}",
            )
            try:
                window = run_variant(variant, server.url(copy), increment)
            finally:
                server.execute(f"DROP DATABASE IF EXISTS {copy} WITH (FORCE)")
            windows[variant].append(window)
            report(
                f"round {round_number}, {variant}: load {window.load_s:.1f} s, rollups "
                f"{window.rollups_s:.1f} s, {len(window.reads.latencies)} reads, "
                f"{window.reads.timeouts} timed out"
            )
    return windows


def results_table(windows: dict[str, list[Window]], title: str) -> Table:
    table = Table(title=title)
    columns = ("variant", "load s", "rollups s", "until fresh s", "reads", "read median ms")
    for column in (*columns, "slowest read ms", "timed out"):
        table.add_column(column, justify="left" if column == "variant" else "right")
    for variant, runs in windows.items():
        latencies = [s for w in runs for s in w.reads.latencies]
        table.add_row(
            variant,
            f"{statistics.median(w.load_s for w in runs):.1f}",
            f"{statistics.median(w.rollups_s for w in runs):.2f}",
            f"{statistics.median(w.until_fresh_s for w in runs):.1f}",
            f"{len(latencies):,}",
            f"{statistics.median(latencies) * 1000:.1f}" if latencies else "-",
            f"{max(latencies) * 1000:,.0f}" if latencies else "-",
            str(sum(w.reads.timeouts for w in runs)),
        )
    return table


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.rollups", description=__doc__)
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("--scale", type=int, default=20, help="stored rows, x 51,290")
    parser.add_argument("--increment", type=int, default=1, help="loaded rows, x 51,290")
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args(argv)
    console = Console(width=None if sys.stdout.isatty() else 150)
    source = dataset(args.scale, 42, False, console)
    increment = dataset(args.increment, INCREMENT_SEED, False, console)
    with scratch_server() as server:
        base = "ecom_bench_rollups"
        base_database(server, base, source, console)
        try:
            windows = measure(server, base, increment, args.rounds, print)
        finally:
            server.execute(f"DROP DATABASE IF EXISTS {base} WITH (FORCE)")
        title = (
            f"{args.increment}x increment onto {args.scale}x stored rows, {server.description}, "
            f"median of {args.rounds} round(s)"
        )
        console.print(results_table(windows, title))
    console.print(time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
