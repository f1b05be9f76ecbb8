"""A query the hot standby cancels for a conflict with recovery is the replica's fault, not the
query's: reported so, the request runs again on the primary. The conflict is a real one: a
query holding a snapshot on the replica while the primary vacuums away rows it can see."""

from __future__ import annotations

import asyncio
import threading
import time

import asyncpg
from sqlalchemy import create_engine, make_url, text

from app.db.asyncpg_connect import connect_arguments
from app.db.read_targets import ReplicaTarget, reading_from, report_failure
from bench.replication import Cluster


async def _long_read(url: str) -> BaseException | None:
    connection = await asyncpg.connect(**connect_arguments(make_url(url)))
    try:
        await connection.fetch("SELECT pg_sleep(10), count(*) FROM conflicted")
    except BaseException as error:
        return error
    finally:
        await connection.close()
    return None


def test_a_recovery_conflict_is_the_replicas_fault(cluster: Cluster) -> None:
    primary = create_engine(cluster.primary.url(), isolation_level="AUTOCOMMIT")
    standby = create_engine(cluster.replica.url(), isolation_level="AUTOCOMMIT")
    try:
        with standby.connect() as conn:
            conn.execute(text("ALTER SYSTEM SET max_standby_streaming_delay = 0"))
            conn.execute(text("SELECT pg_reload_conf()"))
        with primary.connect() as conn:
            conn.execute(text("DROP TABLE IF EXISTS conflicted"))
            conn.execute(text("CREATE TABLE conflicted AS SELECT generate_series(1, 1000) AS n"))
        cluster.wait_replayed("postgres")

        def vacuum_under_the_reader() -> None:
            time.sleep(1)
            with primary.connect() as conn:
                conn.execute(text("DELETE FROM conflicted"))
                conn.execute(text("VACUUM conflicted"))

        vacuum = threading.Thread(target=vacuum_under_the_reader)
        vacuum.start()
        error = asyncio.run(_long_read(cluster.replica.url()))
        vacuum.join()
        assert isinstance(error, asyncpg.PostgresError), error
        assert "conflict with recovery" in str(error)
        target = ReplicaTarget(cluster.replica.url(), "replica-0", state="ok")
        with reading_from(target) as read:
            report_failure(error)
        assert read.failed and target.state == "down"
        with reading_from(target) as read:
            report_failure(asyncpg.UndefinedTableError("a query's own mistake"))
        assert not read.failed  # the primary would answer the same error: no retry
    finally:
        with standby.connect() as conn:
            conn.execute(text("ALTER SYSTEM RESET max_standby_streaming_delay"))
            conn.execute(text("SELECT pg_reload_conf()"))
        primary.dispose()
        standby.dispose()
