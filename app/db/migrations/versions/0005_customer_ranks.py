"""Customers ranked by sales and by orders: sorted listings without aggregating every order.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27

`customers(orderBy: TOTAL_SALES_DESC | ORDER_COUNT_DESC)` summed every order and item per request
to sort the customers: 62 / 39 ms of PostgreSQL for one page at 51,290 rows. This rollup holds
every customer with its place in both orders (the listing's own ties: customers without orders
last, then the dataset id, then the internal id), indexed, so a page walks the index and stops.

Freshness as in revision 0002: `live_customer_ranks` is the definition (over the live customer
values) and `mv_customer_ranks` its materialized copy, refreshed with the other rollups (after
`mv_customer_value`, which it ranks by). There is no `rollup_customer_ranks` view: a UNION of both
sides cannot walk the index, so the listing reads `mv_customer_ranks` under `rollups_fresh()` and,
when that yields nothing (stale rollups, or a page past the end), sorts the live sums as before
(see `app.services.customers`).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The customer values (revenue and order count per customer with orders, revision 0002) of the
# live or the materialized side.
RANKS = """
    SELECT c.id, c.customer_id, c.gender, c.device_type, c.login_type, c.profile_as_of,
           row_number() OVER (ORDER BY v.revenue DESC NULLS LAST, c.customer_id, c.id)
               AS sales_rank,
           row_number() OVER (ORDER BY v.order_count DESC NULLS LAST, c.customer_id, c.id)
               AS orders_rank
    FROM customers AS c
    LEFT JOIN {customer_value} AS v ON v.id = c.id
"""


def upgrade() -> None:
    op.execute(
        "CREATE VIEW live_customer_ranks AS " + RANKS.format(customer_value="live_customer_value")
    )
    op.execute(
        "CREATE MATERIALIZED VIEW mv_customer_ranks AS "
        + RANKS.format(customer_value="mv_customer_value")
    )
    # The unique index lets REFRESH … CONCURRENTLY keep the view readable during a refresh.
    op.execute("CREATE UNIQUE INDEX uq_mv_customer_ranks ON mv_customer_ranks (id)")
    op.execute("CREATE INDEX ix_mv_customer_ranks_sales ON mv_customer_ranks (sales_rank)")
    op.execute("CREATE INDEX ix_mv_customer_ranks_orders ON mv_customer_ranks (orders_rank)")
    op.execute("ANALYZE mv_customer_ranks")


def downgrade() -> None:
    op.execute("DROP MATERIALIZED VIEW mv_customer_ranks")
    op.execute("DROP VIEW live_customer_ranks")
