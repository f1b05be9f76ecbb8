"""The same comparisons on a synthetic file dense in quirks: multi-item orders, customers whose
attributes drift, blank Quantity / Discount cells (NULLs the insights must ignore)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from app.db import engine as db_engine
from app.main import app
from app.services.rollups import refresh_rollups
from loader.synth import Quirks, generate
from tests.api.expected import ORDER_KEY, Expected
from tests.insights import expected as exp
from tests.insights.expected import Filters
from tests.insights.test_filters import CASES as FILTERED_CASES
from tests.insights.test_filters import get as filtered

QUIRKS = Quirks(
    adjacent_item=0.15, distant_item=0.1, customer_drift=0.2, blanks_per_published_file=4000
)


@pytest.fixture(scope="module")
def synthetic_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(tmp_path_factory.mktemp("insights") / "quirky.csv", 4000, seed=3, quirks=QUIRKS)


@pytest.fixture(scope="module")
def synthetic(synthetic_csv: Path) -> Expected:
    return Expected.from_csv(synthetic_csv)


@pytest.fixture(scope="module", params=["rollup", "live"])
def synthetic_client(
    request: pytest.FixtureRequest, new_database: Callable[[], Engine], synthetic_csv: Path
) -> Iterator[TestClient]:
    from loader.load import load_csv

    engine = new_database()
    load_csv(synthetic_csv, engine)
    with engine.begin() as conn:
        if request.param == "rollup":
            refresh_rollups(conn)
        else:
            conn.execute(text("UPDATE rollup_state SET fresh = false"))
    db_engine.set_engine(engine)
    yield TestClient(app)
    db_engine.dispose_engine()


def test_the_file_has_the_quirks(synthetic: Expected) -> None:
    rows = synthetic.rows
    assert (synthetic.orders["item_count"] > 1).sum() > 100
    assert rows["Quantity"].isna().sum() > 20 and rows["Discount"].isna().sum() > 20


CASES: dict[str, tuple[str, dict[str, Any], Callable[[Expected], Any]]] = {
    "customers": ("/analytics/customers/", {}, exp.customers_overview),
    "top-categories": (
        "/analytics/top-categories/",
        {"limit": 4},
        lambda e: {"limit": 4, "items": exp.top_categories(e, 4)},
    ),
    "orders": ("/analytics/orders/", {}, exp.orders_overview),
    "discount-impact": ("/analytics/discount-impact/", {}, exp.discount_impact),
    "revenue-trend": (
        "/analytics/revenue-trend/",
        {"granularity": "week", "category": "Electronic"},
        lambda e: exp.revenue_trend(e, "week", category="Electronic"),
    ),
    "customer-lifetime-value": (
        "/analytics/customer-lifetime-value/",
        {"limit": 25},
        lambda e: exp.customer_lifetime_value(e, 25),
    ),
    "purchase-behaviour": ("/analytics/purchase-behaviour/", {}, exp.purchase_behaviour),
}


@pytest.mark.parametrize("name", CASES)
def test_insight_matches_pandas(
    synthetic_client: TestClient, synthetic: Expected, name: str
) -> None:
    url, params, compute = CASES[name]
    body = synthetic_client.get(url, params=params).json()
    if name == "discount-impact":
        body.pop("reading")
    if name == "revenue-trend":
        body = body["points"]
    assert body == compute(synthetic)


def test_profit_margins_match_pandas(synthetic_client: TestClient, synthetic: Expected) -> None:
    items = synthetic_client.get("/analytics/profit-margins/").json()["items"]
    got = [{k: v for k, v in item.items() if k != "product_id"} for item in items]
    assert got == exp.profit_margins(synthetic)


SYNTHETIC_FILTERS = {
    "range": Filters(dt.date(2018, 3, 1), dt.date(2018, 8, 31)),
    "category": Filters(category="Electronic"),
    "category+range": Filters(dt.date(2018, 2, 1), dt.date(2018, 6, 30), "Fashion"),
}


def test_orders_mix_categories(synthetic: Expected) -> None:
    """So "orders holding an item of the category" and "the category's items" differ."""
    per_order = synthetic.rows.groupby(ORDER_KEY)["Product_Category"].nunique()
    assert (per_order > 1).sum() > 50


@pytest.mark.parametrize("filters", SYNTHETIC_FILTERS)
@pytest.mark.parametrize("name", FILTERED_CASES)
def test_filtered_insight_matches_pandas(
    synthetic_client: TestClient, synthetic: Expected, name: str, filters: str
) -> None:
    f = SYNTHETIC_FILTERS[filters]
    assert filtered(synthetic_client, name, f) == FILTERED_CASES[name][3](synthetic, f)
