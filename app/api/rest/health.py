"""Health route: is the database answering?"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from app.api.rest.errors import problem_responses
from app.api.rest.schemas import HealthOut
from app.db.engine import get_session
from app.services.health import database_is_up

router = APIRouter(tags=["health"])


@router.get(
    "/health",
    response_model=HealthOut,
    summary="Database health check",
    responses=problem_responses(),
)
def health(session: Annotated[Session, Depends(get_session)]) -> HealthOut:
    """200 when `SELECT 1` succeeds; a database error becomes a 503 problem (see errors.py)."""
    database_is_up(session)
    return HealthOut(status="ok")
