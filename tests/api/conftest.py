"""API test fixtures: a TestClient over the real sample loaded by the real loader (the pandas
expectations, `expected`, come from tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.db import engine as db_engine
from app.main import app


@pytest.fixture
def client(loaded_engine: Engine) -> Iterator[TestClient]:
    """No `with`: the lifespan would dispose the shared engine after every test."""
    db_engine.set_engine(loaded_engine)
    yield TestClient(app)
    db_engine.dispose_engine()


@pytest.fixture
def engine(empty_engine: Engine) -> Iterator[Engine]:
    """A fresh, empty database that the app reads (for tests that load their own data)."""
    db_engine.set_engine(empty_engine)
    yield empty_engine
    db_engine.dispose_engine()
