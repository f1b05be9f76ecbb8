"""Client CPU per read: checkout + one-row fetch + release, `ReadPool` against asyncpg's `Pool`.

Starts the embedded PostgreSQL (its own data directory under /tmp unless `--pgdata`), then runs,
interleaved, rounds of N sequential reads of `SELECT $1::int` on:

- `readpool`: the app's `ReadPool` (app/db/read_pool.py), as `async_reads` uses it;
- `asyncpg-pool`: `asyncpg.create_pool(..., reset=<no-op>, record_class=Row)`, the same
  max size, `async with pool.acquire(timeout=...)` (the app needs the timeout);
- `asyncpg-pool-notimeout`: the same pool, `acquire()` without a timeout;
- `connection`: one connection held throughout, no pool at all (the floor);
- `run-read`: the whole greenlet bridge, `run_read(service)` with a sync service executing a
  SQLAlchemy statement (compiled once) through `AsyncReadSession`, on the app's `ReadPool`;
- `async-session`: the alternative, SQLAlchemy's `AsyncSession` on asyncpg (its own pool);
- `thread-session`: the other alternative, the sync service on a psycopg2 `Session` in a worker
  thread (`asyncio.to_thread`; SQLAlchemy's pool). Both run the same statement.

Reports each variant's median CPU µs per read (time.process_time of this process only: the
server's work is the same for all). `--iterations 0` runs set-up only, for callgrind baselines.

    python -m bench.read_pool                  # 15 rounds of 2,000 reads per variant
    python -m bench.read_pool --only readpool --rounds 1 --iterations 5000
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path

import asyncpg
from sqlalchemy import Integer, bindparam, select
from sqlalchemy.orm import Session

from app.db.async_reads import Row
from app.db.embedded import embedded_database_url
from app.db.read_pool import ReadPool

SQL = "SELECT $1::int AS n"
STATEMENT = select(bindparam("n", type_=Integer).label("n"))  # the same, as a service sends it
MAX_SIZE = 20
TIMEOUT = 2.0
WARM_UP = 200  # reads per variant before measuring (also with --iterations 0)


async def _noop_reset(connection: asyncpg.Connection) -> None:
    return None


def _dsn(url: str) -> str:
    return url.replace("postgresql+psycopg2://", "postgresql://", 1)


def one_row(session: Session, n: int) -> int:
    """A read service as the app's are written: sync SQLAlchemy over a `Session`."""
    return int(session.execute(STATEMENT, {"n": n}).one()[0])


async def variants(url: str, dsn: str) -> dict[str, Callable[[int], Awaitable[None]]]:
    read_pool = ReadPool(partial(asyncpg.connect, dsn, record_class=Row), max_size=MAX_SIZE)
    pool = await asyncpg.create_pool(
        dsn, min_size=1, max_size=MAX_SIZE, reset=_noop_reset, record_class=Row
    )
    held = await asyncpg.connect(dsn, record_class=Row)

    async def readpool(n: int) -> None:
        for i in range(n):
            connection = await read_pool.acquire(TIMEOUT)
            try:
                await connection.fetch(SQL, i)
            finally:
                read_pool.release(connection)

    async def asyncpg_pool(n: int) -> None:
        for i in range(n):
            async with pool.acquire(timeout=TIMEOUT) as connection:
                await connection.fetch(SQL, i)

    async def asyncpg_pool_notimeout(n: int) -> None:
        for i in range(n):
            async with pool.acquire() as connection:
                await connection.fetch(SQL, i)

    async def connection(n: int) -> None:
        for i in range(n):
            await held.fetch(SQL, i)

    async def run_read_(n: int) -> None:
        for i in range(n):
            assert await run_read(one_row, i) == i

    # The app's own path: its engine pointed at the benchmark's database, this loop's pool.
    os.environ["DATABASE_URL"] = url
    from app.config import get_settings
    from app.db import engine as db_engine
    from app.db.async_reads import open_read_pool, run_read

    get_settings.cache_clear()
    db_engine.dispose_engine()
    await open_read_pool()

    from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

    async_engine = create_async_engine(
        dsn.replace("postgresql://", "postgresql+asyncpg://", 1), pool_size=MAX_SIZE
    )

    async def async_session(n: int) -> None:
        for i in range(n):
            async with AsyncSession(async_engine) as session:
                row = (await session.execute(STATEMENT, {"n": i})).one()
                assert row[0] == i

    def sync_read(i: int) -> int:
        with db_engine.session_scope() as session:
            return one_row(session, i)

    async def thread_session(n: int) -> None:
        for i in range(n):
            assert await asyncio.to_thread(sync_read, i) == i

    return {
        "readpool": readpool,
        "asyncpg-pool": asyncpg_pool,
        "asyncpg-pool-notimeout": asyncpg_pool_notimeout,
        "connection": connection,
        "run-read": run_read_,
        "async-session": async_session,
        "thread-session": thread_session,
    }


async def measure(url: str, only: list[str] | None, rounds: int, iterations: int) -> None:
    runs = await variants(url, _dsn(url))
    names = [name for name in runs if not only or name in only]
    for name in names:  # warm: connections open, statements prepared
        await runs[name](WARM_UP)
    if iterations == 0:
        print("set-up only")
        return
    per_read: dict[str, list[float]] = {name: [] for name in names}
    for _ in range(rounds):
        for name in names:
            start = time.process_time()
            await runs[name](iterations)
            per_read[name].append((time.process_time() - start) * 1e6 / iterations)
    for name in names:
        values = per_read[name]
        print(
            f"{name:<24} median {statistics.median(values):7.1f} µs CPU per read "
            f"(min {min(values):.1f}, max {max(values):.1f}; {rounds} rounds of {iterations})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pgdata", type=Path, help="embedded server's data directory")
    parser.add_argument("--only", help="comma-separated variants")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--iterations", type=int, default=2000, help="reads per round")
    args = parser.parse_args()
    pgdata = args.pgdata or Path(tempfile.mkdtemp(prefix="bench-read-pool-"))
    url = embedded_database_url(pgdata, "bench_read_pool")
    only = args.only.split(",") if args.only else None
    asyncio.run(measure(url, only, args.rounds, args.iterations))


if __name__ == "__main__":
    main()
