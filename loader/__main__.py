"""`python -m loader [SOURCE]`: validate the CSV and load it into PostgreSQL."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy import make_url
from sqlalchemy.exc import OperationalError

from app.config import get_settings
from app.db.engine import make_engine
from app.db.url import resolve_database_url
from app.logging import configure_logging
from loader.load import LoadRefused, load_csv
from loader.read import CsvFileError
from loader.replicas import wait_for_replicas
from loader.report import LoadProgress, print_summary
from loader.source import SourceError

cli = typer.Typer(add_completion=False, help=__doc__)


@cli.command()
def main(
    source: Annotated[
        str | None,
        typer.Argument(
            help="CSV path or http(s) URL. Default: $ECOMMERCE_CSV or data/ecommerce_dataset.csv"
        ),
    ] = None,
    skip_invalid: Annotated[
        bool,
        typer.Option(
            "--skip-invalid", help="Load the valid rows; write the invalid ones to the report."
        ),
    ] = False,
    rejected_report: Annotated[
        Path | None,
        typer.Option(help="CSV of rejected rows with reasons. Default: <source name>.rejected.csv"),
    ] = None,
    refresh_rollups: Annotated[
        bool,
        typer.Option(
            "--refresh-rollups",
            help="Recompute the insight rollups in full, in the load's transaction (by default "
            "they are updated from the loaded rows, or left to the app after a first load).",
        ),
    ] = False,
    wait_for_replicas: Annotated[
        float | None,
        typer.Option(
            metavar="SECONDS",
            help="After the load, wait up to SECONDS for every replica in DATABASE_REPLICA_URLS "
            "to replay it (exit code 1 if one has not).",
            min=0,
        ),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Log each step with its duration.")
    ] = False,
) -> None:
    """Validate SOURCE and load it into customers, products, orders and order_items.

    Without --skip-invalid, one invalid row refuses the whole load and the database is left exactly
    as it was (exit code 1). Running the same file twice changes nothing.
    """
    settings = get_settings()
    configure_logging("INFO" if verbose else "WARNING")
    out, err = Console(soft_wrap=True), Console(stderr=True, soft_wrap=True)
    source = source or settings.ecommerce_csv
    report = rejected_report or Path(Path(source).stem + ".rejected.csv")
    engine = None
    try:
        engine = make_engine(resolve_database_url(settings))
        load = partial(
            load_csv,
            source,
            engine,
            skip_invalid=skip_invalid,
            rejected_report=report,
            refresh_rollups=refresh_rollups,
        )
        if quiet:
            summary = load()
        else:
            with LoadProgress(err) as progress:
                summary = load(progress=progress)
    except (SourceError, CsvFileError) as exc:
        err.print(f"[red]error:[/] {exc}", highlight=False)
        raise typer.Exit(1) from None
    except OperationalError as exc:  # unreachable server, wrong credentials, missing database
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        err.print(f"[red]cannot reach the database:[/] {reason}", highlight=False)
        raise typer.Exit(1) from None
    except LoadRefused as exc:
        print_summary(exc.summary, out)
        err.print(f"[red]refused:[/] {exc}. Fix the rows, or load the rest with --skip-invalid.")
        raise typer.Exit(1) from None
    finally:
        if engine is not None:
            engine.dispose()  # the CLI can run in-process (tests, scripts): close what it opened
    print_summary(summary, out)
    if wait_for_replicas is not None and summary.commit_lsn:
        _wait_for_replicas(
            settings.database_replica_urls, summary.commit_lsn, wait_for_replicas, out
        )


def _wait_for_replicas(urls: list[str], lsn: str, seconds: float, out: Console) -> None:
    if not urls:
        out.print("no replicas to wait for (DATABASE_REPLICA_URLS is empty)")
        return
    late = False
    for state in wait_for_replicas(urls, lsn, seconds):
        name = make_url(state.url).render_as_string(hide_password=True)
        if not state.standby:
            out.print(f"{name}: not a standby (promoted, or a primary): not waited for")
        elif state.replayed:
            out.print(f"{name}: has replayed the load (at {state.position})")
        else:
            late = True
            where = f"unreachable: {state.error}" if state.error else f"at {state.position}"
            out.print(f"[red]{name}: has not replayed {lsn} within {seconds:g} s[/] ({where})")
    if late:
        raise typer.Exit(1)


if __name__ == "__main__":
    cli()
