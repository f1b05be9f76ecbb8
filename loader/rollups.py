"""The insight rollups (summary tables, migration 0007) kept current inside the load's transaction,
so a load commits its rows and their summaries together and the insights never fall back to live
aggregation because of a load.

- Later loads, rollups fresh before: each summary is updated from the rows this load inserted
  (`load_new_orders`, `load_new_items`, loader/bulk.py), so the cost follows the load, not the
  database. Sums and counts add; an order that gains items has its old totals subtracted and its
  new ones added; a distinct count (orders per category and day, orders per discount, customers
  per payment method) counts a key only if no row stored before this load already had it. The
  per-customer rollups that rank or group every customer (segments, top 100, distribution,
  profile counts, ranks) are recomputed from the customer summary: their size is the number of
  customers, which a load's profile changes can move between groups.
- `--refresh-rollups`: one full recompute. (A first load, or rollups a write outside the loader
  left stale, are left to the app's refresher: see loader/load.py.)

The result equals the live definitions row for row (tests/loader/test_incremental_rollups.py).
"""

from __future__ import annotations

import logging
import time

from sqlalchemy import Connection

from app.services.rollups import mark_rollups_fresh, recompute_summaries, refresh_rollups

log = logging.getLogger(__name__)

# Orders this load touched (new, or given new items) with their totals after the load and, for
# orders stored before it, the totals the summary holds for them (NULL for new orders).
TOUCHED_ORDERS = """
CREATE TEMP TABLE load_touched_orders ON COMMIT DROP AS
SELECT o.id, o.customer_id, o.order_date, o.payment_method, o.order_priority,
       b.id IS NULL AS is_new,
       a.item_count, a.quantity, a.sales, a.profit, a.shipping_cost,
       b.item_count AS item_count_before, b.quantity AS quantity_before,
       b.sales AS sales_before, b.profit AS profit_before,
       b.shipping_cost AS shipping_cost_before
FROM (SELECT order_id AS id FROM load_new_items UNION SELECT id FROM load_new_orders) AS t
JOIN orders AS o ON o.id = t.id
CROSS JOIN LATERAL (
    SELECT count(*) AS item_count, sum(i.quantity) AS quantity, sum(i.sales) AS sales,
           sum(i.profit) AS profit, sum(i.shipping_cost) AS shipping_cost
    FROM order_items AS i
    WHERE i.order_id = o.id
) AS a
LEFT JOIN summary_order_totals AS b ON b.id = o.id
"""

ORDER_TOTALS = (
    "DELETE FROM summary_order_totals AS s USING load_touched_orders AS t "
    "WHERE s.id = t.id AND NOT t.is_new",
    """
    INSERT INTO summary_order_totals (id, customer_id, order_date, payment_method,
        order_priority, item_count, quantity, sales, profit, shipping_cost)
    SELECT id, customer_id, order_date, payment_method, order_priority,
           item_count, quantity, sales, profit, shipping_cost
    FROM load_touched_orders
    """,
)

# The new items with their order's date and product's category.
_NEW_ITEMS = """
    FROM load_new_items AS n
    JOIN order_items AS i ON i.id = n.id
    JOIN orders AS o ON o.id = n.order_id
    JOIN products AS p ON p.id = i.product_id
"""


def _not_stored_before(match: str) -> str:
    """The new item's order is new, or none of its items stored before this load matches
    `match` (over `e`, its product `q`). The first test spares most items the second."""
    return f"""(EXISTS (SELECT 1 FROM load_new_orders AS m WHERE m.id = n.order_id)
        OR NOT EXISTS (
            SELECT 1 FROM order_items AS e JOIN products AS q ON q.id = e.product_id
            WHERE e.order_id = n.order_id AND {match}
              AND NOT EXISTS (SELECT 1 FROM load_new_items AS x WHERE x.id = e.id)))"""


def _sums_of_orders(*columns: str) -> str:
    return ", ".join(f"sum(t.{c}) AS {c}, sum(t.{c}_before) AS {c}_before" for c in columns)


def _sums_of_items(*columns: str) -> str:
    return ", ".join(f"sum(i.{c}) AS {c}" for c in columns)


ADD = "COALESCE({s}, 0) + d.{c}"  # a count, or a sum the definition COALESCEs
SUM = "rollup_sum_add({s}, d.{c}, NULL)"  # a SUM that stays NULL while every value is
SUM_OF_ORDERS = "rollup_sum_add({s}, d.{c}, d.{c}_before)"  # ... minus the orders' old totals

