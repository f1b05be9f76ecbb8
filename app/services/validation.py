"""Argument checks shared by the services, so every transport enforces the same rules."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from app.services.errors import InvalidParameterError

# PostgreSQL `integer` bounds: ids outside them cannot exist, and binding them would raise.
INT4_MIN = -(2**31)
INT4_MAX = 2**31 - 1


def fits_int4(value: int) -> bool:
    return INT4_MIN <= value <= INT4_MAX


def text_filter(parameter: str, value: str | None) -> str | None:
    """A user-supplied string, checked for what PostgreSQL cannot store (NUL), else unchanged."""
    if value is not None and "\x00" in value:
        raise InvalidParameterError(parameter, "must not contain NUL characters")
    return value


@dataclass(frozen=True, slots=True)
class DateRange:
    """Inclusive order-date range; either end may be open."""

    date_from: dt.date | None = None
    date_to: dt.date | None = None

    def __post_init__(self) -> None:
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise InvalidParameterError(
                "date_from",
                f"date_from ({self.date_from.isoformat()}) must be on or before "
                f"date_to ({self.date_to.isoformat()})",
            )
