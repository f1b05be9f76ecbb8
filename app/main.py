"""The ASGI application: `create_app()` wires routers, error handlers and the lifespan.

Importing this module never touches the database: the engine is created lazily by `get_engine()`
on the first request, and the schema is Alembic's job (never `create_all` here).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from app.api.graphql import graphql_router
from app.api.http_cache import install_http_cache
from app.api.read_routing import install_read_routing, monitoring
from app.api.rest import analytics, customers, health, insights, orders, products
from app.api.rest.errors import install_error_handlers, use_problem_json_in_openapi
from app.config import Settings, get_settings
from app.db.async_reads import close_read_pool, open_read_pool
from app.db.engine import dispose_engine
from app.metrics import (
    ReadTargetCollector,
    ResponseCacheCollector,
    start_publishing,
    stop_publishing,
)
from app.observability import install_operations
from app.services.rollups import RollupRefresher
from app.web import api_docs, dashboard

log = logging.getLogger(__name__)

VERSION = "0.1.0"
DESCRIPTION = """
Analytics over an e-commerce dataset (customers, products, orders, order items) in PostgreSQL.

* **Money is exact**: every amount is a string with exactly two decimals (`"140.00"`), never a
  float. Revenue is the sum of recorded line sales (Sales does not scale with quantity).
* **Lists are paginated** with `limit` (default 50, max 500) and `offset`; responses carry
  `items`, `total`, `limit`, `offset` in a deterministic order.
* **Errors are `application/problem+json`** (RFC 9457) with `type`, `title`, `status`, `detail`
  and, for invalid parameters, an `errors` list naming each parameter and what was expected.
"""

TAGS = [
    {"name": "customers", "description": "Customers and their order statistics."},
    {"name": "orders", "description": "Orders (CSV rows sharing customer, date and time)."},
    {"name": "products", "description": "Products with units sold and sales."},
    {"name": "analytics", "description": "Business insights (SQL in queries/*.sql)."},
    {"name": "health", "description": "Liveness of the API and its database."},
    {"name": "graphql", "description": "GraphQL endpoint (GraphiQL in a browser); see /graphql."},
]


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # The engine and the read pool connect lazily; only the rollup refresher runs in the
        # background.
        await open_read_pool()
        refresher = None
        if settings.rollup_refresh_interval_s > 0:
            refresher = RollupRefresher(settings.rollup_refresh_interval_s)
            refresher.start()
        app.state.rollup_refresher = refresher
        publisher = start_publishing(app.state.metrics)  # several workers: their own values
        async with monitoring(app.state.replica_monitor):
            yield
        if refresher is not None:
            await refresher.stop()
        await stop_publishing(app.state.metrics, publisher)
        await close_read_pool()
        dispose_engine()  # connections close on shutdown

    app = FastAPI(
        title="E-commerce Analytics API",
        description=DESCRIPTION,
        version=VERSION,
        openapi_tags=TAGS,
        lifespan=lifespan,
        # /docs and /redoc are served by app.web.api_docs, from an installed package (no CDN).
        docs_url=None,
        redoc_url=None,
    )
    install_error_handlers(app)
    # First: /graphql is the busiest route, and routes are matched in order.
    app.include_router(graphql_router())
    for module in (customers, orders, products, analytics, insights, health):
        app.include_router(module.router)
    app.include_router(dashboard.router)
    app.include_router(api_docs.router)
    # ETags, 304s and the response cache: inside the operations middleware added next.
    response_cache = install_http_cache(app, settings, VERSION)
    # Replicas: one server per request, outside the cache so its version probe reads that server.
    replica_monitor = install_read_routing(app, settings)
    # Request ids, access log, /metrics, /ready, CORS and the body size limit.
    metrics = install_operations(app, settings)
    if metrics is not None:
        metrics.add_per_process_collector(ResponseCacheCollector(response_cache))
        if replica_monitor is not None:
            metrics.add_per_process_collector(ReadTargetCollector(replica_monitor))

    @app.get("/", tags=["health"], summary="Where to go from here")
    def index() -> dict[str, Any]:
        return {
            "name": app.title,
            "version": app.version,
            "links": {
                "docs": "/docs",
                "redoc": "/redoc",
                "openapi": "/openapi.json",
                "graphql": "/graphql",
                "dashboard": "/dashboard",
                "health": "/health",
                "ready": "/ready",
            },
        }

    default_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = use_problem_json_in_openapi(default_openapi())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


app = create_app()
