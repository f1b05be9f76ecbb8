"""A data version: one number that changes whenever what the API answers may change.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04

HTTP caching (ETags, the in-process response cache, app/api/http_cache.py) needs to know, cheaply
and exactly, whether the data behind an answer changed. `rollup_state.data_version` is that
number: the statement triggers of revision 0002, which already fire on every write to customers,
products, orders or order_items, now also increase it, once per writing transaction
(`data_changed_by` remembers the transaction, so a load's many statements update the row once
more at most); a rollup refresh increases it too. It is read together with the database's name,
so two databases never share a version.

The first value is the migration's clock in microseconds, not 1: a database dropped and created
again starts far above any version its predecessor handed out, so a client's old ETag can never
match by accident. After that it only ever grows by one; no clock is involved.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MARK_STALE_AND_BUMP = """
CREATE OR REPLACE FUNCTION mark_rollups_stale() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE rollup_state
       SET fresh = false,
           data_version = data_version + 1,
           data_changed_by = pg_current_xact_id()::text::bigint
     WHERE fresh OR data_changed_by IS DISTINCT FROM pg_current_xact_id()::text::bigint;
    RETURN NULL;
END
$$
"""

MARK_STALE = """
CREATE OR REPLACE FUNCTION mark_rollups_stale() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE rollup_state SET fresh = false WHERE fresh;
    RETURN NULL;
END
$$
"""


def upgrade() -> None:
    op.execute("ALTER TABLE rollup_state ADD COLUMN data_version bigint NOT NULL DEFAULT 0")
    op.execute("ALTER TABLE rollup_state ADD COLUMN data_changed_by bigint")
    op.execute(
        "UPDATE rollup_state "
        "SET data_version = (extract(epoch FROM clock_timestamp()) * 1000000)::bigint"
    )
    op.execute("ALTER TABLE rollup_state ALTER COLUMN data_version DROP DEFAULT")
    op.execute(MARK_STALE_AND_BUMP)


def downgrade() -> None:
    op.execute(MARK_STALE)
    op.execute("ALTER TABLE rollup_state DROP COLUMN data_changed_by")
    op.execute("ALTER TABLE rollup_state DROP COLUMN data_version")
