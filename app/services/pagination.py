"""Offset pagination shared by every list service."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeAlias, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from app.config import get_settings
from app.services.errors import InvalidParameterError

T = TypeVar("T")
R = TypeVar("R")

# PostgreSQL takes OFFSET as bigint; beyond it the query fails instead of returning an empty page.
MAX_OFFSET = 2**63 - 1

# A SELECT of any columns (SQLAlchemy 2.1 types Select by its column tuple).
AnySelect: TypeAlias = Select[*tuple[Any, ...]]


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


def count_rows(session: Session, stmt: AnySelect) -> int:
    """Rows `stmt` would return, ignoring its ORDER BY/LIMIT (wrapped so GROUP BY stays correct)."""
    inner = stmt.order_by(None).limit(None).offset(None).subquery()
    return session.execute(select(func.count()).select_from(inner)).scalar_one()


def paginate(
    session: Session,
    stmt: AnySelect,
    page: PageRequest,
    to_item: Callable[[Sequence[Any]], R],
) -> Page[R]:
    """Run `stmt` (already ordered deterministically) for one page and count the whole result."""
    total = count_rows(session, stmt)
    rows = session.execute(stmt.limit(page.limit).offset(page.offset)).all() if total else []
    return Page(
        items=[to_item(row) for row in rows], total=total, limit=page.limit, offset=page.offset
    )
