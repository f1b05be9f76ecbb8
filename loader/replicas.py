"""After a load: wait until every streaming replica has replayed its commit.

A replica reports how far it has replayed the primary's WAL (`pg_last_wal_replay_lsn()`); once
that reaches the WAL position the loader read after its commit, every read on the replica sees
the load. A server that is not in recovery (a primary, or a replica since promoted) is reported
as such, never waited for.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from app.db.url import normalize_url

REPLAYED = text(
    "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn() >= CAST(:lsn AS pg_lsn),"
    " pg_last_wal_replay_lsn()::text"
)


@dataclass
class ReplicaState:
    url: str
    replayed: bool = False
    standby: bool = True
    position: str | None = None
    error: str | None = None


def wait_for_replicas(urls: list[str], lsn: str, timeout_s: float) -> list[ReplicaState]:
    """Poll each replica until it has replayed `lsn` or `timeout_s` has passed."""
    states = [ReplicaState(url) for url in urls]
    engines = [create_engine(normalize_url(url), pool_pre_ping=True) for url in urls]
    deadline = time.monotonic() + timeout_s
    try:
        while True:
            for state, engine in zip(states, engines, strict=True):
                if state.replayed or not state.standby:
                    continue
                try:
                    with engine.connect() as conn:
                        standby, replayed, position = conn.execute(REPLAYED, {"lsn": lsn}).one()
                except OperationalError as error:
                    state.error = str(error.orig).strip().splitlines()[0]
                    continue
                state.error, state.standby, state.position = None, bool(standby), position
                state.replayed = bool(standby and replayed)
            if all(s.replayed or not s.standby for s in states) or time.monotonic() > deadline:
                return states
            time.sleep(0.1)
    finally:
        for engine in engines:
            engine.dispose()
