"""The rollups (summary tables, migration 0007), how they are kept fresh, and the data version
that HTTP caching keys on (migration 0006).

Freshness: any write to customers, products, orders or order_items clears `rollup_state.fresh`
(statement-level triggers, inside the writing transaction). While it is clear, the `rollup_*`
views that the insight SQL reads fall back to live aggregation over the base tables: answers are
always current, only slower. The same triggers and every refresh increase
`rollup_state.data_version`, so a cached answer is reused only while nothing it was computed
from has changed.

Who keeps them fresh: a later load, in its own transaction, from the rows it inserted
(loader/rollups.py), so such a load never leaves them stale. A first load, and writes made
outside the loader, do; `refresh_if_stale` then recomputes them in full: every few seconds from
the app's background `RollupRefresher`, by `python -m app serve` before it serves, by `python -m
app refresh-rollups` (the loader's `--refresh-rollups` recomputes inside the load). It locks the
four tables in SHARE mode first: a running load (SHARE ROW EXCLUSIVE) finishes before the
recompute starts, and no load can commit between the recompute and its "fresh" mark, so the flag
never vouches for older data.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from app.db.engine import get_engine

log = logging.getLogger(__name__)

# Every summary table (migration 0007) with the relation a full recompute fills it from, in
# refresh order: each after the summaries its `fill_*` view reads.
SUMMARIES: dict[str, str] = {
    "summary_order_totals": "live_order_totals",
    "summary_daily_product_sales": "live_daily_product_sales",
    "summary_daily_category_orders": "live_daily_category_orders",
    "summary_discount_levels": "live_discount_levels",
    "summary_daily_orders": "fill_daily_orders",
    "summary_payment_orders": "fill_payment_orders",
    "summary_customer_value": "fill_customer_value",
    "summary_customer_segments": "fill_customer_segments",
    "summary_customer_value_top": "fill_customer_value_top",
    "summary_customer_value_distribution": "fill_customer_value_distribution",
    "summary_customer_counts": "live_customer_counts",  # the customers listing's counts
    "summary_product_sales": "live_product_sales",  # sums per product
    "summary_customer_ranks": "fill_customer_ranks",  # after customer_value: it ranks by it
}


def recompute_summaries(connection: Connection, names: tuple[str, ...], *, truncate: bool) -> None:
    """Replace the contents of the summary tables `names` (keys of SUMMARIES, in that order)
    with a full recompute, in `connection`'s current transaction.

    DELETE keeps them readable meanwhile (readers see the old rows until commit); `truncate` is
    faster but blocks their readers until the transaction ends: only for a first load, which
    holds the base tables exclusively anyway.
    """
    for name in names:  # names from the constant above, never from input
        started = time.perf_counter()
        connection.exec_driver_sql(f"TRUNCATE {name}" if truncate else f"DELETE FROM {name}")
        connection.exec_driver_sql(f"INSERT INTO {name} SELECT * FROM {SUMMARIES[name]}")
        log.debug("recomputed %s in %.2f s", name, time.perf_counter() - started)
    connection.exec_driver_sql(f"ANALYZE {', '.join(names)}")


def refresh_rollups(connection: Connection, *, concurrently: bool = True) -> None:
    """Recompute every rollup and mark them fresh, in `connection`'s current transaction.

    `concurrently` (the default) keeps the summaries readable while they are recomputed (readers
    see the previous contents until commit); without it the recompute is faster but blocks
    readers of the summaries until the transaction ends. The caller commits.
    """
    # As the loader's own setting, for the rest of this transaction: the per-order totals hash
    # millions of orders (at 5 M rows, 22 s with it against 35 s with the default 4 MB). One
    # recompute runs at a time (the loader's lock, the refresher's advisory lock).
    connection.exec_driver_sql("SET LOCAL work_mem = '256MB'")
    recompute_summaries(connection, tuple(SUMMARIES), truncate=not concurrently)
    mark_rollups_fresh(connection)


# One step of the data version per transaction: a load's writes have already taken it (their
# triggers, migration 0006); a refresh on its own takes it here.
_MARK_FRESH = """
UPDATE rollup_state
   SET fresh = true,
       refreshed_at = now(),
       data_version = data_version
           + CASE WHEN data_changed_by = pg_current_xact_id()::text::bigint THEN 0 ELSE 1 END,
       data_changed_by = pg_current_xact_id()::text::bigint
