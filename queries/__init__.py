"""Named SQL insights: each lives once in `queries/NAME.sql` and is loaded as a bound TextClause.

The SQL files use only bound parameters (`:limit`, `:by`, `:date_from`, …), so callers never format
values into SQL; the service layer (`app.services.analytics`) is the only place that runs them.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

from sqlalchemy import TextClause, text

# Names are file stems; restricting them keeps `load_query` from reading arbitrary package files.
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def available_queries() -> list[str]:
    """Stems of every `.sql` file shipped in this package, sorted."""
    files = resources.files(__package__)
    return sorted(
        entry.name.removesuffix(".sql") for entry in files.iterdir() if entry.name.endswith(".sql")
    )


@cache
def load_query(name: str) -> TextClause:
    """The SQL of `queries/<name>.sql` as a TextClause (read once per process, then cached)."""
    if not _NAME.fullmatch(name):
        raise ValueError(f"invalid query name {name!r}: expected lowercase letters, digits, '_'")
    resource = resources.files(__package__).joinpath(f"{name}.sql")
    if not resource.is_file():
        raise LookupError(f"unknown query {name!r}; available: {', '.join(available_queries())}")
    return text(resource.read_text(encoding="utf-8"))
