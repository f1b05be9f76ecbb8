"""Malformed input: every case is refused with the right exception (or exit code), names the row,
the column and a clear reason, and leaves a database that already holds data EXACTLY unchanged
(row counts and an md5 of every table's full contents, before and after)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from loader.load import LoadRefused, load_csv
from loader.read import CsvFileError, RowError
from tests.loader.helpers import (
    HEADER,
    checksums,
    line,
    write,
)
from tests.loader.malformed_cases import FILE_CASES, ROW_CASES, FileCase, RowCase


@pytest.fixture
def engine(shared_baseline_engine: Engine) -> Engine:
    return shared_baseline_engine


@pytest.fixture
def before(engine: Engine) -> dict[str, tuple[int, str]]:
    state = checksums(engine)
    assert state["order_items"][0] == 3 and state["customers"][0] == 2
    return state


def test_there_are_enough_cases() -> None:
    assert len(ROW_CASES) + len(FILE_CASES) >= 15


@pytest.mark.parametrize("case", ROW_CASES.values(), ids=ROW_CASES.keys())
def test_invalid_row_refuses_the_load(
    case: RowCase, tmp_path: Path, engine: Engine, before: dict[str, tuple[int, str]]
) -> None:
    source = write(tmp_path, case.content)
    with pytest.raises(LoadRefused) as refused:
        load_csv(source, engine)
    summary = refused.value.summary
    assert not summary.committed
    assert summary.rows_read == case.rows_read
    assert summary.rows_rejected == 1
    assert summary.error_count == 1
    [error] = summary.errors
    assert isinstance(error, RowError)
    assert (error.row, error.column) == (case.row, case.column), error
    reason = error.reason.lower()
    assert any(keyword in reason for keyword in case.reason), error.reason
    if case.value is not None:
        same_value = (error.value or "").strip() == case.value.strip()
        assert same_value, f"reported value {(error.value or '')[:80]!r}"
    assert checksums(engine) == before


@pytest.mark.parametrize("case", FILE_CASES.values(), ids=FILE_CASES.keys())
def test_unreadable_file_is_refused(
    case: FileCase, tmp_path: Path, engine: Engine, before: dict[str, tuple[int, str]]
) -> None:
    source = write(tmp_path, case.content)
    with pytest.raises(CsvFileError) as error:
        load_csv(source, engine)
    message = str(error.value).lower()
    # "order_date" or "order date" for the misspelled header: it names the column either way
    keywords = [k for k in case.keywords if k not in ("order_date", "order date")]
    assert all(k in message for k in keywords), message
    if "order_date" in case.keywords:
        assert "order_date" in message and "'order date'" in message, message
    assert checksums(engine) == before


def test_header_only_is_refused_clearly(
    tmp_path: Path, engine: Engine, before: dict[str, tuple[int, str]]
) -> None:
    source = write(tmp_path, HEADER + "\n")
    with pytest.raises((CsvFileError, LoadRefused)) as error:
        load_csv(source, engine)
    message = str(error.value).lower()
    assert any(k in message for k in ("no data", "no rows", "header only", "only a header")), (
        f"unclear message for a header-only file: {message!r}"
    )
    assert checksums(engine) == before


def test_every_problem_is_reported_not_just_the_first(
    tmp_path: Path, engine: Engine, before: dict[str, tuple[int, str]]
) -> None:
    rows = [
        line(Customer_Id="30001"),  # row 2, valid
        line(Customer_Id="30002", Order_Date="2018-02-30"),  # row 3
        line(Customer_Id="30003"),  # row 4, valid
        line(Customer_Id="30004", Quantity="0", Discount="1.5"),  # row 5: two problems
        line(Customer_Id="30005") + ",extra",  # row 6
        line(Customer_Id="30006", Order_Priority="Urgent"),  # row 7
        line(Customer_Id="30007", Sales="1.005"),  # row 8
        line(Customer_Id="", Product=""),  # row 9: two problems
    ]
    source = write(tmp_path, HEADER + "\n" + "\n".join(rows) + "\n")
    with pytest.raises(LoadRefused) as refused:
        load_csv(source, engine)
    summary = refused.value.summary
    assert summary.rows_read == 8
    assert summary.rows_rejected == 6
    assert summary.error_count == 8
    found = sorted(((e.row, e.column or "") for e in summary.errors), key=str)
    assert found == sorted(
        [
            (3, "Order_Date"),
            (5, "Quantity"),
            (5, "Discount"),
            (6, ""),
            (7, "Order_Priority"),
            (8, "Sales"),
            (9, "Customer_Id"),
            (9, "Product"),
        ],
        key=str,
    )
    assert checksums(engine) == before


def test_errors_far_apart_in_a_large_file_are_all_reported(
    tmp_path: Path, engine: Engine, before: dict[str, tuple[int, str]]
) -> None:
    """Reading goes on past the first bad row, across the loader's internal batches."""
    lines = [
        line(Customer_Id=str(40_000 + i % 5_000), Time=f"10:{i % 60:02d}:00") for i in range(45_000)
    ]
    bad_rows = {3: "Order_Date", 25_002: "Quantity", 45_001: "Time"}
    lines[3 - 2] = line(Order_Date="2018-02-30")
    lines[25_002 - 2] = line(Quantity="-3")
    lines[45_001 - 2] = line(Time="24:00:00")
    source = write(tmp_path, HEADER + "\n" + "\n".join(lines) + "\n")
    with pytest.raises(LoadRefused) as refused:
        load_csv(source, engine)
    summary = refused.value.summary
    assert summary.rows_read == 45_000 and summary.rows_rejected == 3
    assert {e.row: e.column for e in summary.errors} == bad_rows
    assert checksums(engine) == before
