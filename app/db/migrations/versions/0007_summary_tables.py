"""Rollups as summary tables a load updates from its own rows, instead of materialized views.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04

A materialized view can only be recomputed in full: at 5.1 M rows that took over two minutes after
every load, and the insights answered from live aggregation meanwhile (slower than the statement
timeout at that size). Each `mv_<name>` becomes a plain table `summary_<name>` with the same
columns, contents and unique key. The loader updates them in its own transaction from the rows
it inserted (loader/rollups.py), so a load commits its rows and their summaries together; a full
recompute (`app.services.rollups.refresh_rollups`) remains for the first load and for writes made
outside the loader.

- `live_<name>` (revisions 0002-0005) stays the definition over the base tables;
- `fill_<name>` is what a full recompute inserts: the materialized view's own query, with its
  sources re-pointed from `mv_order_totals` / `mv_customer_value` to their summary tables (the
  rollups computed from other rollups), else `live_<name>`;
- `rollup_<name>` reads the summary table while `rollup_state.fresh`, the live view otherwise.

`rollup_sum_add(stored, added, removed)` adds to a stored SUM the way SUM itself would: NULL until
some value is not NULL.
"""

import re
from collections.abc import Sequence

from alembic import op
from sqlalchemy import text

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# In refresh order; name -> (unique key, has a `rollup_<name>` view, computed from other rollups)
SUMMARIES: dict[str, tuple[str, bool, bool]] = {
    "order_totals": ("id", True, False),
    "daily_product_sales": ("order_date, product_id", True, False),
    "daily_category_orders": ("product_category, order_date", True, False),
    "discount_levels": ("discount", True, False),
    "daily_orders": ("order_date", True, True),
    "payment_orders": ("payment_method", True, True),
    "customer_value": ("id", True, True),
    "customer_segments": ("device_type, login_type", True, True),
    "customer_value_top": ("rank", True, True),
    "customer_value_distribution": ("singleton", True, True),
    "customer_counts": ("gender, device_type, login_type", False, False),
    "product_sales": ("product_id", True, False),
    "customer_ranks": ("id", False, True),
}
SOURCES = ("order_totals", "customer_value")  # the rollups others are computed from

SUM_ADD = """
CREATE FUNCTION rollup_sum_add(stored numeric, added numeric, removed numeric)
RETURNS numeric LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN stored IS NULL AND added IS NULL THEN NULL
                ELSE COALESCE(stored, 0) + COALESCE(added, 0) - COALESCE(removed, 0) END
$$
"""


def _repoint(definition: str, old: str, new: str) -> str:
    """`definition` with the source rollups' relation names changed from `old_…` to `new_…`."""
    for source in SOURCES:
        definition = re.sub(rf"\b{old}_{source}\b", f"{new}_{source}", definition)
    return definition


def _definition(relation: str) -> str:
    bind = op.get_bind()
    return str(
        bind.execute(text("SELECT pg_get_viewdef(CAST(:r AS regclass))"), {"r": relation}).scalar()
    )


def _rollup_view(name: str, stored: str) -> None:
    op.execute(
        f"CREATE VIEW rollup_{name} AS "
        f"SELECT * FROM {stored}_{name} WHERE rollups_fresh() "
        f"UNION ALL SELECT * FROM live_{name} WHERE NOT rollups_fresh()"
    )


def upgrade() -> None:
    op.execute(SUM_ADD)
    fills = {
        name: _repoint(_definition(f"mv_{name}"), "mv", "summary").rstrip().rstrip(";")
        for name, (_, _, derived) in SUMMARIES.items()
        if derived
    }
    for name, (key, _, _) in SUMMARIES.items():
        op.execute(f"CREATE TABLE summary_{name} AS TABLE mv_{name}")
        op.execute(f"CREATE UNIQUE INDEX uq_summary_{name} ON summary_{name} ({key})")
    for name, (_, has_view, _) in reversed(SUMMARIES.items()):
        if has_view:
            op.execute(f"DROP VIEW rollup_{name}")
        op.execute(f"DROP MATERIALIZED VIEW mv_{name}")
    for name, (_, has_view, _) in SUMMARIES.items():
        if has_view:
            _rollup_view(name, "summary")
        if name in fills:
            op.execute(f"CREATE VIEW fill_{name} AS {fills[name]}")
    op.execute(
        "CREATE INDEX ix_summary_customer_ranks_sales ON summary_customer_ranks (sales_rank)"
    )
    op.execute(
        "CREATE INDEX ix_summary_customer_ranks_orders ON summary_customer_ranks (orders_rank)"
    )
    op.execute(f"ANALYZE {', '.join(f'summary_{name}' for name in SUMMARIES)}")


def downgrade() -> None:
    definitions = {
        name: _repoint(_definition(f"fill_{name}"), "summary", "mv").rstrip().rstrip(";")
        for name, (_, _, derived) in SUMMARIES.items()
        if derived
    }
    for name, (_, has_view, _) in reversed(SUMMARIES.items()):
        if has_view:
            op.execute(f"DROP VIEW rollup_{name}")
        if name in definitions:
            op.execute(f"DROP VIEW fill_{name}")
    for name, (key, _, _) in SUMMARIES.items():
        query = definitions.get(name, f"SELECT * FROM live_{name}")
        op.execute(f"CREATE MATERIALIZED VIEW mv_{name} AS {query} WITH DATA")
        op.execute(f"CREATE UNIQUE INDEX uq_mv_{name} ON mv_{name} ({key})")
        if SUMMARIES[name][1]:
            _rollup_view(name, "mv")
    for name in reversed(SUMMARIES):
        op.execute(f"DROP TABLE summary_{name}")
    op.execute("CREATE INDEX ix_mv_customer_ranks_sales ON mv_customer_ranks (sales_rank)")
    op.execute("CREATE INDEX ix_mv_customer_ranks_orders ON mv_customer_ranks (orders_rank)")
    op.execute("DROP FUNCTION rollup_sum_add(numeric, numeric, numeric)")
