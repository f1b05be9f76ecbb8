"""Several processes starting at once (workers, a loader beside `serve`, machines of one service)
may all migrate: they take turns under the migration lock, and all of them succeed."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

from app.db.migrate import MIGRATION_LOCK_KEY, alembic_config

REPO_ROOT = Path(__file__).resolve().parents[2]


def _waiting_for_the_lock(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                text(
                    "SELECT count(*) FROM pg_locks JOIN pg_database AS d ON d.oid = database"
                    " WHERE locktype = 'advisory' AND NOT granted"
                    " AND d.datname = current_database()"
                )
            ).scalar_one()
        )


def test_two_migrate_commands_started_together_both_succeed(new_database) -> None:  # type: ignore[no-untyped-def]
    engine: Engine = new_database(migrated=False)
    env = dict(os.environ, DATABASE_URL=engine.url.render_as_string(hide_password=False))
    holder = engine.connect()
    holder_transaction = holder.begin()
    # Hold the lock ourselves, so both commands are surely migrating at the same moment.
    holder.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
    commands = [
        subprocess.Popen(
            [sys.executable, "-m", "app", "migrate"],
            env=env,
            cwd=REPO_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(2)
    ]
    try:
        deadline = time.monotonic() + 60
        while _waiting_for_the_lock(engine) < 2:
            assert time.monotonic() < deadline, "the migrate commands never waited for the lock"
            assert all(c.poll() is None for c in commands), [c.communicate() for c in commands]
            time.sleep(0.1)
    finally:
        holder_transaction.commit()  # releases the lock: one migrates, the other finds head
        holder.close()
    outputs = [command.communicate(timeout=120)[0] for command in commands]
    assert [command.returncode for command in commands] == [0, 0], outputs
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == [
            head
        ]
