"""`python -m app serve --workers 2`: /metrics counts every request whichever worker answers
the scrape, each worker's own gauges are reported, and a load is followed by exactly one rollup
refresh across the workers."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine

from app.services.rollups import data_version, rollups_fresh
from loader.load import load_csv
from tests.reliability.test_embedded_lifecycle import _free_port, _healthy, _wait_for, _worker_pids

REPO_ROOT = Path(__file__).resolve().parents[2]
REQUESTS = 20


@pytest.fixture
def two_workers(empty_engine: Engine, tmp_path: Path) -> Iterator[str]:
    port = _free_port()
    env = dict(
        os.environ,
        DATABASE_URL=empty_engine.url.render_as_string(hide_password=False),
        ROLLUP_REFRESH_INTERVAL_S="0.2",
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics"),
    )
    serve = subprocess.Popen(
        [sys.executable, "-m", "app", "serve", "--no-load", "--port", str(port), "--workers", "2"],
        env=env,
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        _wait_for(lambda: _healthy(port) or serve.poll() is not None, 120, "serve to answer")
        assert serve.poll() is None, serve.communicate()[0]
        _wait_for(lambda: len(_worker_pids(port)) == 2, 30, "both workers' metrics")
        yield f"http://127.0.0.1:{port}"
    finally:
        serve.terminate()
        serve.communicate(timeout=60)


def _count(metrics: str, route: str) -> float:
    pattern = (
        rf'^http_requests_total\{{method="GET",route="{re.escape(route)}",status="200"\}} (\S+)'
    )
    found = re.search(pattern, metrics, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


def _pool_pids(metrics: str) -> set[str]:
    return set(re.findall(r'^db_read_pool_open\{pid="(\d+)"\}', metrics, re.MULTILINE))


def test_metrics_count_every_request_of_every_worker(two_workers: str) -> None:
    sent, served = 0, set()
    while len(served) < 2:  # new connections each time: the kernel spreads them over workers
        assert sent < 20 * REQUESTS, "one worker answered every request"
        for _ in range(REQUESTS):
            assert httpx.get(f"{two_workers}/products/?limit=1", timeout=10).status_code == 200
        sent += REQUESTS
        served = _pool_pids(httpx.get(f"{two_workers}/metrics", timeout=10).text)
    scrapes = [httpx.get(f"{two_workers}/metrics", timeout=10).text for _ in range(6)]
    assert [_count(scrape, "/products/") for scrape in scrapes] == [sent] * len(scrapes)
    in_progress = re.search(r"^http_requests_in_progress (\S+)", scrapes[0], re.MULTILINE)
    assert in_progress is not None and float(in_progress.group(1)) == 1.0  # the scrape itself


def test_a_load_is_followed_by_exactly_one_refresh(
    two_workers: str, empty_engine: Engine, sample_csv: Path
) -> None:
    with empty_engine.connect() as conn:
        before = data_version(conn)
    load_csv(sample_csv, empty_engine)  # rollups stale: both workers' refreshers notice

    def fresh() -> bool:
        with empty_engine.connect() as conn:
            return rollups_fresh(conn)

    _wait_for(fresh, 60, "a worker to refresh the rollups")
    time.sleep(1.5)  # several more refresher ticks of both workers
    with empty_engine.connect() as conn:
        assert data_version(conn) == before + 2  # the load, then one refresh
