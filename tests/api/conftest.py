"""API test fixtures: a TestClient over the real sample loaded by the real loader, plus the
independent expectations computed by pandas straight from the CSV (exact Decimal sums)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.db import engine as db_engine
from app.main import app
from tests.api.expected import Expected


@pytest.fixture(scope="session")
def expected(sample_csv: Path) -> Expected:
    return Expected.from_csv(sample_csv)


@pytest.fixture
def client(loaded_engine: Engine) -> Iterator[TestClient]:
    """No `with`: the lifespan would dispose the shared engine after every test."""
    db_engine.set_engine(loaded_engine)
    yield TestClient(app)
    db_engine.dispose_engine()
