"""Insight test fixtures: the real sample loaded twice, once answering from the summary
rollups (kept by the loader in the load's transaction) and once from live aggregation
(rollups marked stale), so every insight is checked along both paths against pandas."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from app.db import engine as db_engine
from app.main import app
from app.services.rollups import refresh_rollups, rollups_fresh


def _loaded(new_database, sample_csv: Path, *, fresh: bool) -> Engine:
    from loader.load import load_csv

    engine: Engine = new_database()
    load_csv(sample_csv, engine)
    with engine.begin() as conn:
        if fresh:
            refresh_rollups(conn)
        else:  # whatever the loader does, force the live path
            conn.execute(text("UPDATE rollup_state SET fresh = false"))
    with engine.connect() as conn:
        assert rollups_fresh(conn) is fresh
    return engine


@pytest.fixture(scope="session")
def rollup_engine(new_database, sample_csv: Path) -> Engine:
    return _loaded(new_database, sample_csv, fresh=True)


@pytest.fixture(scope="session")
def live_engine(new_database, sample_csv: Path) -> Engine:
    return _loaded(new_database, sample_csv, fresh=False)


@pytest.fixture(params=["rollup", "live"])
def insight_engine(request: pytest.FixtureRequest) -> Engine:
    engine: Engine = request.getfixturevalue(f"{request.param}_engine")
    return engine


@pytest.fixture
def client(insight_engine: Engine) -> Iterator[TestClient]:
    """No `with`: the lifespan would dispose the shared engine after every test."""
    db_engine.set_engine(insight_engine)
    yield TestClient(app)
    db_engine.dispose_engine()
