"""Customer counts per profile: the `totalCount` of a customers listing without a table scan.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27

A customers page (REST `GET /customers`, GraphQL `customers { totalCount }`) counts every customer
matching its filters, and its filters are equalities on gender, device type and login type. A
`count(*)` over the customers table cost about 1.3 ms of PostgreSQL CPU per page at 38,000
customers, more than the page's other statements together, and it grows with the table. The
counts per (gender, device type, login type) are a few dozen rows: any filter's count is a sum of
some of them.

Same freshness protocol as the rollups of revision 0002: `live_customer_counts` is the
definition and `mv_customer_counts` its materialized copy, refreshed with the others. There is no
`rollup_customer_counts`: while the rollups are stale, the listing counts its rows directly (a
`count(*)` with the filters costs less than the live view's grouping), see
`app.services.customers`.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
        CREATE VIEW live_customer_counts AS
        SELECT gender, device_type, login_type, COUNT(*) AS customer_count
        FROM customers
        GROUP BY gender, device_type, login_type
        """
    )
    op.execute("CREATE MATERIALIZED VIEW mv_customer_counts AS TABLE live_customer_counts")
    # A unique index lets REFRESH … CONCURRENTLY keep the view readable during a refresh. Its
    # columns may be NULL (no value in the CSV): a concurrent refresh then deletes and reinserts
    # such a row instead of matching it, still correct (NULLS NOT DISTINCT needs PostgreSQL 15).
    op.execute(
        "CREATE UNIQUE INDEX uq_mv_customer_counts "
        "ON mv_customer_counts (gender, device_type, login_type)"
    )
    op.execute("ANALYZE mv_customer_counts")


def downgrade() -> None:
    op.execute("DROP MATERIALIZED VIEW mv_customer_counts")
    op.execute("DROP VIEW live_customer_counts")
