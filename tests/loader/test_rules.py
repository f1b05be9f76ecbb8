"""The derivation rules of the issue, on tiny hand-written CSVs.

- An order = the rows sharing (Customer_Id, Order_Date, Time); each row is one item, positioned by
  file order; priority, payment method and aging come from the order's first row in file order;
  rows that disagree with it are counted in summary.facts, not rejected.
- A customer's gender, device and login type are those of their latest order (date, then time;
  ties → the later row in the file); a later load with a newer or equally new order updates them,
  an older one does not.
Cell rules are in test_cells.py, accepted spellings and column orders in test_formats.py.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine

from tests.loader.helpers import (
    FEMALE,
    MALE,
    OTHER,
    customers,
    fetch,
    orders,
    scalar,
)
from tests.loader.loading import Row, disagreeing, load

# --- orders ---


def test_orders_group_rows_by_customer_date_and_time(tmp_path: Path, empty_engine: Engine) -> None:
    a = {"Customer_Id": "101", "Order_Date": "2018-01-02", "Time": "10:00:00"}
    b = {"Customer_Id": "102", "Order_Date": "2018-01-02", "Time": "10:00:00"}
    summary = load(
        empty_engine,
        tmp_path,
        {**a, "Product": "Car Speakers"},  # row 2: first item of order A
        {**b, "Product": "Tyre"},  # row 3: another customer at the same moment: order B
        {**a, "Time": "11:00:00", "Product": "Fans"},  # row 4: same customer, other time
        {**a, "Product": "Watch"},  # row 5: order A again, not adjacent
        {**a, "Order_Date": "2018-01-03", "Product": "Mouse"},  # row 6: other date
        {**a, "Product": "Car Mat"},  # row 7: order A, third item
        {**b, "Product": "Keyboard"},  # row 8: order B, second item
    )
    got = orders(empty_engine)
    assert set(got) == {
        ("101", "2018-01-02", "10:00:00"),
        ("102", "2018-01-02", "10:00:00"),
        ("101", "2018-01-02", "11:00:00"),
        ("101", "2018-01-03", "10:00:00"),
    }
    # positions follow the file, not the product names (which sort Car Mat, Car Speakers, Watch)
    assert got[("101", "2018-01-02", "10:00:00")][3] == [
        (1, "Car Speakers"),
        (2, "Watch"),
        (3, "Car Mat"),
    ]
    assert got[("102", "2018-01-02", "10:00:00")][3] == [(1, "Tyre"), (2, "Keyboard")]
    assert got[("101", "2018-01-02", "11:00:00")][3] == [(1, "Fans")]
    assert summary.tables["orders"].inserted == 4
    assert summary.tables["order_items"].inserted == 7
    assert summary.tables["customers"].inserted == 2
    assert disagreeing(summary) == 0


def test_first_row_in_file_order_sets_priority_payment_and_aging(
    tmp_path: Path, empty_engine: Engine
) -> None:
    key = {"Customer_Id": "201", "Order_Date": "2018-06-30", "Time": "23:59:59"}
    first = {"Order_Priority": "High", "Payment_method": "credit_card", "Aging": "5.0"}
    summary = load(
        empty_engine,
        tmp_path,
        {"Customer_Id": "999", "Product": "Tyre"},  # row 2: unrelated order
        {**key, **first, "Product": "Watch"},  # row 3: the order's first row
        {**key, "Order_Priority": "Low", "Payment_method": "e_wallet", "Aging": "7.0"},
        {"Customer_Id": "998"},  # row 5: unrelated
        {**key, **first, "Product": "Fans"},  # row 6: agrees with the first row
        {**key, **first, "Payment_method": "debit_card"},  # row 7: disagrees on payment
        {**key, **first, "Aging": "5.5"},  # row 8: disagrees on aging
        {**key, **first, "Order_Priority": "critical"},  # row 9: disagrees on priority
        {**key, **first, "Order_Priority": "HIGH"},  # row 10: same priority, other spelling
        # row 11, the order's last: disagrees on all three (so "last row wins" would show)
        {**key, "Order_Priority": "Critical", "Payment_method": "money_order", "Aging": "9.0"},
    )
    priority, payment, aging, items = orders(empty_engine)[("201", "2018-06-30", "23:59:59")]
    assert (priority, payment, aging) == ("High", "credit_card", Decimal("5.00"))
    assert [p for p, _ in items] == [1, 2, 3, 4, 5, 6, 7, 8]
    assert items[0] == (1, "Watch") and items[2] == (3, "Fans")
    assert summary.rows_rejected == 0 and summary.rows_loaded == 10  # counted, never rejected
    assert disagreeing(summary) == 5  # rows 4, 7, 8, 9 and 11


def test_first_row_wins_even_when_its_order_cells_are_blank(
    tmp_path: Path, empty_engine: Engine
) -> None:
    key = {"Customer_Id": "301", "Order_Date": "2018-02-03", "Time": "04:05:06"}
    load(
        empty_engine,
        tmp_path,
        {**key, "Payment_method": "", "Aging": ""},
        {**key, "Payment_method": "money_order", "Aging": "3.0", "Product": "Tyre"},
    )
    priority, payment, aging, _ = orders(empty_engine)[("301", "2018-02-03", "04:05:06")]
    assert (priority, payment, aging) == ("Medium", None, None)


def test_positions_are_by_file_order_even_when_the_first_row_is_late_in_the_file(
    tmp_path: Path, empty_engine: Engine
) -> None:
    """Rows of one order spread over the file, with dates earlier and later around them."""
    key = {"Customer_Id": "401", "Order_Date": "2018-12-31", "Time": "00:00:01"}
    filler = [
        {"Customer_Id": str(500 + i), "Order_Date": f"2018-{1 + i % 12:02d}-15"} for i in range(30)
    ]
    rows: list[Row] = [
        *filler[:10],
        {**key, "Product": "Zebra Mat", "Order_Priority": "Low"},
        *filler[10:20],
        {**key, "Product": "Alpha Mat", "Order_Priority": "High"},
        *filler[20:],
        {**key, "Product": "Middle Mat", "Order_Priority": "Critical"},
    ]
    summary = load(empty_engine, tmp_path, *rows)
    priority, _, _, items = orders(empty_engine)[("401", "2018-12-31", "00:00:01")]
    assert priority == "Low"
    assert items == [(1, "Zebra Mat"), (2, "Alpha Mat"), (3, "Middle Mat")]
    assert disagreeing(summary) == 2


# --- customers: the latest order's attributes ---


def test_customer_attributes_come_from_the_latest_order(
    tmp_path: Path, empty_engine: Engine
) -> None:
    summary = load(
        empty_engine,
        tmp_path,
        # 601: the latest order (by date) comes first in the file
        {"Customer_Id": "601", "Order_Date": "2018-03-01", "Time": "09:00:00", **MALE},
        {"Customer_Id": "601", "Order_Date": "2018-01-05", "Time": "23:00:00", **FEMALE},
        # 602: same date, the later time wins, whatever the file order
        {"Customer_Id": "602", "Order_Date": "2018-02-01", "Time": "18:00:00", **FEMALE},
        {"Customer_Id": "602", "Order_Date": "2018-02-01", "Time": "09:00:00", **MALE},
        # 603: a tie (same date and time, so the same order): the later row in the file wins
        {"Customer_Id": "603", "Order_Date": "2018-04-04", "Time": "12:00:00", **FEMALE},
        {"Customer_Id": "603", "Order_Date": "2018-04-04", "Time": "12:00:00", **OTHER},
        {"Customer_Id": "603", "Order_Date": "2018-04-03", "Time": "13:00:00", **MALE},
        # 604: latest order in the middle of the file
        {"Customer_Id": "604", "Order_Date": "2018-05-01", "Time": "10:00:00", **MALE},
        {"Customer_Id": "604", "Order_Date": "2018-11-30", "Time": "10:00:00", **OTHER},
        {"Customer_Id": "604", "Order_Date": "2018-07-01", "Time": "10:00:00", **FEMALE},
        # 605: the tie is decided by the later row even when it is not adjacent
        {"Customer_Id": "605", "Order_Date": "2018-08-08", "Time": "08:08:08", **OTHER},
        {"Customer_Id": "606", **MALE},
        {"Customer_Id": "605", "Order_Date": "2018-08-08", "Time": "08:08:08", **MALE},
        {"Customer_Id": "605", "Order_Date": "2018-08-07", "Time": "23:59:59", **FEMALE},
    )
    assert customers(empty_engine) == {
        "601": ("Male", "Web", "Member"),
        "602": ("Female", "Mobile", "Guest"),
        "603": ("Other", "Tablet", "First SignUp"),
        "604": ("Other", "Tablet", "First SignUp"),
        "605": ("Male", "Web", "Member"),
        "606": ("Male", "Web", "Member"),
    }
    assert summary.tables["customers"].inserted == 6


def test_latest_order_is_compared_as_dates_and_times_not_text(
    tmp_path: Path, empty_engine: Engine
) -> None:
    """Spreadsheet spellings sort wrongly as text: 1/9 > 1/10 and 8:00:00 > 10:00:00."""
    load(
        empty_engine,
        tmp_path,
        {"Customer_Id": "701", "Order_Date": "1/10/2018", "Time": "9:00:00", **MALE},
        {"Customer_Id": "701", "Order_Date": "1/9/2018", "Time": "9:00:00", **FEMALE},
        {"Customer_Id": "702", "Order_Date": "2/2/2018", "Time": "10:00:00", **MALE},
        {"Customer_Id": "702", "Order_Date": "2/2/2018", "Time": "8:00:00", **FEMALE},
        {"Customer_Id": "703", "Order_Date": "12/1/2018", "Time": "1:00:00", **OTHER},
        {"Customer_Id": "703", "Order_Date": "2/1/2018", "Time": "23:00:00", **FEMALE},
    )
    assert customers(empty_engine) == {
        "701": ("Male", "Web", "Member"),
        "702": ("Male", "Web", "Member"),
        "703": ("Other", "Tablet", "First SignUp"),
    }
    as_of = dict(fetch(empty_engine, "SELECT customer_id, profile_as_of FROM customers"))
    assert as_of["701"] == dt.datetime(2018, 1, 10, 9, 0, 0)
    assert as_of["703"] == dt.datetime(2018, 12, 1, 1, 0, 0)


def test_blank_attributes_of_the_latest_order_load_as_null(
    tmp_path: Path, empty_engine: Engine
) -> None:
    load(
        empty_engine,
        tmp_path,
        {"Customer_Id": "801", "Order_Date": "2018-01-01", **MALE},
        {
            "Customer_Id": "801",
            "Order_Date": "2018-01-02",
            "Gender": "",
            "Device_Type": " ",
            "Customer_Login_type": "",
        },
    )
    assert customers(empty_engine) == {"801": (None, None, None)}


def test_a_later_load_updates_a_customer_only_with_a_newer_or_equally_new_order(
    tmp_path: Path, empty_engine: Engine
) -> None:
    c = {"Customer_Id": "901", "Time": "10:00:00"}
    first = load(empty_engine, tmp_path, {**c, "Order_Date": "2018-05-01", **FEMALE}, name="1.csv")
    assert (first.tables["customers"].inserted, first.tables["customers"].updated) == (1, 0)

    older = load(empty_engine, tmp_path, {**c, "Order_Date": "2018-04-01", **MALE}, name="2.csv")
    assert customers(empty_engine) == {"901": ("Female", "Mobile", "Guest")}
    assert (older.tables["customers"].inserted, older.tables["customers"].updated) == (0, 0)
    assert older.tables["orders"].inserted == 1  # the older order itself is still loaded

    newer = load(empty_engine, tmp_path, {**c, "Order_Date": "2018-06-01", **MALE}, name="3.csv")
    assert customers(empty_engine) == {"901": ("Male", "Web", "Member")}
    assert (newer.tables["customers"].inserted, newer.tables["customers"].updated) == (0, 1)

    # an older order in a later file, next to a newer one of ANOTHER customer: still no update
    load(
        empty_engine,
        tmp_path,
        {**c, "Order_Date": "2018-05-31", "Time": "23:59:59", **OTHER},
        {"Customer_Id": "902", "Order_Date": "2018-12-31", **OTHER},
        name="4.csv",
    )
    assert customers(empty_engine)["901"] == ("Male", "Web", "Member")

    # equally new: the same date and time as the order the profile came from
    same = load(
        empty_engine,
        tmp_path,
        {**c, "Order_Date": "2018-06-01", **OTHER, "Product": "Tyre"},
        name="5.csv",
    )
    assert customers(empty_engine)["901"] == ("Other", "Tablet", "First SignUp")
    assert same.tables["customers"].updated == 1
    assert scalar(empty_engine, "SELECT count(*) FROM customers") == 2
