"""Real and full-size synthetic files, loaded into fresh databases and compared with an
independent pandas computation straight from the CSV (exact Decimal sums, the issue's rules).

Datasets: the real published sample, the real spreadsheet re-save (M/D/YYYY dates, H:MM:SS
times, integers without ".0"), and 51,290-row synthetic files in both styles from the same seed —
which are the same data, so their tables must be identical.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import Engine

from loader.load import LoadSummary, load_csv
from tests.loader.conftest import FULL_ROWS, LoadedDb
from tests.loader.helpers import (
    NUMERIC,
    TABLES,
    assert_same_rows,
    blank_counts,
    dsum,
    expected_tables,
    fetch,
    natural_content,
    read_expected_rows,
)


@dataclass
class Loaded:
    path: Path
    engine: Engine
    summary: LoadSummary
    rows: pd.DataFrame  # the CSV, typed independently of the loader
    _content: dict[str, list[tuple[Any, ...]]] | None = None

    @property
    def content(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every table by natural keys (read once: the database is not changed after loading)."""
        if self._content is None:
            self._content = natural_content(self.engine)
        return self._content


def _loaded(path: Path, engine: Engine, summary: LoadSummary) -> Loaded:
    return Loaded(path, engine, summary, read_expected_rows(path))


@pytest.fixture(scope="module")
def published_sample(new_database: Callable[[], Engine], sample_csv: Path) -> Loaded:
    engine = new_database()
    return _loaded(sample_csv, engine, load_csv(sample_csv, engine))


@pytest.fixture(scope="module")
def spreadsheet_sample(new_database: Callable[[], Engine], spreadsheet_csv: Path) -> Loaded:
    engine = new_database()
    return _loaded(spreadsheet_csv, engine, load_csv(spreadsheet_csv, engine))


@pytest.fixture(scope="module")
def synthetic_published(synth_published: Path, synth_published_db: LoadedDb) -> Loaded:
    return _loaded(synth_published, *synth_published_db)


@pytest.fixture(scope="module")
def synthetic_spreadsheet(synth_spreadsheet: Path, synth_spreadsheet_db: LoadedDb) -> Loaded:
    return _loaded(synth_spreadsheet, *synth_spreadsheet_db)


DATASETS = [
    "published_sample",
    "spreadsheet_sample",
    "synthetic_published",
    "synthetic_spreadsheet",
]


@pytest.fixture(params=DATASETS)
def loaded(request: pytest.FixtureRequest) -> Loaded:
    loaded: Loaded = request.getfixturevalue(request.param)
    return loaded


def test_the_datasets_are_what_they_claim(
    published_sample: Loaded,
    spreadsheet_sample: Loaded,
    synthetic_published: Loaded,
    synthetic_spreadsheet: Loaded,
) -> None:
    """Guards the comparisons below against a vacuous pass on the wrong input."""
    assert len(published_sample.rows) == 700
    assert len(spreadsheet_sample.rows) == 2_000
    assert len(synthetic_published.rows) == len(synthetic_spreadsheet.rows) == FULL_ROWS
    spreadsheet_head = spreadsheet_sample.path.read_bytes()[:200].decode("utf-8-sig")
    assert "/2018," in spreadsheet_head
    assert synthetic_spreadsheet.path.read_bytes().startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in synthetic_spreadsheet.path.read_bytes()[:500]
    # multi-item orders (adjacent and not), and customers with several orders, are present
    for data in (published_sample, spreadsheet_sample, synthetic_published):
        key = ["Customer_Id", "Order_Date", "Time"]
        assert data.rows.drop_duplicates(key)["Customer_Id"].duplicated().any()
    rows = synthetic_published.rows
    key = ["Customer_Id", "Order_Date", "Time"]
    positions = rows.groupby(key, sort=False)["file_row"].agg(["min", "max", "count"])
    assert (positions["count"] > 1).any()
    assert ((positions["max"] - positions["min"]) >= positions["count"]).any()


def test_load_summary(loaded: Loaded) -> None:
    s = loaded.summary
    assert s.committed
    assert (s.rows_read, s.rows_loaded, s.rows_rejected) == (len(loaded.rows),) * 2 + (0,)
    assert s.error_count == 0 and s.errors == []


