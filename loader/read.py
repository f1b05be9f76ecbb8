"""Stream the CSV, validate every row, and yield rows normalised for the staging table.

Accepted spellings (the published file and the same file re-saved by a spreadsheet):
dates `2018-01-02` or `1/2/2018` (month/day/year), times `10:56:33` or `8:38:49` (or `HH:MM`),
numbers `140.0` or `140`, LF or CRLF, with or without a UTF-8 BOM, columns in any order.
Everything else is reported as a `RowError` naming the row, the column, the value and the reason.

Parsing is per row in Python, but every column goes through a memo of value → result: the file has
few distinct dates, amounts, categories and customers, so most cells cost one dict lookup.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TextIO

COLUMNS: tuple[str, ...] = (
    "Order_Date",
    "Time",
    "Aging",
    "Customer_Id",
    "Gender",
    "Device_Type",
    "Customer_Login_type",
    "Product_Category",
    "Product",
    "Sales",
    "Quantity",
    "Discount",
    "Profit",
    "Shipping_Cost",
    "Order_Priority",
    "Payment_method",
)
# Order of the values in a normalised row, which is also the staging table's column order.
STAGE_FIELDS: tuple[str, ...] = (
    "Customer_Id",
    "Order_Date",
    "Time",
    "Aging",
    "Gender",
    "Device_Type",
    "Customer_Login_type",
    "Product_Category",
    "Product",
    "Sales",
    "Quantity",
    "Discount",
    "Profit",
    "Shipping_Cost",
    "Order_Priority",
    "Payment_method",
)
PRIORITIES = {p.lower(): p for p in ("Low", "Medium", "High", "Critical")}
MAX_FIELD_CHARS = 1_000  # no real cell is longer than a product name; a 10 MB cell is an error
MAX_CUSTOMER_ID_CHARS = 20

_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_US_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_TIME = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_CENT = Decimal("0.01")


class CsvFileError(Exception):
    """The file as a whole cannot be read (empty, wrong header, not CSV)."""


class CellError(ValueError):
    """A cell's value is invalid; the message says why."""


@dataclass(frozen=True)
class RowError:
    row: int  # spreadsheet numbering: the header is row 1, the first data row is row 2
    line: int  # physical line where the record ends (differs from `row` after quoted newlines)
    column: str | None
    value: str | None
    reason: str

    def __str__(self) -> str:
        where = f"row {self.row} (line {self.line})"
        if self.column is None:
            return f"{where}: {self.reason}"
        shown = (
            self.value if self.value is None or len(self.value) <= 60 else self.value[:57] + "..."
        )
        return f"{where}, column {self.column} = {shown!r}: {self.reason}"


@dataclass
class ReadStats:
    rows_read: int = 0
    rows_valid: int = 0
    rows_rejected: int = 0
    blank_cells: dict[str, int] = field(default_factory=dict)


# --- cell parsers: each returns the normalised text for COPY (None = NULL) or raises CellError ---


def parse_date(raw: str) -> str:
    match = _ISO_DATE.fullmatch(raw)
    if match:
        year, month, day = (int(g) for g in match.groups())
    else:
        match = _US_DATE.fullmatch(raw)
        if not match:
            raise CellError("expected a date like 2018-01-02 or 1/2/2018 (month/day/year)")
        month, day, year = (int(g) for g in match.groups())
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError as exc:
        raise CellError(f"not a calendar date ({exc})") from None


def parse_time(raw: str) -> str:
    match = _TIME.fullmatch(raw)
    if not match:
        raise CellError("expected a time like 10:56:33 or 8:38:49")
    hour, minute = int(match[1]), int(match[2])
    second = int(match[3]) if match[3] is not None else 0
    if hour > 23 or minute > 59 or second > 59:
        raise CellError("not a valid time of day (00:00:00 to 23:59:59)")
    return f"{hour:02d}:{minute:02d}:{second:02d}"


def _decimal(raw: str) -> Decimal:
    if not _NUMBER.fullmatch(raw):
        if "," in raw:
            raise CellError("expected a plain number; thousands separators are not accepted")
        raise CellError("expected a number")
    try:
        return Decimal(raw)
    except InvalidOperation:  # pragma: no cover - the regex already guarantees a number
        raise CellError("expected a number") from None


def _two_decimals(value: Decimal) -> None:
    if value != value.quantize(_CENT):
        raise CellError("more than 2 decimal places (stored exactly as NUMERIC(…, 2))")


def money(*, allow_negative: bool, limit: Decimal = Decimal("100000000")) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        value = _decimal(raw)
        if value < 0 and not allow_negative:
            raise CellError("must not be negative")
        if abs(value) >= limit:
            raise CellError(f"out of range (must be below {limit:,})")
        _two_decimals(value)
        return str(value)

    return parse


