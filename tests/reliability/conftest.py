"""Fixtures for the reliability tests: a TestClient on a given engine, and tidy role names."""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.db import engine as db_engine
from app.main import app

_role_counter = itertools.count()


def unique_role(prefix: str = "ro") -> str:
    """Roles are cluster-wide: one name per process and call, so parallel sessions never clash."""
    return f"{prefix}_test_{os.getpid()}_{next(_role_counter)}"


@pytest.fixture
def client_on() -> Iterator[Callable[[Engine], TestClient]]:
    """`client_on(engine)`: the app pointed at `engine` (no lifespan, so it is not disposed)."""

    def make(engine: Engine) -> TestClient:
        db_engine.set_engine(engine)
        return TestClient(app)

    yield make
    db_engine.dispose_engine()
