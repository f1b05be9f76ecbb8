"""`column = ANY(:keys)`: how every batch service selects a whole level of a nested query at once.

One array parameter instead of an expanding `IN (…)` list keeps the SQL text the same for 1 or
1,000 keys, so SQLAlchemy's compiled-statement cache and PostgreSQL's plan logic see one shape.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ARRAY, BigInteger, ColumnElement, SQLColumnExpression, any_, bindparam


def unique_keys(keys: Iterable[int]) -> list[int]:
    """Distinct keys in first-seen order (deterministic SQL parameters, no duplicate work)."""
    return list(dict.fromkeys(keys))


def any_key(column: SQLColumnExpression[Any], keys: list[int]) -> ColumnElement[bool]:
    """`column = ANY(:keys)` with the keys bound as one bigint[] parameter."""
    return column == any_(bindparam(None, keys, type_=ARRAY(BigInteger)))
