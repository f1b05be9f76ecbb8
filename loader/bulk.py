"""Insert the items, the one table that grows by a million rows at 20x scale.

Into an empty order_items, checking each row's foreign keys and updating three indexes row by row
costs more than everything else in the load together. So when the table is empty, its indexes and
constraints are set aside inside the load's transaction and rebuilt afterwards from their exact
catalog definitions (one sort per index, one join per foreign key); readers see either the old
empty table or the new full one. Otherwise rows go in with ON CONFLICT, keeping re-runs idempotent.
"""

from __future__ import annotations

from sqlalchemy import Connection

from loader import statements

_CONSTRAINTS = """
SELECT conname, pg_get_constraintdef(oid)
FROM pg_constraint
WHERE conrelid = 'order_items'::regclass AND contype IN ('u', 'f', 'c')
ORDER BY contype DESC, conname  -- unique before foreign keys before checks
"""
_PLAIN_INDEXES = """
SELECT i.relname, pg_get_indexdef(i.oid)
FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
WHERE x.indrelid = 'order_items'::regclass
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
ORDER BY i.relname
"""


def _quote(conn: Connection, identifier: str) -> str:
    quoted: str = conn.exec_driver_sql("SELECT quote_ident(%s)", (identifier,)).scalar_one()
    return quoted


def insert_items(conn: Connection) -> int:
    empty = conn.exec_driver_sql("SELECT NOT EXISTS (SELECT 1 FROM order_items)").scalar_one()
    if not empty:
        inserted, _ = conn.exec_driver_sql(statements.INSERT_ITEMS).one()
        return int(inserted)

    constraints = conn.exec_driver_sql(_CONSTRAINTS).all()
    indexes = conn.exec_driver_sql(_PLAIN_INDEXES).all()
    for name, _ in indexes:
        conn.exec_driver_sql(f"DROP INDEX {_quote(conn, name)}")
    for name, _ in constraints:
        conn.exec_driver_sql(f"ALTER TABLE order_items DROP CONSTRAINT {_quote(conn, name)}")

    result = conn.exec_driver_sql(statements.INSERT_ITEMS_BULK)
    inserted = result.rowcount

    for name, definition in constraints:
        conn.exec_driver_sql(
            f"ALTER TABLE order_items ADD CONSTRAINT {_quote(conn, name)} {definition}"
        )
    for _, definition in indexes:
        conn.exec_driver_sql(definition)
    return int(inserted)
