"""`python -m queries`: the same numbers as the API, as tables or JSON."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.db import engine as db_engine
from app.main import app
from queries.__main__ import main
from queries.registry import INSIGHTS


@pytest.fixture
def on_rollup_engine(rollup_engine: Engine) -> Iterator[None]:
    db_engine.set_engine(rollup_engine)
    yield
    db_engine.dispose_engine()


def test_list_names_every_insight(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--list"]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in INSIGHTS)


@pytest.mark.usefixtures("on_rollup_engine")
@pytest.mark.parametrize("name", INSIGHTS)
def test_json_equals_the_rest_response(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([name, "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == TestClient(app).get(f"/analytics/{name}/").json()


@pytest.mark.usefixtures("on_rollup_engine")
def test_options_reach_the_insight(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["revenue-trend", "--json", "--granularity", "week", "--category", "Fashion"]
    assert main(args) == 0
    printed = json.loads(capsys.readouterr().out)
    params = {"granularity": "week", "category": "Fashion"}
    assert printed == TestClient(app).get("/analytics/revenue-trend/", params=params).json()


@pytest.mark.usefixtures("on_rollup_engine")
def test_every_insight_prints_as_tables(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 0
    out = capsys.readouterr().out
    assert all(insight.title in out for insight in INSIGHTS.values())
    assert "Member" in out and "r = " in out


@pytest.mark.usefixtures("on_rollup_engine")
def test_bad_arguments_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["no-such-insight"]) == 2
    assert main(["top-categories", "--limit", "0"]) == 2
    assert "limit" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit_info:
        main(["revenue-trend", "--granularity", "year"])
    assert exit_info.value.code == 2


FILTERED = [
    "customers",
    "top-products",
    "top-categories",
    "orders",
    "revenue",
    "revenue-trend",
    "discount-impact",
    "purchase-behaviour",
]


@pytest.mark.usefixtures("on_rollup_engine")
@pytest.mark.parametrize("name", FILTERED)
def test_date_and_category_filters_reach_every_insight_that_takes_them(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    params = {"date_from": "2018-03-01", "date_to": "2018-06-30", "category": "Fashion"}
    args = [f"--{key.replace('_', '-')}={value}" for key, value in params.items()]
    assert main([name, "--json", *args]) == 0
    printed = json.loads(capsys.readouterr().out)
    expected = TestClient(app).get(f"/analytics/{name}/", params=params)
    assert expected.status_code == 200
    assert printed == expected.json()
    assert printed != TestClient(app).get(f"/analytics/{name}/").json()  # the filters did apply
