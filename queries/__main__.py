"""`python -m queries`: every business insight as a readable table, straight from PostgreSQL.

    python -m queries                      every insight
    python -m queries NAME [--json]        one insight (names: --list)
    python -m queries revenue-trend --granularity week --category Fashion
    python -m queries explain              EXPLAIN ANALYZE report -> docs/indexing.md

Uses DATABASE_URL, or the embedded server when it is unset (as the app does).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.table import Table

from app.services.errors import ServiceError
from queries.registry import INSIGHTS, Insight, Options

_NUMBER = re.compile(r"-?\d+(\.\d+)?|\d{4}-\d{2}-\d{2}")


def _tables(title: str, data: dict[str, Any]) -> list[Table]:
    """One key/value table for the scalars (nested dicts flattened), one table per list."""
    summary = Table(title=title, show_header=False, title_justify="left", min_width=len(title) + 4)
    summary.add_column(style="bold")
    summary.add_column()
    lists: list[Table] = []
    for key, value in data.items():
        if isinstance(value, list):
            table = Table(title=f"{title}: {key}", title_justify="left")
            columns = list(value[0]) if value else ["(none)"]
            for column in columns:
                table.add_column(
                    column, justify="left" if column in ("value", "category") else "right"
                )
            for row in value:
                table.add_row(*(_cell(row.get(c)) for c in columns))
            lists.append(table)
        else:
            for label, item in _flat(key, value):
                summary.add_row(label, _cell(item))
    return ([summary] if summary.row_count else []) + lists


def _flat(key: str, value: Any) -> list[tuple[str, Any]]:
    if isinstance(value, dict):
        return [pair for sub, item in value.items() for pair in _flat(f"{key}.{sub}", item)]
    return [(key, value)]


def _numeric(value: Any) -> bool:
    return value is None or isinstance(value, int | float) or bool(_NUMBER.fullmatch(str(value)))


def _cell(value: Any) -> str:
    return "—" if value is None else f"{value:,}" if isinstance(value, int) else str(value)


def _run(insight: Insight, options: Options) -> dict[str, Any]:
    data: dict[str, Any] = insight.run(options).model_dump(mode="json")
    return data


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m queries",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("name", nargs="?", help="an insight (see --list), or 'explain'")
    parser.add_argument("--list", action="store_true", help="list the insights and exit")
    parser.add_argument("--json", action="store_true", help="print JSON, as the REST API does")
    parser.add_argument("--limit", type=int, help="top-N size where it applies")
    parser.add_argument("--by", choices=["sales", "quantity", "profit"], help="top-products metric")
    parser.add_argument("--granularity", choices=["day", "week", "month"])
    parser.add_argument("--category", help="only this product category, where it applies")
    parser.add_argument("--date-from", type=dt.date.fromisoformat, metavar="YYYY-MM-DD")
    parser.add_argument("--date-to", type=dt.date.fromisoformat, metavar="YYYY-MM-DD")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["explain"]:
        from queries.explain import main as explain_main

        return explain_main(args[1:])
    ns = _parser().parse_args(args)
    # Piped output gets a width that fits the widest table rather than rich's default 80.
    console = Console(width=None if sys.stdout.isatty() else 150)
    if ns.list:
        for insight in INSIGHTS.values():
            console.print(f"[bold]{insight.name:<24}[/bold] {insight.title}", highlight=False)
        return 0
    if ns.name is not None and ns.name not in INSIGHTS:
        console.print(f"unknown insight {ns.name!r}; one of: {', '.join(INSIGHTS)}, explain")
        return 2
    options = Options(ns.limit, ns.by, ns.granularity, ns.category, ns.date_from, ns.date_to)
    chosen = [INSIGHTS[ns.name]] if ns.name else list(INSIGHTS.values())
    try:
        results = {insight.name: _run(insight, options) for insight in chosen}
    except ServiceError as error:
        console.print(f"[red]invalid argument[/red] {error}")
        return 2
    if ns.json:
        payload = results[ns.name] if ns.name else results
        print(json.dumps(payload, indent=2, ensure_ascii=False))
        return 0
    for insight in chosen:
        for table in _tables(insight.title, results[insight.name]):
            console.print(table)
        console.print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