# summary table -> (key columns, those that may be NULL, delta query, column -> how it combines)
DELTAS: dict[str, tuple[tuple[str, ...], tuple[str, ...], str, dict[str, str]]] = {
    "summary_daily_orders": (
        ("order_date",),
        (),
        f"""
        SELECT t.order_date, count(*) FILTER (WHERE t.is_new) AS order_count,
               sum(t.item_count) - COALESCE(sum(t.item_count_before), 0) AS item_count,
               {_sums_of_orders("quantity", "sales", "profit", "shipping_cost")}
        FROM load_touched_orders AS t GROUP BY t.order_date
        """,
        {
            "order_count": ADD,
            "item_count": ADD,
            **dict.fromkeys(("quantity", "sales", "profit", "shipping_cost"), SUM_OF_ORDERS),
        },
    ),
    "summary_payment_orders": (
        ("payment_method",),
        ("payment_method",),
        f"""
        SELECT t.payment_method, count(*) FILTER (WHERE t.is_new) AS order_count,
               count(DISTINCT t.customer_id) FILTER (WHERE t.is_new AND NOT EXISTS (
                   SELECT 1 FROM orders AS o
                   WHERE o.customer_id = t.customer_id
                     AND o.payment_method IS NOT DISTINCT FROM t.payment_method
                     AND NOT EXISTS (SELECT 1 FROM load_new_orders AS n WHERE n.id = o.id)
               )) AS customer_count,
               sum(t.item_count) - COALESCE(sum(t.item_count_before), 0) AS item_count,
               count(t.quantity) - count(t.quantity_before) AS orders_with_quantity,
               {_sums_of_orders("quantity", "sales", "profit")},
               count(*) FILTER (WHERE t.is_new AND t.order_priority IN ('High', 'Critical'))
                   AS high_or_critical_orders
        FROM load_touched_orders AS t GROUP BY t.payment_method
        """,
        {
            **dict.fromkeys(
                ("order_count", "customer_count", "item_count", "orders_with_quantity"), ADD
            ),
            **dict.fromkeys(("quantity", "sales", "profit"), SUM_OF_ORDERS),
            "high_or_critical_orders": ADD,
        },
    ),
    "summary_customer_value": (
        ("id",),
        (),
        """
        SELECT t.customer_id AS id, c.customer_id,
               count(*) FILTER (WHERE t.is_new) AS order_count,
               sum(t.item_count) - COALESCE(sum(t.item_count_before), 0) AS item_count,
               COALESCE(sum(t.sales), 0) - COALESCE(sum(t.sales_before), 0) AS revenue,
               COALESCE(sum(t.profit), 0) - COALESCE(sum(t.profit_before), 0) AS profit,
               min(t.order_date) AS first_order_date, max(t.order_date) AS last_order_date
        FROM load_touched_orders AS t JOIN customers AS c ON c.id = t.customer_id
        GROUP BY t.customer_id, c.customer_id
        """,
        {
            "customer_id": "d.{c}",
            **dict.fromkeys(("order_count", "item_count", "revenue", "profit"), ADD),
            "first_order_date": "LEAST({s}, d.{c})",
            "last_order_date": "GREATEST({s}, d.{c})",
        },
    ),
    "summary_daily_product_sales": (
        ("order_date", "product_id"),
        (),
        f"""
        SELECT o.order_date, i.product_id, count(*) AS item_count,
               {_sums_of_items("quantity", "sales", "profit", "shipping_cost")}
        {_NEW_ITEMS} GROUP BY o.order_date, i.product_id
        """,
        {
            "item_count": ADD,
            **dict.fromkeys(("quantity", "sales", "profit", "shipping_cost"), SUM),
        },
    ),
    "summary_daily_category_orders": (
        ("product_category", "order_date"),
        (),
        f"""
        SELECT p.product_category, o.order_date,
               count(DISTINCT n.order_id) FILTER (
                   WHERE {_not_stored_before("q.product_category = p.product_category")}
               ) AS order_count,
               count(*) AS item_count,
               {_sums_of_items("quantity", "sales", "profit", "shipping_cost")}
        {_NEW_ITEMS} GROUP BY p.product_category, o.order_date
        """,
        {
            "order_count": ADD,
            "item_count": ADD,
            **dict.fromkeys(("quantity", "sales", "profit", "shipping_cost"), SUM),
        },
    ),
    "summary_discount_levels": (
        ("discount",),
        ("discount",),
        f"""
        SELECT i.discount, count(*) AS item_count,
               count(DISTINCT n.order_id) FILTER (
                   WHERE {_not_stored_before("e.discount IS NOT DISTINCT FROM i.discount")}
               ) AS order_count,
               count(i.quantity) AS quantity_count, sum(i.quantity) AS quantity_sum,
               sum(CAST(i.quantity AS numeric) * i.quantity) AS quantity_sq_sum,
               count(i.sales) AS sales_count, sum(i.sales) AS sales_sum,
               sum(i.sales * i.sales) AS sales_sq_sum,
               count(i.profit) AS profit_count, sum(i.profit) AS profit_sum
        {_NEW_ITEMS} GROUP BY i.discount
        """,
        {
            **dict.fromkeys(
                ("item_count", "order_count", "quantity_count", "sales_count", "profit_count"),
                ADD,
            ),
            **dict.fromkeys(
                ("quantity_sum", "quantity_sq_sum", "sales_sum", "sales_sq_sum", "profit_sum"),
                SUM,
            ),
        },
    ),
    "summary_product_sales": (
        ("product_id",),
        (),
        """
        SELECT i.product_id, COALESCE(sum(i.quantity), 0) AS units_sold,
               COALESCE(sum(i.sales), 0.00) AS total_sales,
               COALESCE(sum(i.profit), 0.00) AS total_profit, count(*) AS item_count
        FROM load_new_items AS n JOIN order_items AS i ON i.id = n.id
        GROUP BY i.product_id
        """,
        dict.fromkeys(("units_sold", "total_sales", "total_profit", "item_count"), ADD),
    ),
}

