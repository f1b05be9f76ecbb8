"""Health route: is the database answering?"""

from __future__ import annotations

from fastapi import APIRouter

from app.api.rest.errors import problem_responses
from app.api.rest.schemas import HealthOut
from app.db.async_reads import run_read
from app.services.health import database_is_up

router = APIRouter(tags=["health"])


@router.get(
    "/health",
    response_model=HealthOut,
    summary="Database health check",
    responses=problem_responses(),
)
async def health() -> HealthOut:
    """200 when `SELECT 1` succeeds; a database error becomes a 503 problem (see errors.py).
    Through the bounded read threads like every other route, so a flood of health checks
    cannot hold more connections than the pool has."""
    await run_read(database_is_up)
    return HealthOut(status="ok")