"""


def mark_rollups_fresh(connection: Connection) -> None:
    """Declare the rollups current (after a refresh, or a load that brought them up to its rows);
    the data version grows with them, once per transaction."""
    connection.execute(text(_MARK_FRESH))


def restore_data_version(connection: Connection, version: int) -> None:
    """Put back the data version a transaction found (one that wrote no row after all: its
    statements' triggers increased it), so every answer keeps its ETag and cache entries."""
    connection.execute(text("UPDATE rollup_state SET data_version = :v"), {"v": version})


def data_version(connection: Connection) -> int:
    """The data version (migration 0006): grows whenever what the API answers may change."""
    return int(connection.execute(text("SELECT data_version FROM rollup_state")).scalar_one())


def rollups_fresh(connection: Connection) -> bool:
    """Whether the insights currently read the summary tables (else live aggregation)."""
    return bool(connection.execute(text("SELECT rollups_fresh()")).scalar_one())


# Waits for a running load to commit, then keeps loads out until this refresh commits. SHARE does
# not conflict with itself, so two refreshers are kept apart by the advisory lock instead.
LOCK_FOR_REFRESH = "LOCK TABLE customers, products, orders, order_items IN SHARE MODE"
# pg_try_advisory_xact_lock key: "rollups" in ASCII, fixed so every process agrees on it.
REFRESH_LOCK_KEY = 0x726F6C6C757073
# insufficient_privilege, read_only_sql_transaction: a role that may read but not refresh.
MAY_NOT_REFRESH = {"42501", "25006"}


def refresh_if_stale(engine: Engine) -> float | None:
    """Refresh the rollups if a write made them stale, in a transaction of its own.

    Returns the seconds spent refreshing, or None when they were fresh already or another process
    is refreshing them right now. Uses CONCURRENTLY, so the API's readers are never blocked.
    """
    with engine.begin() as conn:
        if rollups_fresh(conn):
            return None
        conn.exec_driver_sql("SET LOCAL statement_timeout = 0")  # the wait for a load included
        conn.exec_driver_sql("SET LOCAL lock_timeout = 0")
        if not conn.execute(
            text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": REFRESH_LOCK_KEY}
        ).scalar_one():
            return None
        conn.exec_driver_sql(LOCK_FOR_REFRESH)
        if rollups_fresh(conn):  # a load that changed nothing, or a refresh, committed meanwhile
            return None
        started = time.perf_counter()
        refresh_rollups(conn, concurrently=True)
    seconds = time.perf_counter() - started
    log.info("insight rollups refreshed in %.2f s", seconds)
    return seconds


def is_permission_error(exc: DBAPIError) -> bool:
    return getattr(exc.orig, "pgcode", None) in MAY_NOT_REFRESH


class RollupRefresher:
    """The app's background task: every `interval_s`, refresh the rollups if they are stale.

    The first check runs at start-up. Database errors are logged (once per outage) and retried at
    the next tick; a role that may not refresh (the read-only API role) stops the task with one
    warning: insights then stay correct through the live views, and the owner role refreshes with
    `python -m app refresh-rollups`.
    """

    def __init__(self, interval_s: float, engine: Engine | None = None) -> None:
        self.interval_s = interval_s
        self._engine = engine
        self._task: asyncio.Task[None] | None = None
        self.refreshes = 0

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="rollup-refresher")

    async def stop(self) -> None:
        if self._task is None:
            return
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None

    async def _run(self) -> None:
        failing = False
        while True:
            try:
                engine = self._engine or get_engine()
                if await asyncio.to_thread(refresh_if_stale, engine) is not None:
                    self.refreshes += 1
                failing = False
            except DBAPIError as exc:
                if is_permission_error(exc):
                    log.warning(
                        "this database role may not refresh the insight rollups; insights answer "
                        "from live aggregation until the owner runs `python -m app refresh-rollups`"
                    )
                    return
                if not failing:
                    log.warning("rollup refresh check failed (will retry): %s", exc.orig)
                failing = True
            except Exception:  # a bug must not kill the task silently, nor the app
                log.exception("rollup refresh check failed (will retry)")
            await asyncio.sleep(self.interval_s)
