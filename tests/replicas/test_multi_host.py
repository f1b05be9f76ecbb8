"""A multi-host URL reaches the server `target_session_attrs` asks for, whichever host comes
first, in libpq's two spellings: comma-separated lists, and repeated `host=`/`port=` keys (of
which asyncpg on its own keeps only the last)."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest
from sqlalchemy import make_url

from app.db.asyncpg_connect import connect_arguments
from bench.replication import Cluster


async def _in_recovery(url: str) -> bool:
    connection = await asyncpg.connect(**connect_arguments(make_url(url)))
    try:
        return bool(await connection.fetchval("SELECT pg_is_in_recovery()"))
    finally:
        await connection.close()


@pytest.mark.parametrize("spelling", ["repeated", "comma-separated"])
@pytest.mark.parametrize("primary_first", [True, False], ids=["primary-first", "replica-first"])
def test_target_session_attrs_picks_the_primary(
    cluster: Cluster, spelling: str, primary_first: bool
) -> None:
    ports = [cluster.primary.port, cluster.replica.port]
    if not primary_first:
        ports.reverse()
    sockets = str(cluster.root)
    if spelling == "repeated":
        hosts = "&".join(f"host={sockets}&port={port}" for port in ports)
    else:
        hosts = f"host={sockets},{sockets}&port={ports[0]},{ports[1]}"
    base = f"postgresql+psycopg2://postgres@/postgres?{hosts}"
    assert asyncio.run(_in_recovery(base + "&target_session_attrs=read-write")) is False
    assert asyncio.run(_in_recovery(base + "&target_session_attrs=standby")) is True
