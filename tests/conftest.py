"""Test fixtures: one real PostgreSQL per test session, no mocks.

- Without DATABASE_URL: an embedded server in a temporary directory, deleted at the end.
- With DATABASE_URL: that server; the tests create and drop their own databases (`ecom_test_*`)
  and never touch the database named in the URL.

A migrated template database is built once; tests that load data get a fresh copy of it
(`CREATE DATABASE … TEMPLATE`, ~0.1 s). Read-only API tests share one database loaded once.
"""

from __future__ import annotations

import importlib
import itertools
import os
import shutil
import tempfile
import types
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, make_url, text

from app.db.engine import make_engine
from app.db.migrate import upgrade_to_head
from app.db.url import normalize_url
from tests.api.expected import Expected

# The app's background rollup refresher would race the tests that hold rollups stale on purpose;
# the tests that exercise it turn it on explicitly (tests/loader/test_rollup_refresh.py).
os.environ.setdefault("ROLLUP_REFRESH_INTERVAL_S", "0")
# Tests that count a request's statements send the same request more than once; the response
# cache would answer the repeats. tests/api/test_http_cache.py builds apps with the cache on.
os.environ.setdefault("RESPONSE_CACHE_MAX_BYTES", "0")

REPO_ROOT = Path(__file__).resolve().parent.parent
SAMPLES_DIR = Path(os.environ.get("ECOMMERCE_SAMPLES_DIR", REPO_ROOT.parent / "shared" / "data"))
SAMPLE_NAME = "ecommerce_sample_original.csv"
SPREADSHEET_NAME = "ecommerce_sample_spreadsheet.csv"
TEMPLATE_DB = "ecom_test_template"
_db_counter = itertools.count()
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require(present: object, message: str) -> None:
    """Skip the test when something it needs is missing, except in CI (`CI=true`), where the
    missing thing fails it: a check must never stop running there unnoticed."""
    if present:
        return
    if IN_CI:
        pytest.fail(f"{message} (CI=true: a missing prerequisite fails the run)", pytrace=False)
    pytest.skip(message)


def import_or_require(module: str, why: str) -> types.ModuleType:
    """`pytest.importorskip` that fails in CI instead of skipping (usable at module level)."""
    try:
        return importlib.import_module(module)
    except ImportError:
        if IN_CI:
            pytest.fail(f"{module} is not installed: {why} (CI=true)", pytrace=False)
        pytest.skip(f"{module} is not installed: {why}", allow_module_level=True)


def _sample_dirs() -> list[Path]:
    """Where the samples are looked for: beside ECOMMERCE_CSV, then ECOMMERCE_SAMPLES_DIR (by
    default shared/data beside the clone)."""
    env = os.environ.get("ECOMMERCE_CSV")
    return list(dict.fromkeys([*([Path(env).parent] if env else []), SAMPLES_DIR]))


def real_sample_path() -> Path:
    """The real published-format sample: ECOMMERCE_CSV when set (even to a missing file: a typo
    must not quietly pick another file), else the one in the samples folder."""
    env = os.environ.get("ECOMMERCE_CSV")
    return Path(env) if env else SAMPLES_DIR / SAMPLE_NAME


def spreadsheet_sample_path() -> Path:
    """The spreadsheet re-save of the sample: beside ECOMMERCE_CSV, else in the samples folder."""
    candidates = [directory / SPREADSHEET_NAME for directory in _sample_dirs()]
    return next((path for path in candidates if path.is_file()), candidates[-1])


@pytest.fixture(scope="session")
def server_admin_url() -> Iterator[str]:
    """URL of the `postgres` maintenance database on the server the tests use."""
    external = os.environ.get("DATABASE_URL")
    if external:
        yield (
            make_url(normalize_url(external))
            .set(database="postgres")
            .render_as_string(hide_password=False)
        )
        return
    from app.db.embedded import start_embedded_server

    # Not under pytest's basetemp: pytest deletes old basetemps, even those of a concurrent session
    # whose server is still running there.
    pgdata = Path(tempfile.mkdtemp(prefix="ecom-test-pg-")) / "data"
    # Each test database keeps a few idle pooled connections until the session ends (engines
    # are disposed after each test, but session-wide ones stay): room for a long session.
    server = start_embedded_server(
        pgdata, cleanup_mode="delete", extra_settings="max_connections = 300\n"
    )
    yield server.get_uri("postgres").replace("postgresql://", "postgresql+psycopg2://", 1)
    server.cleanup()
    shutil.rmtree(pgdata.parent, ignore_errors=True)


