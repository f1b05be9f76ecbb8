"""Who keeps the insight rollups fresh, and that "fresh" never vouches for old data.

A load updates fresh rollups in its own transaction, from its rows (loader/rollups.py, and
tests/loader/test_incremental_rollups.py). A first load, and any write outside the loader, leave
them stale: the insights answer from live aggregation, exactly, until the app's background
refresher, `python -m app refresh-rollups` or the loader's `--refresh-rollups` recompute them. A
recompute waits for a running load and keeps loads out until it commits.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import secrets
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from app.config import Settings
from app.db import engine as db_engine
from app.db.engine import make_engine
from app.db.roles import create_readonly_role, drop_role, role_url
from app.main import create_app
from app.services.rollups import RollupRefresher, refresh_if_stale
from loader.load import load_csv
from tests.loader.helpers import run_cli, scalar
from tests.loader.test_idempotent import assert_nothing_written

REPO_ROOT = Path(__file__).resolve().parents[2]
FRESH = "SELECT rollups_fresh()"
BASE_SALES = "SELECT sum(sales) FROM order_items"
ROLLUP_SALES = "SELECT sum(sales) FROM summary_daily_orders"  # the summary table itself
ANSWERED_SALES = "SELECT sum(sales) FROM rollup_daily_orders"  # what the insights read
CHANGE_ONE_SALE = (
    "UPDATE order_items SET sales = sales + 1 WHERE id = (SELECT min(id) FROM order_items)"
)
_roles = itertools.count()
WAITING_ON_A_LOCK = (
    "SELECT count(*) FROM pg_stat_activity"
    " WHERE datname = current_database() AND wait_event_type = 'Lock'"
)


def _wait_until(condition: Callable[[], bool], timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def _change_one_sale(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text(CHANGE_ONE_SALE))


@pytest.fixture
def stale_engine(new_database: Callable[..., Engine], sample_csv: Path) -> Engine:
    """The sample loaded into an empty database: a first load leaves the rollups stale."""
    engine = new_database()
    summary = load_csv(sample_csv, engine)
    assert summary.rollups == "stale"
    return engine


def test_a_first_load_leaves_them_stale_and_insights_exact_until_refreshed(
    stale_engine: Engine, sample_csv: Path
) -> None:
    engine = stale_engine
    assert scalar(engine, FRESH) is False
    assert scalar(engine, ANSWERED_SALES) == scalar(engine, BASE_SALES)  # the live path

    seconds = refresh_if_stale(engine)
    assert seconds is not None and seconds > 0
    assert scalar(engine, FRESH) is True
    assert scalar(engine, ROLLUP_SALES) == scalar(engine, BASE_SALES)
    assert refresh_if_stale(engine) is None  # fresh: nothing to do

    again = load_csv(sample_csv, engine)  # changes nothing, so the rollups still hold
    assert_nothing_written(again)
    assert again.rollups == "unchanged"
    assert scalar(engine, FRESH) is True


def test_a_write_outside_the_loader_leaves_them_stale_and_a_load_keeps_them_so(
    stale_engine: Engine, tmp_path: Path
) -> None:
    refresh_if_stale(stale_engine)
    _change_one_sale(stale_engine)
    assert scalar(stale_engine, FRESH) is False
    assert scalar(stale_engine, ANSWERED_SALES) == scalar(stale_engine, BASE_SALES)
    one_more = tmp_path / "one_more.csv"
    one_more.write_text(
        "Order_Date,Time,Aging,Customer_Id,Gender,Device_Type,Customer_Login_type,"
        "Product_Category,Product,Sales,Quantity,Discount,Profit,Shipping_Cost,Order_Priority,"
        "Payment_method\n"
        "2018-03-04,10:00:00,1.0,99999991,Male,Web,Member,Fashion,T - Shirts,10.5,1.0,0.1,"
        "2.0,1.0,High,credit_card\n"
    )
    summary = load_csv(one_more, stale_engine)
    assert summary.rollups == "stale"  # its rows alone cannot repair stored sums gone wrong
    assert scalar(stale_engine, FRESH) is False
    assert refresh_if_stale(stale_engine) is not None
    assert scalar(stale_engine, ROLLUP_SALES) == scalar(stale_engine, BASE_SALES)


def test_refresh_rollups_option_refreshes_in_the_load_transaction(
    new_database: Callable[..., Engine], sample_csv: Path
) -> None:
    engine = new_database()
    summary = load_csv(sample_csv, engine, refresh_rollups=True)
    assert summary.rollups == "refreshed"
    assert scalar(engine, FRESH) is True
    assert scalar(engine, ROLLUP_SALES) == scalar(engine, BASE_SALES)


def test_cli_option_and_summary_line(
    new_database: Callable[..., Engine], sample_csv: Path, tmp_path: Path
) -> None:
    engine = new_database()
    done = run_cli(engine, sample_csv, "-q", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "insight rollups: stale" in " ".join(done.stdout.split())
    _change_one_sale(engine)  # so that the second load has something to refresh for
    done = run_cli(engine, sample_csv, "-q", "--refresh-rollups", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert scalar(engine, FRESH) is True
    assert scalar(engine, ROLLUP_SALES) == scalar(engine, BASE_SALES)


def test_app_command_refreshes_only_when_stale(stale_engine: Engine, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": stale_engine.url.render_as_string(hide_password=False),
        "PYTHONPATH": str(REPO_ROOT),
        "COLUMNS": "300",
    }
    command = [sys.executable, "-m", "app", "refresh-rollups"]
    first = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    assert "refreshed in" in first.stdout
    assert scalar(stale_engine, FRESH) is True
    second = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True)
    assert second.returncode == 0, second.stderr
    assert "nothing to do" in second.stdout


def test_refresh_waits_for_a_running_load_and_never_marks_older_data_fresh(
    stale_engine: Engine,
) -> None:
    engine = stale_engine
    outcome: list[float | None] = []
    with engine.connect() as loader_conn:
        loader_conn.exec_driver_sql(
            "LOCK TABLE customers, products, orders, order_items IN SHARE ROW EXCLUSIVE MODE"
        )  # what the loader takes (loader/statements.py LOCK_TABLES)
        loader_conn.execute(text(CHANGE_ONE_SALE))
        refresher = threading.Thread(target=lambda: outcome.append(refresh_if_stale(engine)))
        refresher.start()
        # A condition, not a sleep: the refresh's session queues behind the load's lock.
        assert _wait_until(lambda: scalar(engine, WAITING_ON_A_LOCK) == 1), "never blocked"
        assert refresher.is_alive() and not outcome, "the refresh must wait for the load"
        loader_conn.commit()
    refresher.join(timeout=60)
    assert not refresher.is_alive() and outcome and outcome[0] is not None
    assert scalar(engine, FRESH) is True
    # The refresh ran after the load committed: the committed change is in the rollups.
    assert scalar(engine, ROLLUP_SALES) == scalar(engine, BASE_SALES)


def test_the_app_refreshes_stale_rollups_in_the_background(stale_engine: Engine) -> None:
    engine = stale_engine
    db_engine.set_engine(engine)
    app = create_app(Settings(rollup_refresh_interval_s=0.1))
    with TestClient(app):
        refresher = app.state.rollup_refresher
        # The counter moves just after the refresh commits: wait for it, then check the flag.
        assert _wait_until(lambda: refresher.refreshes == 1), "not refreshed at start-up"
        assert scalar(engine, FRESH) is True
        _change_one_sale(engine)  # a later write outside the loader: stale again
        assert _wait_until(lambda: refresher.refreshes == 2), "not refreshed after a write"
        assert scalar(engine, FRESH) is True
        assert scalar(engine, ROLLUP_SALES) == scalar(engine, BASE_SALES)


def test_a_read_only_role_stops_the_refresher_with_one_warning(
    stale_engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    role = f"ro_refresh_{os.getpid()}_{next(_roles)}"
    password = secrets.token_urlsafe(16)
    create_readonly_role(stale_engine, role, password)
    reader = make_engine(role_url(stale_engine, role, password))

    async def run() -> bool:
        refresher = RollupRefresher(0.05, engine=reader)
        refresher.start()
        deadline = time.monotonic() + 30  # generous: it stops at its first refused refresh
        while refresher.running and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        stopped = not refresher.running
        await refresher.stop()
        return stopped

    try:
        with caplog.at_level("WARNING", logger="app.services.rollups"):
            assert asyncio.run(run()), "the refresher should stop, not retry forever"
        warnings = [r for r in caplog.records if "may not refresh" in r.getMessage()]
        assert len(warnings) == 1
        assert scalar(stale_engine, FRESH) is False
        assert scalar(stale_engine, ANSWERED_SALES) == scalar(stale_engine, BASE_SALES)
    finally:
        reader.dispose()
        drop_role(stale_engine, role)
