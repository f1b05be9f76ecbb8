"""Shared helpers for the loader tests: tiny hand-written CSVs, database snapshots, and an
independent (pandas, exact Decimal) computation of what the four tables must hold.

Nothing here imports the loader: the expectations are derived from the CSV text and the rules of
the issue alone.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Engine, text

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
HEADER = ",".join(COLUMNS)
TABLES = ("customers", "products", "orders", "order_items")
NUMERIC = ("Aging", "Quantity", "Discount", "Shipping_Cost", "Sales", "Profit")

DEFAULTS: dict[str, str] = {
    "Order_Date": "2018-01-02",
    "Time": "10:56:33",
    "Aging": "8.0",
    "Customer_Id": "10001",
    "Gender": "Female",
    "Device_Type": "Web",
    "Customer_Login_type": "Member",
    "Product_Category": "Auto & Accessories",
    "Product": "Car Speakers",
    "Sales": "140.0",
    "Quantity": "1.0",
    "Discount": "0.3",
    "Profit": "46.0",
    "Shipping_Cost": "4.6",
    "Order_Priority": "Medium",
    "Payment_method": "credit_card",
}


def line(columns: Iterable[str] = COLUMNS, **cells: str) -> str:
    """One raw CSV line (no quoting: the cells are written exactly as given)."""
    unknown = set(cells) - set(COLUMNS)
    assert not unknown, f"unknown columns {unknown}"
    values = {**DEFAULTS, **cells}
    return ",".join(values[c] for c in columns)


def csv_text(*rows: Mapping[str, str], columns: Iterable[str] = COLUMNS, eol: str = "\n") -> str:
    """A header plus one line per mapping of overridden cells."""
    cols = tuple(columns)
    return eol.join([",".join(cols), *(line(cols, **row) for row in rows)]) + eol


def write(directory: Path, content: str | bytes, name: str = "input.csv") -> Path:
    path = directory / name
    if isinstance(content, str):
        path.write_bytes(content.encode("utf-8"))
    else:
        path.write_bytes(content)
    return path


def run_cli(
    engine: Engine, *args: str | Path, cwd: Path, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """`python -m loader ARGS` against `engine`'s database (DATABASE_URL), run from `cwd`."""
    env = {
        **os.environ,
        "DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "COLUMNS": "300",  # a wide console, so that messages are not wrapped mid-phrase
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
    }
    return subprocess.run(
        [sys.executable, "-m", "loader", *map(str, args)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        timeout=timeout,
        check=False,
    )


# --- database snapshots ---


def checksums(engine: Engine) -> dict[str, tuple[int, str]]:
    """(row count, md5 of every row's full text in id order) per table: any change shows."""
    result: dict[str, tuple[int, str]] = {}
    with engine.connect() as conn:
        for table in TABLES:
            count, digest = conn.execute(
                text(
                    f"SELECT count(*), md5(coalesce(string_agg(t::text, ',' ORDER BY t.id), ''))"
                    f" FROM {table} t"
                )
            ).one()
            result[table] = (int(count), str(digest))
    return result


# Table contents keyed by natural keys, not surrogate ids: comparable across databases.
NATURAL_QUERIES = {
    "customers": """
        SELECT customer_id, gender, device_type, login_type, profile_as_of
        FROM customers ORDER BY customer_id""",
    "products": """
        SELECT product_category, product_name FROM products
        ORDER BY product_category, product_name""",
    "orders": """
        SELECT c.customer_id, o.order_date, o.order_time, o.order_priority, o.payment_method,
               o.aging
        FROM orders o JOIN customers c ON c.id = o.customer_id
        ORDER BY 1, 2, 3""",
    "order_items": """
        SELECT c.customer_id, o.order_date, o.order_time, i.position, p.product_category,
               p.product_name, i.quantity, i.discount, i.sales, i.profit, i.shipping_cost
        FROM order_items i
        JOIN orders o ON o.id = i.order_id
        JOIN customers c ON c.id = o.customer_id
        JOIN products p ON p.id = i.product_id
        ORDER BY 1, 2, 3, 4""",
}


def natural_content(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    with engine.connect() as conn:
        return {
            table: [tuple(r) for r in conn.execute(text(sql)).all()]
            for table, sql in NATURAL_QUERIES.items()
        }


def fetch(engine: Engine, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql), params).all()]


def scalar(engine: Engine, sql: str, **params: Any) -> Any:
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar_one()


def customers(engine: Engine) -> dict[str, tuple[str | None, str | None, str | None]]:
    rows = fetch(engine, "SELECT customer_id, gender, device_type, login_type FROM customers")
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


def orders(engine: Engine) -> dict[tuple[str, str, str], tuple[Any, ...]]:
    """(customer, 'YYYY-MM-DD', 'HH:MM:SS') -> (priority, payment, aging, [(position, product)])"""
    rows = fetch(
        engine,
        """SELECT c.customer_id, o.order_date::text, o.order_time::text, o.order_priority,
                  o.payment_method, o.aging,
                  array_agg(ARRAY[i.position::text, p.product_name] ORDER BY i.position)
           FROM orders o JOIN customers c ON c.id = o.customer_id
           JOIN order_items i ON i.order_id = o.id JOIN products p ON p.id = i.product_id
           GROUP BY 1, 2, 3, 4, 5, 6""",
    )
    return {
        (r[0], r[1], r[2]): (r[3], r[4], r[5], [(int(p), name) for p, name in r[6]]) for r in rows
    }