# Recomputed from summary_customer_value and customers (their size: the number of customers).
PER_CUSTOMER = (
    "summary_customer_segments",
    "summary_customer_value_top",
    "summary_customer_value_distribution",
    "summary_customer_counts",
    "summary_customer_ranks",
)


def upsert(
    table: str,
    keys: tuple[str, ...],
    nullable: tuple[str, ...],
    delta: str,
    columns: dict[str, str],
) -> str:
    """One statement: add each delta row to the stored row with its key, or insert it."""

    def match(alias: str) -> str:
        return " AND ".join(
            f"{alias}.{k} IS NOT DISTINCT FROM d.{k}" if k in nullable else f"{alias}.{k} = d.{k}"
            for k in keys
        )

    sets = ", ".join(f"{c} = {rule.format(s=f's.{c}', c=c)}" for c, rule in columns.items())
    values = ", ".join(
        (*(f"d.{k}" for k in keys), *(rule.format(s="NULL", c=c) for c, rule in columns.items()))
    )
    return f"""
    WITH d AS ({delta}),
    updated AS (
        UPDATE {table} AS s SET {sets} FROM d WHERE {match("s")}
        RETURNING {", ".join(f"s.{k}" for k in keys)}
    )
    INSERT INTO {table} ({", ".join((*keys, *columns))})
    SELECT {values} FROM d WHERE NOT EXISTS (SELECT 1 FROM updated AS u WHERE {match("u")})
    """


def update_rollups(connection: Connection, *, incremental: bool, first_load: bool) -> str:
    """Bring every rollup up to the load's rows and mark them fresh, in the load's transaction.
    Returns "updated" (from the load's rows) or "refreshed" (recomputed in full)."""
    started = time.perf_counter()
    if not incremental:
        refresh_rollups(connection, concurrently=not first_load)
        log.info("insight rollups recomputed in %.2f s", time.perf_counter() - started)
        return "refreshed"
    # Each statement below is small work the planner overestimates (correlated subqueries): JIT
    # compilation would cost more than running them (about 0.3 s per statement measured).
    connection.exec_driver_sql("SET LOCAL jit = off")
    # Statistics on the load's own rows: else the joins to the big tables are planned as scans.
    connection.exec_driver_sql("ANALYZE load_new_orders, load_new_items")
    connection.exec_driver_sql(TOUCHED_ORDERS)
    connection.exec_driver_sql("ANALYZE load_touched_orders")
    for statement in ORDER_TOTALS:
        connection.exec_driver_sql(statement)
    log.debug("order totals updated in %.2f s", time.perf_counter() - started)
    for table, (keys, nullable, delta, columns) in DELTAS.items():
        step_started = time.perf_counter()
        connection.exec_driver_sql(upsert(table, keys, nullable, delta, columns))
        log.debug("%s updated in %.2f s", table, time.perf_counter() - step_started)
    recompute_summaries(connection, PER_CUSTOMER, truncate=False)
    connection.exec_driver_sql(f"ANALYZE summary_order_totals, {', '.join(DELTAS)}")
    mark_rollups_fresh(connection)
    log.info(
        "insight rollups updated from the load's rows in %.2f s", time.perf_counter() - started
    )
    return "updated"
