"""GraphQL over HTTP's two response media types: which one a request gets, and what changes.

`application/json`, the type every GraphQL client understands: the status is 200 whenever a
GraphQL response could be made, even for a query that does not parse.
`application/graphql-response+json` (the spec's media type) lets the status tell a request
error from a result: a document that does not parse or validate, or variables that do not
coerce, is answered 400 with `errors` and no `data` key, because no execution began; a result
with field errors stays 200 with its `data`. A client gets the new type only when its Accept
header ranks it at least as high as `application/json`, so clients that do not name it (no
Accept, `*/*`, `application/json`) always get `application/json` and its rules.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError
from strawberry.types import ExecutionResult
from strawberry.types.execution import PreExecutionError

from app.api.negotiation import quality

JSON = "application/json"
GRAPHQL_RESPONSE = "application/graphql-response+json"


def response_media_type(accept: str) -> str:
    """The media type of the answer to a request with this Accept header.

    `application/graphql-response+json` when the header names it with a weight (`q`) at least
    that of `application/json` (named, or else matched by `application/*` or `*/*`), and
    above zero; otherwise `application/json`, including when the header accepts neither type
    (the spec lets a server answer JSON rather than 406 there).
    Costs one substring test for the Accept headers of clients that do not name the new type.
    """
    if GRAPHQL_RESPONSE not in accept.lower():
        return JSON
    graphql_response = quality(accept, GRAPHQL_RESPONSE)
    return GRAPHQL_RESPONSE if 0 < graphql_response >= quality(accept, JSON) else JSON


def _internal(error: GraphQLError) -> bool:
    extensions = error.extensions or {}
    return extensions.get("code") == "INTERNAL_SERVER_ERROR"


def request_error_status(result: ExecutionResult) -> int | None:
    """The 4xx/5xx status of a result that is a request error, or None for an executed one.

    A request error is one raised before execution began: a parse or validation failure
    (Strawberry's `PreExecutionError`) or variables that do not coerce (graphql-core's result
    with no data and errors that name no field path; a field error always has a path). It is a
    400, except when the error is our own bug (masked as INTERNAL_SERVER_ERROR), which is a 500:
    the client's request was not at fault.
    """
    errors = result.errors
    if not errors or result.data is not None:
        return None
    if not isinstance(result, PreExecutionError) and any(e.path is not None for e in errors):
        return None
    return 500 if any(_internal(error) for error in errors) else 400


def without_data(response_data: dict[str, Any]) -> dict[str, Any]:
    """The response to a request error: no `data` key, as the spec requires for one."""
    return {key: value for key, value in response_data.items() if key != "data"}
