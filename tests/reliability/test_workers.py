"""`python -m app serve --workers 2`: each worker accepts on its own listening socket, so a burst
of new connections reaches both; /metrics counts every request whichever worker answers the
scrape, each worker's own gauges are reported, and a load is followed by exactly one rollup
refresh across the workers."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from sqlalchemy import Engine
from uvicorn.config import STARTUP_FAILURE

from app.services.rollups import data_version, rollups_fresh
from app.serving import APP_FACTORY, OwnListenerServer
from bench.procfs import process_tree
from loader.load import load_csv
from tests.reliability.test_embedded_lifecycle import _free_port, _healthy, _wait_for, _worker_pids

REPO_ROOT = Path(__file__).resolve().parents[2]
REQUESTS = 20


def _start_serve(engine: Engine, port: int, metrics_dir: Path) -> subprocess.Popen[str]:
    env = dict(
        os.environ,
        DATABASE_URL=engine.url.render_as_string(hide_password=False),
        ROLLUP_REFRESH_INTERVAL_S="0.2",
        PROMETHEUS_MULTIPROC_DIR=str(metrics_dir),
    )
    return subprocess.Popen(
        [sys.executable, "-m", "app", "serve", "--no-load", "--port", str(port), "--workers", "2"],
        env=env,
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.fixture
def two_workers_serve(
    empty_engine: Engine, tmp_path: Path
) -> Iterator[tuple[subprocess.Popen[str], int]]:
    port = _free_port()
    serve = _start_serve(empty_engine, port, tmp_path / "metrics")
    try:
        _wait_for(lambda: _healthy(port) or serve.poll() is not None, 120, "serve to answer")
        assert serve.poll() is None, serve.communicate()[0]
        _wait_for(lambda: len(_worker_pids(port)) == 2, 30, "both workers' metrics")
        yield serve, port
    finally:
        serve.terminate()
        serve.communicate(timeout=60)


@pytest.fixture
def two_workers(two_workers_serve: tuple[subprocess.Popen[str], int]) -> str:
    return f"http://127.0.0.1:{two_workers_serve[1]}"


def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:  # closed meanwhile
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    return inodes


def _server_sockets(port: int, state: str) -> set[str]:
    """Inodes of the TCP sockets whose local port is `port`, in `state` (/proc/net/tcp codes:
    0A listening, 01 established)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == state:
                inodes.add(fields[9])
    return inodes


def _holders(pids: list[int], inodes: set[str]) -> dict[int, set[str]]:
    return {pid: _socket_inodes(pid) & inodes for pid in pids}


@pytest.mark.skipif(sys.platform != "linux", reason="SO_REUSEPORT balancing is Linux's")
def test_each_worker_accepts_on_its_own_socket(
    two_workers_serve: tuple[subprocess.Popen[str], int],
) -> None:
    serve, port = two_workers_serve
    workers = sorted(int(pid) for pid in _worker_pids(port))
    listening = _server_sockets(port, "0A")
    held = _holders([serve.pid, *workers], listening)
    assert held[serve.pid] == set()  # the parent accepts nothing
    assert len(listening) == 2 and all(len(held[pid]) == 1 for pid in workers)
    assert held[workers[0]] != held[workers[1]]


@pytest.mark.skipif(sys.platform != "linux", reason="the per-worker sockets are Linux's")
def test_a_second_server_on_the_same_port_is_refused(
    two_workers_serve: tuple[subprocess.Popen[str], int], empty_engine: Engine, tmp_path: Path
) -> None:
    """The workers' SO_REUSEPORT sockets would let another server join them silently."""
    serve, port = two_workers_serve
    listening = _server_sockets(port, "0A")
    second = _start_serve(empty_engine, port, tmp_path / "second")
    try:
        output = second.communicate(timeout=60)[0]
    except subprocess.TimeoutExpired:
        second.kill()
        second.communicate()
        pytest.fail("a second server started on the first one's port")
    assert second.returncode == 3, output  # uvicorn's startup-failure status
    assert f"cannot listen on 127.0.0.1:{port}" in output and "in use" in output, output
    assert _server_sockets(port, "0A") == listening and serve.poll() is None


