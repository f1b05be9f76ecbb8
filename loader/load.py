"""Load a CSV into the four tables: validate while streaming into a staging table with COPY, then
derive customers, products, orders and items with set-based SQL — all in one transaction, so a
refused or failed load leaves the database exactly as it was."""

from __future__ import annotations

import csv
import io
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import Connection, Engine

from app.config import get_settings
from app.db.migrate import upgrade_to_head
from loader import bulk, statements
from loader.read import COLUMNS, ReadStats, RowError, validated_batches
from loader.source import resolve_source

log = logging.getLogger(__name__)

BATCH_ROWS = 20_000
MAX_ERRORS_KEPT = 200  # in memory, for the summary; the report file gets every one
TABLES = ("customers", "products", "orders", "order_items")


@dataclass
class TableChange:
    inserted: int = 0
    updated: int = 0
    total_after: int = 0


@dataclass
class LoadSummary:
    source: str
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    blank_cells: dict[str, int] = field(default_factory=dict)
    facts: dict[str, int] = field(default_factory=dict)
    tables: dict[str, TableChange] = field(default_factory=dict)
    rejected_report: Path | None = None
    seconds: float = 0.0
    committed: bool = False


class LoadRefused(Exception):
    """Invalid rows were found and --skip-invalid was not given: nothing was loaded."""

    def __init__(self, summary: LoadSummary) -> None:
        self.summary = summary
        super().__init__(
            f"{summary.rows_rejected:,} of {summary.rows_read:,} rows are invalid "
            f"({summary.error_count:,} problems); nothing was loaded"
        )


ProgressCallback = Callable[[str, int, int | None], None]  # (stage, done, total)


def _noop_progress(stage: str, done: int, total: int | None) -> None:
    return None


