"""A later load updates the rollups from its own rows (loader/rollups.py): afterwards every summary
table holds exactly what its live definition computes from the base tables, row for row.

The loads are built to reach every rule: orders that gain items (their totals replaced, the
distinct counts per category, discount and payment method counted once), a NULL quantity that
becomes a number, NULL discounts and payment methods as keys, customers whose profile changes,
new customers, products and days; and generated files the tests have never seen.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from app.services.rollups import SUMMARIES, refresh_if_stale
from loader.load import load_csv
from loader.synth import generate
from tests.loader.helpers import csv_text, scalar, write

FIRST = [
    {"Customer_Id": "1", "Order_Date": "2018-01-02", "Time": "10:00:00"},
    {
        "Customer_Id": "2",
        "Order_Date": "2018-01-03",
        "Time": "11:00:00",
        "Product_Category": "Fashion",
        "Product": "T - Shirts",
        "Discount": "",
        "Payment_method": "",
    },
    {"Customer_Id": "3", "Order_Date": "2018-01-03", "Time": "12:00:00", "Quantity": ""},
]
MORE = [
    # Order 1 gains an item of another category and discount, then one of its first ones.
    {
        "Customer_Id": "1",
        "Order_Date": "2018-01-02",
        "Time": "10:00:00",
        "Product_Category": "Home & Furniture",
        "Product": "Sofa Covers",
        "Discount": "0.1",
        "Sales": "55.5",
    },
    {"Customer_Id": "1", "Order_Date": "2018-01-02", "Time": "10:00:00", "Sales": "12.25"},
    # Order 3, whose quantity was NULL, gains an item with a quantity.
    {"Customer_Id": "3", "Order_Date": "2018-01-03", "Time": "12:00:00", "Quantity": "4.0"},
    # Customer 1 orders again later, by e-wallet, from a phone: a new profile and method pair.
    {
        "Customer_Id": "1",
        "Order_Date": "2018-02-01",
        "Time": "09:00:00",
        "Device_Type": "Mobile",
        "Payment_method": "e_wallet",
        "Order_Priority": "Critical",
    },
    # Customer 2 orders again with no payment method: not a new (method, customer) pair.
    {"Customer_Id": "2", "Order_Date": "2018-02-02", "Time": "09:00:00", "Payment_method": ""},
    # A new customer buying a new product, with no sales figure.
    {
        "Customer_Id": "4",
        "Order_Date": "2018-03-01",
        "Time": "08:00:00",
        "Product_Category": "Gadgets",
        "Product": "Brand New Gadget",
        "Sales": "",
        "Gender": "Male",
    },
]


def differing_rows(engine: Engine) -> dict[str, int]:
    """Rows in which each summary table and its live definition differ (both directions)."""
    counts = {}
    with engine.connect() as conn:
        for summary in SUMMARIES:
            live = summary.replace("summary_", "live_", 1)
            counts[summary] = conn.execute(
                text(
                    f"SELECT count(*) FROM ((TABLE {summary} EXCEPT ALL TABLE {live}) "
                    f"UNION ALL (TABLE {live} EXCEPT ALL TABLE {summary})) AS d"
                )
            ).scalar_one()
    return counts


def first_loaded(engine: Engine, source: Path) -> Engine:
    """`source` loaded into an empty database, and the rollups the first load left stale
    recomputed, as a running app does."""
    assert load_csv(source, engine).rollups == "stale"
    assert refresh_if_stale(engine) is not None
    return engine


def assert_updated_and_equal(engine: Engine, source: Path) -> None:
    summary = load_csv(source, engine)
    assert summary.rollups == "updated"
    assert scalar(engine, "SELECT rollups_fresh()") is True
    assert differing_rows(engine) == dict.fromkeys(SUMMARIES, 0)


def test_orders_that_gain_items_and_changing_profiles(
    new_database: Callable[..., Engine], tmp_path: Path
) -> None:
    engine = first_loaded(new_database(), write(tmp_path, csv_text(*FIRST), "first.csv"))
    assert_updated_and_equal(engine, write(tmp_path, csv_text(*FIRST, *MORE), "more.csv"))
    assert scalar(engine, "SELECT count(*) FROM order_items") == len(FIRST) + len(MORE)
    grown = "SELECT item_count FROM summary_order_totals t JOIN orders o USING (id) "
    assert scalar(engine, grown + "WHERE o.order_time = '10:00:00'") == 3


def test_the_sample_in_two_overlapping_parts(
    new_database: Callable[..., Engine], sample_csv: Path, tmp_path: Path
) -> None:
    header, *rows = sample_csv.read_text(encoding="utf-8").splitlines()
    part = write(tmp_path, "\n".join([header, *rows[: len(rows) * 3 // 5]]) + "\n")
    engine = first_loaded(new_database(), part)
    assert_updated_and_equal(engine, sample_csv)


@pytest.mark.parametrize("seeds", [(1, 2), (3, 4)])
def test_generated_files_loaded_one_after_the_other(
    new_database: Callable[..., Engine], tmp_path: Path, seeds: tuple[int, int]
) -> None:
    first, second = (generate(tmp_path / f"seed{s}.csv", 3_000, seed=s) for s in seeds)
    engine = first_loaded(new_database(), first)
    assert_updated_and_equal(engine, second)
    assert_updated_and_equal(engine, generate(tmp_path / "third.csv", 500, seed=sum(seeds)))


def test_migration_0007_down_and_up_keeps_every_rollup(
    new_database: Callable[..., Engine], sample_csv: Path
) -> None:
    """Down to materialized views (0006) and back to summary tables, on a loaded database: the
    rollups stay readable and equal to their live definitions."""
    from alembic import command

    from app.db.migrate import alembic_config

    engine = first_loaded(new_database(), sample_csv)
    config = alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0006")
    with engine.connect() as conn:
        views = conn.execute(text("SELECT count(*) FROM pg_matviews")).scalar_one()
        stored = conn.execute(text("SELECT sum(sales) FROM mv_daily_orders")).scalar_one()
    assert views == len(SUMMARIES)
    assert stored == scalar(engine, "SELECT sum(sales) FROM order_items")
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
    assert scalar(engine, "SELECT rollups_fresh()") is True
    assert differing_rows(engine) == dict.fromkeys(SUMMARIES, 0)
