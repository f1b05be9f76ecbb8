"""A real primary with a streaming hot-standby replica, one per test session that needs it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text

from bench.replication import Cluster


@pytest.fixture(scope="session")
def cluster() -> Iterator[Cluster]:
    started = Cluster().start()
    try:
        engine = create_engine(started.primary.url(), isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("CREATE DATABASE ecommerce_db"))
        engine.dispose()
        yield started
    finally:
        started.stop()