class _RejectedReport:
    """Streams every problem to a CSV (row, line, column, value, reason, then the raw cells)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._file: TextIO | None = None
        self._writer: Any = None

    def write(self, error: RowError, cells: list[str]) -> None:
        if self.path is None:
            return
        if self._writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = self.path.open("w", newline="", encoding="utf-8", errors="replace")
            self._writer = csv.writer(self._file)
            self._writer.writerow(["row", "line", "column", "value", "reason", *COLUMNS])
        self._writer.writerow(
            [error.row, error.line, error.column or "", error.value or "", error.reason, *cells]
        )

    def close(self) -> None:
        if self._file is not None:
            self._file.close()


def load_csv(
    source: str | Path,
    engine: Engine,
    *,
    skip_invalid: bool = False,
    rejected_report: Path | None = None,
    progress: ProgressCallback = _noop_progress,
) -> LoadSummary:
    """Validate and load `source`. Raises LoadRefused (database untouched) on invalid rows unless
    `skip_invalid`, in which case valid rows load and invalid ones go to `rejected_report`."""
    started = time.perf_counter()
    settings = get_settings()
    path = resolve_source(
        source, default_path=Path(settings.ecommerce_csv), fallback_url=settings.dataset_url
    )
    summary = LoadSummary(source=str(source))
    upgrade_to_head(engine)

    report = _RejectedReport(rejected_report)
    stats = ReadStats()

    def on_error(error: RowError, cells: list[str]) -> None:
        summary.error_count += 1
        if len(summary.errors) < MAX_ERRORS_KEPT:
            summary.errors.append(error)
        report.write(error, cells)

    try:
        with engine.begin() as conn:
            _prepare(conn)
            step_started = time.perf_counter()
            _stage(conn, path, stats, on_error, skip_invalid, progress)
            log.info(
                "read and staged %s rows in %.2f s",
                stats.rows_valid,
                time.perf_counter() - step_started,
            )
            summary.rows_read = stats.rows_read
            summary.rows_rejected = stats.rows_rejected
            summary.rows_loaded = stats.rows_valid
            summary.blank_cells = stats.blank_cells
            if stats.rows_rejected and not skip_invalid:
                raise LoadRefused(summary)  # rolls the transaction back
            if stats.rows_read == 0:
                raise LoadRefused(summary)
            _derive(conn, summary, progress)
        summary.committed = True
    finally:
        report.close()
        summary.rejected_report = rejected_report if summary.error_count else None
        summary.seconds = time.perf_counter() - started

    progress("analyze", 0, None)
    with engine.connect() as conn:
        # Fresh statistics: without them the planner picks plans measured 50x slower here.
        conn.exec_driver_sql(statements.ANALYZE_TABLES)
        conn.commit()
    summary.seconds = time.perf_counter() - started
    return summary


def _prepare(conn: Connection) -> None:
    conn.exec_driver_sql("SET LOCAL statement_timeout = 0")
    conn.exec_driver_sql("SET LOCAL work_mem = '256MB'")
    conn.exec_driver_sql("SET LOCAL maintenance_work_mem = '512MB'")
    conn.exec_driver_sql(statements.LOCK_TABLES)
    conn.exec_driver_sql(statements.CREATE_STAGE)


def _stage(
    conn: Connection,
    path: Path,
    stats: ReadStats,
    on_error: Callable[[RowError, list[str]], None],
    skip_invalid: bool,
    progress: ProgressCallback,
) -> None:
    """Stream valid rows into stage_rows in batches; keep reading past errors to report them all."""
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    total_bytes = path.stat().st_size
    with path.open("rb") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="surrogateescape", newline="")
        for numbers, columns in validated_batches(text, stats, on_error, BATCH_ROWS):
            progress("read", raw.tell(), total_bytes)
            if stats.rows_rejected and not skip_invalid:
                continue  # the load will be refused: only keep validating, to report every error
            lines = map("\t".join, zip(map(str, numbers), *columns, strict=True))
            buffer = io.StringIO("\n".join(lines) + "\n")
            cursor.copy_expert(statements.COPY_STAGE, buffer)
        progress("read", total_bytes, total_bytes)


def _derive(conn: Connection, summary: LoadSummary, progress: ProgressCallback) -> None:
    progress("derive", 0, 5)
    step_started = time.perf_counter()
    conn.exec_driver_sql(statements.SORT_STAGE)
    conn.exec_driver_sql(statements.ANALYZE_STAGE)
    facts = conn.exec_driver_sql(statements.STAGE_FACTS).mappings().one()
    log.info("staged rows sorted and checked in %.2f s", time.perf_counter() - step_started)
    summary.facts = {key: int(value) for key, value in facts.items()}
    for done, (table, sql) in enumerate(
        (("customers", statements.UPSERT_CUSTOMERS), ("products", statements.INSERT_PRODUCTS)),
        start=1,
    ):
        step_started = time.perf_counter()
        inserted, updated = conn.exec_driver_sql(sql).one()
        summary.tables[table] = TableChange(inserted=int(inserted), updated=int(updated))
        _log_step(table, inserted, updated, step_started)
        progress("derive", done, 5)
    bulk_steps = (
        ("orders", statements.INSERT_ORDERS_BULK, statements.INSERT_ORDERS),
        ("order_items", statements.INSERT_ITEMS_BULK, statements.INSERT_ITEMS),
    )
    for done, (table, bulk_sql, upsert_sql) in enumerate(bulk_steps, start=4):
        step_started = time.perf_counter()
        inserted = bulk.insert_rows(conn, table, bulk_sql=bulk_sql, upsert_sql=upsert_sql)
        summary.tables[table] = TableChange(inserted=inserted)
        _log_step(table, inserted, 0, step_started)
        progress("derive", done, 5)
    counts = conn.exec_driver_sql(statements.TABLE_COUNTS).one()
    for table, count in zip(TABLES, counts, strict=True):
        summary.tables[table].total_after = int(count)


def _log_step(table: str, inserted: int, updated: int, started: float) -> None:
    log.info(
        "%s: %s inserted, %s updated in %.2f s",
        table,
        inserted,
        updated,
        time.perf_counter() - started,
    )
