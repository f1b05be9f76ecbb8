"""The `/graphql` router: Strawberry's FastAPI router with a cheaper handler and GraphQL over
HTTP's rules for GET and for the spec's response media type.

Strawberry's handlers receive the context through three nested FastAPI dependencies (its own
wrapper, the app's `context_getter` generator and the root value), resolved for every request.
Both HTTP methods go through one handler that makes the same per-request context directly: a
fresh `Context` (own `RequestDb` and DataLoaders, never shared), closed after the response.
GraphiQL's page is Strawberry's with a message for when its CDN scripts cannot load
(`app.web.graphiql`).

A POST with a JSON body (every GraphQL client's request) also skips Strawberry's generic request
handling (content-type parsing with the `email` package, request adapters, streaming and upload
checks, three awaited hooks): the body is checked as Strawberry checks it, with the same 400
messages, and executed by the same `execute_single`. Anything else (a GET, a batch, multipart,
another content type, a client asking for a streamed answer) goes through Strawberry's `run`.

GET runs queries given in the URL (`?query=…&variables=…&operationName=…`) and nothing else: a
mutation or subscription by GET is refused with 405 and `Allow: POST` before it runs, so a link
or a prefetch can never change anything, whatever the schema gains. Without a `query`, a browser
(Accept text/html) gets GraphiQL. The answer's media type follows the Accept header
(`app.api.graphql.media`): `application/json` by default, or `application/graphql-response+json`,
under which a request error is a 4xx without `data`.

What this saves and what an upgrade of Strawberry can break: docs/design.md, "The /graphql route
handler".
"""

from __future__ import annotations

from typing import Any, cast

import orjson
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from fastapi import Request, Response
from fastapi.responses import PlainTextResponse
from fastapi.routing import APIRoute
from starlette.background import BackgroundTasks
from strawberry.exceptions import MissingQueryError
from strawberry.fastapi import GraphQLRouter
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData, process_result
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from app.api.graphql.context import Context, RequestDb
from app.api.graphql.media import (
    GRAPHQL_RESPONSE,
    request_error_status,
    response_media_type,
    without_data,
)
from app.web.graphiql import graphiql_html

_SUB_RESPONSE = "app.graphql.sub_response"  # scope key: this request's status/headers holder
# Accept types that ask for a streamed answer (multipart or server-sent events).
_STREAMED = ("multipart/mixed", "text/event-stream")
# What each method may run. GET is safe by definition (RFC 9110), so it runs queries only.
_ALLOWED_OPERATIONS = {
    "GET": frozenset({OperationType.QUERY}),
    "POST": frozenset(OperationType.from_http("POST")),
}


class _PostAdapter:
    method = "POST"


_POST = _PostAdapter()


class _NotByGet(HTTPException):
    """An operation that GET may not run: answered 405 with the method that may."""

    def __init__(self, reason: str) -> None:
        super().__init__(405, reason)
        self.headers = {"Allow": "POST"}


__all__ = ["FastGraphQLRouter"]


