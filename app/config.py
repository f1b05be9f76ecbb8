"""All configuration in one place, read from the environment (and `.env`)."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PUBLIC_DATASET_URL = "https://raw.githubusercontent.com/Data-Epic/database-fundamentals/main/data/ecommerce_dataset.csv"


def _workers(value: Any) -> Any:
    """`auto` (any case) is the machine's CPU count; anything else must be a whole number."""
    if isinstance(value, str) and value.strip().lower() == "auto":
        return os.cpu_count() or 1
    return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str | None = Field(
        default=None,
        description="URL of an existing PostgreSQL (>= 14). Unset: start an embedded one.",
    )
    embedded_pgdata: Path = Field(
        default=PROJECT_ROOT / ".pgdata",
        description="Data directory of the embedded PostgreSQL (used only without DATABASE_URL).",
    )
    database_name: str = Field(
        default="ecommerce_db", description="Database created in the embedded server."
    )
    ecommerce_csv: str = Field(
        default=str(PROJECT_ROOT / "data" / "ecommerce_dataset.csv"),
        description="Default loader source: a path or an http(s) URL.",
    )
    dataset_url: str = Field(
        default=PUBLIC_DATASET_URL, description="Downloaded when the default CSV is missing."
    )

    # Streaming replicas of DATABASE_URL (comma-separated URLs; empty: none): the API's reads go
    # to them; the loader's --wait-for-replicas waits for them to replay its commit.
    database_replica_urls: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # A replica further behind the primary than this is not read from (app/db/read_targets.py).
    db_replica_max_lag_s: float = Field(default=5.0, gt=0)
    db_replica_probe_interval_s: float = Field(default=1.0, gt=0)
    # With no usable replica: read from the primary (true) or answer 503 (false).
    db_read_fallback_to_primary: bool = True

    db_pool_size: int = Field(default=10, ge=1)
    db_max_overflow: int = Field(default=10, ge=0)
    db_pool_timeout_s: float = Field(default=2.0, gt=0)
    db_connect_timeout_s: int = Field(default=2, ge=2, description="libpq connect_timeout.")
    db_statement_timeout_ms: int = Field(
        default=15_000, ge=0, description="Per-statement cap for API queries."
    )

    rollup_refresh_interval_s: float = Field(
        default=5.0,
        ge=0,
        description="How often the app checks whether the insight rollups are stale (after a "
        "first load, or a write outside the loader) and recomputes them (0: never; then "
        "`python -m app refresh-rollups` does it).",
    )

    # --- HTTP caching (app/api/http_cache.py) ---
    # ETags, 304s and the response cache on data routes (each costs one tiny read per request);
    # false: none of them, data responses carry no validators.
    http_cache_enabled: bool = True
    # Cache-Control max-age of data responses: how long clients and proxies may reuse one without
    # asking. 0 (the default): they revalidate every time, and an unchanged answer costs a 304.
    http_cache_max_age_s: int = Field(default=0, ge=0)
    # Memory bound of the in-process response cache (analytics routes, GraphQL queries), in bytes
    # of cached bodies. Each worker process has its own. 0 turns the cache off.
    response_cache_max_bytes: int = Field(default=64 * 1024 * 1024, ge=0)

    api_default_page_size: int = Field(default=50, ge=1)
    api_max_page_size: int = Field(default=500, ge=1)
    # Worker processes of `python -m app serve` (a number, or "auto": one per CPU). With more
    # than one, the workers share the database URL `serve` resolved (the embedded server it
    # started, if any) and /metrics reports all of them (app/metrics.py).
    workers: Annotated[int, BeforeValidator(_workers), Field(ge=1)] = 1
    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "INFO"

    # --- operations (app/observability.py) ---
    # Browser origins allowed to call the API (CORS): a JSON list or comma-separated, e.g.
    # CORS_ALLOW_ORIGINS=https://dash.example.com,https://admin.example.com ("*" for any).
    # Empty (the default): CORS stays closed, no Access-Control-Allow-Origin header is ever sent.
    cors_allow_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Largest request body accepted, in bytes (GraphQL queries are the only bodies); larger ones
    # get a 413 problem+json without being read. 0 disables the limit.
    max_request_body_bytes: int = Field(default=1_048_576, ge=0)
    # One JSON line per request (logger app.access, on stderr) with its X-Request-ID.
    access_log: bool = True
    # Prometheus text format at /metrics (needs prometheus-client; absent without it).
    metrics_enabled: bool = True

    @field_validator("cors_allow_origins", "database_replica_urls", mode="before")
    @classmethod
    def _split_origins(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip()
            if value.startswith("["):
                import json

                return json.loads(value)
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value


@lru_cache
def get_settings() -> Settings:
    return Settings()
