"""The data version as the API reads it: exact for every request, one probe for many.

`rollup_state.data_version` (migration 0006) grows whenever what the API answers may change. A
request may reuse a cached answer only if the version it compares against was read after the
request arrived: then every commit that finished before the request arrived is counted in it.

Reading it once per request costs a round trip each. `current_data_version()` shares probes
instead, without giving up that guarantee: while one probe is in flight, every request arriving
meanwhile waits for the *next* probe, which is sent as soon as the current one returns, so it is
sent after all of them arrived. Under load one probe serves every request that arrived during
the previous round trip; an idle server pays one round trip per request, as before.

Labelling a fresh answer needs less: any version read before the answer's own statements is
safe, since the version only grows (a label may be older than the data, never newer: a client
then revalidates once more for nothing, and is never told an old answer is current).
`data_version_label()` reuses this process's latest probe while it is under a second old, so a
route that only tags its answers (never answers from the cache or with a 304) costs no probe at
all under load.

The database's name is part of the value, so two databases (tests, or one dropped and created
again) never share a version.
"""

from __future__ import annotations

import asyncio
import time

from app.db.async_reads import fetch_value
from app.db.read_targets import current_target

# How old a probe's value may be to label an answer (see the module docstring): it bounds how
# long after a commit fresh answers may still carry the previous version's tag.
LABEL_MAX_AGE_S = 1.0
VERSION_SQL = "SELECT current_database() || ':' || data_version FROM rollup_state"


class _LoopProbes:
    """The probes of one event loop: the one in flight runs `_probe_until_nobody_waits`."""

    def __init__(self) -> None:
        self.next: asyncio.Future[str] | None = None  # the probe not sent yet
        self.running = False
        self.task: asyncio.Task[None] | None = None  # held: the loop keeps only weak references
        self.latest: str | None = None  # the latest value read, and when (time.monotonic())
        self.latest_at = 0.0


# Per event loop and read target (a replica's URL, None for the primary): a version read on one
# server says nothing about another's data.
_probes: dict[tuple[asyncio.AbstractEventLoop, str | None], _LoopProbes] = {}


async def current_data_version() -> str:
    """The data version, read by a statement sent after this call began (see the module
    docstring). Raises the read's error (an `OperationalError` when the database is away)."""
    loop = asyncio.get_running_loop()
    probes = _loop_probes(loop)
    if probes.next is None:
        probes.next = loop.create_future()
    waiting = probes.next
    if not probes.running:
        probes.running = True
        probes.task = loop.create_task(_probe_until_nobody_waits(probes), name="data-version-probe")
    # shielded: a request that goes away must not cancel the answer the others wait for
    return await asyncio.shield(waiting)


async def data_version_label() -> str:
    """A data version safe to label an answer computed after this call: the latest probe's
    value if it is under LABEL_MAX_AGE_S old, else a new probe's."""
    probes = _loop_probes(asyncio.get_running_loop())
    if probes.latest is not None and time.monotonic() - probes.latest_at < LABEL_MAX_AGE_S:
        return probes.latest
    return await current_data_version()


def _loop_probes(loop: asyncio.AbstractEventLoop) -> _LoopProbes:
    target = current_target()
    key = (loop, None if target is None else target.url)
    probes = _probes.get(key)
    if probes is None:
        probes = _probes[key] = _LoopProbes()
        _forget_closed_loops()
    return probes


async def _probe_until_nobody_waits(probes: _LoopProbes) -> None:
    try:
        while probes.next is not None:
            waiting, probes.next = probes.next, None
            try:
                value = await fetch_value(VERSION_SQL)
            except Exception as error:
                waiting.set_exception(error)
                waiting.exception()  # retrieved here too: no warning when nobody waits any more
            else:
                if value is None:  # rollup_state has exactly one row from migration 0006 on
                    waiting.set_exception(LookupError("rollup_state holds no row"))
                    waiting.exception()
                else:
                    probes.latest, probes.latest_at = str(value), time.monotonic()
                    waiting.set_result(probes.latest)
    finally:
        probes.running = False


def _forget_closed_loops() -> None:
    """Drop the probes of loops that closed (tests run many short-lived loops)."""
    for key in [key for key in _probes if key[0].is_closed()]:
        del _probes[key]
