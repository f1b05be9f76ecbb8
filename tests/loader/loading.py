"""Loading hand-written rows through the real loader (the rule and format tests). Kept apart
from helpers.py, which computes expected results without importing the loader."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from sqlalchemy import Engine

from loader.load import LoadSummary, load_csv
from tests.loader.helpers import COLUMNS, csv_text, write

Row = Mapping[str, str]


def load(
    engine: Engine,
    directory: Path,
    *rows: Row,
    name: str = "input.csv",
    columns: tuple[str, ...] = COLUMNS,
    eol: str = "\n",
    bom: bool = False,
) -> LoadSummary:
    content = ("\ufeff" if bom else "") + csv_text(*rows, columns=columns, eol=eol)
    summary = load_csv(write(directory, content, name), engine)
    assert summary.committed
    assert summary.rows_rejected == 0, summary.errors
    return summary


def disagreeing(summary: LoadSummary) -> int:
    """The summary's count of rows whose order-level cells disagree with their order's first row."""
    [count] = [value for key, value in summary.facts.items() if "disagree" in key.lower()]
    return count
