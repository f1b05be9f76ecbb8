"""`column = ANY(:keys)`: how every batch service selects a whole level of a nested query at once.

One array parameter instead of an expanding `IN (…)` list keeps the SQL text the same for 1 or
1,000 keys, so SQLAlchemy's compiled-statement cache and PostgreSQL's plan logic see one shape.
The batch statements are built once, at import, with a named `KEYS` parameter (`any_keys`) and
executed with `{"keys": [...]}`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ARRAY, BigInteger, ColumnElement, SQLColumnExpression, any_, bindparam

KEYS = "keys"  # the name of the array parameter in `any_keys` statements


def unique_keys(keys: Iterable[int]) -> list[int]:
    """Distinct keys in first-seen order (deterministic SQL parameters, no duplicate work)."""
    return list(dict.fromkeys(keys))


def any_keys(column: SQLColumnExpression[Any], name: str = KEYS) -> ColumnElement[bool]:
    """`column = ANY(:name)`, the bigint[] value given at execution (`{name: [...]}`)."""
    return column == any_(bindparam(name, type_=ARRAY(BigInteger)))
