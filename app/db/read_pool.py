"""The connection pool of the API's reads: asyncpg connections of one event loop.

Why not asyncpg's own `Pool`: even with a no-op `reset`, its acquire plus release (a proxy
object, a timeout context per acquire, a shielded task per release) cost several times the CPU
of this pool's, a large share of a one-statement read (`python -m bench.read_pool`; numbers in
docs/design.md, "The greenlet bridge and ReadPool"). This pool does much less, because its
connections only ever run autocommit reads: no transactions to roll back, no session state to
reset, no listeners. A checkout is a `list.pop()` when a connection is idle.

- At most `max_size` connections, opened on demand (none at start-up).
- When all are busy, a checkout waits (first come, first served) at most `timeout` seconds,
  then raises `sqlalchemy.exc.TimeoutError`, as SQLAlchemy's pool does.
- A connection comes back `reusable=False` when its call ended in a way that may have left it
  mid-protocol (cancelled, or a driver or socket error): it is closed, and its place is free.
- A connection the server closed while idle is dropped at checkout when asyncpg has noticed;
  when it has not, the first statement fails and the caller retries (`async_reads`).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Awaitable, Callable
from typing import TypeAlias

import asyncpg
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

# A waiter is handed a connection, or None: "a place is free, open a connection yourself".
_Handoff: TypeAlias = "asyncpg.Connection | None"


class ReadPool:
    def __init__(self, connect: Callable[[], Awaitable[asyncpg.Connection]], max_size: int):
        self._connect = connect
        self._max_size = max_size
        self._idle: list[asyncpg.Connection] = []  # last in, first out: the warmest first
        self._size = 0  # connections open or being opened
        self._waiters: deque[asyncio.Future[_Handoff]] = deque()
        self._closed = False

    @property
    def size(self) -> int:
        return self._size

    @property
    def idle(self) -> int:
        return len(self._idle)

    @property
    def max_size(self) -> int:
        return self._max_size

    @property
    def waiting(self) -> int:
        return sum(not waiter.done() for waiter in self._waiters)

    async def acquire(self, timeout: float) -> asyncpg.Connection:
        if self._closed:
            raise ConnectionError("the read pool is closed")
        while self._idle:
            connection = self._idle.pop()
            if not connection.is_closed():
                return connection
            self._size -= 1  # the server closed it while it was idle
        if self._size < self._max_size:
            self._size += 1
        else:
            handed = await self._wait(timeout)
            if handed is not None:
                return handed
            # Handed a free place: it is counted in `_size` already.
        try:
            return await self._connect()
        except BaseException:
            self._free_place()
            raise

    async def _wait(self, timeout: float) -> _Handoff:
        waiter: asyncio.Future[_Handoff] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            async with asyncio.timeout(timeout):
                return await waiter
        except BaseException as error:
            if waiter.done() and not waiter.cancelled() and waiter.exception() is None:
                # Handed something just as the wait ended: pass it on, do not leak it.
                handed = waiter.result()
                if handed is None:
                    self._free_place()
                else:
                    self.release(handed)
            else:
                waiter.cancel()  # skipped when its turn comes
            if isinstance(error, TimeoutError):
                raise PoolTimeoutError(
                    f"no database connection free within {timeout} s ({self._max_size} in use)"
                ) from None
            raise

    def release(self, connection: asyncpg.Connection, *, reusable: bool = True) -> None:
        if self._closed or not reusable or connection.is_closed():
            if not connection.is_closed():
                connection.terminate()
            self._free_place()
            return
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(connection)
                return
        self._idle.append(connection)

    def _free_place(self) -> None:
        """A connection is gone: its place goes to the first waiter, else back to the pool."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self._size -= 1

    def _shut(self) -> list[asyncpg.Connection]:
        """No more checkouts; waiters fail; the idle connections are handed over to close."""
        self._closed = True
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_exception(ConnectionError("the read pool is closed"))
        idle, self._idle = self._idle, []
        self._size -= len(idle)
        return idle

    async def close(self) -> None:
        """Close the idle connections now and the busy ones when they come back."""
        for connection in self._shut():
            with contextlib.suppress(OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
                await connection.close(timeout=5)

    def terminate(self) -> None:
        """Close everything at once, without waiting (a pool being replaced, a failed close)."""
        for connection in self._shut():
            connection.terminate()
