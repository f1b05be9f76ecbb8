"""`python -m app`: the main job's command line, run as a real process against real PostgreSQL."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, text

from tests.api.expected import Expected

REPO_ROOT = Path(__file__).resolve().parent.parent


def _env(engine: Engine, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["DATABASE_URL"] = engine.url.render_as_string(hide_password=False)
    env.update(extra)
    return env


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_migrate_command_creates_the_schema(new_database) -> None:  # type: ignore[no-untyped-def]
    engine: Engine = new_database(migrated=False)
    result = subprocess.run(
        [sys.executable, "-m", "app", "migrate"],
        env=_env(engine),
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    with engine.connect() as conn:
        tables = set(
            conn.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            ).scalars()
        )
    assert {"customers", "products", "orders", "order_items", "alembic_version"} <= tables


def test_serve_loads_an_empty_database_then_answers(  # type: ignore[no-untyped-def]
    new_database, sample_csv: Path, expected: Expected
) -> None:
    engine: Engine = new_database(migrated=False)
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "app", "serve", "--port", str(port), "--csv", str(sample_csv)],
        env=_env(engine, LOG_LEVEL="WARNING"),
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail(
                    f"serve exited early:\n{process.stdout.read() if process.stdout else ''}"
                )
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)
                if response.status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("serve did not answer /health within 60 s")
            time.sleep(0.2)
        revenue = httpx.get(f"http://127.0.0.1:{port}/analytics/revenue/", timeout=30).json()
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT count(*) FROM order_items")).scalar_one()
        want = expected.revenue()  # pandas, from the CSV that serve loaded
        assert rows == want["item_count"] == len(expected.rows)
        assert {key: revenue[key] for key in want} == want
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=30)
    assert "/docs" in output and "/graphql" in output  # the links are printed for the user


def test_serve_refuses_clearly_when_there_is_nothing_to_load(new_database, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    engine: Engine = new_database(migrated=False)
    missing = tmp_path / "nowhere.csv"
    result = subprocess.run(
        [sys.executable, "-m", "app", "serve", "--csv", str(missing), "--port", str(_free_port())],
        env=_env(engine),
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    said = " ".join(result.stdout.split())
    assert f"{missing} does not exist" in said and "--demo" in said
