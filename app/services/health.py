"""Liveness of the database, for the health endpoint."""

from __future__ import annotations

from sqlalchemy import literal, select
from sqlalchemy.orm import Session


def database_is_up(session: Session) -> bool:
    """True when a trivial query round-trips; connection errors propagate to the caller."""
    return session.execute(select(literal(1))).scalar_one() == 1
