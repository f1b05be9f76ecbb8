"""`python -m app serve`: bring the schema up to date, load the CSV if the database is empty, serve.

With no DATABASE_URL this starts the embedded PostgreSQL (data in .pgdata/), so one command takes a
fresh clone to a running API.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from sqlalchemy import Engine, text

from app.config import Settings, get_settings
from app.db.engine import get_engine
from app.db.migrate import upgrade_to_head
from app.logging import configure_logging
from app.metrics import prepare_multiprocess_metrics
from app.serving import serve as serve_app

cli = typer.Typer(add_completion=False, help=__doc__, no_args_is_help=True)
log = logging.getLogger("app")


def _is_empty(engine: Engine) -> bool:
    with engine.connect() as conn:
        return not conn.execute(text("SELECT EXISTS (SELECT 1 FROM order_items)")).scalar_one()


def _load(engine: Engine, source: str | None, demo: bool, console: Console) -> None:
    from loader.load import LoadRefused, load_csv
    from loader.read import CsvFileError
    from loader.report import print_summary
    from loader.source import SourceError

    settings = get_settings()
    chosen = source or settings.ecommerce_csv
    try:
        try:
            summary = load_csv(chosen, engine)
        except SourceError as exc:
            if not demo:
                raise
            from loader.synth import generate

            console.print(f"[yellow]{exc}[/]\n--demo: loading a SYNTHETIC file of the same format")
            synthetic = Path(tempfile.mkdtemp(prefix="ecommerce-demo-")) / "synthetic.csv"
            summary = load_csv(generate(synthetic, 51_290), engine)
    except (SourceError, CsvFileError, LoadRefused) as exc:
        console.print(f"[red]cannot load {chosen}:[/] {exc}")
        console.print(
            "Point ECOMMERCE_CSV (or --csv) at the dataset, or start with --demo to use "
            "synthetic data, or --no-load to serve an empty database."
        )
        raise typer.Exit(1) from None
    print_summary(summary, console)


@cli.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind (default: HOST)")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default: PORT, 8000)")] = None,
    csv: Annotated[
        str | None, typer.Option(help="CSV to load when the database is empty (path or URL)")
    ] = None,
    load: Annotated[bool, typer.Option(help="Load the CSV first if the database is empty")] = True,
    demo: Annotated[
        bool, typer.Option(help="If the CSV cannot be found, load synthetic data instead")
    ] = False,
    workers: Annotated[
        str | None,
        typer.Option(
            help="Worker processes: a number, or 'auto' for one per CPU (default: WORKERS, 1)"
        ),
    ] = None,
) -> None:
    """Migrate, load if empty, then serve the REST API (/docs) and GraphQL (/graphql)."""
    settings = get_settings()
    if workers is not None:
        settings = settings.model_copy(update={"workers": _worker_count(workers)})
    configure_logging(settings.log_level)
    console = Console(soft_wrap=True)  # long paths and messages stay on one line
    engine = get_engine()
    upgrade_to_head(engine)
    if load and _is_empty(engine):
        console.print("The database is empty: loading the CSV first.")
        _load(engine, csv, demo, console)
    # Before serving, so the first visitors get the fast path; later loads are picked up by the
    # app's background refresher (ROLLUP_REFRESH_INTERVAL_S).
    _refresh_rollups(engine, console)
    host, port = host or settings.host, port or settings.port
    base = f"http://{host}:{port}"
    console.print(
        f"Serving on {base}\n  REST (Swagger): {base}/docs\n  GraphQL (GraphiQL): {base}/graphql"
        f"\n  dashboard: {base}/dashboard\n  health: {base}/health"
    )
    if settings.workers > 1:
        # The workers are new processes: they use the database resolved here (the embedded
        # server this process started lives as long as this process), and report each other
        # on /metrics.
        os.environ["DATABASE_URL"] = engine.url.render_as_string(hide_password=False)
        prepare_multiprocess_metrics()
        console.print(f"  workers: {settings.workers}")
    # access_log=False: the app writes its own JSON access log line (with the request id).
    serve_app(host, port, settings.log_level.lower(), workers=settings.workers, access_log=False)


def _worker_count(value: str) -> int:
    try:
        return Settings(workers=value).workers  # validated as WORKERS is
    except ValidationError:
        raise typer.BadParameter(f"{value!r}: a whole number of at least 1, or 'auto'") from None


def _refresh_rollups(engine: Engine, console: Console) -> None:
    from app.services.rollups import refresh_if_stale

    seconds = refresh_if_stale(engine)
    if seconds is not None:
        console.print(f"Insight rollups refreshed in {seconds:.2f} s.")


@cli.command("refresh-rollups")
def refresh_rollups() -> None:
    """Recompute the insight rollups if a write outside the loader made them stale (needs the
    owner role)."""
    from sqlalchemy.exc import DBAPIError

    from app.services.rollups import is_permission_error, refresh_if_stale

    configure_logging(get_settings().log_level)
    console = Console()
    engine = get_engine()
    upgrade_to_head(engine)
    try:
        seconds = refresh_if_stale(engine)
    except DBAPIError as exc:
        if not is_permission_error(exc):
            raise
        console.print("[red]this database role may not refresh the rollups:[/] use the owner role")
        raise typer.Exit(1) from None
    if seconds is None:
        console.print("insight rollups are fresh: nothing to do")
    else:
        console.print(f"insight rollups refreshed in {seconds:.2f} s")


@cli.command()
def migrate() -> None:
    """Only bring the schema up to date (Alembic upgrade head)."""
    configure_logging(get_settings().log_level)
    upgrade_to_head(get_engine())
    Console().print("schema is at the latest migration")


if __name__ == "__main__":
    cli()
