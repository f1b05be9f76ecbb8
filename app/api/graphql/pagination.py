"""Relay-style connections over the services' offset pages.

A cursor is opaque to clients: base64 of `offset:N`, the row's position in the listing. `after`
resumes right behind it. Offsets (not keysets) because every listing can be re-sorted by
`orderBy`, and the services already page by offset for REST; page size is capped at 100.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Generic, TypeVar

import strawberry

from app.services.errors import InvalidParameterError
from app.services.pagination import MAX_OFFSET, Page, PageRequest

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
_PREFIX = "offset:"

NodeT = TypeVar("NodeT")
RowT = TypeVar("RowT")


@lru_cache(maxsize=4096)  # pure; pages are mostly the first few hundred rows of a listing
def encode_cursor(offset: int) -> str:
    return base64.b64encode(f"{_PREFIX}{offset}".encode()).decode("ascii")


def decode_cursor(cursor: str) -> int:
    """The offset a cursor stands for; InvalidParameterError (a GraphQL error) if it is not ours."""
    try:
        text = base64.b64decode(cursor.encode("ascii"), validate=True).decode("ascii")
        if not text.startswith(_PREFIX):
            raise ValueError(cursor)
        digits = text.removeprefix(_PREFIX)
        if not digits.isdigit():
            raise ValueError(cursor)
        offset = int(digits)
    except (ValueError, UnicodeError, binascii.Error):
        raise InvalidParameterError(
            "after", "is not a cursor returned by this API (use an edge's `cursor`)"
        ) from None
    if offset >= MAX_OFFSET:
        raise InvalidParameterError("after", "points beyond any possible row")
    return offset


def page_request(first: int | None, after: str | None) -> PageRequest:
    """`first`/`after` → the services' `PageRequest`, with this API's stricter size cap."""
    limit = DEFAULT_PAGE_SIZE if first is None else first
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise InvalidParameterError("first", f"must be between 1 and {MAX_PAGE_SIZE}")
    offset = 0 if after is None else decode_cursor(after) + 1
    return PageRequest(limit=limit, offset=offset)


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[NodeT]):
    node: NodeT
    cursor: str


@strawberry.type
class Connection(Generic[NodeT]):
    edges: list[Edge[NodeT]]
    page_info: PageInfo
    total_count: int = strawberry.field(description="Rows matching the filters across all pages.")


def connection(
    page: Page[RowT], node: Callable[[RowT], NodeT], request: PageRequest
) -> Connection[NodeT]:
    """Wrap one service page; `request` is what was asked (a missing parent's page is empty)."""
    items: Sequence[RowT] = page.items
    offset = request.offset
    edges = [Edge(node=node(row), cursor=encode_cursor(offset + i)) for i, row in enumerate(items)]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=offset + len(items) < page.total,
            has_previous_page=offset > 0,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        total_count=page.total,
    )
