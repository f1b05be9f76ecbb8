"""What a client sees when something goes wrong.

- Its own mistakes (unknown id, bad cursor, bad filter or page size) — the services'
  `ServiceError`s — keep their message and gain `extensions.code` (and `parameter`).
- Syntax, validation and limit errors (depth, aliases, tokens) are GraphQL's own: kept as they are.
- A database that cannot be reached: a short "retry" message, code SERVICE_UNAVAILABLE.
- Anything else is a bug: logged with its traceback, shown only as "Unexpected error."
  (Strawberry's `MaskErrors`, with the rule above deciding what to mask.)
"""

from __future__ import annotations

import logging
from typing import Any

from graphql import GraphQLError
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from strawberry.extensions import MaskErrors

from app.services.errors import InvalidParameterError, NotFoundError, ServiceError

log = logging.getLogger(__name__)

UNEXPECTED = "Unexpected error."
UNAVAILABLE = "The database is unavailable; retry in a few seconds."


def _with_code(error: GraphQLError, message: str, extensions: dict[str, Any]) -> GraphQLError:
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=None,
        extensions=extensions,
    )


def is_unexpected(error: GraphQLError) -> bool:
    original = error.original_error
    return original is not None and not isinstance(original, ServiceError | GraphQLError)


class ClientErrors(MaskErrors):
    """`MaskErrors` that also labels the errors it lets through with a machine-readable code."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=is_unexpected, error_message=UNEXPECTED)

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        original = error.original_error
        if isinstance(original, OperationalError | PoolTimeoutError):
            log.warning("GraphQL: database unavailable: %s", original)
            return _with_code(error, UNAVAILABLE, {"code": "SERVICE_UNAVAILABLE"})
        log.error("GraphQL: unexpected error", exc_info=original)
        return _with_code(error, UNEXPECTED, {"code": "INTERNAL_SERVER_ERROR"})

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        return [self._label(error) for error in super()._process_errors(errors)]

    def process(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        """The errors as a client sees them (used by the schema, outside any request)."""
        return self._process_errors(errors)

    @staticmethod
    def _label(error: GraphQLError) -> GraphQLError:
        original = error.original_error
        if isinstance(original, NotFoundError):
            return _with_code(error, str(original), {"code": "NOT_FOUND"})
        if isinstance(original, InvalidParameterError):
            extensions = {"code": "BAD_USER_INPUT", "parameter": original.parameter}
            return _with_code(error, str(original), extensions)
        return error
