"""Sales per product as a rollup: product listings and `Product` sums without aggregating every
order item on each request.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27

A products page (REST `GET /products`, GraphQL `products`, and the `Product` sums a nested query
loads) summed all order items per product on every request: about 9 ms of PostgreSQL for a page
at 51,290 items, and it grows with the table. Per product the sums are one row each.

The protocol of revision 0002: `live_product_sales` is the definition, `mv_product_sales` its
materialized copy (refreshed with the other rollups) and `rollup_product_sales` reads the copy
while `rollup_state.fresh` and the live view otherwise, so the sums are exact at all times. A
filter on `product_id` reaches inside the live view's grouping (PostgreSQL pushes it down), so a
few products cost a few products' items even while the rollups are stale.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
        CREATE VIEW live_product_sales AS
        SELECT product_id,
               COALESCE(SUM(quantity), 0) AS units_sold,
               COALESCE(SUM(sales), 0.00) AS total_sales,
               COALESCE(SUM(profit), 0.00) AS total_profit,
               COUNT(*) AS item_count
        FROM order_items
        GROUP BY product_id
        """
    )
    op.execute("CREATE MATERIALIZED VIEW mv_product_sales AS TABLE live_product_sales")
    # The unique index lets REFRESH … CONCURRENTLY keep the view readable during a refresh.
    op.execute("CREATE UNIQUE INDEX uq_mv_product_sales ON mv_product_sales (product_id)")
    op.execute(
        "CREATE VIEW rollup_product_sales AS "
        "SELECT * FROM mv_product_sales WHERE rollups_fresh() "
        "UNION ALL SELECT * FROM live_product_sales WHERE NOT rollups_fresh()"
    )
    op.execute("ANALYZE mv_product_sales")


def downgrade() -> None:
    op.execute("DROP VIEW rollup_product_sales")
    op.execute("DROP MATERIALIZED VIEW mv_product_sales")
    op.execute("DROP VIEW live_product_sales")