# --- independent expectations from the CSV (pandas, exact Decimal) ---

_US_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


def parse_date(raw: str) -> dt.date:
    match = _US_DATE.fullmatch(raw.strip())
    if match:  # the spreadsheet re-save: month/day/year
        month, day, year = (int(g) for g in match.groups())
        return dt.date(year, month, day)
    return dt.date.fromisoformat(raw.strip())


def parse_time(raw: str) -> dt.time:
    hour, minute, second = (int(part) for part in raw.strip().split(":"))
    return dt.time(hour, minute, second)


def _decimal(raw: str) -> Decimal | None:
    return Decimal(raw) if raw.strip() else None


def _int(raw: str) -> int | None:
    if not raw.strip():
        return None
    value = Decimal(raw)
    assert value == value.to_integral_value()
    return int(value)


def _text(raw: str) -> str | None:
    return raw.strip() or None


def read_expected_rows(path: Path) -> pd.DataFrame:
    """Every CSV row with typed cells (Decimal money, int quantity, date, time, None for blanks)
    and its 0-based position in the file (`file_row`). Columns are found by name."""
    converters: dict[str, Callable[[str], Any]] = {
        **{c: _text for c in COLUMNS},
        "Order_Date": parse_date,
        "Time": parse_time,
        "Aging": _decimal,
        "Sales": _decimal,
        "Profit": _decimal,
        "Shipping_Cost": _decimal,
        "Discount": _decimal,
        "Quantity": _int,
    }
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert sorted(raw.columns) == sorted(COLUMNS)
    frame = pd.DataFrame(
        {
            c: pd.Series([convert(v) for v in raw[c]], dtype=object)
            for c, convert in converters.items()
        }
    )
    frame["file_row"] = range(len(frame))
    return frame


def blank_counts(path: Path) -> dict[str, int]:
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    return {c: int((raw[c].str.strip() == "").sum()) for c in COLUMNS}


def dsum(values: Iterable[Any]) -> Decimal:
    return sum((v for v in values if v is not None), Decimal(0))


def expected_tables(frame: pd.DataFrame) -> dict[str, list[tuple[Any, ...]]]:
    """The four tables, in the shape of NATURAL_QUERIES, by the issue's rules."""
    key = ["Customer_Id", "Order_Date", "Time"]
    items = frame.sort_values("file_row", kind="stable").copy()
    items["position"] = items.groupby(key, sort=False).cumcount() + 1
    firsts = items[items["position"] == 1]
    latest = (
        items.sort_values(["Customer_Id", "Order_Date", "Time", "file_row"], kind="stable")
        .groupby("Customer_Id", sort=False)
        .tail(1)
    )

    def records(df: pd.DataFrame, *columns: str) -> list[tuple[Any, ...]]:
        return list(zip(*(df[c].tolist() for c in columns), strict=True))

    customers_rows = [
        (cid, gender, device, login, dt.datetime.combine(day, moment))
        for cid, gender, device, login, day, moment in records(
            latest,
            "Customer_Id",
            "Gender",
            "Device_Type",
            "Customer_Login_type",
            "Order_Date",
            "Time",
        )
    ]
    products_rows = sorted(set(records(items, "Product_Category", "Product")))
    orders_rows = [
        (cid, day, moment, priority.capitalize(), payment, aging)
        for cid, day, moment, priority, payment, aging in records(
            firsts, *key, "Order_Priority", "Payment_method", "Aging"
        )
    ]
    item_rows = records(
        items,
        *key,
        "position",
        "Product_Category",
        "Product",
        "Quantity",
        "Discount",
        "Sales",
        "Profit",
        "Shipping_Cost",
    )
    return {
        "customers": customers_rows,
        "products": products_rows,
        "orders": orders_rows,
        "order_items": item_rows,
    }


KEY_WIDTH = {"customers": 1, "products": 2, "orders": 3, "order_items": 4}  # natural key


def assert_same_rows(
    actual: Mapping[str, list[tuple[Any, ...]]], expected: Mapping[str, list[tuple[Any, ...]]]
) -> None:
    """Table by table: the same rows, values compared exactly (Decimal("140.00") equals
    Decimal("140.0"), but not 140.01); a few differences are shown."""
    for table in TABLES:
        width = KEY_WIDTH[table]
        got = sorted(actual[table], key=lambda r: r[:width])
        want = sorted(expected[table], key=lambda r: r[:width])
        if got == want:
            continue
        got_set, want_set = set(got), set(want)
        missing = [r for r in want if r not in got_set][:5]
        extra = [r for r in got if r not in want_set][:5]
        raise AssertionError(
            f"{table}: {len(got)} rows in the database, {len(want)} expected; "
            f"missing {missing}; unexpected {extra}"
        )


# Three distinct sets of customer attributes, for the latest-order rule.
MALE = {"Gender": "Male", "Device_Type": "Web", "Customer_Login_type": "Member"}
FEMALE = {"Gender": "Female", "Device_Type": "Mobile", "Customer_Login_type": "Guest"}
OTHER = {"Gender": "Other", "Device_Type": "Tablet", "Customer_Login_type": "First SignUp"}
