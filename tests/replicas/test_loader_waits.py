"""The loader prints its commit's WAL position and, with --wait-for-replicas, waits until every
replica has replayed it: on a real streaming replica, with its replay paused and resumed."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, text

from bench.replication import Cluster

REPO_ROOT = Path(__file__).resolve().parents[2]


def _loader(cluster: Cluster, source: Path, *options: str) -> subprocess.CompletedProcess[str]:
    env = dict(
        os.environ,
        DATABASE_URL=cluster.primary.url("ecommerce_db"),
        DATABASE_REPLICA_URLS=cluster.replica.url("ecommerce_db"),
    )
    return subprocess.run(
        [sys.executable, "-m", "loader", str(source), "-q", *options],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _one_new_customer(sample: Path, target: Path) -> None:
    """The sample's first row under a customer id the sample does not hold."""
    with sample.open(newline="", encoding="utf-8") as file:
        rows = csv.reader(file)
        header, first = next(rows), next(rows)
    first[header.index("Customer_Id")] = "990000001"
    with target.open("w", newline="", encoding="utf-8") as file:
        csv.writer(file).writerows([header, first])


def _customers(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM customers")).scalar_one())
    finally:
        engine.dispose()


def test_the_loader_waits_for_the_replica_to_replay_its_load(
    cluster: Cluster, sample_csv: Path, tmp_path: Path
) -> None:
    loaded = _loader(cluster, sample_csv, "--wait-for-replicas", "60")
    assert loaded.returncode == 0, loaded.stdout + loaded.stderr
    assert "committed at WAL position" in loaded.stdout
    assert "has replayed the load" in loaded.stdout
    primary, replica = cluster.primary.url("ecommerce_db"), cluster.replica.url("ecommerce_db")
    assert _customers(replica) == _customers(primary) > 0  # it had, before the loader returned

    admin = create_engine(cluster.replica.url(), isolation_level="AUTOCOMMIT")
    more = tmp_path / "one_more_customer.csv"
    _one_new_customer(sample_csv, more)
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT pg_wal_replay_pause()"))
        late = _loader(cluster, more, "--wait-for-replicas", "1")
        assert late.returncode == 1, late.stdout + late.stderr
        assert "has not replayed" in late.stdout
        assert _customers(replica) == _customers(primary) - 1
    finally:
        with admin.connect() as conn:
            conn.execute(text("SELECT pg_wal_replay_resume()"))
        admin.dispose()
    again = _loader(
        cluster, more, "--wait-for-replicas", "60"
    )  # changes nothing, waits all the same
    assert again.returncode == 0, again.stdout + again.stderr
    assert _customers(replica) == _customers(primary)
