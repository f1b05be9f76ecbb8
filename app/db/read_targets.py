"""Read replicas: which server a request reads from, and whether each replica may be used.

With DATABASE_REPLICA_URLS set, the API's reads go to a healthy streaming replica; the loader,
migrations, roles and the rollup refresher always use DATABASE_URL (the primary).

- **One target per request**: `ReadRoutingMiddleware` (app/api/read_routing.py) picks the target
  when a request arrives; every statement of the request (GraphQL dataloader batches and the
  HTTP cache's data version probe included) reads that server, through `current_target()`. So
  one answer never mixes two points in time.
- **Lag by WAL position**: `ReplicaMonitor` reads the primary's `pg_current_wal_lsn()` and each
  replica's `pg_is_in_recovery()` and `pg_last_wal_replay_lsn()` every
  DB_REPLICA_PROBE_INTERVAL_S. A replica's lag is how long ago the primary was last seen at a
  position the replica has replayed: 0 when it has replayed everything, and growing while it
  does not catch up. (`now() - pg_last_xact_replay_timestamp()` is not used: on an idle primary
  it grows without the replica being behind.) A replica more than DB_REPLICA_MAX_LAG_S behind,
  promoted (no longer in recovery), or unreachable is not used until a probe finds it fit.
- **Failures cost a retry**: a read that fails on a replica for a reason of the replica's own
  (connection lost, server shutting down, a query cancelled for a recovery conflict) marks it
  down and the whole request runs again on the primary.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from collections import deque
from collections.abc import Iterator
from contextvars import ContextVar, Token
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import make_url

log = logging.getLogger(__name__)

HISTORY_S = 600  # primary positions remembered to date replicas' positions
# SQLSTATE of errors that are the replica's, not the query's: connection exceptions (08),
# operator intervention (57: shutdown, cancelled for a recovery conflict), insufficient
# resources (53), system errors (58), and serialization failure (40001, how a hot standby
# reports a conflict with recovery).
REPLICA_FAULTS = ("08", "53", "57", "58")
RECOVERY_CONFLICT = "40001"
PRIMARY_POSITION = "SELECT pg_current_wal_lsn()::text"
REPLICA_POSITION = "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text"


@dataclass(eq=False)
class ReplicaTarget:
    """One replica: its URL, its state as the last probe found it, and its reads."""

    url: str
    name: str
    state: str = "unknown"  # ok | lagging | down | promoted | unknown
    lag_s: float | None = None
    error: str | None = None
    reads: int = 0

    @property
    def usable(self) -> bool:
        return self.state == "ok"

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "url": make_url(self.url).render_as_string(hide_password=True),
            "state": self.state,
            "lag_s": None if self.lag_s is None else round(self.lag_s, 3),
            "error": self.error,
        }


@dataclass
class RequestRead:
    """The target of one request (None: the primary) and whether a read failed on it."""

    target: ReplicaTarget | None
    failed: bool = False


# The request's read (set by app/api/read_routing.py, or `reading_from`).
_current: ContextVar[RequestRead | None] = ContextVar("read_target", default=None)


def current_target() -> ReplicaTarget | None:
    """The replica this request reads from; None for the primary (and outside requests)."""
    read = _current.get()
    return None if read is None else read.target


def enter_read(target: ReplicaTarget | None) -> tuple[RequestRead, Token[RequestRead | None]]:
    """Make `target` the current read's target (until `leave_read(token)`)."""
    read = RequestRead(target)
    return read, _current.set(read)


def leave_read(token: Token[RequestRead | None]) -> None:
    _current.reset(token)


@contextlib.contextmanager
def reading_from(target: ReplicaTarget | None) -> Iterator[RequestRead]:
    """`enter_read` for the block."""
    read, token = enter_read(target)
    try:
        yield read
    finally:
        leave_read(token)


