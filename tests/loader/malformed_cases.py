"""The malformed-CSV corpus: bad rows and unreadable files, each with what its refusal must say."""

from __future__ import annotations

from dataclasses import dataclass

from tests.loader.helpers import (
    COLUMNS,
    HEADER,
    csv_text,
    line,
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
    "classic_mac_line_endings": FileCase(
        f"{HEADER}\r{GOOD_2}\r{GOOD_4}\r".encode(), ("bare cr", "line endings", "lf")
    ),
}