def parse_quantity(raw: str) -> str:
    value = _decimal(raw)
    if value != value.to_integral_value():
        raise CellError("must be a whole number of units")
    if value <= 0:
        raise CellError("must be greater than 0")
    if value > 2_147_483_647:
        raise CellError("out of range")
    return str(int(value))


def parse_discount(raw: str) -> str:
    value = _decimal(raw)
    if not Decimal(0) <= value <= Decimal(1):
        raise CellError("must be a fraction between 0 and 1 (0.3 means 30 %)")
    _two_decimals(value)
    return str(value)


def parse_priority(raw: str) -> str:
    try:
        return PRIORITIES[raw.lower()]
    except KeyError:
        raise CellError("expected one of Low, Medium, High, Critical") from None


def parse_customer_id(raw: str) -> str:
    if len(raw) > MAX_CUSTOMER_ID_CHARS:
        raise CellError(f"longer than {MAX_CUSTOMER_ID_CHARS} characters")
    return raw


def parse_text(raw: str) -> str:
    return raw


# Columns that must not be blank; every other blank cell loads as NULL and is counted.
REQUIRED = frozenset(
    {"Customer_Id", "Order_Date", "Time", "Product_Category", "Product", "Order_Priority"}
)
PARSERS: dict[str, Callable[[str], str]] = {
    "Customer_Id": parse_customer_id,
    "Order_Date": parse_date,
    "Time": parse_time,
    "Aging": money(allow_negative=False, limit=Decimal("1000000")),
    "Gender": parse_text,
    "Device_Type": parse_text,
    "Customer_Login_type": parse_text,
    "Product_Category": parse_text,
    "Product": parse_text,
    "Sales": money(allow_negative=False),
    "Quantity": parse_quantity,
    "Discount": parse_discount,
    "Profit": money(allow_negative=True),
    "Shipping_Cost": money(allow_negative=False),
    "Order_Priority": parse_priority,
    "Payment_method": parse_text,
}

NULL = "\\N"  # COPY text format's NULL
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_text_escape(value: str) -> str:
    """Escape a value for PostgreSQL's COPY text format (tab-separated, backslash escapes)."""
    return value.translate(_COPY_ESCAPES)


_MEMO_LIMIT = 500_000  # distinct values remembered per column before the memo is reset


class _ColumnCleaner:
    """Memoised cleaner for one column, applied to a whole batch of cells at once.

    A batch's distinct values are cleaned once each; mapping the column through the memo then runs
    at C speed (`map(dict.__getitem__)`), so a million rows cost ~16 million dict lookups, no more.
    """

    __slots__ = ("name", "parse", "problems", "required", "values")

    def __init__(self, name: str) -> None:
        self.name = name
        self.parse = PARSERS[name]
        self.required = name in REQUIRED
        self.values: dict[str, str] = {}  # raw cell -> normalised value, COPY-text-escaped
        self.problems: dict[str, str] = {}  # raw cell -> why it is invalid

    def clean_column(self, cells: tuple[str, ...]) -> tuple[list[str], set[str]]:
        """Normalised values for `cells` in COPY text format (NULL as \\N), and the set of raw
        cells in it that are invalid."""
        distinct = set(cells)
        unseen = distinct.difference(self.values)
        if unseen:
            if len(self.values) + len(unseen) > _MEMO_LIMIT:
                self.values.clear()
                self.problems.clear()
                unseen = distinct
            for raw in unseen:
                value, problem = self._clean_one(raw)
                self.values[raw] = NULL if value is None else copy_text_escape(value)
                if problem is not None:
                    self.problems[raw] = problem
        bad = distinct.intersection(self.problems) if self.problems else set()
        return list(map(self.values.__getitem__, cells)), bad

    def _clean_one(self, raw: str) -> tuple[str | None, str | None]:
        if len(raw) > MAX_FIELD_CHARS:
            return None, f"cell is {len(raw):,} characters long (limit {MAX_FIELD_CHARS:,})"
        try:
            raw.encode("utf-8")
        except UnicodeEncodeError:
            return None, "not valid UTF-8 text (the file must be UTF-8 encoded)"
        value = raw.strip()
        if not value:
            return None, ("required, but blank" if self.required else None)
        if "\x00" in value:
            return None, "contains a NUL character"
        try:
            return self.parse(value), None
        except CellError as exc:
            return None, str(exc)


