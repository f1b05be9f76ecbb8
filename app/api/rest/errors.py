"""Every error as `application/problem+json` (RFC 9457), never a stack trace or SQL.

Handlers cover request validation (422), HTTP errors (404, 405, …), service errors (not found,
invalid parameter) and database unavailability (503). The bodies name what the caller can fix.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.services.errors import InvalidParameterError, NotFoundError

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
VALIDATION_TYPE = "/problems/validation-error"
NOT_FOUND_TYPE = "/problems/not-found"
UNAVAILABLE_TYPE = "/problems/database-unavailable"
RETRY_AFTER_S = "5"


class ParameterError(BaseModel):
    location: str = Field(
        description="Where the parameter is: path, query, header, cookie or body.",
        examples=["query"],
    )
    parameter: str = Field(description="The parameter's name.", examples=["limit"])
    message: str = Field(
        description="What was expected.", examples=["Input should be less than or equal to 500"]
    )
    type: str = Field(description="Machine-readable error kind.", examples=["less_than_equal"])


class Problem(BaseModel):
    """RFC 9457 problem details."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": NOT_FOUND_TYPE,
                    "title": "Not Found",
                    "status": 404,
                    "detail": "customer '99999' not found",
                }
            ]
        }
    )

    type: str = Field(default="about:blank", description="URI identifying the problem type.")
    title: str = Field(description="Short summary of the problem type.")
    status: int = Field(description="HTTP status code.")
    detail: str = Field(description="What went wrong in this occurrence.")
    errors: list[ParameterError] | None = Field(
        default=None, description="Validation errors only: one entry per invalid parameter."
    )


def problem_response(
    status: int,
    detail: str,
    *,
    type_: str = "about:blank",
    errors: Sequence[ParameterError] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    problem = Problem(
        type=type_,
        title=HTTPStatus(status).phrase,
        status=status,
        detail=detail,
        errors=list(errors) if errors is not None else None,
    )
    return JSONResponse(
        problem.model_dump(exclude_none=True),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def _parameter_error(error: dict[str, Any]) -> ParameterError:
    loc = [str(part) for part in error.get("loc", ())]
    location = loc[0] if loc else "request"
    parameter = ".".join(loc[1:]) or location
    return ParameterError(
        location=location,
        parameter=parameter,
        message=str(error.get("msg", "invalid value")),
        type=str(error.get("type", "value_error")),
    )


def validation_problem(errors: Sequence[ParameterError]) -> JSONResponse:
    names = ", ".join(dict.fromkeys(error.parameter for error in errors))
    return problem_response(
        422, f"Invalid parameter(s): {names}.", type_=VALIDATION_TYPE, errors=errors
    )


async def _request_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return validation_problem([_parameter_error(error) for error in exc.errors()])


async def _invalid_parameter(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, InvalidParameterError)
    # Service errors carry no location; the REST layer passes every such argument as a query param.
    error = ParameterError(
        location="query", parameter=exc.parameter, message=exc.message, type="value_error"
    )
    return validation_problem([error])


async def _not_found(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, NotFoundError)
    return problem_response(404, str(exc), type_=NOT_FOUND_TYPE)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    return problem_response(exc.status_code, detail, headers=exc.headers)


async def _database_unavailable(request: Request, exc: Exception) -> JSONResponse:
    # Log the driver's message for operators; the client only learns that the database is down.
    log.warning("database unavailable on %s %s: %s", request.method, request.url.path, exc)
    return problem_response(
        503,
        "The database is unavailable or overloaded; retry shortly.",
        type_=UNAVAILABLE_TYPE,
        headers={"Retry-After": RETRY_AFTER_S},
    )


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem_response(500, "An unexpected error occurred.")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _request_validation)
    app.add_exception_handler(InvalidParameterError, _invalid_parameter)
    app.add_exception_handler(NotFoundError, _not_found)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    # OperationalError is a DBAPIError; listed for clarity. PoolTimeoutError: no free connection.
    for db_error in (OperationalError, DBAPIError, PoolTimeoutError):
        app.add_exception_handler(db_error, _database_unavailable)
    app.add_exception_handler(Exception, _unexpected)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` for route decorators; `problem_json_openapi` fixes the media type."""
    return {
        status: {"model": Problem, "description": HTTPStatus(status).phrase}
        for status in (*statuses, 503)
    }


def use_problem_json_in_openapi(schema: dict[str, Any]) -> dict[str, Any]:
    """FastAPI documents every `model=` response as application/json; error bodies are not."""
    for path_item in schema.get("paths", {}).values():
        for operation in path_item.values():
            for status, response in operation.get("responses", {}).items():
                content = response.get("content", {})
                if status[:1] in "45" and "application/json" in content:
                    content[PROBLEM_JSON] = content.pop("application/json")
    return schema