def test_row_counts_per_table(loaded: Loaded) -> None:
    rows = loaded.rows
    expected = {
        "customers": rows["Customer_Id"].nunique(),
        "products": len(rows.drop_duplicates(["Product_Category", "Product"])),
        "orders": len(rows.drop_duplicates(["Customer_Id", "Order_Date", "Time"])),
        "order_items": len(rows),
    }
    counts = {t: fetch(loaded.engine, f"SELECT count(*) FROM {t}")[0][0] for t in TABLES}
    assert counts == expected
    assert {t: c.total_after for t, c in loaded.summary.tables.items()} == expected
    assert {t: c.inserted for t, c in loaded.summary.tables.items()} == expected


def test_exact_sums(loaded: Loaded) -> None:
    rows = loaded.rows
    [(sales, profit, shipping, quantity)] = fetch(
        loaded.engine,
        "SELECT sum(sales), sum(profit), sum(shipping_cost), sum(quantity) FROM order_items",
    )
    assert isinstance(sales, Decimal) and isinstance(profit, Decimal)
    assert sales == dsum(rows["Sales"])  # revenue: Sales as recorded
    assert profit == dsum(rows["Profit"])
    assert shipping == dsum(rows["Shipping_Cost"])
    assert quantity == sum(q for q in rows["Quantity"] if q is not None)


def test_customer_attributes_follow_the_latest_order(loaded: Loaded) -> None:
    rows = loaded.rows
    # the latest order: by date, then time; ties → the later row in the file
    latest = rows.sort_values(["Order_Date", "Time", "file_row"], kind="stable").drop_duplicates(
        "Customer_Id", keep="last"
    )
    expected = {
        r.Customer_Id: (r.Gender, r.Device_Type, r.Customer_Login_type) for r in latest.itertuples()
    }
    got = {
        r[0]: r[1:]
        for r in fetch(
            loaded.engine, "SELECT customer_id, gender, device_type, login_type FROM customers"
        )
    }
    assert got == expected
    # the rule matters in these files: some customers' attributes change between orders
    attributes = ["Customer_Id", "Gender", "Device_Type", "Customer_Login_type"]
    assert rows[attributes].drop_duplicates()["Customer_Id"].duplicated().any(), (
        "no customer with changing attributes: the test would prove nothing"
    )


def test_blank_cells_are_counted_and_null(loaded: Loaded) -> None:
    blanks = blank_counts(loaded.path)
    for column in NUMERIC:
        assert loaded.summary.blank_cells.get(column, 0) == blanks[column], column
    assert sum(blanks[c] for c in NUMERIC) > 0, "no blank numeric cell: the test proves nothing"
    [nulls] = fetch(
        loaded.engine,
        """SELECT count(*) - count(quantity), count(*) - count(discount), count(*) - count(sales),
                  count(*) - count(profit), count(*) - count(shipping_cost)
           FROM order_items""",
    )
    assert nulls == tuple(
        blanks[c] for c in ("Quantity", "Discount", "Sales", "Profit", "Shipping_Cost")
    )


def test_real_sample_blank_cells_match_the_data_notes(
    published_sample: Loaded, spreadsheet_sample: Loaded
) -> None:
    """SOURCE.md: 1 Aging + 1 Quantity blank; the spreadsheet 1 Aging, 2 Quantity, 1 Discount."""
    assert {c: n for c, n in published_sample.summary.blank_cells.items() if c in NUMERIC} == {
        "Aging": 1,
        "Quantity": 1,
    }
    assert {c: n for c, n in spreadsheet_sample.summary.blank_cells.items() if c in NUMERIC} == {
        "Aging": 1,
        "Quantity": 2,
        "Discount": 1,
    }


def test_every_table_matches_the_independent_computation(loaded: Loaded) -> None:
    """Every customer, product, order (first-row priority/payment/aging) and item (position by
    file order, every amount exact) equals what pandas derives from the CSV."""
    assert_same_rows(loaded.content, expected_tables(loaded.rows))


def test_published_and_spreadsheet_versions_of_the_same_data_give_identical_tables(
    synthetic_published: Loaded, synthetic_spreadsheet: Loaded
) -> None:
    published = synthetic_published.content
    assert len(published["order_items"]) == FULL_ROWS
    assert_same_rows(synthetic_spreadsheet.content, published)
    assert synthetic_spreadsheet.summary.blank_cells == synthetic_published.summary.blank_cells
    assert synthetic_spreadsheet.summary.facts == synthetic_published.summary.facts
