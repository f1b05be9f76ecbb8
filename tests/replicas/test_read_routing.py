"""Reads go to a streaming replica while it is fit, and to the primary when it is not: on a real
primary and hot standby, with replay paused and the replica stopped under traffic."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text

from app.config import Settings
from app.db import engine as db_engine
from app.db.engine import make_engine
from app.db.read_targets import ReplicaMonitor
from app.main import create_app
from bench.replication import Cluster
from loader.load import load_csv
from loader.replicas import wait_for_replicas

DATABASE = "routing_db"
NEW_CUSTOMER = "990000777"


def _wait(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


@pytest.fixture(scope="module")
def primary(cluster: Cluster, sample_csv: Path) -> Iterator[Engine]:
    admin = create_engine(cluster.primary.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {DATABASE}"))
    admin.dispose()
    engine = make_engine(cluster.primary.url(DATABASE))
    summary = load_csv(sample_csv, engine)
    assert summary.commit_lsn is not None
    [state] = wait_for_replicas([cluster.replica.url(DATABASE)], summary.commit_lsn, 60)
    assert state.replayed
    yield engine
    engine.dispose()


def _app(cluster: Cluster, **overrides: object) -> FastAPI:
    settings: dict[str, object] = {
        "database_url": cluster.primary.url(DATABASE),
        "database_replica_urls": [cluster.replica.url(DATABASE)],
        "db_replica_max_lag_s": 1.0,
        "db_replica_probe_interval_s": 0.1,
        "rollup_refresh_interval_s": 0,
    }
    return create_app(Settings(**(settings | overrides)))  # type: ignore[arg-type]


@pytest.fixture
def client(cluster: Cluster, primary: Engine) -> Iterator[TestClient]:
    db_engine.set_engine(primary)
    with TestClient(_app(cluster)) as client:  # the lifespan runs the replica monitor
        yield client


def _monitor(client: TestClient) -> ReplicaMonitor:
    monitor: ReplicaMonitor = client.app.state.replica_monitor  # type: ignore[attr-defined]
    return monitor


def _replica_commits(cluster: Cluster) -> int:
    engine = create_engine(cluster.replica.url(DATABASE))
    try:
        with engine.connect() as conn:
            return int(
                conn.execute(
                    text("SELECT xact_commit FROM pg_stat_database WHERE datname = :d"),
                    {"d": DATABASE},
                ).scalar_one()
            )
    finally:
        engine.dispose()


def test_reads_reach_the_replica(cluster: Cluster, client: TestClient) -> None:
    replica = _monitor(client).replicas[0]
    _wait(lambda: replica.state == "ok", 10, "the replica to be found fit")
    before = _replica_commits(cluster)
    for _ in range(20):
        assert client.get("/customers/?limit=5").status_code == 200
    assert replica.reads >= 20
    metrics = client.get("/metrics").text
    assert f'db_reads_total{{target="replica-0"}} {float(replica.reads)}' in metrics
    assert 'db_replica_usable{replica="replica-0"} 1.0' in metrics
    # the replica's own statistics count the reads (flushed within a second or so)
    _wait(lambda: _replica_commits(cluster) >= before + 20, 15, "the replica's counters")


def test_a_lagging_replica_is_not_read_until_it_catches_up(
    cluster: Cluster, primary: Engine, client: TestClient
) -> None:
    replica = _monitor(client).replicas[0]
    _wait(lambda: replica.state == "ok", 10, "the replica to be found fit")
    admin = create_engine(cluster.replica.url(), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT pg_wal_replay_pause()"))
        with primary.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO customers (id, customer_id, gender, profile_as_of)"
                    " VALUES (990000777, :c, 'Female', '2018-12-30 10:00:00')"
                ),
                {"c": NEW_CUSTOMER},
            )
        _wait(lambda: replica.state == "lagging", 10, "the replica to be found lagging")
        answer = client.get(f"/customers/{NEW_CUSTOMER}")
        assert answer.status_code == 200, answer.text  # from the primary
    finally:
        with admin.connect() as conn:
            conn.execute(text("SELECT pg_wal_replay_resume()"))
        admin.dispose()
    _wait(lambda: replica.state == "ok", 10, "the replica to catch up")
    reads = replica.reads
    assert client.get(f"/customers/{NEW_CUSTOMER}").status_code == 200
    assert replica.reads == reads + 1  # from the replica again, which has it now


def test_a_replica_stopped_under_traffic_costs_a_retry_not_an_error(
    cluster: Cluster, primary: Engine, client: TestClient
) -> None:
    replica = _monitor(client).replicas[0]
    _wait(lambda: replica.state == "ok", 10, "the replica to be found fit")
    stopper = threading.Timer(0.3, cluster.stop_node, args=(cluster.replica, "immediate"))
    statuses, slowest = [], 0.0
    try:
        stopper.start()
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            started = time.monotonic()
            for path in ("/customers/?limit=5", "/analytics/revenue/"):
                statuses.append(client.get(path).status_code)
            query = {"query": "{ customers(first: 3) { edges { node { customerId } } } }"}
            graphql = client.post("/graphql", json=query)
            statuses.append(graphql.status_code if "errors" not in graphql.json() else 500)
            slowest = max(slowest, time.monotonic() - started)
        stopper.join()
        assert set(statuses) == {200}, statuses
        assert _monitor(client).retries >= 1  # a request caught by the stop ran again
        print(f"slowest round of 3 requests: {slowest:.2f} s")
        metrics = client.get("/metrics").text
        assert 'db_replica_usable{replica="replica-0"} 0.0' in metrics
        retries = re.search(r"^db_read_retries_total (\S+)$", metrics, re.MULTILINE)
        assert retries is not None and float(retries.group(1)) == _monitor(client).retries
        ready = client.get("/ready")
        assert ready.status_code == 200
        assert [r["state"] for r in ready.json()["replicas"]] == ["down"]
        # A replica believed fit that is down: a GraphQL POST read there runs again on the
        # primary, its body replayed (the monitor probes too seldom to notice first).
        with TestClient(_app(cluster, db_replica_probe_interval_s=60)) as believing:
            stale = _monitor(believing).replicas[0]
            stale.state = "ok"
            retried = believing.post("/graphql", json=query)
            assert retried.status_code == 200 and "errors" not in retried.json()
            stale.state = "ok"
            assert believing.get("/customers/?limit=5").status_code == 200
            assert _monitor(believing).retries == 2
        with TestClient(_app(cluster, db_read_fallback_to_primary=False)) as strict:
            stranded = strict.get("/ready")
            assert stranded.status_code == 503, stranded.text
            assert strict.get("/customers/?limit=5").status_code == 503
    finally:
        stopper.cancel()
        cluster.start_node(cluster.replica)
        cluster.wait_streaming()


def test_a_promoted_replica_is_no_longer_read(sample_csv: Path) -> None:
    """A cluster of its own: promotion cannot be undone."""
    cluster = Cluster().start()
    try:
        admin = create_engine(cluster.primary.url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {DATABASE}"))
        admin.dispose()
        engine = make_engine(cluster.primary.url(DATABASE))
        load_csv(sample_csv, engine)
        cluster.wait_replayed(DATABASE)
        db_engine.set_engine(engine)
        with TestClient(_app(cluster)) as client:
            replica = _monitor(client).replicas[0]
            _wait(lambda: replica.state == "ok", 10, "the replica to be found fit")
            cluster.promote(cluster.replica)
            _wait(lambda: replica.state == "promoted", 10, "the promotion to be noticed")
            reads = replica.reads
            assert client.get("/customers/?limit=5").status_code == 200
            assert replica.reads == reads  # the primary answered
            states = [r["state"] for r in client.get("/ready").json()["replicas"]]
            assert states == ["promoted"]
        engine.dispose()
    finally:
        cluster.stop()
