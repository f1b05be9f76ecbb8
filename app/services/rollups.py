"""The insight rollups (materialized views from migration 0002) and how they are kept fresh.

Freshness: any write to customers, products, orders or order_items clears `rollup_state.fresh`
(statement-level triggers, inside the writing transaction). While it is clear, the `rollup_*`
views that the insight SQL reads fall back to live aggregation over the base tables: answers are
always current, only slower. `refresh_rollups` recomputes the materialized views and sets the
flag again; the loader calls it at the end of each load, in the load's transaction, so readers
switch from the old data to the new data and its rollups at the same commit.
"""

from __future__ import annotations

import logging
import time

from sqlalchemy import Connection, text

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
    """Declare the rollups current (after a refresh, or a load that changed no row)."""
    connection.execute(text("UPDATE rollup_state SET fresh = true, refreshed_at = now()"))


def rollups_fresh(connection: Connection) -> bool:
    """Whether the insights currently read the materialized rollups (else live aggregation)."""
    return bool(connection.execute(text("SELECT rollups_fresh()")).scalar_one())
