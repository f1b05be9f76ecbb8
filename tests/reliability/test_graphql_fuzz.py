"""Property-based checks of `/graphql` against its own schema (schemathesis).

Every root field (`customer`, `orders`, `analytics`, …) gets a bounded, derandomized set of
generated queries, with generated arguments and selections, sent through the whole ASGI app onto
the loaded sample. Every answer must be a well-formed GraphQL response (a JSON object with `data`
and/or `errors`, non-null fields never null), never a 5xx, and never a server-side failure: an
error raised while executing a query must be one of the API's client errors (`NOT_FOUND`,
`BAD_USER_INPUT`, with their message), not a masked "Unexpected error." (INTERNAL_SERVER_ERROR) or
a database failure. Validation errors (depth, aliases, tokens, unknown values) are GraphQL's own
and carry no path. Without schemathesis
they are skipped locally and fail in CI.

schemathesis' own `not_a_server_error` is replaced by that stricter rule: it would count a
`NOT_FOUND` for a generated id as a server error, since only Apollo's client codes are known to it.
Its `positive_data_acceptance` is left out: a GraphQL schema cannot say that `first` is at most 100
or that `dateFrom` comes before `dateTo`, so a query valid by the schema may rightly get a
BAD_USER_INPUT (which the rule above still checks is labelled as such).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from decimal import Decimal
from typing import Any, cast

import graphql
import pytest

from tests.conftest import import_or_require

schemathesis = import_or_require("schemathesis", "the property-based API checks need it")
from hypothesis import HealthCheck, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.graphql import nodes  # noqa: E402
from schemathesis.specs.openapi.checks import positive_data_acceptance  # noqa: E402
from sqlalchemy import Engine  # noqa: E402

from app.api.graphql.errors import UNEXPECTED  # noqa: E402
from app.api.graphql.schema import schema as strawberry_schema  # noqa: E402
from app.db import engine as db_engine  # noqa: E402
from app.main import create_app  # noqa: E402
from loader.vocab import CATEGORIES, DEVICES, GENDERS, LOGIN_TYPES, PAYMENTS, PRIORITIES  # noqa: E402
from tests.conftest import real_sample_path  # noqa: E402

MAX_EXAMPLES = 8  # per root field and test; ~0.05 s each
CLIENT_CODES = {"NOT_FOUND", "BAD_USER_INPUT"}


def sample_customer_ids(count: int) -> set[str]:
    """The first `count` Customer_Ids of the sample the tests load (none if it is missing)."""
    path = real_sample_path()
    if not path.is_file():
        return set()
    with path.open(newline="", encoding="utf-8-sig") as f:
        rows = zip(csv.DictReader(f), range(count), strict=False)
        return {row["Customer_Id"].strip() for row, _ in rows}


app = create_app()
# The one scalar schemathesis has no strategy for: exact amounts, sent as strings.
schemathesis.graphql.scalar(
    "Decimal",
    st.decimals(Decimal("-1000"), Decimal("100000"), places=2).map(str).map(nodes.String),
)
# Arbitrary ints and strings, but often values that exist (small ids, page sizes within the cap,
# customer ids of the sample, the dataset's categories, products, genders, …): otherwise nearly
# every query would stop at NOT_FOUND or a refused page size, and nested resolvers seldom run.
WORDS = sorted(
    {*sample_customer_ids(30), *(c for c, _, _ in CATEGORIES)}
    | {p.name for _, _, products in CATEGORIES for p in products}
    | {
        value
        for values in (GENDERS, DEVICES, LOGIN_TYPES, PAYMENTS, PRIORITIES)
        for value, _ in values
    }
)
schemathesis.graphql.scalar(
    "Int",
    st.one_of(st.integers(1, 40), st.integers(-1, 150), st.integers(-(2**31), 2**31 - 1)).map(
        nodes.Int
    ),
)
schemathesis.graphql.scalar(
    "String", st.one_of(st.sampled_from(WORDS), st.text()).map(nodes.String)
)


def load_schema(*modes: str) -> Any:
    """From the Strawberry schema's introspection: the same document `/graphql` answers with, but
    without running the app's lifespan at import time."""
    loaded = schemathesis.graphql.from_dict(strawberry_schema.introspect())
    loaded.app, loaded.location = app, "/graphql"
    loaded.config.generation.update(modes=list(modes))
    return loaded


schema = load_schema("positive", "negative")
valid_only = load_schema("positive")


class _WithinLimits(graphql.Visitor):
    """Page sizes within the cap, no cursor: what the schema cannot say about valid arguments."""

    def enter_argument(self, node: graphql.ArgumentNode, *_: Any) -> graphql.ArgumentNode | None:
        name, value = node.name.value, node.value
        if name == "after":
            return graphql.ArgumentNode(name=node.name, value=graphql.NullValueNode())
        if name in ("first", "limit") and isinstance(value, graphql.IntValueNode):
            size = str(int(value.value) % 100 + 1)
            return graphql.ArgumentNode(name=node.name, value=graphql.IntValueNode(value=size))
        return None


@valid_only.hook
def map_body(context: Any, body: graphql.DocumentNode) -> graphql.DocumentNode:
    """Generated queries that mostly get past the argument checks and reach the nested resolvers
    (with random selections), instead of stopping at a refused page size or cursor."""
    return cast(graphql.DocumentNode, graphql.visit(body, _WithinLimits()))


@pytest.fixture(autouse=True)
def _on_loaded_database(loaded_engine: Engine) -> Iterator[None]:
    db_engine.set_engine(loaded_engine)
    yield
    db_engine.dispose_engine()


def client_errors_only(ctx: Any, response: Any, case: Any) -> None:
    """No 5xx, and every error from executing the query is a labelled client error."""
    assert response.status_code < 500, f"{response.status_code}: {response.text[:500]}"
    payload = response.json()
    assert isinstance(payload, dict) and {"data", "errors"} & payload.keys(), payload
    for error in payload.get("errors") or []:
        code = (error.get("extensions") or {}).get("code")
        assert error["message"] != UNEXPECTED and code != "INTERNAL_SERVER_ERROR", error
        if "path" in error:  # raised by a resolver, not by validation
            assert code in CLIENT_CODES, (error, case.body)


def bounded(examples: int) -> Any:
    return settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )


def call_and_check(case: Any) -> None:
    case.call_and_validate(
        excluded_checks=[not_a_server_error, positive_data_acceptance],
        additional_checks=[client_errors_only],
    )


@schema.parametrize()
@bounded(MAX_EXAMPLES)
def test_valid_and_invalid_queries_never_fail_on_the_server(case: Any) -> None:
    call_and_check(case)


@valid_only.parametrize()
@bounded(2 * MAX_EXAMPLES)
def test_valid_queries_never_fail_on_the_server(case: Any) -> None:
    call_and_check(case)


def test_every_root_field_is_fuzzed() -> None:
    fields = {result.ok().label for result in schema.get_all_operations()}
    assert {"Query.customer", "Query.orders", "Query.analytics"} <= fields, fields


def test_the_check_catches_a_masked_error() -> None:
    """The custom check fails on what a resolver bug looks like to a client."""

    class Response:
        status_code = 200
        text = ""

        @staticmethod
        def json() -> dict[str, Any]:
            return {
                "data": None,
                "errors": [{"message": UNEXPECTED, "path": ["customer"], "extensions": {}}],
            }

    with pytest.raises(AssertionError):
        client_errors_only(None, Response(), None)