def read_header(reader: Iterator[list[str]]) -> list[int]:
    """Check the header row; return, for each STAGE_FIELDS name, its index in the file's rows."""
    try:
        header = next(reader)
    except StopIteration:
        raise CsvFileError("the file is empty: expected a header row") from None
    except csv.Error as exc:
        raise CsvFileError(f"the header row is not valid CSV: {exc}") from None
    names = [name.strip().lstrip("\ufeff") for name in header]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    missing = [c for c in COLUMNS if c not in names]
    unexpected = [n for n in names if n not in COLUMNS]
    problems = []
    if missing:
        problems.append("missing column(s): " + ", ".join(missing))
    if unexpected:
        problems.append("unexpected column(s): " + ", ".join(repr(n) for n in unexpected))
    if duplicated:
        problems.append("duplicated column(s): " + ", ".join(duplicated))
    if problems:
        raise CsvFileError(
            "wrong header (row 1): " + "; ".join(problems) + ". Expected: " + ",".join(COLUMNS)
        )
    return [names.index(name) for name in STAGE_FIELDS]


# (row numbers, one list per STAGE_FIELDS column of COPY-text-escaped values)
Batch = tuple[list[int], list[list[str]]]
ErrorSink = Callable[[RowError, list[str]], None]


def validated_batches(
    stream: TextIO, stats: ReadStats, errors: ErrorSink, batch_rows: int = 20_000
) -> Iterator[Batch]:
    """Yield the valid rows in batches, as columns normalised in STAGE_FIELDS order.

    Invalid rows are passed to `errors` with their raw cells and left out. `stream` must be opened
    with newline="" and errors="surrogateescape" so that bad bytes surface as cell errors.
    """
    csv.field_size_limit(2**31 - 1)  # long cells are reported per row, not by the csv module
    reader = csv.reader(stream, strict=False)
    positions = read_header(reader)
    cleaners = [_ColumnCleaner(name) for name in STAGE_FIELDS]
    blanks = dict.fromkeys(STAGE_FIELDS, 0)
    row_number = 1
    rows: list[list[str]] = []
    numbers: list[int] = []
    lines: list[int] = []

    def rejected(index: int, column: str | None, value: str | None, reason: str) -> None:
        errors(RowError(numbers[index], lines[index], column, value, reason), rows[index])

    def flush() -> Batch | None:
        width_ok = [len(r) == len(COLUMNS) for r in rows]
        invalid: set[int] = set()
        if not all(width_ok):
            for index, ok in enumerate(width_ok):
                if not ok:
                    found = len(rows[index])
                    hint = "a truncated row?" if found < len(COLUMNS) else "an unquoted comma?"
                    rejected(
                        index, None, None, f"expected {len(COLUMNS)} fields, found {found} ({hint})"
                    )
                    invalid.add(index)
            padded = [
                r if ok else [""] * len(COLUMNS) for r, ok in zip(rows, width_ok, strict=True)
            ]
        else:
            padded = rows
        raw_columns = list(zip(*padded, strict=True)) if padded else []
        columns: list[list[str]] = []
        for position, cleaner in zip(positions, cleaners, strict=True):
            cells = raw_columns[position]
            values, bad = cleaner.clean_column(cells)
            if bad:
                for index, raw in enumerate(cells):
                    if raw in bad and width_ok[index]:  # padded rows are already reported
                        rejected(index, cleaner.name, raw, cleaner.problems[raw])
                        invalid.add(index)
            columns.append(values)
        if invalid:
            keep = [i for i in range(len(rows)) if i not in invalid]
            columns = [[column[i] for i in keep] for column in columns]
            valid_numbers = [numbers[i] for i in keep]
        else:
            valid_numbers = list(numbers)
        stats.rows_rejected += len(invalid)
        stats.rows_valid += len(valid_numbers)
        for name, column in zip(STAGE_FIELDS, columns, strict=True):
            blanks[name] += column.count(NULL)
        rows.clear()
        numbers.clear()
        lines.clear()
        return (valid_numbers, columns) if valid_numbers else None

    while True:
        try:
            for cells in reader:
                if not cells or (len(cells) == 1 and not cells[0].strip()):
                    continue  # blank lines are not rows
                row_number += 1
                rows.append(cells)
                numbers.append(row_number)
                lines.append(reader.line_num)
                if len(rows) == batch_rows:
                    stats.rows_read += batch_rows
                    batch = flush()
                    if batch:
                        yield batch
            break
        except csv.Error as exc:  # reported like any row, then reading goes on
            row_number += 1
            stats.rows_read += 1
            stats.rows_rejected += 1
            errors(RowError(row_number, reader.line_num, None, None, f"not valid CSV: {exc}"), [])
    if rows:
        stats.rows_read += len(rows)
        batch = flush()
        if batch:
            yield batch
    stats.blank_cells = {name: count for name, count in blanks.items() if count}
