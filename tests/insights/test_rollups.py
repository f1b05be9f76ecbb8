"""The rollups' freshness protocol: writes mark them stale, a refresh makes them fresh again, and
the summary tables hold exactly what their live definitions compute."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from app.db import engine as db_engine
from app.main import app
from app.services.rollups import SUMMARIES, refresh_rollups, rollups_fresh


@pytest.mark.parametrize(
    "write",
    [
        "UPDATE order_items SET sales = sales WHERE id = (SELECT min(id) FROM order_items)",
        "UPDATE customers SET device_type = 'Mobile' WHERE false",  # even a no-op statement
        "DELETE FROM order_items WHERE id = (SELECT max(id) FROM order_items)",
        "INSERT INTO products (product_category, product_name) VALUES ('New', 'Thing')",
        "TRUNCATE order_items",
    ],
)
def test_any_write_marks_rollups_stale_in_its_transaction(
    rollup_engine: Engine, write: str
) -> None:
    with rollup_engine.connect() as conn:
        assert rollups_fresh(conn)
        conn.rollback()
        with conn.begin() as tx:
            conn.execute(text(write))
            assert not rollups_fresh(conn)
            tx.rollback()
        assert rollups_fresh(conn)


def test_refresh_in_the_writing_transaction_makes_them_fresh(rollup_engine: Engine) -> None:
    with rollup_engine.connect() as conn, conn.begin() as tx:
        conn.execute(text("DELETE FROM order_items WHERE id = (SELECT max(id) FROM order_items)"))
        assert not rollups_fresh(conn)
        refresh_rollups(conn, concurrently=False)
        assert rollups_fresh(conn)
        tx.rollback()


@pytest.mark.parametrize("summary", SUMMARIES)
def test_summary_tables_equal_their_live_definition(rollup_engine: Engine, summary: str) -> None:
    live = summary.replace("summary_", "live_", 1)
    with rollup_engine.connect() as conn:
        count = conn.execute(text(f"SELECT count(*) FROM {summary}")).scalar_one()
        assert count > 0
        for a, b in ((summary, live), (live, summary)):
            diff = conn.execute(text(f"SELECT count(*) FROM (TABLE {a} EXCEPT ALL TABLE {b}) d"))
            assert diff.scalar_one() == 0


ROUTES = [
    "/analytics/customers/",
    "/analytics/top-products/",
    "/analytics/top-categories/",
    "/analytics/profit-margins/",
    "/analytics/orders/",
    "/analytics/revenue/",
    "/analytics/revenue-trend/",
    "/analytics/discount-impact/",
    "/analytics/customer-lifetime-value/",
    "/analytics/purchase-behaviour/",
]


def test_every_route_answers_on_an_empty_database(new_database: Callable[[], Engine]) -> None:
    db_engine.set_engine(new_database())
    try:
        client = TestClient(app)
        bodies = {url: client.get(url) for url in ROUTES}
    finally:
        db_engine.dispose_engine()
    assert {url: r.status_code for url, r in bodies.items()} == dict.fromkeys(ROUTES, 200)
    assert bodies["/analytics/customers/"].json() == {
        "total_customers": 0,
        "by_device_type": [],
        "by_login_type": [],
    }
    orders = bodies["/analytics/orders/"].json()
    assert (orders["order_count"], orders["total_revenue"], orders["high_or_critical_pct"]) == (
        0,
        "0.00",
        None,
    )
    clv = bodies["/analytics/customer-lifetime-value/"].json()
    assert clv["top"] == [] and clv["distribution"]["customer_count"] == 0
    impact = bodies["/analytics/discount-impact/"].json()
    assert impact["levels"] == [] and impact["sales_correlation"] is None
    assert impact["reading"].startswith("Not enough")
