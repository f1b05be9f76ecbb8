"""Offset pagination shared by every list service, and how services run their statements.

Statements are built once (at import, or once per filter combination through `functools.cache`)
with named bind parameters, and executed with the values: SQLAlchemy then finds the compiled SQL
in its cache without rebuilding the statement or recomputing its cache key on every call.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Generic, TypeAlias, TypeVar

from sqlalchemy import (
    BigInteger,
    Executable,
    Select,
    SQLColumnExpression,
    and_,
    bindparam,
    func,
    or_,
    select,
)
from sqlalchemy.orm import Session

from app.config import get_settings
from app.services.errors import InvalidParameterError

T = TypeVar("T")
R = TypeVar("R")

# PostgreSQL takes OFFSET as bigint; beyond it the query fails instead of returning an empty page.
MAX_OFFSET = 2**63 - 1

# A SELECT of any columns (SQLAlchemy 2.1 types Select by its column tuple).
AnySelect: TypeAlias = Select[*tuple[Any, ...]]

# Names of the page's bind parameters in `paginate`'s statements.
LIMIT = "page_limit"
OFFSET = "page_offset"


@dataclass(frozen=True, slots=True)
class PageRequest:
    """`limit` rows starting at `offset`; validated so GraphQL gets the same rules as REST."""

    limit: int
    offset: int = 0

    def __post_init__(self) -> None:
        max_limit = get_settings().api_max_page_size
        if not 1 <= self.limit <= max_limit:
            raise InvalidParameterError("limit", f"must be between 1 and {max_limit}")
        if not 0 <= self.offset <= MAX_OFFSET:
            raise InvalidParameterError("offset", f"must be between 0 and {MAX_OFFSET}")

    @classmethod
    def default(cls) -> PageRequest:
        return cls(limit=get_settings().api_default_page_size)


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


def fetch(
    session: Session, stmt: Executable, params: Mapping[str, Any] | None = None
) -> Sequence[Any]:
    """All rows of a Core statement, on the session's connection (no ORM entity loading)."""
    return session.connection().execute(stmt, params).all()


@cache
def count_statement(stmt: AnySelect) -> AnySelect:
    """Rows `stmt` would return, ignoring its ORDER BY/LIMIT (wrapped so GROUP BY stays correct).

    Cached per statement object: pass statements that are themselves built once.
    """
    inner = stmt.order_by(None).limit(None).offset(None).subquery()
    return select(func.count()).select_from(inner)


@cache
def page_statement(stmt: AnySelect) -> AnySelect:
    """`stmt` with `LIMIT :page_limit OFFSET :page_offset` (cached like `count_statement`)."""
    return stmt.limit(bindparam(LIMIT, type_=BigInteger)).offset(
        bindparam(OFFSET, type_=BigInteger)
    )


@cache
def counted_page_statement(stmt: AnySelect, counted_by: AnySelect) -> AnySelect:
    """`page_statement(stmt)` with `counted_by`'s count as one more column on every row: one
    round trip for page and total when the count is cheap (a scalar subquery runs once)."""
    return page_statement(stmt).add_columns(counted_by.scalar_subquery().label("total_rows"))


def count_rows(
    session: Session,
    stmt: AnySelect,
    params: Mapping[str, Any] | None = None,
    *,
    counted_by: AnySelect | None = None,
) -> int:
    """How many rows `stmt` returns: `counted_by`'s answer when given, else `count(*)` of it."""
    counting = count_statement(stmt) if counted_by is None else counted_by
    return int(session.connection().execute(counting, params).scalar_one())


