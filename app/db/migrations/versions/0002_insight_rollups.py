"""Insight rollups: small pre-aggregated materialized views, with a live fallback while stale.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27

Plain aggregates over a million order items take several hundred milliseconds; the insights read
these rollups instead (a few thousand rows at most). Each rollup has three relations:

- `live_<name>`: a plain view, the rollup's one definition, computed from the base tables;
- `mv_<name>`: `SELECT * FROM live_<name>`, materialized (refreshed by
  `app.services.rollups.refresh_rollups`, which the loader calls at the end of a load);
- `rollup_<name>`: what the insight SQL reads. It is the materialized view while
  `rollup_state.fresh`, else the live view, so answers are always correct, only slower when stale.

Statement-level triggers on the four base tables clear `rollup_state.fresh` on any write
(INSERT, UPDATE, DELETE, TRUNCATE) in the writing transaction; a refresh in the same transaction
sets it back, so readers never see stale rollups as fresh.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BASE_TABLES = ("customers", "products", "orders", "order_items")

# name -> (definition over the base tables, unique key columns)
ROLLUPS: dict[str, tuple[str, str]] = {
    # One row per order with its items' totals: the base of the order-level rollups below,
    # so the million-row join of orders and items is computed once per refresh.
    "order_totals": (
        """
        SELECT o.id, o.customer_id, o.order_date, o.payment_method, o.order_priority,
               COALESCE(i.item_count, 0) AS item_count,
               i.quantity, i.sales, i.profit, i.shipping_cost
        FROM orders AS o
        LEFT JOIN (
            SELECT order_id,
                   COUNT(*) AS item_count,
                   SUM(quantity) AS quantity,
                   SUM(sales) AS sales,
                   SUM(profit) AS profit,
                   SUM(shipping_cost) AS shipping_cost
            FROM order_items
            GROUP BY order_id
        ) AS i ON i.order_id = o.id
        """,
        "id",
    ),
    # Items per order date and product: top products, top categories, profit margins.
    "daily_product_sales": (
        """
        SELECT o.order_date, oi.product_id,
               COUNT(*) AS item_count,
               SUM(oi.quantity) AS quantity,
               SUM(oi.sales) AS sales,
               SUM(oi.profit) AS profit,
               SUM(oi.shipping_cost) AS shipping_cost
        FROM order_items AS oi
        JOIN orders AS o ON o.id = oi.order_id
        GROUP BY o.order_date, oi.product_id
        """,
        "order_date, product_id",
    ),
    # Per order date and category: orders holding an item of the category, and those items.
    # Orders are counted from the distinct (category, date, order) triples, a hash of small keys:
    # cheaper than COUNT(DISTINCT …), which sorts, or a million groups of numeric sums.
    "daily_category_orders": (
        """
        SELECT s.product_category, s.order_date, d.order_count,
               s.item_count, s.quantity, s.sales, s.profit, s.shipping_cost
        FROM (
            SELECT p.product_category, o.order_date,
                   COUNT(*) AS item_count,
                   SUM(oi.quantity) AS quantity,
                   SUM(oi.sales) AS sales,
                   SUM(oi.profit) AS profit,
                   SUM(oi.shipping_cost) AS shipping_cost
            FROM order_items AS oi
            JOIN orders AS o ON o.id = oi.order_id
            JOIN products AS p ON p.id = oi.product_id
            GROUP BY p.product_category, o.order_date
        ) AS s
        JOIN (
            SELECT product_category, order_date, COUNT(*) AS order_count
            FROM (
                SELECT DISTINCT p.product_category, o.order_date, oi.order_id
                FROM order_items AS oi
                JOIN orders AS o ON o.id = oi.order_id
                JOIN products AS p ON p.id = oi.product_id
            ) AS triples
            GROUP BY product_category, order_date
        ) AS d USING (product_category, order_date)
        """,
        "product_category, order_date",
    ),
    # Items per discount level (NULL = not recorded), with the sums a correlation needs.
    # Orders are counted from the distinct (discount, order) pairs, as above.
    "discount_levels": (
        """
        SELECT s.discount, s.item_count, d.order_count,
               s.quantity_count, s.quantity_sum, s.quantity_sq_sum,
               s.sales_count, s.sales_sum, s.sales_sq_sum, s.profit_count, s.profit_sum
        FROM (
            SELECT oi.discount,
                   COUNT(*) AS item_count,
                   COUNT(oi.quantity) AS quantity_count,
                   SUM(oi.quantity) AS quantity_sum,
                   SUM(CAST(oi.quantity AS numeric) * oi.quantity) AS quantity_sq_sum,
                   COUNT(oi.sales) AS sales_count,
                   SUM(oi.sales) AS sales_sum,
                   SUM(oi.sales * oi.sales) AS sales_sq_sum,
                   COUNT(oi.profit) AS profit_count,
                   SUM(oi.profit) AS profit_sum
            FROM order_items AS oi
            GROUP BY oi.discount
        ) AS s
        JOIN (
            SELECT discount, COUNT(*) AS order_count
            FROM (SELECT DISTINCT discount, order_id FROM order_items) AS pairs
            GROUP BY discount
        ) AS d ON d.discount IS NOT DISTINCT FROM s.discount
        """,
        "discount",
    ),
}

# Rollups of other rollups, in refresh order. `{order_totals}` and `{customer_value}` name
# `mv_…` in the materialized view (refreshed after its source) and `live_…` in the live view.
DERIVED: dict[str, tuple[str, str]] = {
    # Orders and their items per order date: revenue, revenue trend (all categories).
    "daily_orders": (
        """
        SELECT t.order_date,
               COUNT(*) AS order_count,
               SUM(t.item_count)::bigint AS item_count,
               SUM(t.quantity) AS quantity,
               SUM(t.sales) AS sales,
               SUM(t.profit) AS profit,
               SUM(t.shipping_cost) AS shipping_cost
        FROM {order_totals} AS t
        GROUP BY t.order_date
        """,
        "order_date",
    ),
    # Orders per payment method (NULL = not recorded): order summary, payment-method mix.
    # Customers are counted from the distinct (method, customer) pairs: a hash, not a sort.
    "payment_orders": (
        """
        SELECT s.payment_method, s.order_count, d.customer_count, s.item_count,
               s.orders_with_quantity, s.quantity, s.sales, s.profit, s.high_or_critical_orders
        FROM (
            SELECT t.payment_method,
                   COUNT(*) AS order_count,
                   SUM(t.item_count)::bigint AS item_count,
                   COUNT(t.quantity) AS orders_with_quantity,
                   SUM(t.quantity) AS quantity,
                   SUM(t.sales) AS sales,
                   SUM(t.profit) AS profit,
                   COUNT(*) FILTER (WHERE t.order_priority IN ('High', 'Critical'))
                       AS high_or_critical_orders
            FROM {order_totals} AS t
            GROUP BY t.payment_method
        ) AS s
        JOIN (
            SELECT payment_method, COUNT(*) AS customer_count
            FROM (SELECT DISTINCT payment_method, customer_id FROM {order_totals}) AS pairs
            GROUP BY payment_method
        ) AS d ON d.payment_method IS NOT DISTINCT FROM s.payment_method
        """,
        "payment_method",
    ),
    # One row per customer with orders: lifetime value, purchase behaviour by device / login.
    "customer_value": (
        """
        SELECT c.id, c.customer_id, v.order_count, v.item_count, v.revenue, v.profit,
               v.first_order_date, v.last_order_date
        FROM (
            SELECT t.customer_id,
                   COUNT(*) AS order_count,
                   SUM(t.item_count)::bigint AS item_count,
                   COALESCE(SUM(t.sales), 0) AS revenue,
                   COALESCE(SUM(t.profit), 0) AS profit,
                   MIN(t.order_date) AS first_order_date,
                   MAX(t.order_date) AS last_order_date
            FROM {order_totals} AS t
            GROUP BY t.customer_id
        ) AS v
        JOIN customers AS c ON c.id = v.customer_id
        """,
        "id",
    ),
    # Customers per (device type, login type), with their orders and revenue: 15 rows or so.
    "customer_segments": (
        """
        SELECT c.device_type, c.login_type,
               COUNT(*) AS customer_count,
               COALESCE(SUM(v.order_count), 0) AS order_count,
               COALESCE(SUM(v.revenue), 0) AS revenue
        FROM customers AS c
        LEFT JOIN {customer_value} AS v ON v.id = c.id
        GROUP BY c.device_type, c.login_type
        """,
        "device_type, login_type",
    ),
    # The 100 best customers by revenue (ties: the dataset's customer id).
    "customer_value_top": (
        """
        SELECT row_number() OVER (ORDER BY v.revenue DESC, v.customer_id) AS rank, v.*
        FROM {customer_value} AS v
        ORDER BY v.revenue DESC, v.customer_id
        LIMIT 100
        """,
        "rank",
    ),
    # One row: how revenue is distributed over customers (percentile_disc: observed amounts).
    "customer_value_distribution": (
        """
        SELECT
            true AS singleton,
            COUNT(*) AS customer_count,
            AVG(v.revenue) AS mean_revenue,
            MIN(v.revenue) AS min_revenue,
            MAX(v.revenue) AS max_revenue,
            percentile_disc(ARRAY[0.25, 0.5, 0.75, 0.9, 0.99]) WITHIN GROUP (ORDER BY v.revenue)
                AS revenue_percentiles,
            AVG(v.order_count) AS mean_orders
        FROM {customer_value} AS v
        """,
        "singleton",
    ),
}

# Not inlinable (plpgsql) and STABLE: each branch's test becomes a one-time filter, so only one
# branch of a `rollup_*` view ever runs.
FRESH_FUNCTION = """
CREATE FUNCTION rollups_fresh() RETURNS boolean LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN COALESCE((SELECT fresh FROM rollup_state), false);
END
$$
"""


def upgrade() -> None:
    op.create_table(
        "rollup_state",
        sa.Column("singleton", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("fresh", sa.Boolean(), nullable=False),
        sa.Column("refreshed_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("singleton", name="pk_rollup_state"),
        sa.CheckConstraint("singleton", name="ck_rollup_state_one_row"),
    )
    op.execute("INSERT INTO rollup_state (fresh, refreshed_at) VALUES (true, now())")
    op.execute(
        """
        CREATE FUNCTION mark_rollups_stale() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE rollup_state SET fresh = false WHERE fresh;
            RETURN NULL;
        END
        $$
        """
    )
    for table in BASE_TABLES:
        op.execute(
            f"CREATE TRIGGER trg_{table}_rollups_stale "
            f"AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION mark_rollups_stale()"
        )
    op.execute(FRESH_FUNCTION)
    for name, (definition, key) in ROLLUPS.items():
        op.execute(f"CREATE VIEW live_{name} AS {definition}")
        # WITH DATA: populated (and so fresh) even when migrating an already loaded database.
        _materialize(name, f"SELECT * FROM live_{name}", key)
    for name, (template, key) in DERIVED.items():
        live = template.format(
            order_totals="live_order_totals", customer_value="live_customer_value"
        )
        op.execute(f"CREATE VIEW live_{name} AS {live}")
        mv = template.format(order_totals="mv_order_totals", customer_value="mv_customer_value")
        _materialize(name, mv, key)
    for name in (*ROLLUPS, *DERIVED):
        op.execute(f"ANALYZE mv_{name}")


def _materialize(name: str, query: str, key: str) -> None:
    op.execute(f"CREATE MATERIALIZED VIEW mv_{name} AS {query} WITH DATA")
    # A unique index lets REFRESH … CONCURRENTLY keep the view readable during a refresh.
    op.execute(f"CREATE UNIQUE INDEX uq_mv_{name} ON mv_{name} ({key})")
    op.execute(
        f"CREATE VIEW rollup_{name} AS "
        f"SELECT * FROM mv_{name} WHERE rollups_fresh() "
        f"UNION ALL SELECT * FROM live_{name} WHERE NOT rollups_fresh()"
    )


def downgrade() -> None:
    for name in (*reversed(DERIVED), *reversed(ROLLUPS)):
        op.execute(f"DROP VIEW rollup_{name}")
        op.execute(f"DROP MATERIALIZED VIEW mv_{name}")
        op.execute(f"DROP VIEW live_{name}")
    for table in BASE_TABLES:
        op.execute(f"DROP TRIGGER trg_{table}_rollups_stale ON {table}")
    op.execute("DROP FUNCTION rollups_fresh()")
    op.execute("DROP FUNCTION mark_rollups_stale()")
    op.execute("DROP TABLE rollup_state")
