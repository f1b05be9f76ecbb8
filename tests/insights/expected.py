"""Expected insights computed independently of the app: pandas over the raw CSV, exact arithmetic.

Built on `tests.api.expected.Expected` (rows, derived orders, customers with their latest
attributes, products). Sums are exact Decimals; ratios are exact Fractions rounded half away from
zero to 2 decimals (percentages, averages, money) or 4 (correlations), as PostgreSQL's ROUND does.
Outputs use the API's JSON shapes (money and percentages as 2-decimal strings).

Filters (`Filters`: an order-date range and a category) are applied to the CSV rows, as the
insights define them: the items considered are the rows in the range (of the category); the
orders considered are the orders of those rows, with their order-level fields (priority, payment)
as derived from all their rows; the customers considered are those orders' customers, with their
latest attributes over the whole file. Without filters these are every row, order and customer.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction
from typing import Any

import pandas as pd

from tests.api.expected import ORDER_KEY, Expected, dsum, isum

PERCENTILES = {"p25": "0.25", "p50": "0.5", "p75": "0.75", "p90": "0.9", "p99": "0.99"}


@dataclass(frozen=True)
class Filters:
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    category: str | None = None

    def params(self) -> dict[str, str]:
        """As REST query parameters."""
        values = {"date_from": self.date_from, "date_to": self.date_to, "category": self.category}
        return {k: str(v) for k, v in values.items() if v is not None}

    def variables(self) -> dict[str, str | None]:
        """As GraphQL variables."""
        params = self.params()
        return {"dateFrom": params.get("date_from"), "dateTo": params.get("date_to"),
                "category": self.category}  # fmt: skip


NONE = Filters()


def items(exp: Expected, f: Filters = NONE) -> pd.DataFrame:
    """The rows considered: order date in the range and, with a category, of that category."""
    rows = exp.rows_between(f.date_from, f.date_to)
    return rows if f.category is None else rows[rows["Product_Category"] == f.category]


def orders(exp: Expected, f: Filters = NONE) -> pd.DataFrame:
    """The orders considered (holding a row considered), with their own order-level fields."""
    keys = pd.MultiIndex.from_frame(items(exp, f)[ORDER_KEY]).unique()
    return exp.orders[exp.orders.index.isin(keys)]


def customers(exp: Expected, f: Filters = NONE) -> pd.DataFrame:
    """The customers of the orders considered, with their latest attributes (whole file)."""
    ids = set(items(exp, f)["Customer_Id"])
    return exp.customers[exp.customers.index.isin(ids)]


def rounded(value: Fraction | Decimal | int | None, places: int = 2) -> str | None:
    """`value` rounded half away from zero, as a string with exactly `places` decimals."""
    if value is None:
        return None
    fraction = Fraction(value)
    scaled = fraction * 10**places
    whole = math.floor(abs(scaled) + Fraction(1, 2))
    sign = "-" if scaled < 0 and whole else ""
    digits = f"{whole:0{places + 1}d}"
    return f"{sign}{digits[:-places]}.{digits[-places:]}"


def ratio(numerator: Decimal | int, denominator: Decimal | int, scale: int = 1) -> str | None:
    if not denominator:
        return None
    return rounded(Fraction(numerator) * scale / Fraction(denominator))


def pct(part: Decimal | int, whole: Decimal | int) -> str | None:
    return ratio(part, whole, 100)


def recorded(value: Any) -> bool:
    """Blank cells: '' for text, None/NaN for numbers."""
    return value is not None and value != "" and not (isinstance(value, float) and pd.isna(value))


def with_recorded(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """The rows whose `column` is recorded (a boolean mask, so an empty frame stays a frame)."""
    return frame[frame[column].map(recorded).astype(bool)]


def groups(frame: pd.DataFrame, by: str | list[str]) -> list[tuple[Any, pd.DataFrame]]:
    """(key, rows) per group, keys ascending (untyped keys: pandas' stubs are too wide)."""
    return sorted(((key, rows) for key, rows in frame.groupby(by)), key=lambda g: g[0])


def _ranked(counts: Iterable[tuple[str, int]], total: int) -> list[tuple[str, int, str | None]]:
    ordered = sorted(counts, key=lambda item: (-item[1], item[0]))
    return [(value, count, pct(count, total)) for value, count in ordered]


def customers_overview(exp: Expected, f: Filters = NONE) -> dict[str, Any]:
    considered = customers(exp, f)
    out: dict[str, Any] = {"total_customers": len(considered)}
    for key, column in (("by_device_type", "device_type"), ("by_login_type", "login_type")):
        values = [v for v in considered[column] if recorded(v)]
        counts = pd.Series(values, dtype=object).value_counts()
        out[key] = [
            {"value": value, "customers": count, "share_pct": share}
            for value, count, share in _ranked(
                ((str(v), int(c)) for v, c in counts.items()), len(values)
            )
        ]
    return out


def top_categories(exp: Expected, limit: int, f: Filters = NONE) -> list[dict[str, Any]]:
    """Ranked, with shares, among every category in the date range; then only `f.category`."""
    in_range = items(exp, Filters(f.date_from, f.date_to))
    total = dsum(in_range["Sales"])
    found = []
    for category, rows in groups(in_range, "Product_Category"):
        revenue = dsum(rows["Sales"])
        found.append(
            {
                "category": category,
                "item_count": len(rows),
                "total_quantity": isum(rows["Quantity"]),
                "total_revenue": rounded(revenue),
                "total_profit": rounded(dsum(rows["Profit"])),
                "revenue_share_pct": pct(revenue, total),
                "_key": (-revenue, category),
            }
        )
    found.sort(key=lambda g: g.pop("_key"))
    ranked = [{"rank": i, **g} for i, g in enumerate(found, start=1)]
    return [g for g in ranked if f.category in (None, g["category"])][:limit]


def profit_margins(exp: Expected) -> list[dict[str, Any]]:
    products: list[dict[str, Any]] = []
    index: Any
    for index, row in exp.products.iterrows():
        category, name = index
        sales, profit = row["total_sales"], row["total_profit"]
        margin = Fraction(profit) / Fraction(sales) if sales else None
        products.append(
            {
                "product_name": name,
                "product_category": category,
                "total_sales": rounded(sales),
                "total_profit": rounded(profit),
                "margin_pct": rounded(margin * 100) if margin is not None else None,
                "_key": (margin is None, -(margin or 0), name, category),
            }
        )
    products.sort(key=lambda p: p.pop("_key"))
    return [{"rank": i, **p} for i, p in enumerate(products, start=1)]


def orders_overview(exp: Expected, f: Filters = NONE) -> dict[str, Any]:
    considered, rows = orders(exp, f), items(exp, f)
    with_quantity = rows.groupby(ORDER_KEY)["Quantity"].agg(lambda q: any(map(recorded, q)))
    revenue, quantity = dsum(rows["Sales"]), isum(rows["Quantity"])
    urgent = int(considered["priority"].isin(["High", "Critical"]).sum())
    return {
        "order_count": len(considered),
        "item_count": len(rows),
        "total_quantity": quantity,
        "avg_quantity_per_order": ratio(quantity, int(with_quantity.sum())),
        "avg_items_per_order": ratio(len(rows), len(considered)),
        "total_revenue": rounded(revenue),
        "total_profit": rounded(dsum(rows["Profit"])),
        "average_order_value": ratio(revenue, len(considered)),
        "high_or_critical_orders": urgent,
        "high_or_critical_pct": pct(urgent, len(considered)),
    }


def _pearson(pairs: list[tuple[Decimal, Decimal]]) -> str | None:
    """Pearson r from exact sums (Decimal square root at 60 digits), rounded to 4 places."""
    n = len(pairs)
    sx = sum((x for x, _ in pairs), Decimal(0))
    sy = sum((y for _, y in pairs), Decimal(0))
    sxx = sum((x * x for x, _ in pairs), Decimal(0))
    syy = sum((y * y for _, y in pairs), Decimal(0))
    sxy = sum((x * y for x, y in pairs), Decimal(0))
    with localcontext() as ctx:
        ctx.prec = 60
        denominator = ((n * sxx - sx * sx) * (n * syy - sy * sy)).sqrt()
        if not denominator:
            return None
        r = (n * sxy - sx * sy) / denominator
        return f"{r.quantize(Decimal('0.0001'), rounding=ROUND_HALF_UP):.4f}"


def discount_impact(exp: Expected, f: Filters = NONE) -> dict[str, Any]:
    considered = items(exp, f)
    rows = with_recorded(considered, "Discount")
    levels = []
    for discount, group in groups(rows, "Discount"):
        sales = [s for s in group["Sales"] if recorded(s)]
        profit = [p for p in group["Profit"] if recorded(p)]
        quantity = [q for q in group["Quantity"] if recorded(q)]
        levels.append(
            {
                "discount": rounded(discount),
                "item_count": len(group),
                "order_count": len(group.groupby(ORDER_KEY)),
                "total_sales": rounded(sum(sales, Decimal(0))),
                "avg_sales": ratio(sum(sales, Decimal(0)), len(sales)),
                "total_profit": rounded(sum(profit, Decimal(0))),
                "avg_profit": ratio(sum(profit, Decimal(0)), len(profit)),
                "avg_quantity": ratio(sum(quantity), len(quantity)),
            }
        )
    pairs = list(zip(rows["Discount"], rows["Sales"], rows["Quantity"], strict=True))
    return {
        "levels": levels,
        "sales_correlation": _pearson([(d, s) for d, s, _ in pairs if recorded(s)]),
        "quantity_correlation": _pearson([(d, Decimal(q)) for d, _, q in pairs if recorded(q)]),
    }


def period_start(day: dt.date, granularity: str) -> dt.date:
    if granularity == "week":
        return day - dt.timedelta(days=day.weekday())  # ISO week: Monday
    if granularity == "month":
        return day.replace(day=1)
    return day


def revenue_trend(
    exp: Expected,
    granularity: str,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    category: str | None = None,
) -> list[dict[str, Any]]:
    rows = exp.rows_between(date_from, date_to)
    if category is not None:
        rows = rows[rows["Product_Category"] == category]
    periods = rows.assign(period=[period_start(d, granularity) for d in rows["date"]])
    return [
        {
            "period_start": period.isoformat(),
            "order_count": len(group.groupby(ORDER_KEY)),
            "item_count": len(group),
            "revenue": rounded(dsum(group["Sales"])),
            "profit": rounded(dsum(group["Profit"])),
        }
        for period, group in groups(periods, "period")
    ]


def customer_lifetime_value(exp: Expected, limit: int) -> dict[str, Any]:
    customers = exp.customers
    ranked = sorted(customers.iterrows(), key=lambda c: (-c[1]["total_sales"], c[0]))
    top = [
        {
            "rank": rank,
            "customer_id": customer_id,
            "order_count": int(c["order_count"]),
            "item_count": int(c["item_count"]),
            "revenue": rounded(c["total_sales"]),
            "profit": rounded(c["total_profit"]),
            "first_order_date": c["first_order_date"].isoformat(),
            "last_order_date": c["last_order_date"].isoformat(),
            "average_order_value": ratio(c["total_sales"], int(c["order_count"])),
        }
        for rank, (customer_id, c) in enumerate(ranked[:limit], start=1)
    ]
    revenues = sorted(customers["total_sales"])
    n = len(revenues)
    # percentile_disc(f): the first value (ascending) at which the cumulative share reaches f.
    percentiles = {
        label: rounded(revenues[max(math.ceil(Fraction(f) * n), 1) - 1])
        for label, f in PERCENTILES.items()
    }
    return {
        "limit": limit,
        "top": top,
        "distribution": {
            "customer_count": n,
            "mean_revenue": ratio(sum(revenues, Decimal(0)), n),
            "min_revenue": rounded(revenues[0]),
            "max_revenue": rounded(revenues[-1]),
            "percentiles": percentiles,
            "mean_orders": ratio(int(customers["order_count"].sum()), n),
        },
    }


def _segments(frame: pd.DataFrame, column: str) -> list[dict[str, Any]]:
    """frame: one row per order with `column`, Customer_Id, total_sales."""
    frame = with_recorded(frame, column)
    total = len(frame)
    out = []
    for value, group in groups(frame, column):
        revenue = dsum(group["total_sales"])
        out.append(
            {
                "value": value,
                "customers": group["Customer_Id"].nunique(),
                "orders": len(group),
                "revenue": rounded(revenue),
                "average_order_value": ratio(revenue, len(group)),
                "order_share_pct": pct(len(group), total),
            }
        )
    return sorted(out, key=lambda s: (-s["orders"], s["value"]))


def purchase_behaviour(exp: Expected, f: Filters = NONE) -> dict[str, Any]:
    # Revenue per order: of its rows considered (with a category, only the category's).
    revenue = items(exp, f).groupby(ORDER_KEY)["Sales"].agg(dsum).rename("revenue")
    frame = orders(exp, f).drop(columns="total_sales").join(revenue)
    frame = frame.rename(columns={"revenue": "total_sales"}).reset_index()
    # Device and login type: the customer's latest attributes, applied to all their orders.
    frame = frame.join(exp.customers[["device_type", "login_type"]], on="Customer_Id")
    return {
        "by_device_type": _segments(frame, "device_type"),
        "by_login_type": _segments(frame, "login_type"),
        "by_payment_method": _segments(frame, "payment_method"),
    }


def revenue(exp: Expected, f: Filters = NONE) -> dict[str, Any]:
    """/analytics/revenue/: the rows considered, and the orders holding one."""
    rows = items(exp, f)
    return {
        "total_revenue": rounded(dsum(rows["Sales"])),
        "total_profit": rounded(dsum(rows["Profit"])),
        "total_shipping_cost": rounded(dsum(rows["Shipping_Cost"])),
        "order_count": len(orders(exp, f)),
        "item_count": len(rows),
        "date_from": f.params().get("date_from"),
        "date_to": f.params().get("date_to"),
        "category": f.category,
    }


def top_products(exp: Expected, by: str, limit: int, f: Filters = NONE) -> list[dict[str, Any]]:
    """/analytics/top-products/ items without product ids: ties by name, then category."""
    found = []
    for (category, name), rows in groups(items(exp, f), ["Product_Category", "Product"]):
        totals: dict[str, Decimal | int] = {
            "sales": dsum(rows["Sales"]),
            "quantity": isum(rows["Quantity"]),
            "profit": dsum(rows["Profit"]),
        }
        found.append(
            {
                "product_name": name,
                "product_category": category,
                "total_sales": rounded(totals["sales"]),
                "total_quantity": totals["quantity"],
                "total_profit": rounded(totals["profit"]),
                "_key": (-totals[by], name, category),
            }
        )
    found.sort(key=lambda p: p.pop("_key"))
    return [{"rank": i, **p} for i, p in enumerate(found[:limit], start=1)]
