"""The data version (migration 0006) that HTTP caching keys on, on real PostgreSQL: how it moves
with loads, refreshes and other writers, and how the API reads it (app/db/data_version.py): a
probe shared only by the requests that arrived before it was sent, and labels that reuse a recent
probe for at most LABEL_MAX_AGE_S."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from app.db import data_version
from app.db.async_reads import fetch_value
from app.services.rollups import data_version as stored_data_version
from app.services.rollups import refresh_if_stale
from loader.load import load_csv


def _version(engine: Engine) -> int:
    with engine.connect() as conn:
        return stored_data_version(conn)


def test_data_version_grows_once_per_load_and_refresh_not_on_a_reload_that_changes_nothing(
    engine: Engine, sample_csv: Path
) -> None:
    start = _version(engine)
    load_csv(sample_csv, engine)
    loaded = _version(engine)
    assert loaded == start + 1  # one transaction of many statements and its rollups: one step
    load_csv(sample_csv, engine)  # the same rows again: nothing changes, nor does the version
    assert _version(engine) == loaded
    touch = (
        "UPDATE products SET product_name = product_name WHERE id = (SELECT {}(id) FROM products)"
    )
    with engine.begin() as conn:  # any other writer moves it too, once per transaction
        conn.execute(text(touch.format("min")))
        conn.execute(text(touch.format("max")))
    assert _version(engine) == loaded + 1
    assert refresh_if_stale(engine) is not None  # ... and the recompute it calls for
    assert _version(engine) == loaded + 2


def test_a_version_probe_is_shared_only_by_requests_that_arrived_before_it_was_sent(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.db import data_version as probes

    sent: list[str] = []
    answered = asyncio.Event()

    async def slow_to_answer(sql: str) -> Any:
        value = await fetch_value(sql)  # the real read: its snapshot is taken now
        sent.append(value)
        if len(sent) == 1:
            await answered.wait()  # ... but its answer arrives late
        return value

    monkeypatch.setattr(probes, "fetch_value", slow_to_answer)

    async def scenario() -> tuple[list[str], list[str]]:
        early = [asyncio.create_task(probes.current_data_version()) for _ in range(5)]
        while not sent:  # the first probe has read the version and is on its way back
            await asyncio.sleep(0.01)
        await asyncio.to_thread(_bump_version, engine)  # a load commits meanwhile
        late = [asyncio.create_task(probes.current_data_version()) for _ in range(5)]
        await asyncio.sleep(0.05)
        answered.set()
        return list(await asyncio.gather(*early)), list(await asyncio.gather(*late))

    early, late = asyncio.run(scenario())
    assert len(set(early)) == 1 and len(set(late)) == 1
    assert early[0] != late[0]  # the late ones did not reuse the probe sent before the commit
    assert early[0].endswith(f":{_version(engine) - 1}") and late[0].endswith(
        f":{_version(engine)}"
    )
    assert len(sent) == 2  # ten requests, two probes


def _bump_version(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM products WHERE false"))  # a write (of no row) all the same


def test_a_label_reuses_a_recent_probe_and_never_one_older_than_its_limit(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(data_version, "LABEL_MAX_AGE_S", 0.3)
    sent: list[str] = []

    async def counted(sql: str) -> Any:
        sent.append(sql)
        return await fetch_value(sql)

    monkeypatch.setattr(data_version, "fetch_value", counted)

    async def scenario() -> list[str]:
        values = [await data_version.current_data_version()]
        values += [await data_version.data_version_label() for _ in range(5)]  # no probe
        await asyncio.to_thread(_bump_version, engine)
        values.append(await data_version.current_data_version())  # strict: probes
        await asyncio.sleep(0.35)
        values.append(await data_version.data_version_label())  # too old to reuse: probes
        return values

    values = asyncio.run(scenario())
    assert len(sent) == 3
    assert len(set(values[:6])) == 1
    assert values[6] == values[7] != values[0]
