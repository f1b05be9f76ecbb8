"""CSV export for any JSON route: `CsvExportRoute`, the route class of the analytics routers.

A router made with `APIRouter(route_class=CsvExportRoute)` gives each of its GET routes a second
representation of its 200 answer, with nothing to write in the routes themselves:

- **Choosing it**: `?format=csv`, or an `Accept` header that prefers `text/csv` to
  `application/json` (its q-value is higher). `?format=json` or `?format=csv` wins over `Accept`;
  neither → JSON, as before. Any other `format` is a 422 problem like every invalid parameter.
- **What it is**: `text/csv; charset=utf-8`, a header row, the rows and columns of the JSON answer
  by the rules of `csv_table.py`, and `Content-Disposition: attachment` with a filename made of
  the route's last path segment and the query parameters the request gave, in the route's order
  (`top-products_date_from-2018-03-01_by-profit_limit-10.csv`).
- **Why it cannot disagree with the JSON**: the CSV is made from the very JSON body the route
  produced (parsed back), shaped by the route's `response_model`; the JSON answer itself is left
  byte for byte as FastAPI wrote it.
- **Caches**: every answer of such a route carries `Vary: Accept`, since the representation depends
  on that header.
- **OpenAPI**: the `format` parameter and the `text/csv` content of the 200 response (with the
  header row the model fixes) are documented on each route, so `/docs` offers both media types.

A route whose response model cannot be flattened (see `csv_table.py`) fails when it is declared.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Coroutine, Sequence
from enum import StrEnum
from typing import Annotated, Any

from fastapi import Depends, Query, Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.params import Depends as DependsParam
from fastapi.routing import APIRoute
from pydantic import BaseModel

from app.api.negotiation import quality
from app.api.rest.csv_table import CsvTable

CSV_MEDIA_TYPE = "text/csv"
JSON_MEDIA_TYPE = "application/json"
FORMAT_PARAMETER = "format"
_STATE_KEY = "response_format"
_MAX_FILENAME_PART = 40
_UNSAFE_IN_FILENAME = re.compile(r"[^A-Za-z0-9_]+")


class ResponseFormat(StrEnum):
    JSON = "json"
    CSV = "csv"


def prefers_csv(accept: str | None) -> bool:
    """True when `accept` ranks text/csv above application/json; a tie keeps JSON (the default)."""
    return quality(accept, CSV_MEDIA_TYPE) > quality(accept, JSON_MEDIA_TYPE)


async def negotiate_representation(  # async: no thread hop for a pure check
    request: Request,
    format_: Annotated[
        ResponseFormat | None,
        Query(
            alias=FORMAT_PARAMETER,
            description="`csv` for the same answer as CSV, `json` for JSON. Without it, an "
            "`Accept` header preferring `text/csv` selects CSV; otherwise JSON.",
            examples=["csv"],
        ),
    ] = None,
) -> ResponseFormat:
    """Which format this request gets; kept on `request.state` for `CsvExportRoute`."""
    if format_ is None:
        accept = request.headers.get("accept")
        format_ = ResponseFormat.CSV if prefers_csv(accept) else ResponseFormat.JSON
    setattr(request.state, _STATE_KEY, format_)
    return format_


def _filename_part(text: str) -> str:
    return _UNSAFE_IN_FILENAME.sub("-", text).strip("-")[:_MAX_FILENAME_PART]


def csv_filename(path: str, parameters: Sequence[tuple[str, str]]) -> str:
    """`{last path segment}_{name}-{value}….csv`, reduced to letters, digits, `-` and `_`
    (no quoting or encoding problems in a `Content-Disposition` header, on any file system)."""
    segments = [s for s in path.split("/") if s and not s.startswith("{")]
    parts = [_filename_part(segments[-1] if segments else "export") or "export"]
    for name, value in parameters:
        if value_part := _filename_part(value):
            parts.append(f"{_filename_part(name)}-{value_part}")
    return "_".join(parts) + ".csv"


def add_vary_accept(response: Response) -> None:
    vary = response.headers.get("vary")
    if vary is None:
        response.headers["Vary"] = "Accept"
    elif "accept" not in {v.strip().lower() for v in vary.split(",")}:
        response.headers["Vary"] = f"{vary}, Accept"


def csv_openapi_response(table: CsvTable, existing: dict[str, Any] | None) -> dict[str, Any]:
    """The 200 response's OpenAPI entry with the `text/csv` content added beside the JSON."""
    header = ",".join(table.static_names())
    content = {
        CSV_MEDIA_TYPE: {
            "schema": {
                "type": "string",
                "description": "The JSON answer as a table: a header row, then one row per item "
                "of its lists (one row for a single object); the other fields repeated as columns.",
            },
            "example": header + "\r\n",
        }
    }
    entry = dict(existing or {})
    entry["content"] = {**entry.get("content", {}), **content}
    entry["headers"] = {
        **entry.get("headers", {}),
        "Content-Disposition": {
            "description": 'CSV only: `attachment; filename="…csv"`, named after the route and '
            "the query parameters given.",
            "schema": {"type": "string"},
        },
        "Vary": {
            "description": "`Accept`: the representation depends on it.",
            "schema": {"type": "string"},
        },
    }
    return entry


def _query_parameters(dependant: Dependant) -> list[str]:
    """The query parameters of a route, its dependencies' first, each once."""
    names: list[str] = []
    for sub in dependant.dependencies:
        names += _query_parameters(sub)
    names += [field.alias for field in dependant.query_params]
    return list(dict.fromkeys(names))


class CsvExportRoute(APIRoute):
    """An APIRoute that also answers its JSON as CSV (see the module's docstring)."""

    def __init__(
        self,
        path: str,
        endpoint: Callable[..., Any],
        *,
        dependencies: Sequence[DependsParam] | None = None,
        **kwargs: Any,
    ) -> None:
        dependencies = list(dependencies or ())
        if not any(d.dependency is negotiate_representation for d in dependencies):
            dependencies.append(Depends(negotiate_representation))
        super().__init__(path, endpoint, dependencies=dependencies, **kwargs)
        table = self._table()
        self.responses = {
            **self.responses,
            200: csv_openapi_response(table, self.responses.get(200)),
        }

    def _table(self) -> CsvTable:
        model = self.response_model
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            raise TypeError(f"{self.path}: CSV export needs a pydantic response_model")
        return CsvTable.of(model)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        table = self._table()
        path = self.path_format
        parameters = [
            name for name in _query_parameters(self.dependant) if name != FORMAT_PARAMETER
        ]

        async def answer(request: Request) -> Response:
            response = await handler(request)
            wants = getattr(request.state, _STATE_KEY, ResponseFormat.JSON)
            is_json = response.headers.get("content-type", "").startswith(JSON_MEDIA_TYPE)
            if wants is ResponseFormat.CSV and response.status_code == 200 and is_json:
                given = [
                    (n, request.query_params[n]) for n in parameters if n in request.query_params
                ]
                filename = csv_filename(path, given)
                response = Response(
                    table.render(json.loads(bytes(response.body))),
                    media_type=CSV_MEDIA_TYPE,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'},
                    background=response.background,
                )
            add_vary_accept(response)
            return response

        return answer
