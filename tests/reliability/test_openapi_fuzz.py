"""Property-based checks of the REST API against its own OpenAPI document (schemathesis).

Every operation gets a bounded, derandomized set of generated requests (valid and invalid); each
response must match the documented status codes, content types, headers and schemas, never be a
5xx, and invalid input must be refused. Skipped when schemathesis is not installed.

One known deviation is adjusted for here and pinned by a strict xfail test below, so that fixing
it makes that test fail as a reminder to remove the adjustment: timestamps and times
(`profile_as_of`, `order_time`) are naive ISO strings, while OpenAPI's `date-time` and `time`
formats (RFC 3339) demand an offset: validated here against naive patterns instead.
(Found here and fixed: date parameters used to accept a bare number as a Unix timestamp.)

Not a deviation: `date_from` after `date_to` is a 422 the OpenAPI document cannot express, so the
positive-data check is skipped for those operations too.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest

schemathesis = pytest.importorskip("schemathesis")
from fastapi.testclient import TestClient  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    positive_data_acceptance,
)
from sqlalchemy import Engine  # noqa: E402

from app.db import engine as db_engine  # noqa: E402
from app.main import create_app  # noqa: E402

MAX_EXAMPLES = 8
NAIVE = {  # RFC 3339 wants an offset on both; the dataset's times are local and naive
    "date-time": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?$",
    "time": r"^\d{2}:\d{2}:\d{2}(\.\d+)?$",
}

app = create_app()


def _naive_timestamps(node: Any) -> Any:
    """The document with `format: date-time` and `time` replaced by naive patterns."""
    if isinstance(node, dict):
        out = {key: _naive_timestamps(value) for key, value in node.items()}
        if out.get("format") in NAIVE:
            out["pattern"] = NAIVE[out.pop("format")]
        return out
    if isinstance(node, list):
        return [_naive_timestamps(item) for item in node]
    return node


def _has_date_parameter(operation: dict[str, Any]) -> bool:
    return any(
        p.get("schema", {}).get("format") == "date"
        or any(s.get("format") == "date" for s in p.get("schema", {}).get("anyOf", []))
        for p in operation.get("parameters", [])
    )


DOCUMENT = _naive_timestamps(copy.deepcopy(app.openapi()))
DATE_OPERATIONS = {
    f"GET {path}"
    for path, item in DOCUMENT["paths"].items()
    if _has_date_parameter(item.get("get", {}))
}
schema = schemathesis.openapi.from_dict(DOCUMENT)
schema.app = app


@pytest.fixture(autouse=True)
def _on_loaded_database(loaded_engine: Engine) -> Iterator[None]:
    db_engine.set_engine(loaded_engine)
    yield
    db_engine.dispose_engine()


@schema.exclude(path_regex="^/(graphql|metrics)$").parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_rest_api_conforms_to_its_openapi(case: Any) -> None:
    excluded = [positive_data_acceptance] if case.operation.label in DATE_OPERATIONS else []
    case.call_and_validate(excluded_checks=excluded, additional_checks=[not_a_server_error])


def test_date_operations_were_found() -> None:
    assert "GET /analytics/revenue/" in DATE_OPERATIONS and "GET /orders/" in DATE_OPERATIONS


def test_date_parameters_refuse_numbers() -> None:
    response = TestClient(app).get("/analytics/revenue/", params={"date_to": "0"})
    assert response.status_code == 422


@pytest.mark.xfail(strict=True, reason="timestamps are naive, not RFC 3339 date-time")
def test_timestamps_are_rfc3339() -> None:
    from datetime import datetime

    client = TestClient(app)
    customer = client.get("/customers/", params={"limit": 1}).json()["items"][0]
    assert datetime.fromisoformat(customer["profile_as_of"]).tzinfo is not None
