"""Refusals seen from the outside: --skip-invalid and its report, the CLI's exit codes and messages,
and how rows are numbered in what the user is told. Every refusal leaves the database unchanged."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import Engine

from loader.load import LoadRefused, load_csv
from loader.source import SourceError
from tests.loader.helpers import (
    HEADER,
    checksums,
    fetch,
    line,
    run_cli,
    write,
)
from tests.loader.malformed_cases import FILE_CASES, ROW_CASES


@pytest.fixture
def engine(shared_baseline_engine: Engine) -> Engine:
    return shared_baseline_engine


@pytest.fixture
def before(engine: Engine) -> dict[str, tuple[int, str]]:
    state = checksums(engine)
    assert state["order_items"][0] == 3 and state["customers"][0] == 2
    return state


# --- --skip-invalid ---

SKIP_ROWS = [
    line(Customer_Id="50001", Product="Tyre"),  # row 2, valid
    line(Customer_Id="50002", Order_Date="2018-02-30"),  # row 3, invalid date
    line(Customer_Id="50003", Time="09:00:00", Product="Fans", Product_Category="Electronic"),
    line(Customer_Id="50004", Quantity="1.5"),  # row 5, invalid quantity
    ",".join(line(Customer_Id="50005").split(",")[:10]),  # row 6, too few fields
    line(Customer_Id="50006", Sales='"1,234.00"'),  # row 7, thousands separator
    line(Customer_Id="50007", Order_Priority="critical"),  # row 8, valid
]
SKIPPED = {3: "Order_Date", 5: "Quantity", 6: "", 7: "Sales"}


def test_skip_invalid_loads_the_valid_rows_and_reports_the_rest(
    tmp_path: Path, baseline_engine: Engine
) -> None:
    source = write(tmp_path, HEADER + "\n" + "\n".join(SKIP_ROWS) + "\n")
    report = tmp_path / "out" / "rejected.csv"
    summary = load_csv(source, baseline_engine, skip_invalid=True, rejected_report=report)
    assert summary.committed
    assert (summary.rows_read, summary.rows_loaded, summary.rows_rejected) == (7, 3, 4)
    assert summary.rejected_report == report
    ids = [r[0] for r in fetch(baseline_engine, "SELECT customer_id FROM customers ORDER BY 1")]
    assert ids == ["50001", "50003", "50007", "90001", "90002"]  # baseline customers kept
    items = fetch(
        baseline_engine,
        """SELECT c.customer_id, o.order_priority, p.product_name FROM order_items i
           JOIN orders o ON o.id = i.order_id JOIN customers c ON c.id = o.customer_id
           JOIN products p ON p.id = i.product_id WHERE c.customer_id LIKE '5%' ORDER BY 1""",
    )
    assert items == [
        ("50001", "Medium", "Tyre"),
        ("50003", "Medium", "Fans"),
        ("50007", "Critical", "Car Speakers"),
    ]
    with report.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        fields = {name.lower(): name for name in reader.fieldnames or []}
        assert "row" in fields and "reason" in fields, reader.fieldnames
        listed = list(reader)
    assert {int(r[fields["row"]]): r.get(fields.get("column", ""), "") for r in listed} == SKIPPED
    assert all(r[fields["reason"]].strip() for r in listed)
    reasons = {int(r[fields["row"]]): r[fields["reason"]].lower() for r in listed}
    assert "date" in reasons[3] and "whole" in reasons[5] and "thousands" in reasons[7]


def test_skip_invalid_through_the_cli(tmp_path: Path, baseline_engine: Engine) -> None:
    source = write(tmp_path, HEADER + "\n" + "\n".join(SKIP_ROWS) + "\n")
    report = tmp_path / "report.csv"
    done = run_cli(
        baseline_engine, source, "--skip-invalid", "--rejected-report", report, "-q", cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    with report.open(newline="", encoding="utf-8") as f:
        rows = {int(r["row"]) for r in csv.DictReader(f)}
    assert rows == set(SKIPPED)
    count = fetch(baseline_engine, "SELECT count(*) FROM order_items")[0][0]
    assert count == 3 + 3


# --- the same refusals through the CLI: exit code 1, message on stderr, nothing changed ---

CLI_CASES = {
    "bad_date": (ROW_CASES["date_feb_30"].content, ("row 3", "order_date", "2018-02-30")),
    "missing_column": (FILE_CASES["missing_column"].content, ("missing", "sales")),
    "empty_file": (b"", ("empty",)),
    "not_a_csv": (FILE_CASES["not_a_csv"].content, ("header",)),
}


@pytest.mark.parametrize("content,keywords", CLI_CASES.values(), ids=CLI_CASES.keys())
def test_cli_refuses_with_exit_code_1(
    content: bytes,
    keywords: tuple[str, ...],
    tmp_path: Path,
    engine: Engine,
    before: dict[str, tuple[int, str]],
) -> None:
    source = write(tmp_path, content)
    done = run_cli(engine, source, "-q", cwd=tmp_path)
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr, done.stderr
    output = (done.stdout + done.stderr).lower()
    assert all(k in output for k in keywords), output
    assert done.stderr.strip(), "the reason for the refusal must be on stderr"
    assert checksums(engine) == before


def test_missing_file_raises_source_error(
    tmp_path: Path, engine: Engine, before: dict[str, tuple[int, str]]
) -> None:
    missing = tmp_path / "no_such_file.csv"
    with pytest.raises(SourceError) as error:
        load_csv(missing, engine)
    assert "no_such_file.csv" in str(error.value)
    assert checksums(engine) == before


# --- row numbering and completeness of the report ---


def test_rows_are_numbered_as_records_not_lines(
    tmp_path: Path, engine: Engine, before: dict[str, tuple[int, str]]
) -> None:
    """A quoted cell spanning two lines is still one row (spreadsheet numbering)."""
    content = "\n".join(
        [
            HEADER,
            line(Product='"Car\nSpeakers"'),  # row 2, physical lines 2-3
            line(Order_Date="2018-02-30"),  # row 3, physical line 4
        ]
    )
    with pytest.raises(LoadRefused) as refused:
        load_csv(write(tmp_path, content + "\n"), engine)
    [error] = refused.value.summary.errors
    assert (error.row, error.column) == (3, "Order_Date")
    assert checksums(engine) == before


def test_a_blank_line_still_counts_as_a_spreadsheet_row(
    tmp_path: Path, engine: Engine, before: dict[str, tuple[int, str]]
) -> None:
    content = "\n".join([HEADER, line(), "", line(Order_Date="2018-02-30")]) + "\n"
    with pytest.raises(LoadRefused) as refused:
        load_csv(write(tmp_path, content), engine)
    assert checksums(engine) == before
    [error] = refused.value.summary.errors
    assert (error.row, error.column) == (4, "Order_Date")  # header 1, data 2, blank 3, bad 4


def test_every_problem_goes_to_the_report_even_beyond_the_summary_list(
    tmp_path: Path, engine: Engine, before: dict[str, tuple[int, str]]
) -> None:
    rows = [line(Customer_Id=str(60_000 + i), Quantity="0") for i in range(500)]
    source = write(tmp_path, "\n".join([HEADER, line(), *rows]) + "\n")
    report = tmp_path / "rejected.csv"
    with pytest.raises(LoadRefused) as refused:
        load_csv(source, engine, rejected_report=report)
    summary = refused.value.summary
    assert summary.error_count == summary.rows_rejected == 500
    assert all(e.column == "Quantity" for e in summary.errors)
    with report.open(newline="", encoding="utf-8") as f:
        listed = [int(r["row"]) for r in csv.DictReader(f)]
    assert listed == list(range(3, 503))
    assert checksums(engine) == before
