"""GraphQL over HTTP at `/graphql`: queries by GET, nothing else by GET, and the two response
media types (`application/json` as before; `application/graphql-response+json` where a request
error is a 4xx without `data`), on the real app over the loaded sample."""

from __future__ import annotations

import importlib
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from app.api.graphql import context as graphql_context
from app.api.graphql.media import GRAPHQL_RESPONSE, JSON, response_media_type

CUSTOMER = "query Q($id: String!) { customer(customerId: $id) { customerId orderCount } }"
SYNTAX_ERROR = "{ customers { "
VALIDATION_ERROR = "{ noSuchField }"
COERCION_ERROR = "query Q($id: String!) { customer(customerId: $id) { customerId } }"
NOT_FOUND = '{ customer(customerId: "no-such-id") { customerId } }'
REQUEST_ERRORS = pytest.mark.parametrize(
    "body",
    [
        {"query": SYNTAX_ERROR},
        {"query": VALIDATION_ERROR},
        {"query": COERCION_ERROR, "variables": {"id": None}},
    ],
    ids=["syntax", "validation", "variable-coercion"],
)
# The module (the package exports the schema object under the same name).
schema_module = importlib.import_module("app.api.graphql.schema")


def _get(client: TestClient, accept: str | None = None, **params: str) -> Response:
    headers = {} if accept is None else {"Accept": accept}
    return client.get("/graphql", params=params, headers=headers)


def _post(client: TestClient, accept: str | None, body: dict[str, Any]) -> Response:
    headers = {} if accept is None else {"Accept": accept}
    return client.post("/graphql", json=body, headers=headers)


def _as_params(body: dict[str, Any]) -> dict[str, str]:
    """A POST body as GET parameters: `variables` as a JSON string."""
    return {k: json.dumps(v) if k == "variables" else v for k, v in body.items()}


def _media_type(response: Response) -> str:
    return response.headers["content-type"].split(";")[0].strip()


def test_a_query_by_get_takes_json_variables_and_answers_as_post_does(client: TestClient) -> None:
    variables = {"id": "37077"}
    by_get = _get(client, JSON, query=CUSTOMER, variables=json.dumps(variables), operationName="Q")
    by_post = _post(client, JSON, {"query": CUSTOMER, "variables": variables, "operationName": "Q"})
    assert by_get.status_code == 200, by_get.text
    assert _media_type(by_get) == JSON
    body = by_get.json()
    assert body == by_post.json()
    assert body["data"]["customer"]["customerId"] == "37077"
    assert body["data"]["customer"]["orderCount"] >= 1


def test_a_query_by_get_answers_in_the_media_type_the_client_prefers(client: TestClient) -> None:
    response = _get(client, GRAPHQL_RESPONSE, query="{ __typename }")
    assert response.status_code == 200
    assert _media_type(response) == GRAPHQL_RESPONSE
    assert response.json() == {"data": {"__typename": "Query"}}


