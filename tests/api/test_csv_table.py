"""The flattening rules of app/api/rest/csv_table.py on small models (no database): quoting that
survives `csv.DictReader`, nested objects and mappings as dotted columns, several lists as
sections, and the shapes refused when a route is declared; Accept parsing and filenames."""

from __future__ import annotations

import csv
import io

import pytest
from pydantic import BaseModel, Field

from app.api.rest.csv_export import csv_filename, prefers_csv
from app.api.rest.csv_table import CsvTable


class Line(BaseModel):
    name: str
    amount: str | None
    flagged: bool


class Totals(BaseModel):
    count: int
    by_key: dict[str, str]


class Report(BaseModel):
    title: str = Field(serialization_alias="report_title")
    lines: list[Line]
    totals: Totals


class TwoLists(BaseModel):
    first: list[Line]
    second: list[Line]
    note: str | None


def read(text: str) -> tuple[list[str], list[dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    return list(reader.fieldnames or []), list(reader)


def test_hostile_text_survives_the_round_trip() -> None:
    name = 'a, "quoted"\r\nname; =1+1'
    body = {
        "report_title": "Q1",
        "lines": [{"name": name, "amount": "-12.50", "flagged": True}],
        "totals": {"count": 1, "by_key": {"x": "1.00", "y,z": "2.00"}},
    }
    header, rows = read(CsvTable.of(Report).render(body))
    assert header == [
        "name", "amount", "flagged", "report_title",
        "totals.count", "totals.by_key.x", "totals.by_key.y,z",
    ]  # fmt: skip
    assert rows == [
        {
            "name": name,
            "amount": "-12.50",
            "flagged": "true",
            "report_title": "Q1",
            "totals.count": "1",
            "totals.by_key.x": "1.00",
            "totals.by_key.y,z": "2.00",
        }
    ]


def test_several_lists_become_sections_and_null_an_empty_cell() -> None:
    line = {"name": "n", "amount": None, "flagged": False}
    body = {"first": [line], "second": [line, line], "note": None}
    header, rows = read(CsvTable.of(TwoLists).render(body))
    assert header == ["section", "name", "amount", "flagged", "note"]
    assert [r["section"] for r in rows] == ["first", "second", "second"]
    assert {(r["amount"], r["flagged"], r["note"]) for r in rows} == {("", "false", "")}


def test_no_rows_keeps_the_header() -> None:
    header, rows = read(CsvTable.of(TwoLists).render({"first": [], "second": [], "note": "x"}))
    assert (header, rows) == (["section", "name", "amount", "flagged", "note"], [])


def test_header_as_the_class_fixes_it() -> None:
    assert CsvTable.of(Report).static_names() == [
        "name", "amount", "flagged", "report_title", "totals.count", "totals.by_key.{key}",
    ]  # fmt: skip


class ScalarList(BaseModel):
    tags: list[str]


class ListInRow(BaseModel):
    rows: list[ScalarList]


class MappingInRow(BaseModel):
    rows: list[Totals]


class Clash(BaseModel):
    name: str
    lines: list[Line]


@pytest.mark.parametrize(
    ("model", "message"),
    [
        (ScalarList, "only lists of objects"),
        (ListInRow, "cannot be flattened"),
        (MappingInRow, "no fixed columns"),
        (Clash, "named twice: name"),
    ],
)
def test_shapes_without_a_faithful_table_are_refused(model: type[BaseModel], message: str) -> None:
    with pytest.raises(TypeError, match=message):
        CsvTable.of(model)


@pytest.mark.parametrize(
    ("accept", "csv_wins"),
    [
        ("text/csv", True),
        ("TEXT/CSV; charset=utf-8", True),
        ("text/csv;q=0.2, */*;q=0.1", True),
        ("text/csv;q=0, */*", False),
        ("text/csv;q=oops", True),  # a malformed weight counts as 1 (app/api/negotiation.py)
        ("application/json, text/csv", False),
        ("*/*", False),
        ("", False),
        (None, False),
    ],
)
def test_prefers_csv(accept: str | None, csv_wins: bool) -> None:
    assert prefers_csv(accept) is csv_wins


def test_filenames_keep_only_safe_characters() -> None:
    assert csv_filename("/analytics/top-categories/", []) == "top-categories.csv"
    given = [("category", 'Ünïcode "&" ../etc'), ("empty", "//"), ("limit", "3")]
    assert csv_filename("/a/{id}", given) == "a_category-n-code-etc_limit-3.csv"
