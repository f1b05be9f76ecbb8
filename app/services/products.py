"""Products: filtered listing with units sold and sales per product."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from functools import cache
from typing import Any

from sqlalchemy import BigInteger, Integer, Numeric, bindparam, column, func, select, table
from sqlalchemy.orm import Session

from app.db.models import Product
from app.services.keys import KEYS, any_keys, unique_keys
from app.services.pagination import AnySelect, Page, PageRequest, fetch, paginate
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


_products = Product.__table__


# Sums per product, always current (migration 0004: materialized while the rollups are fresh,
# aggregated live from order_items otherwise).
_SALES = table(
    "rollup_product_sales",
    column("product_id", Integer),
    column("units_sold", BigInteger),
    column("total_sales", Numeric),
    column("total_profit", Numeric),
    column("item_count", BigInteger),
)


def _product_stats(by_ids: bool = False) -> AnySelect:
    """Products with their sums; LEFT JOIN so unsold products show 0, not disappear.

    `by_ids` restricts the sums to `= ANY(:keys)` too: PostgreSQL does not carry `= ANY(…)`
    across the join, and while the rollups are stale the live sums would cover every product.
    """
    sales: Any = _SALES
    if by_ids:
        sales = select(_SALES).where(any_keys(_SALES.c.product_id)).subquery()
    stmt = select(
        _products.c.id,
        _products.c.product_name,
        _products.c.product_category,
        func.coalesce(sales.c.units_sold, 0),
        func.coalesce(sales.c.total_sales, ZERO),
        func.coalesce(sales.c.total_profit, ZERO),
        func.coalesce(sales.c.item_count, 0),
    ).select_from(_products.outerjoin(sales, sales.c.product_id == _products.c.id))
    return stmt.where(any_keys(_products.c.id)) if by_ids else stmt


# Built once; executed with their parameters (see app/services/pagination.py).
_PRODUCTS_BY_IDS = _product_stats(by_ids=True)


def _to_product(row: Sequence[Any]) -> ProductSummary:
    return ProductSummary(*row)


@cache
def _listing(category: bool, q: bool, sort: ProductSort) -> AnySelect:
    """The listing for one combination of filters (bound as `:category`, `:q`) and sort."""
    stmt = _product_stats()
    if category:
        stmt = stmt.where(_products.c.product_category == bindparam("category"))
    if q:
        stmt = stmt.where(_products.c.product_name.ilike(bindparam("q"), escape="\\"))
    natural = (_products.c.product_category, _products.c.product_name, _products.c.id)
    if sort is ProductSort.TOTAL_SALES_DESC:
        return stmt.order_by(stmt.selected_columns[4].desc(), *natural)
    if sort is ProductSort.UNITS_SOLD_DESC:
        return stmt.order_by(stmt.selected_columns[3].desc(), *natural)
    return stmt.order_by(*natural)


def list_products(
    session: Session,
    filters: ProductFilters,
    page: PageRequest,
    sort: ProductSort = ProductSort.CATEGORY_NAME,
    *,
    with_total: bool = True,
) -> Page[ProductSummary]:
    params: dict[str, Any] = {}
    if filters.category is not None:
        params["category"] = filters.category
    if filters.q:
        params["q"] = f"%{escape_like(filters.q)}%"
    stmt = _listing("category" in params, "q" in params, ProductSort(sort))
    return paginate(session, stmt, page, _to_product, params, with_total=with_total)


def products_by_ids(session: Session, ids: Iterable[int]) -> dict[int, ProductSummary]:
    """Products with their sums keyed by id (for batch loaders); unknown ids are absent."""
    wanted = unique_keys(ids)
    if not wanted:
        return {}
    return {row[0]: _to_product(row) for row in fetch(session, _PRODUCTS_BY_IDS, {KEYS: wanted})}