def test_every_http_query_gets_a_fresh_context(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GET builds the same per-request context as POST: its own DataLoaders, never shared."""
    made: list[graphql_context.Context] = []
    original = graphql_context.Context.__init__

    def recording(self: graphql_context.Context, db: graphql_context.RequestDb) -> None:
        original(self, db)
        made.append(self)

    monkeypatch.setattr(graphql_context.Context, "__init__", recording)
    query = '{ customer(customerId: "37077") { orders { edges { node { id } } } } }'
    assert "errors" not in _get(client, query=query).json()
    assert "errors" not in _get(client, query=query).json()
    assert "errors" not in _post(client, None, {"query": query}).json()
    assert len(made) == 3
    assert len({id(context.loaders) for context in made}) == 3
    assert all(context.request is not None for context in made)


@pytest.mark.parametrize("accept", [JSON, GRAPHQL_RESPONSE, "text/html", None])
@pytest.mark.parametrize(
    ("query", "operation_name"),
    [
        ("mutation { __typename }", None),
        ("subscription { __typename }", None),
        ("query A { __typename } mutation B { __typename }", "B"),
    ],
    ids=["mutation", "subscription", "named-mutation"],
)
def test_get_never_runs_anything_but_a_query(
    client: TestClient, accept: str | None, query: str, operation_name: str | None
) -> None:
    params = {"query": query} | (
        {} if operation_name is None else {"operationName": operation_name}
    )
    response = _get(client, accept, **params)
    assert response.status_code == 405, response.text
    assert response.headers["allow"] == "POST"
    assert "not allowed when using GET" in response.text


def test_a_get_without_a_query_is_graphiql_for_a_browser_and_a_400_otherwise(
    client: TestClient,
) -> None:
    browser = _get(client, "text/html,application/xhtml+xml,*/*;q=0.8")
    assert browser.status_code == 200 and _media_type(browser) == "text/html"
    assert "graphiql" in browser.text.lower()
    assert _get(client, JSON).status_code == 400
    assert _get(client, JSON, query="{ __typename }", variables="{not json").status_code == 400


@REQUEST_ERRORS
def test_request_errors_are_400_without_data_for_graphql_response_json(
    client: TestClient, body: dict[str, Any]
) -> None:
    for response in (
        _post(client, GRAPHQL_RESPONSE, body),
        _get(client, GRAPHQL_RESPONSE, **_as_params(body)),
    ):
        assert response.status_code == 400, response.text
        assert _media_type(response) == GRAPHQL_RESPONSE
        answer = response.json()
        assert "data" not in answer
        assert answer["errors"] and all(error["message"] for error in answer["errors"])


@REQUEST_ERRORS
@pytest.mark.parametrize("accept", [JSON, None, "*/*", f"{JSON}, {GRAPHQL_RESPONSE};q=0.9"])
def test_request_errors_stay_200_with_null_data_for_json(
    client: TestClient, body: dict[str, Any], accept: str | None
) -> None:
    response = _post(client, accept, body)
    assert response.status_code == 200, response.text
    assert _media_type(response) == JSON
    answer = response.json()
    assert "data" in answer and answer["data"] is None
    assert answer["errors"]


@pytest.mark.parametrize("accept", [JSON, GRAPHQL_RESPONSE])
def test_execution_errors_are_200_with_data_in_both_media_types(
    client: TestClient, accept: str
) -> None:
    response = _post(client, accept, {"query": NOT_FOUND})
    assert response.status_code == 200
    assert _media_type(response) == accept
    answer = response.json()
    assert answer["data"] == {"customer": None}
    assert answer["errors"][0]["extensions"]["code"] == "NOT_FOUND"


def test_our_own_bug_before_execution_is_a_500_for_graphql_response_json(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not the client's fault, so not a 400; still masked, and still a 200 for JSON clients."""

    def broken(*args: object) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(schema_module, "_cached_validate", broken)
    new = _post(client, GRAPHQL_RESPONSE, {"query": "{ __typename }"})
    assert new.status_code == 500
    assert "data" not in new.json() and "secret" not in new.text
    assert new.json()["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    old = _post(client, JSON, {"query": "{ __typename }"})
    assert old.status_code == 200 and old.json()["data"] is None


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("", JSON),
        ("*/*", JSON),
        ("application/json", JSON),
        ("text/html", JSON),
        ("application/graphql-response+json", GRAPHQL_RESPONSE),
        ("Application/GraphQL-Response+JSON", GRAPHQL_RESPONSE),
        ("application/graphql-response+json, application/json;q=0.9", GRAPHQL_RESPONSE),
        ("application/graphql-response+json, application/json", GRAPHQL_RESPONSE),
        ("application/json, application/graphql-response+json", GRAPHQL_RESPONSE),
        ("application/json, application/graphql-response+json;q=0.9", JSON),
        ("application/graphql-response+json;q=0.5, */*", JSON),
        ("application/graphql-response+json;q=0.5, text/html", GRAPHQL_RESPONSE),
        ("application/graphql-response+json;q=0", JSON),
        # a malformed weight counts as 1 (app/api/negotiation.py)
        ("application/graphql-response+json;q=nonsense", GRAPHQL_RESPONSE),
    ],
)
def test_media_type_negotiation(accept: str, expected: str) -> None:
    assert response_media_type(accept) == expected