def report_failure(error: BaseException) -> None:
    """Called when a read fails: if it failed on this request's replica for the replica's own
    reasons, the replica is marked down and the request is retried on the primary."""
    read = _current.get()
    if read is None or read.target is None or not _replica_fault(error):
        return
    read.failed = True
    target = read.target
    if target.state != "down":
        log.warning("read replica %s failed (%s): reads go elsewhere", target.name, error)
    target.state, target.error = "down", str(error).splitlines()[0] if str(error) else None


def _replica_fault(error: BaseException) -> bool:
    sqlstate = getattr(error, "sqlstate", None)
    if sqlstate is None:
        return isinstance(error, OSError | asyncio.TimeoutError | ConnectionError) or (
            type(error).__module__.startswith("asyncpg")  # interface errors: closed connection
        )
    return sqlstate[:2] in REPLICA_FAULTS or sqlstate == RECOVERY_CONFLICT


def lsn_value(lsn: str) -> int:
    high, low = lsn.split("/")
    return (int(high, 16) << 32) | int(low, 16)


@dataclass
class ReplicaMonitor:
    """The replicas of one event loop, probed every `interval_s` by `run()`."""

    replicas: list[ReplicaTarget]
    max_lag_s: float
    interval_s: float
    fallback_to_primary: bool = True
    primary_reads: int = 0
    retries: int = 0
    _history: deque[tuple[float, int]] = field(default_factory=deque)
    _turn: itertools.count[int] = field(default_factory=itertools.count)

    @classmethod
    def from_urls(
        cls, urls: list[str], *, max_lag_s: float, interval_s: float, fallback: bool
    ) -> ReplicaMonitor:
        replicas = [ReplicaTarget(url, f"replica-{i}") for i, url in enumerate(urls)]
        return cls(replicas, max_lag_s, interval_s, fallback)

    def choose(self) -> ReplicaTarget | None:
        """A usable replica, in turn; None (the primary) when there is none."""
        usable = [replica for replica in self.replicas if replica.usable]
        if not usable:
            self.primary_reads += 1
            return None
        chosen = usable[next(self._turn) % len(usable)]
        chosen.reads += 1
        return chosen

    async def run(self) -> None:
        """Probe every `interval_s`, the first time one interval from now (whoever starts the
        task has just probed: `app.api.read_routing.monitoring`)."""
        while True:
            await asyncio.sleep(self.interval_s)
            try:
                await self.probe()
            except Exception:  # a bug must not end the task: the replicas stay as they were
                log.exception("probing the read replicas failed")

    async def probe(self) -> None:
        from app.db.async_reads import fetch_row

        now = time.monotonic()
        with reading_from(None):
            primary = await fetch_row(PRIMARY_POSITION)
        if primary is None:
            return
        self._remember(now, lsn_value(primary[0]))
        for replica in self.replicas:
            try:
                with reading_from(replica):
                    row = await asyncio.wait_for(
                        fetch_row(REPLICA_POSITION), timeout=max(self.interval_s, 1.0)
                    )
                if row is None:
                    raise LookupError("no answer")
                in_recovery, replayed = row
            except Exception as error:
                replica.state, replica.lag_s = "down", None
                replica.error = str(error).splitlines()[0] if str(error) else type(error).__name__
                continue
            replica.error = None
            if not in_recovery:
                replica.state, replica.lag_s = "promoted", None
                continue
            replica.lag_s = self._lag(now, lsn_value(replayed) if replayed else 0)
            replica.state = "ok" if replica.lag_s <= self.max_lag_s else "lagging"

    def _remember(self, now: float, lsn: int) -> None:
        self._history.append((now, lsn))
        while self._history and self._history[0][0] < now - HISTORY_S:
            self._history.popleft()

    def _lag(self, now: float, replayed: int) -> float:
        """Seconds since the primary was last seen at a position the replica has replayed."""
        for seen_at, lsn in reversed(self._history):
            if lsn <= replayed:
                return now - seen_at
        return float(HISTORY_S)