@pytest.mark.skipif(sys.platform != "linux", reason="SO_REUSEPORT balancing is Linux's")
def test_a_burst_of_connections_reaches_both_workers(
    two_workers_serve: tuple[subprocess.Popen[str], int],
) -> None:
    """A shared socket often hands a whole burst to the first worker that wakes."""
    port = two_workers_serve[1]
    workers = sorted(int(pid) for pid in _worker_pids(port))
    for _ in range(3):
        burst = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(32)]
        try:
            per_worker: dict[int, set[str]] = {}

            def all_accepted(sent: int = len(burst)) -> bool:
                nonlocal per_worker
                per_worker = _holders(workers, _server_sockets(port, "01"))
                return sum(len(held) for held in per_worker.values()) >= sent

            _wait_for(all_accepted, 10, "the workers to accept the burst")
            assert all(per_worker.values()), {pid: len(h) for pid, h in per_worker.items()}
        finally:
            for connection in burst:
                connection.close()


def test_a_worker_that_cannot_listen_exits_with_the_startup_failure_status() -> None:
    """The supervisor stops on that status; any other exit would be restarted, again and again."""
    with socket.socket() as taken:  # bound without SO_REUSEPORT: no group can join it
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        config = uvicorn.Config(APP_FACTORY, factory=True, host="127.0.0.1", port=port)
        with pytest.raises(SystemExit) as exited:
            asyncio.run(OwnListenerServer(config).startup())
    assert exited.value.code == STARTUP_FAILURE


def _listeners_by_worker(serve_pid: int, port: int) -> dict[int, set[str]]:
    """The processes under `serve` that hold a socket listening on `port`, and those sockets."""
    held = _holders(process_tree(serve_pid), _server_sockets(port, "0A"))
    return {pid: inodes for pid, inodes in held.items() if inodes}


@pytest.mark.skipif(sys.platform != "linux", reason="SO_REUSEPORT balancing is Linux's")
def test_a_replaced_worker_listens_on_a_socket_of_its_own(
    two_workers_serve: tuple[subprocess.Popen[str], int],
) -> None:
    serve, port = two_workers_serve
    victim = min(_listeners_by_worker(serve.pid, port))
    os.kill(victim, signal.SIGKILL)  # uvicorn's supervisor starts a replacement

    def replaced() -> bool:
        now = _listeners_by_worker(serve.pid, port)
        return len(now) == 2 and victim not in now

    _wait_for(replaced, 60, "a replacement worker listening")
    listeners = _listeners_by_worker(serve.pid, port)
    assert all(len(inodes) == 1 for inodes in listeners.values())
    assert set().union(*listeners.values()) == _server_sockets(port, "0A")  # two, one each
    assert len(_server_sockets(port, "0A")) == 2
    for _ in range(10):  # new connections, whichever worker the kernel picks
        assert httpx.get(f"http://127.0.0.1:{port}/health", timeout=10).status_code == 200


def _count(metrics: str, route: str) -> float:
    pattern = (
        rf'^http_requests_total\{{method="GET",route="{re.escape(route)}",status="200"\}} (\S+)'
    )
    found = re.search(pattern, metrics, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


def _pool_pids(metrics: str) -> set[str]:
    return set(re.findall(r'^db_read_pool_open\{pid="(\d+)"\}', metrics, re.MULTILINE))


def test_metrics_count_every_request_of_every_worker(two_workers: str) -> None:
    sent, served = 0, set()
    while len(served) < 2:  # new connections each time: the kernel spreads them over workers
        assert sent < 20 * REQUESTS, "one worker answered every request"
        for _ in range(REQUESTS):
            assert httpx.get(f"{two_workers}/products/?limit=1", timeout=10).status_code == 200
        sent += REQUESTS
        served = _pool_pids(httpx.get(f"{two_workers}/metrics", timeout=10).text)
    scrapes = [httpx.get(f"{two_workers}/metrics", timeout=10).text for _ in range(6)]
    assert [_count(scrape, "/products/") for scrape in scrapes] == [sent] * len(scrapes)
    in_progress = re.search(r"^http_requests_in_progress (\S+)", scrapes[0], re.MULTILINE)
    assert in_progress is not None and float(in_progress.group(1)) == 1.0  # the scrape itself


def test_a_load_is_followed_by_exactly_one_refresh(
    two_workers: str, empty_engine: Engine, sample_csv: Path
) -> None:
    with empty_engine.connect() as conn:
        before = data_version(conn)
    load_csv(sample_csv, empty_engine)  # rollups stale: both workers' refreshers notice

    def fresh() -> bool:
        with empty_engine.connect() as conn:
            return rollups_fresh(conn)

    _wait_for(fresh, 60, "a worker to refresh the rollups")
    time.sleep(1.5)  # several more refresher ticks of both workers
    with empty_engine.connect() as conn:
        assert data_version(conn) == before + 2  # the load, then one refresh
