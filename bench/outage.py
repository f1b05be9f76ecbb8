"""Database outage benchmark (not a test): how long the API takes to say 503 when its PostgreSQL
stops, and to answer again once it is back. The product promises a 503 problem+json within 2 s;
tests/reliability/test_faults.py checks the behaviour with generous limits (a noisy machine must
not fail the suite) and this script measures the time against the promise.

An embedded PostgreSQL of its own in a temporary folder, an empty migrated database, the app
in-process (Starlette's TestClient, as the test). Each round stops the server, times one request
per route, starts it again and times until every route answers 200.

    python -m bench.outage --rounds 5
"""

from __future__ import annotations

import argparse
import logging
import shutil
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import create_engine

from app.db import engine as db_engine
from app.db.embedded import embedded_database_url, start_embedded_server
from app.db.engine import make_engine
from app.db.migrate import upgrade_to_head
from app.main import app

PROMISE_S = 2.0
ROUTES = ["/health", "/ready", "/customers/", "/analytics/revenue/"]
RECOVERY_LIMIT_S = 60.0


def _start(server: Any) -> None:
    # pgserver's own start() would count this process twice as a user of the server.
    with server._lock:
        server.ensure_postgres_running()


def _round(server: Any, client: TestClient) -> tuple[dict[str, float], float]:
    """Seconds to a 503 per route, then seconds until every route answers 200 again."""
    server.stop()
    to_503: dict[str, float] = {}
    for route in ROUTES:
        started = time.perf_counter()
        status = client.get(route).status_code
        to_503[route] = time.perf_counter() - started
        if status != 503:
            raise SystemExit(f"{route} answered {status} with the database stopped")
    _start(server)
    started = time.perf_counter()
    while any(client.get(route).status_code != 200 for route in ROUTES):
        if time.perf_counter() - started > RECOVERY_LIMIT_S:
            raise SystemExit(f"not recovered within {RECOVERY_LIMIT_S:.0f} s")
        time.sleep(0.02)
    return to_503, time.perf_counter() - started


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    logging.disable(logging.CRITICAL)  # the app logs every request and every 503: only the table

    root = Path(tempfile.mkdtemp(prefix="ecom-bench-outage-"))
    server = start_embedded_server(root / "data", cleanup_mode="delete")
    try:
        url = embedded_database_url(root / "data", "outage_bench", cleanup_mode="delete")
        setup = create_engine(url)
        upgrade_to_head(setup)
        setup.dispose()
        engine = make_engine(url)
        db_engine.set_engine(engine)
        client = TestClient(app)  # no `with`: the lifespan would dispose the engine
        assert all(client.get(route).status_code == 200 for route in ROUTES)
        rounds = [_round(server, client) for _ in range(args.rounds)]
        engine.dispose()
    finally:
        _start(server)  # cleanup expects a running server to stop
        server.cleanup()
        shutil.rmtree(root, ignore_errors=True)

    print(f"{args.rounds} rounds; promise: a 503 within {PROMISE_S:.1f} s")
    print(f"{'route':<22} {'median s':>9} {'worst s':>9} {'worst/promise':>14}")
    for route in ROUTES:
        times = [to_503[route] for to_503, _ in rounds]
        worst = max(times)
        print(
            f"{route:<22} {statistics.median(times):>9.3f} {worst:>9.3f} {worst / PROMISE_S:>14.3f}"
        )
    recoveries = [recovery for _, recovery in rounds]
    print(
        f"{'recovery (all 200)':<22} {statistics.median(recoveries):>9.3f} {max(recoveries):>9.3f}"
    )


if __name__ == "__main__":
    main()
