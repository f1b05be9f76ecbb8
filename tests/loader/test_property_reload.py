"""Property test (hypothesis): any valid file loads into exactly what the README's rules give, and
loading it again, in the same or the other spelling, changes nothing.

The generated files mix what the real file and its spreadsheet re-save hold: multi-item orders
whose rows are scattered through the file and may disagree on order-level cells, customers whose
attributes change between orders, blank numeric and optional cells, both date/time/number
spellings (row by row), lower/upper-case priorities, padded cells, columns in any order, CRLF and
a BOM. Each example starts from empty tables (one database, truncated: ~20x cheaper than a new
database per example, whose creation and removal cost ~0.7 s).
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, text

from loader.load import load_csv
from loader.vocab import CATEGORIES, DEVICES, GENDERS, LOGIN_TYPES, PAYMENTS, PRIORITIES
from tests.loader.helpers import (
    COLUMNS,
    TABLES,
    assert_same_rows,
    checksums,
    expected_tables,
    natural_content,
    read_expected_rows,
    write,
)

MAX_EXAMPLES = 25
PRODUCTS = [(category, p.name, p.sales) for category, _, items in CATEGORIES for p in items]
CUSTOMERS = ["10001", "10002", "10003", "20417"]  # few, so that they come back
DAYS = [dt.date(2018, 1, 2), dt.date(2018, 2, 28), dt.date(2018, 11, 12)]
TIMES = [dt.time(0, 0, 0), dt.time(8, 5, 9), dt.time(23, 59, 59)]


@dataclass(frozen=True)
class Row:
    """One CSV row as values; `spell` turns it into cells."""

    customer: str
    day: dt.date
    moment: dt.time
    gender: str | None
    device: str | None
    login: str | None
    category: str
    product: str
    sales: Decimal | None
    quantity: int | None
    discount: Decimal | None
    profit: Decimal | None
    shipping: Decimal | None
    priority: str
    payment: str | None
    aging: Decimal | None
    spreadsheet: bool  # M/D/YYYY, 8:05:09, 140 instead of 2018-01-02, 08:05:09, 140.0
    padded: bool  # spaces around the text cells


def number(value: Decimal | int | None, spreadsheet: bool) -> str:
    if value is None:
        return ""
    text = f"{Decimal(value):f}"
    if spreadsheet and Decimal(value) == Decimal(value).to_integral_value():
        return str(int(value))
    return text if "." in text else text + ".0"


def spell(row: Row) -> dict[str, str]:
    day, moment, sheet = row.day, row.moment, row.spreadsheet
    pad = (lambda s: f"  {s} ") if row.padded else (lambda s: s)
    return {
        "Order_Date": f"{day.month}/{day.day}/{day.year}" if sheet else day.isoformat(),
        "Time": f"{moment.hour}:{moment:%M:%S}" if sheet else f"{moment:%H:%M:%S}",
        "Aging": number(row.aging, sheet),
        "Customer_Id": pad(row.customer),
        "Gender": row.gender or "",
        "Device_Type": row.device or "",
        "Customer_Login_type": row.login or "",
        "Product_Category": row.category,
        "Product": pad(row.product),
        "Sales": number(row.sales, sheet),
        "Quantity": number(row.quantity, sheet),
        "Discount": number(row.discount, sheet),
        "Profit": number(row.profit, sheet),
        "Shipping_Cost": number(row.shipping, sheet),
        "Order_Priority": pad(row.priority),
        "Payment_method": row.payment or "",
    }


def csv_bytes(rows: list[Row], columns: list[str], eol: str, bom: bool) -> bytes:
    lines = [",".join(columns), *(",".join(spell(r)[c] for c in columns) for r in rows)]
    return ("\ufeff" if bom else "").encode() + (eol.join(lines) + eol).encode()


def blank_or(strategy: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(st.none(), strategy)


def money(low: str, high: str) -> st.SearchStrategy[Decimal]:
    return st.decimals(Decimal(low), Decimal(high), places=2)


def vocabulary(values: tuple[tuple[str, float], ...]) -> st.SearchStrategy[str]:
    return st.sampled_from([value for value, _ in values])


@st.composite
def orders(draw: st.DrawFn) -> list[Row]:
    """One order's rows: 1-3 items, each may disagree with the first on order-level cells."""
    first: Row | None = None
    rows = []
    for _ in range(draw(st.integers(1, 3))):
        category, product, sales = draw(st.sampled_from(PRODUCTS))
        priority = draw(vocabulary(PRIORITIES))
        row = Row(
            customer=first.customer if first else draw(st.sampled_from(CUSTOMERS)),
            day=first.day if first else draw(st.sampled_from(DAYS)),
            moment=first.moment if first else draw(st.sampled_from(TIMES)),
            gender=draw(blank_or(vocabulary(GENDERS))),
            device=draw(blank_or(vocabulary(DEVICES))),
            login=draw(blank_or(vocabulary(LOGIN_TYPES))),
            category=category,
            product=product,
            sales=draw(blank_or(st.just(Decimal(sales)) | money("0", "300"))),
            quantity=draw(blank_or(st.integers(1, 5))),
            discount=draw(blank_or(money("0", "1"))),
            profit=draw(blank_or(money("-50", "200"))),
            shipping=draw(blank_or(money("0", "25"))),
            priority=draw(st.sampled_from([priority, priority.lower(), priority.upper()])),
            payment=draw(blank_or(vocabulary(PAYMENTS))),
            aging=draw(blank_or(money("0", "10"))),
            spreadsheet=draw(st.booleans()),
            padded=draw(st.booleans()),
        )
        if first is not None and draw(st.booleans()):  # usually the same order-level cells
            row = replace(
                row,
                gender=first.gender,
                device=first.device,
                login=first.login,
                priority=first.priority,
                payment=first.payment,
                aging=first.aging,
            )
        first = first or row
        rows.append(row)
    return rows


