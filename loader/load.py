"""Load a CSV into the four tables: COPY it into a staging table, check it (loader/stage.py), then
derive customers, products, orders and items with set-based SQL (loader/statements.py) — all in
one transaction, so a refused or failed load leaves the database exactly as it was."""

from __future__ import annotations

import csv
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import Connection, Engine

from app.config import get_settings
from app.db.migrate import upgrade_to_head
from app.services.rollups import (
    data_version,
    mark_rollups_fresh,
    restore_data_version,
    rollups_fresh,
)
from loader import bulk, rollups, stage, statements
from loader.read import COLUMNS, CsvFileError, RowError
from loader.source import resolve_source

log = logging.getLogger(__name__)

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
    # The primary's WAL position once the load committed: a replica that has replayed up to it
    # holds the load (`python -m loader --wait-for-replicas`).
    commit_lsn: str | None = None
    # "updated" (from the load's rows), "refreshed" (recomputed in full), "stale" (left to the
    # app's refresher) or "unchanged"
    rollups: str = "unchanged"


class LoadRefused(Exception):
    """Invalid rows were found and --skip-invalid was not given: nothing was loaded."""

    def __init__(self, summary: LoadSummary) -> None:
        self.summary = summary
        super().__init__(
            f"{summary.rows_rejected:,} of {summary.rows_read:,} rows are invalid "
            f"({summary.error_count:,} problems); nothing was loaded"
        )


ProgressCallback = Callable[[str, int, int | None], None]  # (step, done, total)


def _noop_progress(step: str, done: int, total: int | None) -> None:
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
    refresh_rollups: bool = False,
) -> LoadSummary:
    """Validate and load `source`. Raises LoadRefused (database untouched) on invalid rows unless
    `skip_invalid`, in which case valid rows load and invalid ones go to `rejected_report`.

    The insight rollups, when fresh, are brought up to the load's rows in this same transaction,
    from the rows it inserted (loader/rollups.py). A first load, or rollups already stale, leave
    them stale for the app's refresher (`python -m app refresh-rollups`); `refresh_rollups`
    recomputes them in full in this transaction instead."""
    started = time.perf_counter()
    settings = get_settings()
    path = resolve_source(
        source, default_path=Path(settings.ecommerce_csv), fallback_url=settings.dataset_url
    )
    summary = LoadSummary(source=str(source))
    upgrade_to_head(engine)

    report = _RejectedReport(rejected_report)

    def on_error(error: RowError, cells: list[str]) -> None:
        summary.error_count += 1
        if len(summary.errors) < MAX_ERRORS_KEPT:
            summary.errors.append(error)
        report.write(error, cells)

    try:
        with engine.begin() as conn:
            _prepare(conn)
            spellings = _stage(conn, path, summary, on_error, progress)
            if summary.rows_read == 0:
                raise CsvFileError("the file has a header but no data rows")
            if summary.rows_rejected and not skip_invalid:
                raise LoadRefused(summary)  # leaving the block rolls everything back
            _derive(conn, summary, spellings, progress, refresh_rollups)
        summary.committed = True
        with engine.connect() as conn:
            summary.commit_lsn = str(conn.exec_driver_sql(statements.CURRENT_WAL_LSN).scalar_one())
    finally:
        report.close()
        summary.rejected_report = rejected_report if summary.error_count else None
        summary.seconds = time.perf_counter() - started
    log.info(
        "loaded %s: %s rows read, %s rejected, in %.2f s",
        summary.source,
        summary.rows_read,
        summary.rows_rejected,
        summary.seconds,
    )
    return summary


def _prepare(conn: Connection) -> None:
    conn.exec_driver_sql("SET LOCAL statement_timeout = 0")
    # Sorts and hashes of a million staged rows fit in memory; temp tables get a large cache.
    conn.exec_driver_sql("SET LOCAL work_mem = '256MB'")
    conn.exec_driver_sql("SET LOCAL maintenance_work_mem = '512MB'")
    conn.exec_driver_sql(statements.LOCK_TABLES)


