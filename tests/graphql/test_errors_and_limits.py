"""Safety: limits on depth, aliases, tokens and page size; clear errors for the client's mistakes;
masked errors for ours; GraphiQL for browsers. Never a 500."""

from __future__ import annotations

import base64
import json

import pytest
from fastapi.testclient import TestClient

from app.api.graphql.router import FastGraphQLRouter
from app.api.graphql.schema import MAX_ALIASES, MAX_DEPTH, MAX_TOKENS
from app.services import customers
from tests.graphql.conftest import GraphQL

NESTED_9_DEEP = (
    "{ customers { edges { node { orders { edges { node { items { product { name } } } } } } } } }"
)


def _only_error(body: dict[str, object]) -> dict[str, object]:
    errors = body["errors"]
    assert isinstance(errors, list) and len(errors) == 1, errors
    error: dict[str, object] = errors[0]
    assert "Traceback" not in str(error) and "SELECT" not in str(error)
    return error


def test_depth_limit_admits_the_nested_page_and_refuses_deeper(data: GraphQL, gql: GraphQL) -> None:
    assert data(NESTED_9_DEEP)["customers"]["edges"]
    # Cycle back through the graph until the query is deeper than allowed.
    deep = (
        "{ order(id: 1) { customer { orders { edges { node { items { order { customer {"
        " orders { edges { node { id } } } } } } } } } } } }"
    )
    error = _only_error(gql(deep))
    assert "exceeds maximum operation depth" in str(error["message"])
    assert MAX_DEPTH == 10


def test_alias_limit(gql: GraphQL, data: GraphQL) -> None:
    allowed = " ".join(f"a{i}: product(id: 1) {{ name }}" for i in range(MAX_ALIASES))
    assert len(data("{ " + allowed + " }")) == MAX_ALIASES
    too_many = " ".join(f"a{i}: product(id: 1) {{ name }}" for i in range(MAX_ALIASES + 1))
    error = _only_error(gql("{ " + too_many + " }"))
    assert "aliases" in str(error["message"]).lower()


def test_token_limit(gql: GraphQL) -> None:
    fields = " ".join(["name"] * MAX_TOKENS)
    error = _only_error(gql("{ product(id: 1) { " + fields + " } }"))
    assert "token" in str(error["message"]).lower()


@pytest.mark.parametrize("first", [0, -1, 101, 100_000])
def test_page_size_is_capped_at_100(gql: GraphQL, first: int) -> None:
    body = gql("query($n: Int) { customers(first: $n) { totalCount } }", n=first)
    error = _only_error(body)
    assert error["message"] == "first: must be between 1 and 100"
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "parameter": "first"}


def test_nested_page_size_is_capped_too(gql: GraphQL) -> None:
    body = gql("{ product(id: 1) { orderItems(first: 101) { totalCount } } }")
    assert _only_error(body)["extensions"] == {"code": "BAD_USER_INPUT", "parameter": "first"}


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage!",
        "",
        base64.b64encode(b"offset:-3").decode(),
        base64.b64encode(b"id:7").decode(),
        base64.b64encode(b"offset:99999999999999999999").decode(),
        base64.b64encode(b"\xff\xfe").decode(),
    ],
)
def test_bad_cursor_is_a_clear_error(gql: GraphQL, cursor: str) -> None:
    body = gql("query($a: String) { customers(after: $a) { totalCount } }", a=cursor)
    error = _only_error(body)
    assert str(error["message"]).startswith("after: ")
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "parameter": "after"}
    assert error["path"] == ["customers"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ('{ customer(customerId: "no-such") { customerId } }', "customer 'no-such' not found"),
        ('{ customer(customerId: "a\\u0000b") { customerId } }', "customer 'a\\x00b' not found"),
        ("{ order(id: 999999) { id } }", "order 999999 not found"),
        ("{ product(id: -5) { name } }", "product -5 not found"),
    ],
)
def test_unknown_ids_are_not_found_errors(gql: GraphQL, query: str, message: str) -> None:
    body = gql(query)
    error = _only_error(body)
    assert error["message"] == message
    assert error["extensions"] == {"code": "NOT_FOUND"}
    assert body["data"] == {next(iter(error["path"])): None}  # type: ignore[call-overload]


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        (
            '{ orders(filter: {dateFrom: "2018-05-01", dateTo: "2018-01-01"}) { totalCount } }',
            "date_from",
        ),
        ('{ customers(filter: {gender: "a\\u0000"}) { totalCount } }', "gender"),
        ('{ products(filter: {q: "\\u0000"}) { totalCount } }', "q"),
        ("{ analytics { topProducts(limit: 0) { rank } } }", "limit"),
    ],
)
def test_bad_filters_are_clear_errors(gql: GraphQL, query: str, parameter: str) -> None:
    error = _only_error(gql(query))
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "parameter": parameter}


