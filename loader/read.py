"""The CSV's shape: its columns, its header, and — when PostgreSQL's COPY refuses a file — a
Python pass that finds every structurally broken row (wrong number of fields, bytes that are not
UTF-8, NUL characters, broken quoting) so each can be reported with its row number."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass
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
# Column of the raw staging table that holds each CSV column (text, as read).
RAW_COLUMN = {name: name.lower() for name in COLUMNS}


class CsvFileError(Exception):
    """The file as a whole cannot be read (empty, wrong header, no data rows)."""


@dataclass(frozen=True)
class RowError:
    row: int  # spreadsheet numbering: the header is row 1, the first data row is row 2
    column: str | None  # None: the problem is the whole row (e.g. its number of fields)
    value: str | None
    reason: str
    line: int | None = None  # physical line, when known (differs from `row` after quoted newlines)

    def __str__(self) -> str:
        where = f"row {self.row}" + (f" (line {self.line})" if self.line else "")
        if self.column is None:
            return f"{where}: {self.reason}"
        shown = self.value
        if shown is not None and len(shown) > 60:
            shown = f"{shown[:57]}... ({len(shown):,} characters)"
        return f"{where}, column {self.column} = {shown!r}: {self.reason}"


def parse_header(first_line: str) -> list[str]:
    """The CSV column names in file order, after checking that they are exactly COLUMNS."""
    if not first_line.strip():
        raise CsvFileError("the file is empty: expected a header row")
    if "\r" in first_line.rstrip("\r\n"):
        # Lines are read up to "\n": a CR inside the header means CR-only line breaks.
        raise CsvFileError(
            "the lines end with a bare CR (classic Mac line endings); save the file with LF or "
            "CRLF line endings"
        )
    try:
        header = next(csv.reader([first_line]))
    except csv.Error as exc:
        raise CsvFileError(f"the header row is not valid CSV: {exc}") from None
    names = [name.strip().lstrip("\ufeff").strip() for name in header]
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
    return names


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_text_line(values: list[str]) -> str:
    """One line of PostgreSQL's COPY text format (tab-separated, backslash escapes)."""
    return "\t".join(v.translate(_COPY_ESCAPES) for v in values) + "\n"


def _cell_problem(cell: str) -> str | None:
    if "\x00" in cell:
        return "contains a NUL character"
    try:
        cell.encode("utf-8")
    except UnicodeEncodeError:
        return "not valid UTF-8 text (the file must be UTF-8 encoded)"
    return None


def structural_rows(
    stream: TextIO, header: list[str], errors: Callable[[RowError, list[str]], None]
) -> Iterator[tuple[int, list[str]]]:
    """Yield (row number, cells) for every row with the right shape; report the others.

    `stream` is positioned after the header and opened with newline="" and
    errors="surrogateescape", so undecodable bytes surface here as cell problems.
    """
    csv.field_size_limit(2**31 - 1)  # long cells are reported by the cell rules, not here
    reader = csv.reader(stream, strict=False)
    width = len(header)
    row_number = 1
    while True:
        try:
            for cells in reader:
                row_number += 1  # blank lines count: a spreadsheet shows them as rows
                if not cells or (len(cells) == 1 and not cells[0].strip()):
                    continue
                line = reader.line_num + 1  # +1: the header line was read before the reader
                if len(cells) != width:
                    hint = "a truncated row?" if len(cells) < width else "an unquoted comma?"
                    reason = f"expected {width} fields, found {len(cells)} ({hint})"
                    errors(RowError(row_number, None, None, reason, line), cells)
                    continue
                problem = next(
                    (
                        (name, cell, p)
                        for name, cell in zip(header, cells, strict=True)
                        if (p := _cell_problem(cell)) is not None
                    ),
                    None,
                )
                if problem is not None:
                    name, cell, reason = problem
                    shown = cell.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
                    errors(RowError(row_number, name, shown, reason, line), cells)
                    continue
                yield row_number, cells
            return
        except csv.Error as exc:  # reported like any row, then reading goes on
            row_number += 1
            errors(
                RowError(row_number, None, None, f"not valid CSV: {exc}", reader.line_num + 1), []
            )
