"""Alembic environment: runs on a connection from app.db.migrate, or on the resolved URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from app.db.migrate import lock_for_migrations, modelled
from app.db.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(
            connection=connection, target_metadata=target_metadata, include_name=modelled
        )
        with context.begin_transaction():
            lock_for_migrations(connection)
            context.run_migrations()
        return

    from app.db.url import resolve_database_url

    engine = create_engine(resolve_database_url())
    with engine.connect() as conn:
        context.configure(connection=conn, target_metadata=target_metadata, include_name=modelled)
        with context.begin_transaction():
            lock_for_migrations(conn)
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run against a database")
run_migrations_online()
