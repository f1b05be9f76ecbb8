"""The rollups (materialized views from migrations 0002-0005), how they are kept fresh, and the
data version that HTTP caching keys on (migration 0006).

Freshness: any write to customers, products, orders or order_items clears `rollup_state.fresh`
(statement-level triggers, inside the writing transaction). While it is clear, the `rollup_*`
views that the insight SQL reads fall back to live aggregation over the base tables: answers are
always current, only slower. `refresh_rollups` recomputes the materialized views and sets the
flag again. The same triggers and every refresh increase `rollup_state.data_version`, so a
cached answer is reused only while nothing it was computed from has changed.

Who refreshes: not the loader by default (a refresh at 1 M rows costs about as much as the load
itself). `refresh_if_stale` is called by `python -m app serve` after it loads, every few seconds by
the app's background `RollupRefresher`, by `python -m app refresh-rollups`, and by the loader only
with `--refresh-rollups` (then in the load's own transaction). It locks the four tables in SHARE
mode first: a running load (SHARE ROW EXCLUSIVE) finishes before the refresh starts, and no load can
commit between the refresh and its "fresh" mark, so the flag never vouches for older data.
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

# Refresh order matters: each view after the views it is computed from (migration 0002).
MATERIALIZED_VIEWS = (
    "mv_order_totals",
    "mv_daily_product_sales",
    "mv_daily_category_orders",
    "mv_discount_levels",
    "mv_daily_orders",
    "mv_payment_orders",
    "mv_customer_value",
    "mv_customer_segments",
    "mv_customer_value_top",
    "mv_customer_value_distribution",
    "mv_customer_counts",  # revision 0003: the customers listing's counts
    "mv_product_sales",  # revision 0004: sums per product
    "mv_customer_ranks",  # revision 0005, after mv_customer_value (it ranks by it)
)


def refresh_rollups(connection: Connection, *, concurrently: bool = True) -> None:
    """Recompute every rollup and mark them fresh, in `connection`'s current transaction.

    `concurrently` (the default) keeps the views readable while they are recomputed (readers see
    the previous contents until commit); without it the refresh is faster on a first load but
    blocks readers of the views until the transaction ends. The caller commits.
    """
    mode = "CONCURRENTLY " if concurrently else ""
    for view in MATERIALIZED_VIEWS:  # names from the constant above, never from input
        started = time.perf_counter()
        connection.exec_driver_sql(f"REFRESH MATERIALIZED VIEW {mode}{view}")
        log.debug("refreshed %s in %.2f s", view, time.perf_counter() - started)
    connection.exec_driver_sql(f"ANALYZE {', '.join(MATERIALIZED_VIEWS)}")
    mark_rollups_fresh(connection)


def mark_rollups_fresh(connection: Connection) -> None:
    """Declare the rollups current (after a refresh, or a load that changed no row); the data
    version grows with them."""
    connection.execute(
        text(
            "UPDATE rollup_state "
            "SET fresh = true, refreshed_at = now(), data_version = data_version + 1"
        )
    )


def restore_data_version(connection: Connection, version: int) -> None:
    """Put back the data version a transaction found (one that wrote no row after all: its
    statements' triggers increased it), so every answer keeps its ETag and cache entries."""
    connection.execute(text("UPDATE rollup_state SET data_version = :v"), {"v": version})


def data_version(connection: Connection) -> int:
    """The data version (migration 0006): grows whenever what the API answers may change."""
    return int(connection.execute(text("SELECT data_version FROM rollup_state")).scalar_one())


def rollups_fresh(connection: Connection) -> bool:
    """Whether the insights currently read the materialized rollups (else live aggregation)."""
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
