"""Expected API results computed independently of the app: pandas over the raw CSV.

Money columns are parsed with `converters` into Decimal so every sum is exact. Derivation rules
(from the issue): an order is the rows sharing (Customer_Id, Order_Date, Time); a customer's
attributes are those of their latest order (by date, then time; ties → the later row in the file).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd

ZERO = Decimal("0")
ORDER_KEY = ["Customer_Id", "Order_Date", "Time"]
TEXT_COLUMNS = [
    "Order_Date",
    "Time",
    "Customer_Id",
    "Gender",
    "Device_Type",
    "Customer_Login_type",
    "Product_Category",
    "Product",
    "Order_Priority",
    "Payment_method",
]


def _decimal(raw: str) -> Decimal | None:
    return Decimal(raw) if raw.strip() else None


def _int(raw: str) -> int | None:
    return int(Decimal(raw)) if raw.strip() else None


def dsum(values: pd.Series) -> Decimal:
    """Exact sum ignoring missing values (as SQL SUM does), 0 when nothing is left."""
    return sum((v for v in values if v is not None and not pd.isna(v)), ZERO)


def isum(values: pd.Series) -> int:
    return int(sum(int(v) for v in values if v is not None and not pd.isna(v)))


def money(value: Decimal) -> str:
    """The API's money format."""
    return f"{value.quantize(Decimal('0.01')):.2f}"


@dataclass(frozen=True)
class Expected:
    rows: pd.DataFrame  # one per CSV row, money as Decimal, plus `row` (file position)
    orders: pd.DataFrame  # one per derived order, indexed by ORDER_KEY
    customers: pd.DataFrame  # one per Customer_Id
    products: pd.DataFrame  # one per (Product_Category, Product)

    @classmethod
    def from_csv(cls, path: Path) -> Expected:
        # Converters for every column: text stays text (ids like "037" keep their zeros).
        converters: dict[str, Callable[[str], Any]] = {
            **{column: str for column in TEXT_COLUMNS},
            "Sales": _decimal,
            "Profit": _decimal,
            "Shipping_Cost": _decimal,
            "Discount": _decimal,
            "Aging": _decimal,
            "Quantity": _int,
        }
        rows = pd.read_csv(path, keep_default_na=False, converters=converters)
        rows["row"] = range(len(rows))
        rows["date"] = [dt.date.fromisoformat(d) for d in rows["Order_Date"]]
        orders = rows.groupby(ORDER_KEY, sort=False).agg(
            date=("date", "first"),
            priority=("Order_Priority", "first"),
            payment_method=("Payment_method", "first"),
            item_count=("row", "size"),
            total_quantity=("Quantity", isum),
            total_sales=("Sales", dsum),
            total_profit=("Profit", dsum),
            total_shipping_cost=("Shipping_Cost", dsum),
        )
        latest = rows.sort_values(["Order_Date", "Time", "row"]).groupby("Customer_Id").last()
        by_customer = orders.reset_index().groupby("Customer_Id")
        customers = pd.DataFrame(
            {
                "gender": latest["Gender"],
                "device_type": latest["Device_Type"],
                "login_type": latest["Customer_Login_type"],
                "profile_as_of": latest["Order_Date"] + "T" + latest["Time"],
                "order_count": by_customer.size(),
                "item_count": by_customer["item_count"].sum(),
                "total_sales": by_customer["total_sales"].agg(dsum),
                "total_profit": by_customer["total_profit"].agg(dsum),
                "first_order_date": by_customer["date"].min(),
                "last_order_date": by_customer["date"].max(),
            }
        )
        products = rows.groupby(["Product_Category", "Product"]).agg(
            units_sold=("Quantity", isum),
            total_sales=("Sales", dsum),
            total_profit=("Profit", dsum),
            item_count=("row", "size"),
        )
        return cls(rows=rows, orders=orders, customers=customers, products=products)

    def rows_between(self, date_from: dt.date | None, date_to: dt.date | None) -> pd.DataFrame:
        mask = pd.Series(True, index=self.rows.index)
        if date_from is not None:
            mask &= self.rows["date"] >= date_from
        if date_to is not None:
            mask &= self.rows["date"] <= date_to
        return self.rows[mask]

    def revenue(self, date_from: dt.date | None = None, date_to: dt.date | None = None) -> dict:
        rows = self.rows_between(date_from, date_to)
        return {
            "total_revenue": money(dsum(rows["Sales"])),
            "total_profit": money(dsum(rows["Profit"])),
            "total_shipping_cost": money(dsum(rows["Shipping_Cost"])),
            "order_count": len(rows.groupby(ORDER_KEY)),
            "item_count": len(rows),
        }

    def top_products(self, by: str, limit: int) -> list[tuple[str, str, str, int, str]]:
        """(name, category, sales, quantity, profit) best first, ties by name, then category."""
        column = {"sales": "total_sales", "quantity": "units_sold", "profit": "total_profit"}[by]
        table = self.products.reset_index()
        ranked = sorted(
            zip(
                table["Product"],
                table["Product_Category"],
                table["total_sales"],
                table["units_sold"],
                table["total_profit"],
                table[column],
                strict=True,
            ),
            key=lambda p: (-p[5], p[0], p[1]),
        )
        return [
            (str(name), str(category), money(sales), int(units), money(profit))
            for name, category, sales, units, profit, _ in ranked[:limit]
        ]
