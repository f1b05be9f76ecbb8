"""Shared route dependencies: pagination and date-range query parameters."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

from fastapi import Query, Response
from pydantic import BaseModel, BeforeValidator

from app.config import get_settings
from app.services.pagination import MAX_OFFSET, PageRequest
from app.services.validation import DateRange

_settings = get_settings()  # environment only; no database access at import time


def page_params(
    limit: Annotated[
        int,
        Query(
            ge=1,
            le=_settings.api_max_page_size,
            description=f"Page size (1..{_settings.api_max_page_size}).",
            examples=[50],
        ),
    ] = _settings.api_default_page_size,
    offset: Annotated[
        int,
        Query(ge=0, le=MAX_OFFSET, description="Rows to skip before this page.", examples=[0]),
    ] = 0,
) -> PageRequest:
    return PageRequest(limit=limit, offset=offset)


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _calendar_date_text(value: object) -> object:
    """Only YYYY-MM-DD: pydantic alone would also read a bare number as a Unix timestamp."""
    if isinstance(value, str) and not _ISO_DATE.fullmatch(value):
        raise ValueError("expected a date as YYYY-MM-DD")
    return value


CalendarDate = Annotated[dt.date, BeforeValidator(_calendar_date_text)]


async def date_range(  # async: no thread hop for a pure check
    date_from: Annotated[
        CalendarDate | None,
        Query(description="First order date, inclusive (YYYY-MM-DD).", examples=["2018-01-01"]),
    ] = None,
    date_to: Annotated[
        CalendarDate | None,
        Query(description="Last order date, inclusive (YYYY-MM-DD).", examples=["2018-12-31"]),
    ] = None,
) -> DateRange:
    # DateRange raises InvalidParameterError (→ 422 problem) when date_from > date_to.
    return DateRange(date_from=date_from, date_to=date_to)


def json_response(body: BaseModel) -> Response:
    """`body` as the JSON FastAPI would send for it under `response_model=type(body)`.

    FastAPI validates a returned model against the route's `response_model` again before
    serialising it; a route that built its response model itself returns this instead (the
    same bytes, without the second validation). The decorator keeps `response_model` for the
    OpenAPI document.
    """
    return Response(content=body.model_dump_json(), media_type="application/json")
