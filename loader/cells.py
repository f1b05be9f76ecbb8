"""The rules for one cell of each column, applied once per DISTINCT value of a column.

Accepted spellings (the published file and the same file re-saved by a spreadsheet): dates
`2018-01-02` or `1/2/2018` (month/day/year), times `10:56:33` or `8:38:49` (or `HH:MM`), numbers
`140.0` or `140`. Digits are ASCII only, so PostgreSQL's own casts read every accepted value exactly
as these rules do (see loader/statements.py, _typed_rows).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

WHITESPACE = " \t\r\n"  # trimmed from both ends of every cell, here and in SQL (btrim)


class CellError(ValueError):
    """A cell's value is invalid; the message says why."""


PRIORITIES = {p.lower(): p for p in ("Low", "Medium", "High", "Critical")}
MAX_FIELD_CHARS = 1_000  # no real cell is longer than a product name; a 10 MB cell is an error
MAX_CUSTOMER_ID_CHARS = 20

_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")
_US_DATE = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")
_TIME = re.compile(r"([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?")
_NUMBER = re.compile(r"[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)")
_CENT = Decimal("0.01")


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


def check_cell(column: str, raw: str | None) -> str | None:
    """Why `raw` is not a valid `column` cell, or None if it is (None/blank = NULL if optional)."""
    if raw is None:
        raw = ""
    if len(raw) > MAX_FIELD_CHARS:
        return f"cell is {len(raw):,} characters long (limit {MAX_FIELD_CHARS:,})"
    value = raw.strip(WHITESPACE)
    if not value:
        return "required, but blank" if column in REQUIRED else None
    try:
        PARSERS[column](value)
    except CellError as exc:
        return str(exc)
    return None
