"""Malformed input: every case is refused with the right exception (or exit code), names the row,
the column and a clear reason, and leaves a database that already holds data EXACTLY unchanged
(row counts and an md5 of every table's full contents, before and after)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine

from loader.load import LoadRefused, load_csv
from loader.read import CsvFileError, RowError
from loader.source import SourceError
from tests.loader.helpers import (
    COLUMNS,
    HEADER,
    checksums,
    csv_text,
    fetch,
    line,
    run_cli,
    write,
)

# --- the cases ---


@dataclass(frozen=True)
class RowCase:
    """An invalid row 3 between two valid rows; the load must be refused with this error."""

    content: bytes
    row: int
    column: str | None
    reason: tuple[str, ...]  # the reason (lower-cased) must contain one of these
    value: str | None = None  # the raw cell reported, when it is checked
    rows_read: int = 3


@dataclass(frozen=True)
class FileCase:
    """A problem with the file as a whole: CsvFileError whose message contains every keyword."""

    content: bytes
    keywords: tuple[str, ...]


GOOD_2 = line(Customer_Id="20001")
GOOD_4 = line(Customer_Id="20002", Order_Date="2018-05-06")


def with_row3(bad_line: str | bytes, *, last: bool = False) -> bytes:
    """header, a valid row 2, `bad_line` as row 3, and (unless `last`) a valid row 4."""
    bad = bad_line if isinstance(bad_line, bytes) else bad_line.encode("utf-8")
    head = f"{HEADER}\n{GOOD_2}\n".encode()
    return head + bad + (b"" if last else f"\n{GOOD_4}\n".encode())


def cell_case(column: str, raw: str, *reason: str) -> RowCase:
    return RowCase(with_row3(line(**{column: raw})), 3, column, reason, value=raw)


REQUIRED_REASONS = ("required", "blank", "missing", "empty")
NOT_NEGATIVE = ("negative", ">= 0", "at least 0")
POSITIVE = ("greater than 0", "positive", "> 0", "at least 1")
DECIMALS = ("decimal",)
TEN_MB = "x" * 10_000_000

ROW_CASES: dict[str, RowCase] = {
    "date_feb_30": cell_case("Order_Date", "2018-02-30", "date"),
    "date_spreadsheet_feb_30": cell_case("Order_Date", "2/30/2018", "date"),
    "date_unparseable": cell_case("Order_Date", "02.01.2018", "date"),
    "date_month_13": cell_case("Order_Date", "2018-13-01", "date"),
    "time_25h": cell_case("Time", "25:00:00", "time"),
    "time_61_minutes": cell_case("Time", "10:61:00", "time"),
    "time_unparseable": cell_case("Time", "10h56", "time"),
    "quantity_negative": cell_case("Quantity", "-1", *POSITIVE),
    "quantity_zero": cell_case("Quantity", "0", *POSITIVE),
    "quantity_fractional": cell_case("Quantity", "1.5", "whole", "integer"),
    "quantity_not_a_number": cell_case("Quantity", "two", "number"),
    "quantity_beyond_integer": cell_case("Quantity", "3000000000", "range", "large"),
    "discount_above_1": cell_case("Discount", "1.5", "between 0 and 1", "fraction"),
    "discount_negative": cell_case("Discount", "-0.1", "between 0 and 1", "fraction", "negative"),
    "sales_negative": cell_case("Sales", "-140.0", *NOT_NEGATIVE),
    "shipping_negative": cell_case("Shipping_Cost", "-4.6", *NOT_NEGATIVE),
    "aging_negative": cell_case("Aging", "-1.0", *NOT_NEGATIVE),
    "sales_thousands_separator": RowCase(
        with_row3(line(Sales='"1,234.00"')), 3, "Sales", ("thousands",), value="1,234.00"
    ),
    "sales_3_decimals": cell_case("Sales", "140.123", *DECIMALS),
    "profit_3_decimals": cell_case("Profit", "-46.125", *DECIMALS),
    "profit_not_a_number": cell_case("Profit", "n/a", "number"),
    "sales_nan": cell_case("Sales", "NaN", "number"),
    "customer_id_blank": cell_case("Customer_Id", "", *REQUIRED_REASONS),
    "customer_id_spaces": cell_case("Customer_Id", "   ", *REQUIRED_REASONS),
    "customer_id_too_long": cell_case("Customer_Id", "1" * 25, "long", "characters", "length"),
    "date_blank": cell_case("Order_Date", "", *REQUIRED_REASONS),
    "time_blank": cell_case("Time", "", *REQUIRED_REASONS),
    "category_blank": cell_case("Product_Category", "", *REQUIRED_REASONS),
    "product_blank": cell_case("Product", "", *REQUIRED_REASONS),
    "priority_blank": cell_case("Order_Priority", "", *REQUIRED_REASONS),
    "priority_unknown": cell_case("Order_Priority", "Urgent", "low, medium, high, critical"),
    "non_utf8_bytes": RowCase(
        with_row3(line(Product="Caf@ Mugs").encode().replace(b"@", b"\xe9")),
        3,
        "Product",
        ("utf-8", "utf8", "encoding"),
    ),
    "nul_byte": cell_case("Gender", "Fe\x00male", "nul"),
    "field_10_mb": cell_case("Product", TEN_MB, "long", "characters", "size"),
    "too_many_fields": RowCase(
        with_row3(line() + ",extra"), 3, None, ("fields", "columns", "comma")
    ),
    "too_few_fields": RowCase(
        with_row3(",".join(line().split(",")[:12])), 3, None, ("fields", "columns")
    ),
    "file_stops_mid_row": RowCase(
        with_row3(line()[:40], last=True), 3, None, ("fields", "truncated"), rows_read=2
    ),
    "unterminated_quote": RowCase(
        with_row3(line(Product='"Car Speakers')), 3, None, ("fields", "quote"), rows_read=2
    ),
}

FILE_CASES: dict[str, FileCase] = {
    "empty_file": FileCase(b"", ("empty",)),
    "bom_only": FileCase(b"\xef\xbb\xbf", ("empty",)),
    "missing_column": FileCase(
        csv_text({}, columns=[c for c in COLUMNS if c != "Sales"]).encode(),
        ("header", "missing", "sales"),
    ),
    "extra_column": FileCase(
        (HEADER + ",Coupon\n" + line() + ",X\n").encode(), ("header", "coupon")
    ),
    "duplicated_column": FileCase(
        (HEADER + ",Sales\n" + line() + ",140.0\n").encode(),
        ("header", "duplicate", "sales"),
    ),
    "misspelled_column": FileCase(
        (HEADER.replace("Order_Date", "Order Date") + "\n" + line() + "\n").encode(),
        ("header", "order_date", "order date"),
    ),
    "not_a_csv": FileCase(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", ("header",)),
}


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
