"""GraphQL API at /graphql: Strawberry over the same services as REST, per-request DataLoaders.

GET with `Accept: text/html` serves GraphiQL; queries are POSTed (no queries over GET, so a
link cannot run one).
"""

from __future__ import annotations

from strawberry.fastapi import GraphQLRouter

from app.api.graphql.context import Context, get_context
from app.api.graphql.schema import schema

PATH = "/graphql"


def graphql_router() -> GraphQLRouter[Context, None]:
    return GraphQLRouter(
        schema,
        path=PATH,
        # A FastAPI dependency: a generator, so the session is closed after the response.
        context_getter=get_context,  # type: ignore[arg-type]
        graphql_ide="graphiql",
        allow_queries_via_get=False,
        tags=["graphql"],
    )
