"""Loader test fixtures: full-size synthetic files generated once per session, and databases that
already hold a small valid load (so that "the database is unchanged" means something)."""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, make_url, text

from app.db.engine import make_engine
from loader.load import LoadSummary, load_csv
from loader.synth import generate
from tests.loader.helpers import csv_text, write

FULL_ROWS = 51_290
SYNTH_SEED = 20_180_102

# A small valid load: two customers, a two-item order, three products.
BASELINE_CSV = csv_text(
    {"Customer_Id": "90001", "Product": "Car Speakers"},
    {"Customer_Id": "90001", "Product": "Tyre", "Sales": "250.0", "Profit": "160.0"},
    {
        "Customer_Id": "90002",
        "Order_Date": "2018-03-04",
        "Time": "08:00:00",
        "Product_Category": "Fashion",
        "Product": "T - Shirts",
        "Gender": "Male",
        "Order_Priority": "High",
    },
)


@pytest.fixture(scope="session")
def synth_published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The full published size (51,290 rows) in the published format."""
    return generate(tmp_path_factory.mktemp("synth") / "published.csv", FULL_ROWS, seed=SYNTH_SEED)


@pytest.fixture(scope="session")
def synth_spreadsheet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same data (same seed) as a spreadsheet re-save: M/D/YYYY, 8:38:49, 140, CRLF, BOM."""
    return generate(
        tmp_path_factory.mktemp("synth") / "spreadsheet.csv",
        FULL_ROWS,
        seed=SYNTH_SEED,
        style="spreadsheet",
        bom=True,
    )


LoadedDb = tuple[Engine, LoadSummary]


@pytest.fixture(scope="session")
def synth_published_db(new_database: Callable[[], Engine], synth_published: Path) -> LoadedDb:
    engine = new_database()
    return engine, load_csv(synth_published, engine)


@pytest.fixture(scope="session")
def synth_spreadsheet_db(new_database: Callable[[], Engine], synth_spreadsheet: Path) -> LoadedDb:
    engine = new_database()
    return engine, load_csv(synth_spreadsheet, engine)


@pytest.fixture(scope="session")
def baseline_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write(tmp_path_factory.mktemp("baseline"), BASELINE_CSV, "baseline.csv")


def _admin(admin_url: str, *statements: str) -> None:
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        for statement in statements:
            conn.execute(text(statement))
    engine.dispose()


@pytest.fixture(scope="session")
def baseline_factory(
    server_admin_url: str, template_db: str, baseline_csv: Path
) -> Iterator[Callable[[], Engine]]:
    """Factory of fresh databases already holding the small valid BASELINE_CSV load: loaded once
    into a template database, then copied (CREATE DATABASE … TEMPLATE, ~0.1 s) per test."""
    admin = make_url(server_admin_url)
    template = f"ecom_test_loader_baseline_{os.getpid()}"
    _admin(server_admin_url, f"DROP DATABASE IF EXISTS {template}")
    _admin(server_admin_url, f"CREATE DATABASE {template} TEMPLATE {template_db}")
    engine = make_engine(admin.set(database=template).render_as_string(hide_password=False))
    summary = load_csv(baseline_csv, engine)
    assert summary.committed and summary.tables["order_items"].total_after == 3
    engine.dispose()  # a template must have no open connections
    created: list[tuple[str, Engine]] = []
    counter = itertools.count()

    def factory() -> Engine:
        name = f"{template}_{next(counter)}"
        _admin(server_admin_url, f"CREATE DATABASE {name} TEMPLATE {template}")
        copy = make_engine(admin.set(database=name).render_as_string(hide_password=False))
        created.append((name, copy))
        return copy

    yield factory
    for name, copy in created:
        copy.dispose()
        _admin(server_admin_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    _admin(server_admin_url, f"DROP DATABASE IF EXISTS {template} WITH (FORCE)")


@pytest.fixture
def baseline_engine(baseline_factory: Callable[[], Engine]) -> Engine:
    """A fresh database already holding the small valid BASELINE_CSV load."""
    return baseline_factory()


@pytest.fixture(scope="module")
def shared_baseline_engine(baseline_factory: Callable[[], Engine]) -> Engine:
    """One baseline database for a module's tests whose loads must all be refused: each test
    still compares its own before/after checksums, so a load that changed anything fails."""
    return baseline_factory()