def paginate(
    session: Session,
    stmt: AnySelect,
    page: PageRequest,
    to_item: Callable[[Sequence[Any]], R],
    params: Mapping[str, Any] | None = None,
    *,
    with_total: bool = True,
    counted_by: AnySelect | None = None,
) -> Page[R]:
    """Run `stmt` (already ordered deterministically, built once) for one page and count the
    whole result. `with_total=False` skips the count (GraphQL, when `totalCount` is not asked
    for): the page's `total` is then only a lower bound that still tells whether a next page
    exists (`offset + len(items) + 1` when the page is full). `counted_by` is a cheap statement
    (same parameters, one integer) giving the same count as `stmt`'s rows: it then rides along
    with the page, in the same statement."""
    values = dict(params or {})
    if with_total and counted_by is not None:
        values[LIMIT], values[OFFSET] = page.limit, page.offset
        rows = fetch(session, counted_page_statement(stmt, counted_by), values)
        if rows:
            items = [to_item(row[:-1]) for row in rows]
            return Page(items=items, total=rows[0][-1], limit=page.limit, offset=page.offset)
        # An empty page (past the end, or nothing matches) still tells the total.
        total = count_rows(session, stmt, params, counted_by=counted_by)
        return Page(items=[], total=total, limit=page.limit, offset=page.offset)
    if with_total:
        total = count_rows(session, stmt, values)
        if not total:
            return Page(items=[], total=0, limit=page.limit, offset=page.offset)
        values[LIMIT], values[OFFSET] = page.limit, page.offset
        rows = fetch(session, page_statement(stmt), values)
    else:
        # One row more than the page: whether there is a next page, without counting.
        values[LIMIT], values[OFFSET] = page.limit + 1, page.offset
        rows = fetch(session, page_statement(stmt), values)
        total = page.offset + len(rows)
        rows = rows[: page.limit]
    return Page(
        items=[to_item(row) for row in rows], total=total, limit=page.limit, offset=page.offset
    )


# Bind parameters of the per-parent page statements (`per_parent_statement`).
_ROW_FROM = "row_from"  # rows numbered above this (the page's offset)...
_ROW_TO = "row_to"  # ...up to this one (offset + limit) are the page


def per_parent_statement(
    stmt: AnySelect,
    *,
    parent: SQLColumnExpression[int],
    order_by: Sequence[SQLColumnExpression[Any]],
) -> AnySelect:
    """`stmt`'s rows numbered per parent, with each parent's total, keeping one page of each
    (rows `:row_from` < n <= `:row_to`) and row 1 (see `pages_per_parent`)."""
    numbered = stmt.add_columns(
        parent.label("parent_key"),
        func.row_number().over(partition_by=parent, order_by=list(order_by)).label("row_number"),
        func.count().over(partition_by=parent).label("parent_total"),
    ).subquery()
    rn = numbered.c["row_number"]
    in_page = and_(
        rn > bindparam(_ROW_FROM, type_=BigInteger), rn <= bindparam(_ROW_TO, type_=BigInteger)
    )
    return select(numbered).where(or_(in_page, rn == 1)).order_by(numbered.c["parent_key"], rn)


def pages_per_parent(
    session: Session,
    stmt: AnySelect,
    *,
    width: int,
    params: dict[str, Any],
    parents: list[int],
    page: PageRequest,
    to_item: Any,
) -> dict[int, Page[Any]]:
    """`page` of a `per_parent_statement`'s rows for each parent, plus each parent's total, in
    one query.

    `row_number()` numbers each parent's rows and `count(*)` over the same partition gives its
    total. Row 1 is always fetched too, so a page past the end still learns the total; it is
    dropped from the items unless it belongs to the page.
    """
    values = {**params, _ROW_FROM: page.offset, _ROW_TO: page.offset + page.limit}
    items: dict[int, list[Any]] = {key: [] for key in parents}
    totals: dict[int, int] = dict.fromkeys(parents, 0)
    for row in fetch(session, stmt, values):
        key, number, total = row[width], row[width + 1], row[width + 2]
        totals[key] = total
        if page.offset < number <= page.offset + page.limit:
            items[key].append(to_item(row[:width]))
    return {
        key: Page(items=items[key], total=totals[key], limit=page.limit, offset=page.offset)
        for key in parents
    }
