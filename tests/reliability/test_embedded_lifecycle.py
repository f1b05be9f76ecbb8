"""The embedded PostgreSQL lives exactly as long as the `serve` that started it: stopped when
`serve` is stopped by SIGTERM (systemd, Docker, Kubernetes) as by SIGINT (Ctrl-C), and a handle
list left behind by a process that died without cleaning up does not keep it alive."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
HANDLES = ".handle_pids.json"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _postmaster_pid(pgdata: Path) -> int | None:
    pid_file = pgdata / "postmaster.pid"
    if not pid_file.is_file():
        return None
    return int(pid_file.read_text().split()[0])


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _wait_for(condition, seconds: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def _serve(pgdata: Path, port: int, workers: int = 1) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(EMBEDDED_PGDATA=str(pgdata), ROLLUP_REFRESH_INTERVAL_S="0")
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "app",
            "serve",
            "--no-load",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        env=env,
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _worker_pids(port: int) -> set[str]:
    metrics = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    return set(re.findall(r'^http_response_cache_bytes\{pid="(\d+)"\}', metrics, re.MULTILINE))


def _healthy(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.fixture(scope="module")
def pgdata(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory made by a first `serve` (initdb wants an empty directory)."""
    pgdata = tmp_path_factory.mktemp("embedded") / "pgdata"
    port = _free_port()
    serve = _serve(pgdata, port)
    try:
        _wait_for(lambda: _healthy(port) or serve.poll() is not None, 120, "serve to answer")
        assert serve.poll() is None, serve.communicate()[0]
        serve.send_signal(signal.SIGINT)
        serve.communicate(timeout=60)
    finally:
        if serve.poll() is None:
            serve.kill()
    return pgdata


@pytest.mark.parametrize(
    ("stop_signal", "workers"),
    [(signal.SIGTERM, 1), (signal.SIGINT, 1), (signal.SIGTERM, 2), (signal.SIGINT, 2)],
    ids=["SIGTERM", "SIGINT", "SIGTERM-2-workers", "SIGINT-2-workers"],
)
def test_serve_stops_its_embedded_server_when_stopped(
    pgdata: Path, stop_signal: signal.Signals, workers: int
) -> None:
    # A handle list left by a process that died without cleaning up (killed, or an old version).
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (pgdata / HANDLES).write_text(json.dumps([dead.pid]))
    port = _free_port()
    serve = _serve(pgdata, port, workers)
    try:
        _wait_for(lambda: _healthy(port) or serve.poll() is not None, 120, "serve to answer")
        assert serve.poll() is None, serve.communicate()[0]
        if workers > 1:  # every worker answers, from the one embedded server
            _wait_for(lambda: len(_worker_pids(port)) == workers, 30, "both workers' metrics")
        postmaster = _postmaster_pid(pgdata)
        assert postmaster is not None and _alive(postmaster)
        assert json.loads((pgdata / HANDLES).read_text()) == [serve.pid]  # the dead pid pruned
        serve.send_signal(stop_signal)
        output = serve.communicate(timeout=60)[0]
    finally:
        if serve.poll() is None:
            serve.kill()
    _wait_for(lambda: not _alive(postmaster), 30, f"the postmaster to stop:\n{output}")
    assert json.loads((pgdata / HANDLES).read_text()) == []
