"""Accepted spellings: the published file and a spreadsheet re-save load alike; columns are
matched by name, in any order."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.loader.helpers import (
    COLUMNS,
    DEFAULTS,
    FEMALE,
    MALE,
    OTHER,
    assert_same_rows,
    csv_text,
    customers,
    expected_tables,
    natural_content,
    orders,
    read_expected_rows,
    write,
)
from tests.loader.loading import Row, load

# --- formats ---

MIXED_ROWS: list[Row] = [
    {"Customer_Id": "1401", "Order_Date": "2018-01-02", "Time": "08:38:49", **MALE},
    {"Customer_Id": "1402", "Order_Date": "2018-11-12", "Time": "17:00:00", "Product": "Tyre"},
    {"Customer_Id": "1401", "Order_Date": "2018-01-02", "Time": "08:38:49", "Product": "Mouse"},
    {"Customer_Id": "1403", "Aging": "", "Order_Priority": "low", **FEMALE},
    {"Customer_Id": "1401", "Order_Date": "2018-03-04", "Time": "00:00:00", **OTHER},
]

SPREADSHEET = {  # the same cells as a spreadsheet re-save spells them
    "2018-01-02": "1/2/2018",
    "2018-11-12": "11/12/2018",
    "2018-03-04": "3/4/2018",
    "08:38:49": "8:38:49",
    "00:00:00": "0:00:00",
    "140.0": "140",
    "1.0": "1",
    "46.0": "46",
    "8.0": "8",
}


def as_spreadsheet(row: Row) -> dict[str, str]:
    cells = {**DEFAULTS, **row}
    return {k: SPREADSHEET.get(v, v) for k, v in cells.items()}


def load_into(
    new_database: Callable[[], Engine], directory: Path, rows: list[Row], **options: object
) -> Engine:
    engine = new_database()
    directory.mkdir(exist_ok=True)
    load(engine, directory, *rows, **options)  # type: ignore[arg-type]
    return engine


def test_spreadsheet_spelling_loads_like_the_published_one(
    tmp_path: Path, new_database: Callable[[], Engine]
) -> None:
    published = load_into(new_database, tmp_path / "p", MIXED_ROWS)
    spreadsheet = load_into(
        new_database,
        tmp_path / "s",
        [as_spreadsheet(r) for r in MIXED_ROWS],
        eol="\r\n",
        bom=True,
    )
    expected = natural_content(published)
    assert len(expected["orders"]) == 4 and len(expected["order_items"]) == 5
    assert_same_rows(natural_content(spreadsheet), expected)


def test_both_spellings_in_one_file_make_one_order(tmp_path: Path, empty_engine: Engine) -> None:
    key = {"Customer_Id": "1501"}
    load(
        empty_engine,
        tmp_path,
        {**key, "Order_Date": "2018-01-02", "Time": "08:38:49", "Product": "A"},
        {**key, "Order_Date": "1/2/2018", "Time": "8:38:49", "Product": "B"},
        eol="\r\n",
    )
    assert orders(empty_engine)[("1501", "2018-01-02", "08:38:49")][3] == [(1, "A"), (2, "B")]


@pytest.mark.parametrize("order", ["reversed", "shuffled-1", "shuffled-2"])
def test_columns_in_another_order_are_matched_by_name(
    order: str, tmp_path: Path, empty_engine: Engine
) -> None:
    columns = list(COLUMNS)
    if order == "reversed":
        columns.reverse()
    else:
        random.Random(order).shuffle(columns)
    assert columns != list(COLUMNS)
    # the expectation: pandas over the same rows in the canonical column order
    canonical = write(tmp_path, csv_text(*MIXED_ROWS), "canonical.csv")
    expected = expected_tables(read_expected_rows(canonical))
    load(empty_engine, tmp_path, *MIXED_ROWS, columns=tuple(columns), name="reordered.csv")
    assert_same_rows(natural_content(empty_engine), expected)
    assert customers(empty_engine)["1401"] == ("Other", "Tablet", "First SignUp")