@st.composite
def files(draw: st.DrawFn) -> tuple[list[Row], list[str], str, bool]:
    """Rows in file order (an order's rows scattered), column order, line ending, BOM."""
    rows = [row for order in draw(st.lists(orders(), min_size=1, max_size=8)) for row in order]
    return (
        draw(st.permutations(rows)),
        draw(st.permutations(COLUMNS)),
        draw(st.sampled_from(["\n", "\r\n"])),
        draw(st.booleans()),
    )


def independent_counts(rows: list[Row]) -> dict[str, int]:
    return {
        "customers": len({r.customer for r in rows}),
        "products": len({(r.category, r.product) for r in rows}),
        "orders": len({(r.customer, r.day, r.moment) for r in rows}),
        "order_items": len(rows),
    }


@pytest.fixture(scope="module")
def engine(new_database: Callable[[], Engine]) -> Engine:
    return new_database()


def truncate(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))


def describe(rows: list[Row]) -> None:
    """Hypothesis statistics (--hypothesis-show-statistics): what the examples exercised."""
    counts = independent_counts(rows)
    event("multi-item order" if counts["orders"] < len(rows) else "single-item orders only")
    event("returning customer" if counts["customers"] < counts["orders"] else "one order each")
    event("both spellings" if len({r.spreadsheet for r in rows}) == 2 else "one spelling")
    event("blank cells" if any(None in (r.quantity, r.aging, r.gender) for r in rows) else "none")


@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(generated=files())
def test_any_valid_file_loads_by_the_rules_and_reloads_to_identical_tables(
    generated: tuple[list[Row], list[str], str, bool], engine: Engine
) -> None:
    rows, columns, eol, bom = generated
    describe(rows)
    truncate(engine)
    with tempfile.TemporaryDirectory() as directory:
        source = write(Path(directory), csv_bytes(rows, columns, eol, bom))
        first = load_csv(source, engine)
        assert first.committed and first.rows_rejected == 0, first.errors
        loaded = checksums(engine)
        assert {t: loaded[t][0] for t in TABLES} == independent_counts(rows)
        assert_same_rows(natural_content(engine), expected_tables(read_expected_rows(source)))

        again = load_csv(source, engine)
        assert again.committed and checksums(engine) == loaded
        assert not any(t.inserted or t.updated for t in again.tables.values()), again.tables

        # The same rows, in the same order, all in the other spelling: still nothing to change.
        respelled = [replace(r, spreadsheet=not r.spreadsheet, padded=False) for r in rows]
        other = write(Path(directory), csv_bytes(respelled, list(COLUMNS), "\r\n", True), "b.csv")
        assert load_csv(other, engine).committed and checksums(engine) == loaded
