"""The schema the loader writes into: required indexes, CHECK constraints and foreign keys enforced
by PostgreSQL itself, the Alembic migration matching the ORM models, and fresh statistics after a
load."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError

from app.db.migrate import modelled
from app.db.models import Base
from loader.load import load_csv
from tests.loader.helpers import TABLES, fetch


def test_required_indexes_exist(empty_engine: Engine) -> None:
    indexes = {
        name: (table, definition)
        for table, name, definition in fetch(
            empty_engine,
            "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'",
        )
    }
    assert indexes["idx_order_customer"][0] == "orders"
    assert indexes["idx_order_customer"][1].endswith("(customer_id)")
    assert indexes["idx_product_sales"][0] == "order_items"
    assert indexes["idx_product_sales"][1].endswith("(product_id)")


def test_indexes_and_constraints_survive_a_load(
    new_database: Callable[[], Engine], baseline_engine: Engine
) -> None:
    """The loader may set indexes and constraints aside during a bulk load: they must all be
    back, identical, afterwards."""
    catalog = """
        SELECT 'index', indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'
        UNION ALL
        SELECT 'constraint', conname, pg_get_constraintdef(oid) FROM pg_constraint
        WHERE connamespace = 'public'::regnamespace
        ORDER BY 1, 2"""
    assert fetch(baseline_engine, catalog) == fetch(new_database(), catalog)


def seed(engine: Engine) -> Engine:
    """One valid customer, product and order, inserted directly with SQL."""
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO customers (id, customer_id, gender, profile_as_of)"
                " VALUES (1, 'c1', 'Female', '2018-01-02 10:00:00')"
            )
        )
        conn.execute(
            text("INSERT INTO products (id, product_category, product_name) VALUES (1, 'A', 'B')")
        )
        conn.execute(
            text(
                "INSERT INTO orders (id, customer_id, order_date, order_time, order_priority)"
                " VALUES (1, 1, '2018-01-02', '10:00:00', 'High')"
            )
        )
    return engine


@pytest.fixture(scope="module")
def seeded(new_database: Callable[[], Engine]) -> Engine:
    """Shared by the tests whose inserts must all fail (each checks that nothing was added)."""
    return seed(new_database())


ITEM = {"order_id": 1, "product_id": 1, "position": 1, "quantity": 1, "discount": "0.3"}
ITEM["sales"] = ITEM["profit"] = ITEM["shipping_cost"] = "1.00"


def insert_item(engine: Engine, **changes: object) -> None:
    values = {**ITEM, **changes}
    columns = ", ".join(values)
    params = ", ".join(f":{c}" for c in values)
    with engine.begin() as conn:
        conn.execute(text(f"INSERT INTO order_items ({columns}) VALUES ({params})"), values)


def test_valid_direct_inserts_are_accepted(empty_engine: Engine) -> None:
    engine = seed(empty_engine)
    insert_item(engine, profit="-5.00", discount="1", quantity=3)
    insert_item(engine, position=2, discount="0", sales="0", shipping_cost="0", quantity=None)
    assert fetch(engine, "SELECT count(*) FROM order_items") == [(2,)]
    with pytest.raises(IntegrityError):  # the same position in the same order twice
        insert_item(engine, position=2)


@pytest.mark.parametrize(
    "changes,constraint",
    [
        ({"quantity": 0}, "quantity"),
        ({"quantity": -2}, "quantity"),
        ({"discount": "1.5"}, "discount"),
        ({"discount": "-0.1"}, "discount"),
        ({"sales": "-1.00"}, "sales"),
        ({"shipping_cost": "-1.00"}, "shipping_cost"),
        ({"position": 0}, "position"),
        ({"order_id": 999}, "order_id"),
        ({"product_id": 999}, "product_id"),
    ],
    ids=lambda v: str(v) if not isinstance(v, dict) else "-".join(f"{k}={x}" for k, x in v.items()),
)
def test_bad_items_are_rejected_by_the_database(
    changes: dict[str, object], constraint: str, seeded: Engine
) -> None:
    with pytest.raises(IntegrityError) as error:
        insert_item(seeded, **changes)
    assert constraint in str(error.value.orig)
    assert fetch(seeded, "SELECT count(*) FROM order_items") == [(0,)]


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO orders (customer_id, order_date, order_time, order_priority)"
        " VALUES (1, '2018-01-03', '10:00:00', 'Urgent')",
        "INSERT INTO orders (customer_id, order_date, order_time, order_priority)"
        " VALUES (1, '2018-01-03', '10:00:00', 'high')",  # canonical spelling only
        "INSERT INTO orders (customer_id, order_date, order_time, order_priority, aging)"
        " VALUES (1, '2018-01-03', '10:00:00', 'Low', -1)",
        "INSERT INTO orders (customer_id, order_date, order_time, order_priority)"
        " VALUES (999, '2018-01-03', '10:00:00', 'Low')",  # no such customer
        "INSERT INTO orders (customer_id, order_date, order_time, order_priority)"
        " VALUES (1, '2018-01-02', '10:00:00', 'Low')",  # the same order twice
        "INSERT INTO customers (customer_id, profile_as_of) VALUES ('c1', now())",
        "INSERT INTO products (product_category, product_name) VALUES ('A', 'B')",
    ],
    ids=[
        "priority-urgent",
        "priority-lowercase",
        "aging-negative",
        "order-customer-fk",
        "order-unique",
        "customer-unique",
        "product-unique",
    ],
)
def test_bad_rows_are_rejected_by_the_database(statement: str, seeded: Engine) -> None:
    before = fetch(seeded, "SELECT (SELECT count(*) FROM orders), (SELECT count(*) FROM customers)")
    with pytest.raises(IntegrityError), seeded.begin() as conn:
        conn.execute(text(statement))
    after = fetch(seeded, "SELECT (SELECT count(*) FROM orders), (SELECT count(*) FROM customers)")
    assert after == before


def test_foreign_keys(empty_engine: Engine) -> None:
    keys = fetch(
        empty_engine,
        """SELECT conrelid::regclass::text, a.attname, confrelid::regclass::text, f.attname
           FROM pg_constraint c
           JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
           JOIN pg_attribute f ON f.attrelid = c.confrelid AND f.attnum = c.confkey[1]
           WHERE c.contype = 'f' ORDER BY 1, 2""",
    )
    assert keys == [
        ("order_items", "order_id", "orders", "id"),
        ("order_items", "product_id", "products", "id"),
        ("orders", "customer_id", "customers", "id"),
    ]


def test_migration_matches_the_models(empty_engine: Engine) -> None:
    with empty_engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={"compare_type": True, "compare_server_default": True, "include_name": modelled},
        )
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_statistics_are_fresh_after_a_load(empty_engine: Engine, sample_csv: Path) -> None:
    """ANALYZE after the load: the planner's row estimates equal the real counts at once."""
    estimates = """
        SELECT c.relname, c.reltuples::bigint, s.last_analyze, s.last_autoanalyze
        FROM pg_class c JOIN pg_stat_user_tables s ON s.relid = c.oid
        WHERE c.relname IN ('customers', 'products', 'orders', 'order_items')"""
    assert all(r[1] <= 0 for r in fetch(empty_engine, estimates))  # never analyzed yet
    summary = load_csv(sample_csv, empty_engine)
    counts = {t: c.total_after for t, c in summary.tables.items()}
    deadline = time.monotonic() + 10  # activity statistics may be flushed asynchronously
    while True:
        rows = {r[0]: r[1:] for r in fetch(empty_engine, estimates)}
        analyzed = all(r[1] is not None or r[2] is not None for r in rows.values())
        if analyzed or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert set(rows) == set(TABLES)
    assert {t: r[0] for t, r in rows.items()} == counts
    assert analyzed, rows
