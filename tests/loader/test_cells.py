"""Cell rules seen through a load: blanks become NULL and are counted, priorities and text are
normalised, edge values load exactly, products are unique per (category, name)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine

from tests.loader.helpers import (
    customers,
    fetch,
    scalar,
)
from tests.loader.loading import load

# --- cells ---


def test_blank_numeric_cells_load_as_null_and_are_counted(
    tmp_path: Path, empty_engine: Engine
) -> None:
    summary = load(
        empty_engine,
        tmp_path,
        {"Customer_Id": "1001", "Aging": "", "Quantity": ""},
        {"Customer_Id": "1002", "Discount": "", "Shipping_Cost": ""},
        {"Customer_Id": "1003", "Sales": "", "Profit": " "},
        {"Customer_Id": "1004", "Aging": "  "},
        {"Customer_Id": "1005", "Payment_method": ""},
    )
    for column, count in {
        "Aging": 2,
        "Quantity": 1,
        "Discount": 1,
        "Shipping_Cost": 1,
        "Sales": 1,
        "Profit": 1,
    }.items():
        assert summary.blank_cells.get(column, 0) == count, (column, summary.blank_cells)
    items = {
        r[0]: r[1:]
        for r in fetch(
            empty_engine,
            """SELECT c.customer_id, o.aging, i.quantity, i.discount, i.shipping_cost, i.sales,
                      i.profit, o.payment_method
               FROM order_items i JOIN orders o ON o.id = i.order_id
               JOIN customers c ON c.id = o.customer_id""",
        )
    }
    d = Decimal
    assert items == {
        "1001": (None, None, d("0.30"), d("4.60"), d("140.00"), d("46.00"), "credit_card"),
        "1002": (d("8.00"), 1, None, None, d("140.00"), d("46.00"), "credit_card"),
        "1003": (d("8.00"), 1, d("0.30"), d("4.60"), None, None, "credit_card"),
        "1004": (None, 1, d("0.30"), d("4.60"), d("140.00"), d("46.00"), "credit_card"),
        "1005": (d("8.00"), 1, d("0.30"), d("4.60"), d("140.00"), d("46.00"), None),
    }
    assert summary.rows_loaded == 5


PRIORITY_SPELLINGS = {
    "low": "Low",
    "LOW": "Low",
    "mEdIuM": "Medium",
    "HIGH": "High",
    " critical ": "Critical",
    "Critical": "Critical",
}


def test_priority_is_case_insensitive_and_stored_canonical(
    tmp_path: Path, empty_engine: Engine
) -> None:
    spellings = list(PRIORITY_SPELLINGS.items())
    load(
        empty_engine,
        tmp_path,
        *({"Customer_Id": f"11{i}", "Order_Priority": raw} for i, (raw, _) in enumerate(spellings)),
    )
    stored = dict(
        fetch(
            empty_engine,
            "SELECT c.customer_id, o.order_priority FROM orders o"
            " JOIN customers c ON c.id = o.customer_id",
        )
    )
    assert stored == {f"11{i}": canonical for i, (_, canonical) in enumerate(spellings)}


def test_categorical_cells_accept_any_trimmed_text(tmp_path: Path, empty_engine: Engine) -> None:
    load(
        empty_engine,
        tmp_path,
        {
            "Customer_Id": " 1101 ",
            "Gender": "Non-binary",
            "Device_Type": " Tablet ",
            "Customer_Login_type": "First SignUp",
            "Payment_method": "not_defined",
            "Product_Category": "Toys & Games",
            "Product": "  Kite ",
        },
    )
    assert customers(empty_engine) == {"1101": ("Non-binary", "Tablet", "First SignUp")}
    assert fetch(empty_engine, "SELECT product_category, product_name FROM products") == [
        ("Toys & Games", "Kite")
    ]
    assert fetch(empty_engine, "SELECT payment_method FROM orders") == [("not_defined",)]


def test_valid_edge_values_are_accepted_and_stored_exactly(
    tmp_path: Path, empty_engine: Engine
) -> None:
    load(
        empty_engine,
        tmp_path,
        {"Customer_Id": "1201", "Profit": "-12.5", "Discount": "0", "Sales": "0.1"},
        {"Customer_Id": "1202", "Discount": "1", "Sales": "0.2", "Quantity": "12"},
        {"Customer_Id": "1203", "Sales": "99999.99", "Profit": "-0.01", "Shipping_Cost": "0"},
        {"Customer_Id": "1204", "Aging": "0.0", "Sales": "140.25", "Quantity": "3"},
    )
    rows = dict(
        (r[0], r[1:])
        for r in fetch(
            empty_engine,
            """SELECT c.customer_id, i.sales, i.profit, i.discount, i.quantity, i.shipping_cost
               FROM order_items i JOIN orders o ON o.id = i.order_id
               JOIN customers c ON c.id = o.customer_id""",
        )
    )
    d = Decimal
    assert rows["1201"] == (d("0.10"), d("-12.50"), d("0.00"), 1, d("4.60"))
    assert rows["1202"] == (d("0.20"), d("46.00"), d("1.00"), 12, d("4.60"))
    assert rows["1203"] == (d("99999.99"), d("-0.01"), d("0.30"), 1, d("0.00"))
    # Sales is the recorded amount, never multiplied by Quantity
    assert rows["1204"][0] == d("140.25") and rows["1204"][3] == 3
    revenue = scalar(empty_engine, "SELECT sum(sales) FROM order_items")
    assert revenue == d("100140.54")  # exact NUMERIC, no float drift (0.1 + 0.2 + ...)
    assert scalar(empty_engine, "SELECT pg_typeof(sum(sales))::text FROM order_items") == (
        "numeric"
    )


def test_products_are_unique_per_category_and_name(tmp_path: Path, empty_engine: Engine) -> None:
    summary = load(
        empty_engine,
        tmp_path,
        {"Customer_Id": "1301", "Product_Category": "Fashion", "Product": "Sports Wear"},
        {"Customer_Id": "1302", "Product_Category": "Fashion", "Product": "Sports Wear"},
        {"Customer_Id": "1303", "Product_Category": "Electronic", "Product": "Sports Wear"},
        {"Customer_Id": "1304", "Product_Category": "Electronic", "Product": "Watch"},
        {"Customer_Id": "1305", "Product_Category": "Electronic", "Product": " Watch "},
        {"Customer_Id": "1301", "Product_Category": "Fashion", "Product": "Sports Wear"},
    )
    products = fetch(
        empty_engine, "SELECT product_category, product_name FROM products ORDER BY 1, 2"
    )
    assert products == [
        ("Electronic", "Sports Wear"),
        ("Electronic", "Watch"),
        ("Fashion", "Sports Wear"),
    ]
    assert summary.tables["products"].inserted == 3
    per_product = fetch(
        empty_engine,
        """SELECT p.product_category, p.product_name, array_agg(c.customer_id)
           FROM order_items i JOIN products p ON p.id = i.product_id
           JOIN orders o ON o.id = i.order_id JOIN customers c ON c.id = o.customer_id
           GROUP BY 1, 2 ORDER BY 1, 2""",
    )
    assert [sorted(ids) for *_, ids in per_product] == [
        ["1303"],
        ["1304", "1305"],
        ["1301", "1301", "1302"],
    ]
    again = load(
        empty_engine,
        tmp_path,
        {"Customer_Id": "1306", "Product_Category": "Fashion", "Product": "Sports Wear"},
        name="again.csv",
    )
    assert again.tables["products"].inserted == 0
    assert scalar(empty_engine, "SELECT count(*) FROM products") == 3
