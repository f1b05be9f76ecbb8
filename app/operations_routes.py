"""The operations routes beside `/health`: `GET /ready` (the database answers, its schema is at
the latest migration, and the read replicas' states) and `GET /metrics` (Prometheus); installed
by `app.observability.install_operations`."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import text
from sqlalchemy.exc import ProgrammingError

from app.api.rest.errors import problem_response, problem_responses
from app.db import engine as db_engine
from app.metrics import Metrics

NOT_READY_TYPE = "/problems/not-ready"


class ReplicaOut(BaseModel):
    name: str = Field(examples=["replica-0"])
    url: str = Field(description="Its URL, password hidden.")
    state: str = Field(
        description="ok (read from), lagging, down, promoted, or unknown (not probed yet).",
        examples=["ok"],
    )
    lag_s: float | None = Field(description="Seconds behind the primary at the last probe.")
    error: str | None = Field(description="Why it is down, when it is.")


class ReadyOut(BaseModel):
    status: str = Field(examples=["ready"])
    schema_revision: str = Field(
        description="The database's Alembic revision (the latest migration).", examples=["0002"]
    )
    replicas: list[ReplicaOut] = Field(
        default_factory=list, description="The read replicas (DATABASE_REPLICA_URLS)."
    )


@lru_cache(maxsize=1)
def _head_revisions() -> frozenset[str]:
    from alembic.script import ScriptDirectory

    from app.db.migrate import alembic_config

    return frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())


def _not_ready(detail: str) -> JSONResponse:
    return problem_response(503, detail, type_=NOT_READY_TYPE, headers={"Retry-After": "5"})


def operations_router(metrics: Metrics | None) -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get(
        "/ready",
        response_model=ReadyOut,
        summary="Readiness: database reachable and migrated",
        responses=problem_responses(),
    )
    def ready(request: Request) -> Any:
        """200 when the database answers and its schema is at the latest migration; else 503.

        Connection failures and pool exhaustion are 503 `database-unavailable` problems (as on
        every route); a reachable database with an old or missing schema is a 503 `not-ready`.
        With read replicas, each is listed with its state; when none is fit and reads may not
        fall back to the primary (DB_READ_FALLBACK_TO_PRIMARY=false), it is a 503 `not-ready`.
        """
        with db_engine.get_engine().connect() as conn:
            try:
                revisions = set(
                    conn.execute(text("SELECT version_num FROM alembic_version")).scalars()
                )
            except ProgrammingError:
                return _not_ready("The database schema is missing: run `python -m app migrate`.")
        if revisions != _head_revisions():
            return _not_ready(
                f"The database schema is at {sorted(revisions) or 'no revision'}, not at the "
                "latest migration: run `python -m app migrate`."
            )
        monitor = getattr(request.app.state, "replica_monitor", None)
        replicas = [] if monitor is None else monitor.replicas
        stranded = monitor is not None and not monitor.fallback_to_primary
        if stranded and not any(replica.usable for replica in replicas):
            return _not_ready("No read replica is fit, and reads may not use the primary.")
        return ReadyOut(
            status="ready",
            schema_revision=",".join(sorted(revisions)),
            replicas=[ReplicaOut(**replica.describe()) for replica in replicas],
        )

    if metrics is not None:

        @router.get(
            "/metrics",
            summary="Prometheus metrics",
            response_class=Response,
            responses={200: {"content": {"text/plain": {}}, "description": "Text format 0.0.4"}},
        )
        def prometheus_metrics(request: Request) -> Response:
            """Request counts and latency per route template, pool gauges, process metrics."""
            body, content_type = metrics.exposition(request.headers.get("accept", ""))
            return Response(body, headers={"Content-Type": content_type})

    return router
