"""`python -m queries explain`: EXPLAIN (ANALYZE, BUFFERS) with and without the indexes.

For each dataset (the real sample and the 20x synthetic file by default, each loaded into a fresh
database on a temporary server; or existing databases given with --url), every probe runs under
each index variant: the indexes are dropped inside a transaction that is rolled back, so nothing
changes. Each (probe, variant) runs once to warm the cache, then --runs times; the report keeps
the median "Execution Time" and the plan of the last run. `docs/indexing.md` is written from these
measurements only (queries/explain_report.py renders it).

Dropping an index takes an ACCESS EXCLUSIVE lock on its table until the rollback: point --url at a
database no one else is using.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.orm import Session

from app.services import analytics, customers
from app.services.rollups import refresh_rollups

Statement = tuple[str, dict[str, Any]]  # driver-level SQL (psycopg2 placeholders) and params
STALE = "UPDATE rollup_state SET fresh = false"
DOC = Path(__file__).resolve().parent.parent / "docs" / "indexing.md"


@dataclass(frozen=True)
class Variant:
    key: str
    title: str
    ddl: tuple[str, ...]


VARIANTS = (
    Variant("indexed", "with the indexes", ()),
    Variant(
        "dropped",
        "without idx_order_customer and idx_product_sales",
        ("DROP INDEX idx_order_customer", "DROP INDEX idx_product_sales"),
    ),
    Variant(
        "bare",
        "also without the unique (customer_id, order_date, order_time) index",
        (
            "DROP INDEX idx_order_customer",
            "DROP INDEX idx_product_sales",
            "ALTER TABLE orders DROP CONSTRAINT uq_orders_customer_id_order_date_order_time",
        ),
    ),
)


@dataclass
class Probe:
    key: str
    title: str
    index: str  # the index the probe is about
    statements: Callable[[Connection, dict[str, Any]], list[Statement]]
    setup: tuple[str, ...] = ()  # run in the probe's transaction first (e.g. mark rollups stale)


@dataclass
class Measurement:
    times_ms: list[float] = field(default_factory=list)
    plan_text: str = ""
    plan: dict[str, Any] = field(default_factory=dict)  # JSON plan of the main statement

    @property
    def median_ms(self) -> float:
        return statistics.median(self.times_ms)


@dataclass
class DatasetResult:
    name: str
    rows: int
    subjects: dict[str, Any]
    table_stats: dict[str, tuple[int, int]]  # table -> (rows, pages)
    results: dict[tuple[str, str], Measurement] = field(default_factory=dict)


def _captured(conn: Connection, call: Callable[[Session], object]) -> list[Statement]:
    """The SQL statements a service function sends, with their parameters (run inside the
    caller's transaction, which is rolled back)."""
    seen: list[Statement] = []

    def record(_c: Any, _cur: Any, statement: str, params: Any, _ctx: Any, _many: bool) -> None:
        seen.append((statement, dict(params or {})))

    event.listen(conn, "before_cursor_execute", record)
    try:
        with Session(bind=conn) as session:
            call(session)
    finally:
        event.remove(conn, "before_cursor_execute", record)
    return seen


PROBES = (
    Probe(
        "customer_orders",
        "A customer's orders",
        "idx_order_customer",
        lambda c, s: [
            ("SELECT * FROM orders WHERE customer_id = %(pk)s", {"pk": s["customer_pk"]})
        ],
    ),
    Probe(
        "product_items_rare",
        "A product's items (the product with the fewest items)",
        "idx_product_sales",
        lambda c, s: [
            ("SELECT * FROM order_items WHERE product_id = %(p)s", {"p": s["rare_product"]})
        ],
    ),
    Probe(
        "product_items_popular",
        "A product's sales total (the product with the most items)",
        "idx_product_sales",
        lambda c, s: [
            (
                "SELECT count(*), sum(sales) FROM order_items WHERE product_id = %(p)s",
                {"p": s["popular_product"]},
            )
        ],
    ),
    Probe(
        "customer_detail",
        "GET /customers/{customer_id} (the route's own statements)",
        "idx_order_customer",
        lambda c, s: _captured(
            c, lambda session: customers.get_customer(session, s["customer_id"])
        ),
    ),
    Probe(
        "top_products",
        "GET /analytics/top-products/ (rollups fresh)",
        "idx_product_sales",
        lambda c, s: _captured(c, lambda session: analytics.top_products(session)),
    ),
    Probe(
        "top_products_live",
        "GET /analytics/top-products/ (rollups stale: live aggregation)",
        "idx_product_sales",
        lambda c, s: _captured(c, lambda session: analytics.top_products(session)),
        setup=(STALE,),
    ),
)

SUBJECTS = """
SELECT
  (SELECT customer_id FROM orders GROUP BY customer_id ORDER BY count(*) DESC, customer_id LIMIT 1)
    AS customer_pk,
  (SELECT product_id FROM order_items GROUP BY product_id ORDER BY count(*), product_id LIMIT 1)
    AS rare_product,
  (SELECT product_id FROM order_items GROUP BY product_id ORDER BY count(*) DESC, product_id
    LIMIT 1) AS popular_product
"""


def _subjects(conn: Connection) -> dict[str, Any]:
    row = conn.execute(text(SUBJECTS)).one()._asdict()
    row["customer_id"] = conn.execute(
        text("SELECT customer_id FROM customers WHERE id = :pk"), {"pk": row["customer_pk"]}
    ).scalar_one()
    return row


def _explain(conn: Connection, statement: Statement, fmt: str) -> Any:
    sql, params = statement
    return conn.exec_driver_sql(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT {fmt}) {sql}", params).all()


def measure_dataset(name: str, engine: Engine, runs: int, console: Console) -> DatasetResult:
    with engine.connect() as conn:
        subjects = _subjects(conn)
        stats = conn.execute(
            text(
                "SELECT relname, reltuples::bigint, relpages FROM pg_class "
                "WHERE relname IN ('customers', 'orders', 'order_items', 'products')"
            )
        ).all()
        rows = conn.execute(text("SELECT count(*) FROM order_items")).scalar_one()
        conn.rollback()
        result = DatasetResult(name, rows, subjects, {r[0]: (r[1], r[2]) for r in stats})
        for variant in VARIANTS:
            for probe in PROBES:
                with conn.begin() as tx:
                    for ddl in (*variant.ddl, *probe.setup):
                        conn.exec_driver_sql(ddl)
                    statements = probe.statements(conn, subjects)
                    m = Measurement()
                    for run in range(runs + 1):
                        total = 0.0
                        for statement in statements:
                            plan = _explain(conn, statement, "JSON")[0][0][0]
                            total += plan["Execution Time"]
                            if statement is statements[-1]:
                                m.plan = plan
                        if run:  # the first run only warms the cache
                            m.times_ms.append(total)
                    m.plan_text = "\n\n".join(
                        "\n".join(r[0] for r in _explain(conn, s, "TEXT")) for s in statements
                    )
                    tx.rollback()
                result.results[(probe.key, variant.key)] = m
                console.print(
                    f"{name:>10} {variant.key:>8} {probe.key:<22} {m.median_ms:9.3f} ms",
                    highlight=False,
                )
    return result


@contextmanager
def _loaded_databases(
    datasets: Sequence[tuple[str, Path]], console: Console
) -> Iterator[list[tuple[str, Engine]]]:
    """Fresh databases on a temporary server, each loaded by the real loader (+ rollups)."""
    from app.db.scratch import scratch_server
    from loader.load import load_csv

    with scratch_server() as server, ExitStack() as stack:
        engines = []
        for name, csv in datasets:
            url = stack.enter_context(server.fresh_database())
            engine = create_engine(url)
            stack.callback(engine.dispose)
            console.print(f"loading {csv} into a fresh database ({name}) …", highlight=False)
            load_csv(csv, engine)
            with engine.begin() as conn:
                refresh_rollups(conn)
            engines.append((name, engine))
        yield engines


def real_data_path() -> Path:
    """The real CSV: $ECOMMERCE_CSV, else data/ecommerce_dataset.csv, else the shared sample."""
    from app.config import get_settings

    configured = Path(get_settings().ecommerce_csv)
    if configured.is_file():
        return configured
    return DOC.parent.parent.parent / "shared" / "data" / "ecommerce_sample_original.csv"


def _default_datasets(real: Path, directory: Path, console: Console) -> list[tuple[str, Path]]:
    """The real CSV and the 20x synthetic file (seed 42, written into `directory`)."""
    from loader.synth import generate
    from loader.vocab import PUBLISHED_ROWS

    rows = 20 * PUBLISHED_ROWS
    console.print(f"generating {rows:,} synthetic rows …", highlight=False)
    return [("real", real), ("20x", generate(directory / "synthetic_20x.csv", rows, seed=42))]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m queries explain", description=__doc__)
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("--runs", type=int, default=5, help="measured runs per query (median)")
    parser.add_argument(
        "--url",
        action="append",
        metavar="NAME=URL",
        help="measure an existing, loaded database instead of loading the defaults (repeatable)",
    )
    parser.add_argument("--real", type=Path, help="the real CSV (default: see real_data_path)")
    parser.add_argument("--out", type=Path, default=DOC, help=f"report path ({DOC.name})")
    args = parser.parse_args(argv)
    console = Console()
    from queries.explain_report import render

    started = dt.datetime.now(dt.UTC)
    with ExitStack() as stack:
        if args.url:
            named = [tuple(item.split("=", 1)) for item in args.url]
            engines = [(name, create_engine(url)) for name, url in named]
        else:
            scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="explain-")))
            datasets = _default_datasets(args.real or real_data_path(), scratch, console)
            engines = stack.enter_context(_loaded_databases(datasets, console))
        results = [measure_dataset(name, engine, args.runs, console) for name, engine in engines]
        with engines[0][1].connect() as conn:
            version = str(conn.execute(text("SHOW server_version")).scalar_one())
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(render(results, VARIANTS, PROBES, args.runs, version, started))
    console.print(f"wrote {args.out}")
    return 0
