"""The data version as the API reads it: exact for every request, one probe for many.

`rollup_state.data_version` (migration 0006) grows whenever what the API answers may change. A
request may reuse a cached answer only if the version it compares against was read after the
request arrived: then every commit that finished before the request arrived is counted in it.

Reading it once per request costs a round trip each. `current_data_version()` shares probes
instead, without giving up that guarantee: while one probe is in flight, every request arriving
meanwhile waits for the *next* probe, which is sent as soon as the current one returns, so it is
sent after all of them arrived. Under load one probe serves every request that arrived during
the previous round trip; an idle server pays one round trip per request, as before.

The database's name is part of the value, so two databases (tests, or one dropped and created
again) never share a version.
"""

from __future__ import annotations

import asyncio

from app.db.async_reads import fetch_value

VERSION_SQL = "SELECT current_database() || ':' || data_version FROM rollup_state"


class _LoopProbes:
    """The probes of one event loop: the one in flight runs `_probe_until_nobody_waits`."""

    def __init__(self) -> None:
        self.next: asyncio.Future[str] | None = None  # the probe not sent yet
        self.running = False
        self.task: asyncio.Task[None] | None = None  # held: the loop keeps only weak references


_probes: dict[asyncio.AbstractEventLoop, _LoopProbes] = {}


async def current_data_version() -> str:
    """The data version, read by a statement sent after this call began (see the module
    docstring). Raises the read's error (an `OperationalError` when the database is away)."""
    loop = asyncio.get_running_loop()
    probes = _probes.get(loop)
    if probes is None:
        probes = _probes[loop] = _LoopProbes()
        _forget_closed_loops()
    if probes.next is None:
        probes.next = loop.create_future()
    waiting = probes.next
    if not probes.running:
        probes.running = True
        probes.task = loop.create_task(_probe_until_nobody_waits(probes), name="data-version-probe")
    # shielded: a request that goes away must not cancel the answer the others wait for
    return await asyncio.shield(waiting)


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
                    waiting.set_result(str(value))
    finally:
        probes.running = False


def _forget_closed_loops() -> None:
    """Drop the probes of loops that closed (tests run many short-lived loops)."""
    for other in [other for other in _probes if other.is_closed()]:
        del _probes[other]