def _stage(
    conn: Connection,
    path: Path,
    summary: LoadSummary,
    on_error: Callable[[RowError, list[str]], None],
    progress: ProgressCallback,
) -> dict[str, statements.Spelling]:
    """COPY the file into raw_rows and find every invalid row (see loader/stage.py)."""
    started = time.perf_counter()
    side = stage.SideScan(conn.engine, path)  # half of the checks, on a second connection
    rows_read, badly_shaped, by_copy = stage.copy_into_raw(
        conn, path, on_error, lambda done, total: progress("read", done, total)
    )
    log.info("copied %s rows in %.2f s", rows_read, time.perf_counter() - started)
    started = time.perf_counter()
    bad_cells, spellings = stage.find_bad_cells(conn, on_error, side if by_copy else None)
    log.info("checked every distinct value in %.2f s", time.perf_counter() - started)
    summary.rows_read = rows_read
    summary.rows_rejected = badly_shaped + bad_cells
    summary.rows_loaded = rows_read - summary.rows_rejected
    return spellings


def _derive(
    conn: Connection,
    summary: LoadSummary,
    spellings: dict[str, statements.Spelling],
    progress: ProgressCallback,
    refresh: bool,
) -> None:
    rollups_were_fresh = rollups_fresh(conn)  # before any write below clears the flag
    version_before = data_version(conn)  # ... and before the writes' triggers increase it
    progress("derive", 0, 5)
    step_started = time.perf_counter()
    conn.exec_driver_sql(statements.sort_stage(spellings))
    conn.exec_driver_sql(statements.ANALYZE_STAGE)
    facts = conn.exec_driver_sql(statements.STAGE_FACTS).mappings().one()
    log.info("converted and sorted the valid rows in %.2f s", time.perf_counter() - step_started)
    row_range = (int(facts["_first_row"] or 0), int(facts["_last_row"] or -1))
    for key, value in facts.items():
        if key.startswith("_"):
            continue
        if key.startswith("blank "):
            if value:
                summary.blank_cells[key.removeprefix("blank ")] = int(value)
        else:
            summary.facts[key] = int(value)
    for done, (table, sql) in enumerate(
        (("customers", statements.UPSERT_CUSTOMERS), ("products", statements.INSERT_PRODUCTS)),
        start=1,
    ):
        step_started = time.perf_counter()
        inserted, updated = conn.exec_driver_sql(sql).one()
        summary.tables[table] = TableChange(inserted=int(inserted), updated=int(updated))
        _log_step(table, inserted, updated, step_started)
        progress("derive", done, 5)
    step_started = time.perf_counter()
    first_load = bulk.table_is_empty(conn, "orders") and bulk.table_is_empty(conn, "order_items")
    if first_load:
        orders, items = bulk.insert_fresh(conn, row_range)
    else:
        orders, items, conflicts = bulk.insert_more(conn)
        summary.facts["rows_clashing_with_stored_items"] = conflicts
        if conflicts:
            log.warning(
                "%s rows skipped: their order was loaded before with a different item at the "
                "same position (the stored item is kept)",
                conflicts,
            )
    summary.tables["orders"] = TableChange(inserted=orders)
    summary.tables["order_items"] = TableChange(inserted=items)
    _log_step("orders and order_items", orders + items, 0, step_started)
    progress("derive", 5, 5)
    step_started = time.perf_counter()
    progress("analyze", 0, None)
    # Fresh statistics, inside the transaction so they arrive with the rows: without them the
    # planner picks far slower plans for the API's first queries and a rollup refresh
    # (docs/loader.md).
    conn.exec_driver_sql(statements.ANALYZE_TABLES)
    log.info("statistics updated in %.2f s", time.perf_counter() - step_started)
    changed = any(change.inserted or change.updated for change in summary.tables.values())
    if not changed and rollups_were_fresh:
        # Nothing was written (the statements' triggers cleared the flag all the same): the
        # summaries computed before this load still hold.
        mark_rollups_fresh(conn)
    elif refresh or (rollups_were_fresh and not first_load):
        # In this same transaction, so readers switch to the new rows and their summaries at
        # once, and never see the rollups stale because of this load (loader/rollups.py).
        progress("rollups", 0, None)
        summary.rollups = rollups.update_rollups(
            conn, incremental=not refresh, first_load=first_load
        )
    else:
        # A first load, or rollups a write outside the loader left stale: only a full recompute
        # will do, about as long again as a first load itself, so it is left to the app.
        summary.rollups = "stale"
        log.info(
            "insight rollups left stale: the app recomputes them in the background (or run "
            "`python -m app refresh-rollups`); insights stay exact meanwhile"
        )
    if not changed:  # every answer given before this load still holds, and so do their ETags
        restore_data_version(conn, version_before)
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
