"""The loader's SOURCE: a path or an http(s) URL; the default file is fetched when missing."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from loader.load import load_csv
from loader.source import SourceError, resolve_source
from tests.api.expected import Expected, dsum


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        return None


@pytest.fixture
def http_root(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A loopback HTTP server serving a temporary folder: (base URL, folder)."""
    root = tmp_path / "www"
    root.mkdir()
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietHandler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", root
    server.shutdown()
    server.server_close()


def test_loads_from_an_http_url(
    http_root: tuple[str, Path], sample_csv: Path, empty_engine: Engine, expected: Expected
) -> None:
    base, root = http_root
    shutil.copy(sample_csv, root / "data.csv")
    summary = load_csv(f"{base}/data.csv", empty_engine)
    with empty_engine.connect() as conn:
        items, sales = conn.execute(text("SELECT count(*), sum(sales) FROM order_items")).one()
        orders = conn.execute(text("SELECT count(*) FROM orders")).scalar_one()
        customers = conn.execute(text("SELECT count(*) FROM customers")).scalar_one()
    assert summary.committed
    assert items == summary.rows_loaded == len(expected.rows)  # pandas, from the same file
    assert (orders, customers) == (len(expected.orders), len(expected.customers))
    assert sales == dsum(expected.rows["Sales"])


def test_unreachable_url_is_a_clear_error(http_root: tuple[str, Path], tmp_path: Path) -> None:
    base, _ = http_root
    with pytest.raises(SourceError, match=r"could not download .*404"):
        resolve_source(
            f"{base}/missing.csv", default_path=tmp_path / "d.csv", fallback_url=f"{base}/x"
        )


def test_missing_default_file_is_downloaded_once(
    http_root: tuple[str, Path], sample_csv: Path, tmp_path: Path
) -> None:
    base, root = http_root
    shutil.copy(sample_csv, root / "public.csv")
    default = tmp_path / "data" / "ecommerce_dataset.csv"
    path = resolve_source(default, default_path=default, fallback_url=f"{base}/public.csv")
    assert path == default
    assert default.read_bytes() == sample_csv.read_bytes()
    (root / "public.csv").unlink()  # a second call must not need the network
    assert resolve_source(default, default_path=default, fallback_url=f"{base}/x") == default


def test_missing_default_without_network_says_what_to_do(
    http_root: tuple[str, Path], tmp_path: Path
) -> None:
    base, _ = http_root
    default = tmp_path / "data" / "ecommerce_dataset.csv"
    with pytest.raises(SourceError) as caught:
        resolve_source(default, default_path=default, fallback_url=f"{base}/gone.csv")
    message = str(caught.value)
    assert "does not exist" in message and "ECOMMERCE_CSV" in message
    assert "python -m loader.synth" in message
    assert not default.exists()
    assert not list(default.parent.glob("*.part"))  # no half-downloaded file left behind


def test_missing_other_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="does not exist"):
        resolve_source(
            tmp_path / "nope.csv", default_path=tmp_path / "d.csv", fallback_url="http://x"
        )


def test_cli_reports_an_unreachable_database_clearly(sample_csv: Path, tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "DATABASE_URL": f"postgresql://postgres@/db?host={tmp_path}"}
    done = subprocess.run(
        [sys.executable, "-m", "loader", str(sample_csv), "-q"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert "cannot reach the database" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
