"""Errors the services raise; each transport maps them to its own shape (problem+json, GraphQL)."""

from __future__ import annotations


class ServiceError(Exception):
    """Base class: something the caller asked for cannot be served as asked."""


class NotFoundError(ServiceError):
    """The requested resource does not exist."""

    def __init__(self, resource: str, key: object) -> None:
        self.resource = resource
        self.key = key
        super().__init__(f"{resource} {key!r} not found")


class InvalidParameterError(ServiceError):
    """An argument is outside what the service accepts; `parameter` names it for the caller."""

    def __init__(self, parameter: str, message: str) -> None:
        self.parameter = parameter
        self.message = message
        super().__init__(f"{parameter}: {message}")
