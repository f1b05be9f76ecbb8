"""Products: filtered listing with units sold and sales per product."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db.models import OrderItem, Product
from app.services.keys import any_key, unique_keys
from app.services.pagination import AnySelect, Page, PageRequest, paginate
from app.services.validation import text_filter

ZERO = Decimal("0.00")
LIKE_ESCAPE = "\\"


def escape_like(value: str) -> str:
    """Make `value` match literally inside a LIKE pattern (user '%' and '_' are not wildcards)."""
    return (
        value.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2)
        .replace("%", LIKE_ESCAPE + "%")
        .replace("_", LIKE_ESCAPE + "_")
    )


@dataclass(frozen=True, slots=True)
class ProductFilters:
    """`category` matches exactly; `q` is a case-insensitive substring of the product name."""

    category: str | None = None
    q: str | None = None

    def __post_init__(self) -> None:
        text_filter("category", self.category)
        text_filter("q", self.q)


class ProductSort(StrEnum):
    """Listing orders; ties fall back to category, name and id, so pages are deterministic."""

    CATEGORY_NAME = "category_name"
    TOTAL_SALES_DESC = "total_sales_desc"
    UNITS_SOLD_DESC = "units_sold_desc"


@dataclass(frozen=True, slots=True)
class ProductSummary:
    id: int
    name: str
    category: str
    units_sold: int
    total_sales: Decimal
    total_profit: Decimal
    item_count: int


def _product_stats(product_ids: list[int] | None = None) -> AnySelect:
    """Products with their sums; LEFT JOIN so unsold products show 0, not disappear.

    With `product_ids`, the sums are restricted inside the subquery too: PostgreSQL does not carry
    `= ANY(…)` across the join, and summing every product's items to return a few is wasted work.
    """
    sales_query = select(
        OrderItem.product_id,
        func.coalesce(func.sum(OrderItem.quantity), 0).label("units_sold"),
        func.coalesce(func.sum(OrderItem.sales), ZERO).label("total_sales"),
        func.coalesce(func.sum(OrderItem.profit), ZERO).label("total_profit"),
        func.count(OrderItem.id).label("item_count"),
    ).group_by(OrderItem.product_id)
    if product_ids is not None:
        sales_query = sales_query.where(any_key(OrderItem.product_id, product_ids))
    sales = sales_query.subquery()
    stmt = select(
        Product.id,
        Product.product_name,
        Product.product_category,
        func.coalesce(sales.c.units_sold, 0),
        func.coalesce(sales.c.total_sales, ZERO),
        func.coalesce(sales.c.total_profit, ZERO),
        func.coalesce(sales.c.item_count, 0),
    ).outerjoin(sales, sales.c.product_id == Product.id)
    return stmt if product_ids is None else stmt.where(any_key(Product.id, product_ids))


def _to_product(row: Sequence[Any]) -> ProductSummary:
    return ProductSummary(*row)


def list_products(
    session: Session,
    filters: ProductFilters,
    page: PageRequest,
    sort: ProductSort = ProductSort.CATEGORY_NAME,
) -> Page[ProductSummary]:
    stmt = _product_stats()
    if filters.category is not None:
        stmt = stmt.where(Product.product_category == filters.category)
    if filters.q:
        stmt = stmt.where(Product.product_name.ilike(f"%{escape_like(filters.q)}%", escape="\\"))
    natural = (Product.product_category, Product.product_name, Product.id)
    if sort is ProductSort.TOTAL_SALES_DESC:
        stmt = stmt.order_by(stmt.selected_columns[4].desc(), *natural)
    elif sort is ProductSort.UNITS_SOLD_DESC:
        stmt = stmt.order_by(stmt.selected_columns[3].desc(), *natural)
    else:
        stmt = stmt.order_by(*natural)
    return paginate(session, stmt, page, _to_product)


def products_by_ids(session: Session, ids: Iterable[int]) -> dict[int, ProductSummary]:
    """Products with their sums keyed by id (for batch loaders); unknown ids are absent."""
    wanted = unique_keys(ids)
    if not wanted:
        return {}
    rows = session.execute(_product_stats(wanted)).all()
    return {row[0]: _to_product(row) for row in rows}