def _admin_execute(admin_url: str, *statements: str) -> None:
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        for statement in statements:
            conn.execute(text(statement))
    engine.dispose()


def _db_url(admin_url: str, name: str) -> str:
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def template_db(server_admin_url: str) -> str:
    """A database with the schema migrated to head; copied by `new_database`."""
    _admin_execute(
        server_admin_url,
        f"DROP DATABASE IF EXISTS {TEMPLATE_DB} WITH (FORCE)",
        f"CREATE DATABASE {TEMPLATE_DB}",
    )
    engine = create_engine(_db_url(server_admin_url, TEMPLATE_DB))
    upgrade_to_head(engine)
    engine.dispose()
    return TEMPLATE_DB


@pytest.fixture(scope="session")
def new_database(server_admin_url: str, template_db: str) -> Iterator[object]:
    """Factory: `new_database()` -> Engine on a fresh migrated database, dropped at session end."""
    created: list[tuple[str, Engine]] = []

    def factory(*, migrated: bool = True) -> Engine:
        name = f"ecom_test_{os.getpid()}_{next(_db_counter)}"
        template = f" TEMPLATE {template_db}" if migrated else ""
        _admin_execute(
            server_admin_url, f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name}{template}"
        )
        engine = make_engine(_db_url(server_admin_url, name))
        created.append((name, engine))
        return engine

    factory.created = created  # type: ignore[attr-defined]
    yield factory
    for name, engine in created:
        engine.dispose()
        _admin_execute(server_admin_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(autouse=True)
def _close_idle_connections(request: pytest.FixtureRequest) -> Iterator[None]:
    """After each test, close the idle pooled connections of the databases it created (their
    engines stay usable): hundreds of test databases must not hold a connection each."""
    if "new_database" not in request.fixturenames:
        yield
        return
    created = request.getfixturevalue("new_database").created
    before = len(created)
    yield
    for _, engine in created[before:]:
        engine.dispose()


@pytest.fixture
def empty_engine(new_database) -> Engine:  # type: ignore[no-untyped-def]
    """A fresh, migrated, empty database for one test."""
    return new_database()  # type: ignore[no-any-return]


@pytest.fixture(scope="session")
def sample_csv() -> Path:
    path = real_sample_path()
    require(
        path.is_file(),
        f"real sample not found at {path} (set ECOMMERCE_CSV or ECOMMERCE_SAMPLES_DIR)",
    )
    return path


@pytest.fixture(scope="session")
def expected(sample_csv: Path) -> Expected:
    """What the API must answer for the real sample, computed by pandas from the CSV alone."""
    return Expected.from_csv(sample_csv)


@pytest.fixture(scope="session")
def spreadsheet_csv() -> Path:
    path = spreadsheet_sample_path()
    where = " or ".join(str(directory) for directory in _sample_dirs())
    require(path.is_file(), f"spreadsheet sample {SPREADSHEET_NAME} not found in {where}")
    return path


@pytest.fixture(scope="session")
def multi_item_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synthetic file in the published format (the product's generator) where about a third
    of the orders have several items, some of them spread over the file, and later items often
    disagree with the first on priority, payment or aging: the real sample has none of those."""
    # The tests' one import of the generator for this file (it may move into the product).
    from loader.synth import Quirks, generate

    quirks = Quirks(adjacent_item=0.25, distant_item=0.15, item_disagrees=0.5)
    path = tmp_path_factory.mktemp("multi_item") / "multi_item.csv"
    return generate(path, 1_500, seed=2_018, quirks=quirks)


@pytest.fixture(scope="session")
def loaded_engine(new_database, sample_csv: Path) -> Engine:  # type: ignore[no-untyped-def]
    """One database holding the real published-format sample, shared by read-only tests."""
    from loader.load import load_csv

    engine: Engine = new_database()
    load_csv(sample_csv, engine)
    return engine