class FastGraphQLRouter(GraphQLRouter[Context, None]):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        path: str = kwargs.get("path", args[1] if len(args) > 1 else "")
        self.routes[:] = [
            route
            for route in self.routes
            if not (isinstance(route, APIRoute) and route.methods in ({"GET"}, {"POST"}))
        ]
        self.add_api_route(
            path,
            self._handle,
            methods=["GET"],
            name="handle_http_get",
            responses={
                200: {"description": "GraphiQL in a browser, or the result of `?query=…`."},
                405: {"description": "A mutation or subscription: only POST runs those."},
            },
        )
        self.add_api_route(path, self._handle, methods=["POST"], name="handle_http_post")

    async def _handle(self, request: Request) -> Response:
        # What FastAPI gives a `response: Response` parameter: no status, no headers yet. It
        # also carries the negotiated media type to `create_response`, which sees only it.
        sub_response = Response()
        del sub_response.headers["content-length"]
        sub_response.status_code = None  # type: ignore[assignment]
        sub_response.media_type = response_media_type(request.headers.get("accept", ""))
        request.scope[_SUB_RESPONSE] = sub_response
        context = Context(RequestDb())
        context.request = request
        context.response = sub_response
        context.background_tasks = tasks = BackgroundTasks()
        try:
            data = await self._json_operation(request) if request.method == "POST" else None
            if data is None:
                response: Response = await self.run(
                    request=request, context=context, root_value=None
                )
            else:
                response = await self._run_json(request, data, context, sub_response)
        except HTTPException as error:
            headers = error.headers if isinstance(error, _NotByGet) else None
            return PlainTextResponse(error.reason, status_code=error.status_code, headers=headers)
        if tasks.tasks:
            response.background = tasks
        return response

    @property
    def graphql_ide_html(self) -> str:
        if self.graphql_ide == "graphiql":
            return graphiql_html()
        return super().graphql_ide_html

    async def _json_operation(self, request: Request) -> GraphQLRequestData | None:
        """The operation of a plain JSON POST, checked as Strawberry's `parse_http_body` does;
        None when the request needs Strawberry's general handling."""
        headers = request.headers
        accept = headers.get("accept", "")
        if not headers.get("content-type", "").startswith("application/json") or any(
            streamed in accept for streamed in _STREAMED
        ):
            return None
        data = self.parse_json(await request.body())  # 400 when it is not JSON
        if not isinstance(data, dict):
            return None  # a batch: Strawberry answers it
        query, variables, extensions = (
            data.get("query"),
            data.get("variables"),
            data.get("extensions"),
        )
        for name, value, kinds in (
            ("query", query, (str, type(None))),
            ("variables", variables, (dict, type(None))),
            ("extensions", extensions, (dict, type(None))),
        ):
            if not isinstance(value, kinds):
                expected = "a string" if name == "query" else "an object"
                raise HTTPException(
                    400,
                    f"The GraphQL operation's `{name}` must be {expected} or null, if provided.",
                )
        return GraphQLRequestData(
            query=query,
            variables=variables,
            operation_name=data.get("operationName"),
            extensions=extensions,
        )

    async def _run_json(
        self, request: Request, data: GraphQLRequestData, context: Context, sub_response: Response
    ) -> Response:
        result = await self.execute_single(
            request=request,
            request_adapter=_POST,  # type: ignore[arg-type]  # only its method is read
            sub_response=sub_response,
            context=context,
            root_value=None,
            request_data=data,
        )
        response_data = await self.process_result(request=request, result=result)
        if result.errors:
            self._handle_errors(result.errors, response_data)
        return self.create_response(response_data=response_data, sub_response=sub_response)

    async def execute_single(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: Context,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        """Strawberry's `execute_single` with one difference: GET runs queries only (Strawberry
        would also start a subscription), and refuses anything else with 405, not 400, as the
        GraphQL-over-HTTP spec requires for a mutation by GET. The operation's type is read
        from the parsed document before validation or execution, so nothing of it runs."""
        method = request_adapter.method
        try:
            return await self.schema.execute(
                request_data.query,
                root_value=root_value,
                variable_values=request_data.variables,
                context_value=context,
                operation_name=request_data.operation_name,
                allowed_operation_types=_ALLOWED_OPERATIONS[method],
                operation_extensions=request_data.extensions,
            )
        except CannotGetOperationTypeError as error:
            raise HTTPException(400, error.as_http_error_reason()) from error
        except InvalidOperationTypeError as error:
            if method == "GET":
                raise _NotByGet(error.as_http_error_reason(method)) from error
            raise HTTPException(400, error.as_http_error_reason(method)) from error
        except MissingQueryError as error:
            raise HTTPException(400, "No GraphQL query found in the request") from error

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        """Strawberry's response body; for an `application/graphql-response+json` client, a
        request error (nothing executed) loses its `data` key and sets a 4xx/5xx status."""
        response_data = process_result(result)
        sub_response: Response = request.scope[_SUB_RESPONSE]
        if sub_response.media_type == GRAPHQL_RESPONSE:
            status = request_error_status(result)
            if status is not None:
                sub_response.status_code = status
                return cast(GraphQLHTTPResponse, without_data(dict(response_data)))
        return response_data

    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: Response,
    ) -> Response:
        """Strawberry's response, in the media type the request's Accept header chose."""
        response = super().create_response(response_data, sub_response)
        if sub_response.media_type == GRAPHQL_RESPONSE:
            response.headers["content-type"] = GRAPHQL_RESPONSE
        return response

    def decode_json(self, data: str | bytes) -> object:
        """Request bodies decoded by orjson (a malformed one is still a 400: orjson's error is a
        `json.JSONDecodeError`)."""
        return orjson.loads(data)

    def encode_json(self, data: object) -> bytes:
        """Responses encoded by orjson: the same compact JSON as Strawberry's `json.dumps`
        (its Decimal and Date scalars are strings by then), in a tenth of the time (what that
        is worth per query: docs/design.md)."""
        return orjson.dumps(data)

    async def get_sub_response(self, request: Request) -> Response:
        """This request's own holder (Strawberry keeps the last one on the router, shared)."""
        sub_response: Response = request.scope[_SUB_RESPONSE]
        return sub_response
