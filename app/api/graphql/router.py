"""The `/graphql` router: Strawberry's FastAPI router with a cheaper POST handler.

Strawberry's handler receives the context through three nested FastAPI dependencies (its own
wrapper, the app's `context_getter` generator and the root value), resolved for every request.
Queries arrive by POST, so that handler is replaced by one that makes the same per-request
context directly: a fresh `Context` (own `RequestDb` and DataLoaders, never shared), closed after
the response. GET (GraphiQL) keeps Strawberry's handler and its dependencies.
"""

from __future__ import annotations

from typing import Any

from cross_web import HTTPException
from fastapi import Request, Response
from fastapi.responses import PlainTextResponse
from fastapi.routing import APIRoute
from starlette.background import BackgroundTasks
from strawberry.fastapi import GraphQLRouter

from app.api.graphql.context import Context, RequestDb

_SUB_RESPONSE = "app.graphql.sub_response"  # scope key: this request's status/headers holder

__all__ = ["FastGraphQLRouter"]


class FastGraphQLRouter(GraphQLRouter[Context, None]):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        path: str = kwargs.get("path", args[1] if len(args) > 1 else "")
        self.routes[:] = [
            route
            for route in self.routes
            if not (isinstance(route, APIRoute) and route.methods == {"POST"})
        ]
        self.add_api_route(path, self._post, methods=["POST"], name="handle_http_post")

    async def _post(self, request: Request) -> Response:
        # What FastAPI gives a `response: Response` parameter: no status, no headers yet.
        sub_response = Response()
        del sub_response.headers["content-length"]
        sub_response.status_code = None  # type: ignore[assignment]
        request.scope[_SUB_RESPONSE] = sub_response
        context = Context(RequestDb())
        context.request = request
        context.response = sub_response
        context.background_tasks = tasks = BackgroundTasks()
        try:
            response: Response = await self.run(request=request, context=context, root_value=None)
        except HTTPException as error:
            return PlainTextResponse(error.reason, status_code=error.status_code)
        if tasks.tasks:
            response.background = tasks
        return response

    async def get_sub_response(self, request: Request) -> Response:
        # Per request (Strawberry keeps the last one on the router: GET still does).
        sub_response: Response | None = request.scope.get(_SUB_RESPONSE)
        if sub_response is None:
            sub_response = self.temporal_response  # type: ignore[attr-defined]
        return sub_response
