"""Assertions shared by the API tests."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from fastapi.testclient import TestClient

MONEY = re.compile(r"^-?\d+\.\d{2}$")
PROBLEM_JSON = "application/problem+json"


def assert_money(value: object) -> str:
    assert isinstance(value, str), f"money must be a string, got {value!r}"
    assert MONEY.fullmatch(value), f"money must have exactly 2 decimals, got {value!r}"
    return value


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert {"type", "title", "detail"} <= body.keys()
    assert "Traceback" not in response.text and "SELECT" not in response.text
    return body


def assert_invalid(response: Any, parameter: str, location: str = "query") -> dict[str, Any]:
    """A 422 problem whose `errors` name `parameter` at `location`."""
    body = assert_problem(response, 422)
    named = {(error["location"], error["parameter"]) for error in body["errors"]}
    assert (location, parameter) in named, body
    assert all(error["message"] for error in body["errors"])
    return body


def all_pages(
    client: TestClient, url: str, filters: Mapping[str, str] | None = None, *, limit: int = 500
) -> Iterator[dict[str, Any]]:
    """Every item of a paginated listing, fetched page by page; as many pages as the first
    page's `total` announces, and an error if that total changes on the way."""
    first = client.get(url, params={**(filters or {}), "limit": limit, "offset": 0}).json()
    yield from first["items"]
    for offset in range(limit, first["total"], limit):
        page = client.get(url, params={**(filters or {}), "limit": limit, "offset": offset}).json()
        assert page["total"] == first["total"], f"{url}: total moved while paging"
        yield from page["items"]
