"""One engine and one session factory per process, created lazily (never at import time)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings, get_settings
from app.db.url import resolve_database_url

_lock = threading.Lock()
_engine: Engine | None = None
_session_factory: sessionmaker[Session] | None = None


def make_engine(url: str, settings: Settings | None = None) -> Engine:
    settings = settings or get_settings()
    connect_args: dict[str, object] = {
        "connect_timeout": 5,
        "application_name": "ecommerce-analytics",
    }
    if settings.db_statement_timeout_ms:
        connect_args["options"] = f"-c statement_timeout={settings.db_statement_timeout_ms}"
    return create_engine(
        url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout_s,
        pool_pre_ping=True,  # survive a database restart without restarting the app
        connect_args=connect_args,
    )


def get_engine() -> Engine:
    global _engine, _session_factory
    with _lock:
        if _engine is None:
            _engine = make_engine(resolve_database_url())
            _session_factory = sessionmaker(_engine, expire_on_commit=False)
        return _engine


def set_engine(engine: Engine) -> None:
    """Point the process at a given engine (tests, or a CLI that resolved the URL itself)."""
    global _engine, _session_factory
    with _lock:
        _engine = engine
        _session_factory = sessionmaker(engine, expire_on_commit=False)


def dispose_engine() -> None:
    global _engine, _session_factory
    with _lock:
        if _engine is not None:
            _engine.dispose()
        _engine = None
        _session_factory = None


@contextmanager
def session_scope() -> Iterator[Session]:
    get_engine()
    assert _session_factory is not None
    with _session_factory() as session:
        yield session


def get_session() -> Iterator[Session]:
    """FastAPI dependency: one read-only session per request."""
    with session_scope() as session:
        yield session
