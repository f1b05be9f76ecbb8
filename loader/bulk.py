"""Inserts into the two tables that grow by a million rows at 20x scale: orders and items.

Into empty tables, checking each row's foreign keys and updating its indexes row by row costs more
than everything else in a load together. So when the table is empty, its indexes and constraints
(all but the primary key) are set aside inside the load's transaction and rebuilt afterwards from
their exact catalog definitions: one sort per index, one join per foreign key. Readers see either
the old empty tables or the new full ones. Otherwise rows go in with an anti-join and ON CONFLICT,
which keeps re-runs idempotent.

The DDL below is assembled from the catalog's own definitions (pg_get_constraintdef,
pg_get_indexdef) and quote_ident'ed names, never from input data.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection

from loader import statements

log = logging.getLogger(__name__)

_CONSTRAINTS = """
SELECT quote_ident(conname), pg_get_constraintdef(oid)
FROM pg_constraint
WHERE conrelid = %(table)s::regclass AND contype::text = ANY(%(types)s)
ORDER BY contype DESC, conname  -- unique, primary key, foreign keys, checks
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
def constraints_set_aside(
    conn: Connection, table: str, *, primary_key: bool = False
) -> Iterator[None]:
    """Drop `table`'s secondary indexes and constraints (its primary key too if `primary_key`);
    re-create them on exit. A primary key can go only once the foreign keys to it are gone."""
    params = {"table": table, "types": ["u", "f", "c", *(["p"] if primary_key else [])]}
    constraints = conn.exec_driver_sql(_CONSTRAINTS, params).all()
    indexes = conn.exec_driver_sql(_PLAIN_INDEXES, params).all()
    for name, _ in indexes:
        conn.exec_driver_sql(f"DROP INDEX {name}")
    for name, _ in constraints:
        conn.exec_driver_sql(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
    yield
    started = time.perf_counter()
    if constraints:
        # One statement: PostgreSQL checks every CHECK constraint in a single scan of the table.
        added = ", ".join(f"ADD CONSTRAINT {name} {definition}" for name, definition in constraints)
        conn.exec_driver_sql(f"ALTER TABLE {table} {added}")
    for _, definition in indexes:
        conn.exec_driver_sql(definition)
    log.info(
        "%s: %s constraints and %s indexes rebuilt in %.2f s",
        table,
        len(constraints),
        len(indexes),
        time.perf_counter() - started,
    )


def insert_fresh(conn: Connection, row_range: tuple[int, int]) -> tuple[int, int]:
    """First load: reserve a block of order ids, insert orders and items with their secondary
    indexes and constraints set aside, rebuild them. Returns (orders, items) inserted."""
    # Empty already; truncating gives both tables new files, which PostgreSQL with
    # wal_level=minimal (the embedded server's setting) fills without writing WAL.
    conn.exec_driver_sql("TRUNCATE order_items, orders")
    first_row, last_row = row_range
    count = last_row - first_row + 1
    if count <= 0:  # every row was rejected (--skip-invalid): nothing to reserve
        return 0, 0
    first_id = int(
        conn.exec_driver_sql(statements.RESERVE_ORDER_IDS, {"count": count}).scalar_one()
    )
    params = {"first_id": first_id, "first_row": first_row}
    # Items' foreign key to orders goes first, so that orders' primary key can go too; orders
    # get everything back before items are inserted.
    with constraints_set_aside(conn, "order_items"):
        with constraints_set_aside(conn, "orders", primary_key=True):
            started = time.perf_counter()
            orders = conn.exec_driver_sql(statements.INSERT_ORDERS_FRESH, params).rowcount
            log.info("orders: %s inserted in %.2f s", orders, time.perf_counter() - started)
        started = time.perf_counter()
        items = conn.exec_driver_sql(statements.INSERT_ITEMS_FRESH, params).rowcount
        log.info("order_items: %s inserted in %.2f s", items, time.perf_counter() - started)
    return int(orders), int(items)


def insert_more(conn: Connection) -> tuple[int, int, int]:
    """Later loads: insert only the orders and items not there yet (anti-join + ON CONFLICT),
    their ids kept in `load_new_orders` and `load_new_items` until commit. Returns (orders,
    items) inserted and the rows skipped for clashing with a stored item."""
    for create in statements.CREATE_NEW_ROW_TABLES:
        conn.exec_driver_sql(create)
    orders = conn.exec_driver_sql(statements.INSERT_ORDERS).scalar_one()
    conn.exec_driver_sql("ANALYZE orders")  # the items statement joins the grown table
    items = conn.exec_driver_sql(statements.INSERT_ITEMS).scalar_one()
    conflicts = conn.exec_driver_sql(statements.ITEM_CONFLICTS).scalar_one()
    return int(orders), int(items), int(conflicts)
