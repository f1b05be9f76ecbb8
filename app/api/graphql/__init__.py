"""GraphQL API at /graphql: Strawberry over the same services as REST, per-request DataLoaders.

GET with `Accept: text/html` serves GraphiQL; queries are POSTed (no queries over GET, so a
link cannot run one).
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
        # GET (GraphiQL) only: POST builds the same context itself (see router.py).
        context_getter=get_context,
        graphql_ide="graphiql",
        allow_queries_via_get=False,
        tags=["graphql"],
    )
