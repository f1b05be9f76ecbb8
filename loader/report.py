"""Human-readable output of a load: progress while it runs, a summary table when it ends."""

from __future__ import annotations

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from loader.load import LoadSummary

STAGE_LABELS = {
    "read": "reading + validating",
    "derive": "deriving tables",
    "analyze": "updating statistics",
    "rollups": "refreshing insight rollups",
}

ROLLUP_NOTES = {
    "refreshed": "insight rollups: recomputed",
    "updated": "insight rollups: updated from the loaded rows",
    "stale": (
        "insight rollups: stale until recomputed by a running app (within seconds) or by "
        "`python -m app refresh-rollups`; the insights stay exact meanwhile, only slower"
    ),
}


class LoadProgress:
    """A rich progress bar fed by load_csv's progress callback (stderr, so stdout stays clean)."""

    def __init__(self, console: Console) -> None:
        self._progress = Progress(
            TextColumn("{task.description:<22}"),
            BarColumn(),
            DownloadColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        self._tasks: dict[str, TaskID] = {}

    def __enter__(self) -> LoadProgress:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        if stage not in self._tasks:
            self._tasks[stage] = self._progress.add_task(
                STAGE_LABELS.get(stage, stage), total=total
            )
        self._progress.update(self._tasks[stage], completed=done, total=total)


def print_summary(summary: LoadSummary, console: Console) -> None:
    status = "loaded" if summary.committed else "REFUSED — database unchanged"
    console.print(f"[bold]{summary.source}[/]: {status} in {summary.seconds:.2f} s")
    rows = Table(title="rows", show_header=False)
    rows.add_row("read", f"{summary.rows_read:,}")
    rows.add_row("valid", f"{summary.rows_loaded:,}")
    rows.add_row("rejected", f"{summary.rows_rejected:,}")
    for column, count in sorted(summary.blank_cells.items()):
        rows.add_row(f"blank {column} (NULL)", f"{count:,}")
    for name, value in summary.facts.items():
        rows.add_row(name.replace("_", " "), f"{value:,}")
    console.print(rows)
    if summary.tables:
        tables = Table(title="tables")
        for heading in ("table", "inserted", "updated", "rows now"):
            tables.add_column(heading, justify="right" if heading != "table" else "left")
        for name, change in summary.tables.items():
            tables.add_row(
                name, f"{change.inserted:,}", f"{change.updated:,}", f"{change.total_after:,}"
            )
        console.print(tables)
    if summary.commit_lsn:
        console.print(f"committed at WAL position {summary.commit_lsn}")
    if summary.committed and summary.rollups in ROLLUP_NOTES:
        console.print(ROLLUP_NOTES[summary.rollups])
    if summary.errors:
        shown = summary.errors[:20]
        console.print(f"[red]{summary.error_count:,} problem(s)[/], first {len(shown)}:")
        for error in shown:
            console.print(f"  {error}", markup=False, highlight=False)
    if summary.rejected_report:
        console.print(f"every problem, with its row: {summary.rejected_report}")