@pytest.mark.parametrize(
    "query",
    [
        '{ orders(filter: {priority: "High"}) { totalCount } }',  # enum, not a string
        "{ orders(filter: {priority: URGENT}) { totalCount } }",
        '{ orders(filter: {dateFrom: "yesterday"}) { totalCount } }',
        "{ customers(orderBy: NAME) { totalCount } }",
        "{ customers { nope } }",
        "{ customers(",
    ],
)
def test_malformed_queries_are_graphql_errors(gql: GraphQL, query: str) -> None:
    body = gql(query)
    assert body.get("data") is None
    assert body["errors"] and all(e["message"] for e in body["errors"])


def test_unexpected_errors_are_masked(
    gql: GraphQL, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret internals: password=hunter2")

    monkeypatch.setattr(customers, "get_customer", broken)
    body = gql('{ customer(customerId: "37077") { customerId } }')
    error = _only_error(body)
    assert error["message"] == "Unexpected error."
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR"}
    assert "hunter2" not in str(body)
    assert "hunter2" in caplog.text  # logged for us, with its traceback


def test_graphiql_is_served_to_browsers(client: TestClient) -> None:
    response = client.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "graphiql" in response.text.lower()


def test_a_body_that_is_not_json_is_a_400(client: TestClient) -> None:
    response = client.post(
        "/graphql", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400


@pytest.mark.parametrize(
    "body",
    [
        {"query": NESTED_9_DEEP.replace("customers {", "customers(first: 3) {")},
        {
            "query": "query Q($id: String!) { customer(customerId: $id) { gender } }",
            "variables": {"id": "37077"},
            "operationName": "Q",
        },
        {"query": '{ customer(customerId: "no-such-id") { gender } }'},
        {"query": "{ customers { "},
        {},
        {"query": 1},
        {"query": "{ __typename }", "variables": []},
        {"query": "{ __typename }", "extensions": "x"},
        [{"query": "{ __typename }"}],
        "{not json",
    ],
    ids=[
        "nested",
        "variables",
        "not-found",
        "syntax",
        "no-query",
        "query-not-string",
        "variables-not-object",
        "extensions-not-object",
        "batch",
        "not-json",
    ],
)
@pytest.mark.parametrize("accept", ["application/json", "application/graphql-response+json"])
def test_json_posts_are_answered_as_strawberry_answers_them(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, body: object, accept: str
) -> None:
    """The router's JSON fast path gives the same status, headers and body as Strawberry's
    general request handling (what every request went through before), in both media types."""
    content = body.encode() if isinstance(body, str) else json.dumps(body).encode()
    headers = {"Content-Type": "application/json", "Accept": accept}

    def post() -> tuple[int, str, bytes]:
        response = client.post("/graphql", content=content, headers=headers)
        return response.status_code, response.headers["content-type"], response.content

    fast = post()

    async def no_fast_path(self: FastGraphQLRouter, request: object) -> None:
        return None

    monkeypatch.setattr(FastGraphQLRouter, "_json_operation", no_fast_path)
    assert fast == post()
    assert fast[0] < 500
