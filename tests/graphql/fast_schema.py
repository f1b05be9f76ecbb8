"""Two schemas over one query type, for tests comparing the fast executor with plain Strawberry."""

from __future__ import annotations

import strawberry
from strawberry.schema.config import StrawberryConfig

from app.api.graphql.execution import FastExecutor
from app.api.graphql.resolvers import CachedNameConverter, streamline_resolvers
from app.api.graphql.scalars import SCALARS


def plain_and_fast(query: type) -> tuple[strawberry.Schema, strawberry.Schema]:
    """Plain Strawberry, and the app's set-up (fast executor, direct resolvers, cached names)."""
    plain = strawberry.Schema(query=query, config=StrawberryConfig(scalar_map=SCALARS))
    fast = strawberry.Schema(
        query=query,
        execution_context_class=FastExecutor,
        config=StrawberryConfig(name_converter=CachedNameConverter(), scalar_map=SCALARS),
    )
    streamline_resolvers(fast)
    return plain, fast
