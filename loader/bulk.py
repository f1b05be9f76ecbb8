"""Bulk inserts into the two tables that grow by a million rows at 20x scale: orders and items.

Into an empty table, checking each row's foreign keys and updating its indexes row by row costs more
than everything else in a load together. So when the table is empty, its indexes and constraints
(all but the primary key) are set aside inside the load's transaction and rebuilt afterwards from
their exact catalog definitions: one sort per index, one join per foreign key. Readers see either
the old empty table or the new full one. Otherwise rows go in with an anti-join and ON CONFLICT,
which keeps re-runs idempotent.

The DDL below is assembled from the catalog's own definitions (pg_get_constraintdef,
pg_get_indexdef) and quote_ident'ed names, never from input data.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection

_CONSTRAINTS = """
SELECT quote_ident(conname), pg_get_constraintdef(oid)
FROM pg_constraint
WHERE conrelid = %(table)s::regclass AND contype IN ('u', 'f', 'c')
ORDER BY contype DESC, conname  -- unique before foreign keys before checks
"""
_PLAIN_INDEXES = """
SELECT quote_ident(i.relname), pg_get_indexdef(i.oid)
FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
WHERE x.indrelid = %(table)s::regclass
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
ORDER BY i.relname
"""


def table_is_empty(conn: Connection, table: str) -> bool:
    empty: bool = conn.exec_driver_sql(
        f"SELECT NOT EXISTS (SELECT 1 FROM {table})"  # table: one of the loader's own constants
    ).scalar_one()
    return empty


@contextmanager
def constraints_set_aside(conn: Connection, table: str) -> Iterator[None]:
    """Drop `table`'s secondary indexes and non-PK constraints; re-create them on exit."""
    params = {"table": table}
    constraints = conn.exec_driver_sql(_CONSTRAINTS, params).all()
    indexes = conn.exec_driver_sql(_PLAIN_INDEXES, params).all()
    for name, _ in indexes:
        conn.exec_driver_sql(f"DROP INDEX {name}")
    for name, _ in constraints:
        conn.exec_driver_sql(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
    yield
    for name, definition in constraints:
        conn.exec_driver_sql(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")
    for _, definition in indexes:
        conn.exec_driver_sql(definition)


def insert_rows(conn: Connection, table: str, *, bulk_sql: str, upsert_sql: str) -> int:
    """Run `bulk_sql` with constraints set aside when `table` is empty, else `upsert_sql`
    (which must return the number of rows it inserted). Returns the number of rows inserted."""
    if not table_is_empty(conn, table):
        return int(conn.exec_driver_sql(upsert_sql).scalar_one())
    with constraints_set_aside(conn, table):
        inserted = conn.exec_driver_sql(bulk_sql).rowcount
    # Statistics now, inside the transaction: the next statement joins this table, and with an
    # empty table's statistics the planner picks a million index probes over one hash join.
    conn.exec_driver_sql(f"ANALYZE {table}")
    return int(inserted)
