"""GraphQL API at /graphql: Strawberry over the same services as REST, per-request DataLoaders.

GraphiQL for a browser's GET; queries by POST or GET, mutations and subscriptions by POST only
(a GET can never change anything); answers in `application/json` or, when the client prefers it,
`application/graphql-response+json` (see router.py).
"""

from __future__ import annotations

from strawberry.fastapi import GraphQLRouter

from app.api.graphql.context import Context, get_context
from app.api.graphql.router import FastGraphQLRouter
from app.api.graphql.schema import schema

PATH = "/graphql"


def graphql_router() -> GraphQLRouter[Context, None]:
    return FastGraphQLRouter(
        schema,
        path=PATH,
        # WebSockets only: HTTP requests build the same context themselves (see router.py).
        context_getter=get_context,
        graphql_ide="graphiql",
        allow_queries_via_get=True,
        tags=["graphql"],
    )
