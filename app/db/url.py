"""Which PostgreSQL to talk to: DATABASE_URL when set, else the embedded server."""

from __future__ import annotations

from app.config import Settings, get_settings
from app.db.embedded import embedded_database_url


def normalize_url(url: str) -> str:
    """Accept the URL spellings people paste (postgres://, postgresql://) and pin psycopg2."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg2://" + url[len(prefix) :]
    return url


def resolve_database_url(settings: Settings | None = None) -> str:
    settings = settings or get_settings()
    if settings.database_url:
        return normalize_url(settings.database_url)
    return embedded_database_url(settings.embedded_pgdata, settings.database_name)
