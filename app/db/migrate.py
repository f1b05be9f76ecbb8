"""Bring a schema up to date with the Alembic migrations (used by the loader and `serve`).

Migrations run under a transaction-level advisory lock (`MIGRATION_LOCK_KEY`), taken before
Alembic reads the schema's revision: processes or machines that start at once (workers, replicas
of a service, a loader beside `serve`) migrate one after the other, and every one after the first
finds the schema at head and does nothing.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, text

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# pg_advisory_xact_lock key: "migrate" in ASCII, fixed so every process agrees on it.
MIGRATION_LOCK_KEY = 0x6D696772617465


def lock_for_migrations(connection: Connection) -> None:
    """Wait for any other migration of this database to commit (released at transaction end)."""
    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})


def modelled(name: str | None, type_: str, parent_names: object) -> bool:
    """Alembic's `include_name`: whether autogenerate compares this object with the models. The
    summary tables (migration 0007) are not modelled: their columns are those of the views they
    summarise, so comparing them would only propose dropping them."""
    return not (type_ == "table" and name is not None and name.startswith("summary_"))


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def upgrade_to_head(engine: Engine) -> None:
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
