"""The synthetic generator reproduces the published format and its quirks (no database)."""

from __future__ import annotations

import re
from itertools import pairwise
from pathlib import Path

import pandas as pd
import pytest

from loader.synth import generate, main
from loader.vocab import HEADER, PUBLISHED_ROWS

NUMERIC = ["Aging", "Quantity", "Discount", "Shipping_Cost"]
ORDER_KEY = ["Customer_Id", "Order_Date", "Time"]
PUBLISHED_LINE = re.compile(
    r"2018-\d\d-\d\d,\d\d:\d\d:\d\d,(\d+\.\d)?,\d{5},(Male|Female),(Web|Mobile),[^,]+,[^,]+,[^,]+,"
    r"\d+\.0,(\d\.0)?,(0\.\d)?,\d+\.\d,(\d+\.\d)?,(Low|Medium|High|Critical),[a-z_]+"
)
SPREADSHEET_LINE = re.compile(
    r"\d{1,2}/\d{1,2}/2018,\d{1,2}:\d\d:\d\d,(\d+(\.5)?)?,\d{5},[^,]+,[^,]+,[^,]+,[^,]+,[^,]+,"
    r"\d+,\d?,(0\.\d)?,\d+(\.[1-9])?,(\d+(\.[1-9])?)?,[^,]+,[^,]+"
)


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(tmp_path_factory.mktemp("synth") / "published.csv", PUBLISHED_ROWS, seed=7)


@pytest.fixture(scope="module")
def frame(published: Path) -> pd.DataFrame:
    return _read(published)


def test_published_format(published: Path) -> None:
    raw = published.read_bytes()
    assert b"\r" not in raw
    assert raw.endswith(b"\n")
    lines = raw.decode("utf-8").split("\n")[:-1]
    assert lines[0] == HEADER
    assert len(lines) == PUBLISHED_ROWS + 1
    bad = [line for line in lines[1:] if not PUBLISHED_LINE.fullmatch(line)]
    assert bad == []


def test_vocabulary_and_structure(frame: pd.DataFrame) -> None:
    assert len(frame) == PUBLISHED_ROWS
    assert frame["Product"].nunique() == 42
    assert set(frame["Product_Category"]) == {
        "Auto & Accessories",
        "Electronic",
        "Fashion",
        "Home & Furniture",
    }
    assert frame.groupby("Product")["Product_Category"].nunique().max() == 1
    assert frame.groupby("Product")["Sales"].nunique().max() == 1  # a list price, not a total
    # Sorted by category: each category is one contiguous run.
    runs = (frame["Product_Category"] != frame["Product_Category"].shift()).sum()
    assert runs == 4
    assert {"Member", "Guest", "First SignUp"} <= set(frame["Customer_Login_type"])
    assert {"credit_card", "money_order", "e_wallet", "debit_card"} <= set(frame["Payment_method"])
    assert set(frame["Order_Priority"]) == {"Low", "Medium", "High", "Critical"}
    assert set(frame["Discount"]) - {""} == {"0.1", "0.2", "0.3", "0.4", "0.5"}
    assert set(frame["Quantity"]) - {""} == {"1.0", "2.0", "3.0", "4.0", "5.0"}
    dates = pd.to_datetime(frame["Order_Date"], format="%Y-%m-%d")
    assert (dates.dt.year == 2018).all()


def test_shipping_is_about_a_tenth_of_profit(frame: pd.DataFrame) -> None:
    profit = pd.to_numeric(frame["Profit"])
    shipping = pd.to_numeric(frame["Shipping_Cost"], errors="coerce")
    ratio = (shipping / profit).dropna()
    assert ratio.median() == pytest.approx(0.1, abs=0.002)
    assert ratio.between(0.05, 0.15).all()
    assert (profit > 0).all()


def test_blank_numeric_cells(frame: pd.DataFrame) -> None:
    blanks = {column: int((frame[column] == "").sum()) for column in frame.columns}
    assert 0 < sum(blanks.values()) <= 20
    assert {column for column, n in blanks.items() if n} <= set(NUMERIC)


def test_multi_item_orders(frame: pd.DataFrame) -> None:
    positions = frame.reset_index().groupby(ORDER_KEY)["index"].agg(list)
    multi = positions[positions.map(len) > 1]
    assert len(multi) > 100
    gaps = multi.map(lambda rows: [b - a for a, b in pairwise(rows)])
    assert gaps.map(lambda g: 1 in g).any()  # items on consecutive rows
    assert gaps.map(lambda g: any(gap > 1 for gap in g)).any()  # items far apart
    orders = frame.groupby(ORDER_KEY)
    for column in ["Order_Priority", "Payment_method", "Aging"]:
        assert (orders[column].nunique() > 1).any(), f"no order disagrees on {column}"


def test_customers_change_attributes(frame: pd.DataFrame) -> None:
    customers = frame.groupby("Customer_Id")
    assert frame["Customer_Id"].duplicated().any()
    for column in ["Gender", "Customer_Login_type", "Device_Type"]:
        assert (customers[column].nunique() > 1).any(), f"no customer changes {column}"


def test_deterministic_by_seed(tmp_path: Path) -> None:
    a = generate(tmp_path / "a.csv", 3_000, seed=1).read_bytes()
    b = generate(tmp_path / "b.csv", 3_000, seed=1).read_bytes()
    c = generate(tmp_path / "c.csv", 3_000, seed=2).read_bytes()
    assert a == b
    assert a != c


def test_small_and_empty_files(tmp_path: Path) -> None:
    assert generate(tmp_path / "empty.csv", 0).read_text() == HEADER + "\n"
    assert len(_read(generate(tmp_path / "ten.csv", 10))) == 10


def test_spreadsheet_style_is_the_same_data(tmp_path: Path) -> None:
    rows = 8_000
    original = generate(tmp_path / "o.csv", rows, seed=3)
    sheet = generate(tmp_path / "s.csv", rows, seed=3, style="spreadsheet", bom=True)
    raw = sheet.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf" + HEADER.encode() + b"\r\n")
    assert raw.count(b"\r\n") == rows + 1 == raw.count(b"\n")
    lines = raw[3:].decode("utf-8").split("\r\n")[1:-1]
    bad = [line for line in lines if not SPREADSHEET_LINE.fullmatch(line)]
    assert bad == []
    assert any(re.match(r"\d{1,2}/\d{1,2}/2018,\d:", line) for line in lines)  # 8:38:49

    published = pd.read_csv(original, keep_default_na=True)
    spreadsheet = pd.read_csv(sheet, keep_default_na=True, encoding="utf-8-sig")
    spreadsheet["Order_Date"] = pd.to_datetime(
        spreadsheet["Order_Date"], format="%m/%d/%Y"
    ).dt.strftime("%Y-%m-%d")
    spreadsheet["Time"] = pd.to_datetime(spreadsheet["Time"], format="%H:%M:%S").dt.strftime(
        "%H:%M:%S"
    )
    pd.testing.assert_frame_equal(published, spreadsheet, check_dtype=False)
    assert not (tmp_path / "o.csv").read_bytes().startswith(b"\xef")


def test_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "nested" / "cli.csv"
    main([str(out), "--rows", "500", "--seed", "9", "--style", "spreadsheet"])
    assert "500 rows" in capsys.readouterr().out
    assert out.read_bytes().count(b"\r\n") == 501
