"""A scratch PostgreSQL server and throwaway databases on it, for measurements.

`python -m queries explain` and the benchmarks in bench/ load data into databases made here.
DATABASE_URL set: that server (they create and drop their own `ecom_scratch_*` databases and never
touch the one named in the URL). Unset: an embedded server in a temporary directory, deleted at the
end. Every measurement gets a fresh database, so no run warms another's tables.
"""

from __future__ import annotations

import itertools
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

from app.db.url import normalize_url

_counter = itertools.count()


class Server:
    """A PostgreSQL server reached through its `postgres` maintenance database."""

    def __init__(self, admin_url: str, description: str) -> None:
        self.admin_url = admin_url
        self.description = description

    def url(self, database: str) -> str:
        return make_url(self.admin_url).set(database=database).render_as_string(hide_password=False)

    def execute(self, *statements: str) -> None:
        # CREATE/DROP DATABASE cannot run inside a transaction block.
        engine = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                for statement in statements:
                    conn.execute(text(statement))
        finally:
            engine.dispose()

    def version(self) -> str:
        engine = create_engine(self.admin_url)
        try:
            with engine.connect() as conn:
                return str(conn.execute(text("SHOW server_version")).scalar_one())
        finally:
            engine.dispose()

    @contextmanager
    def fresh_database(self) -> Iterator[str]:
        """Yield the URL of a new empty database; drop it afterwards (frees disk between runs)."""
        name = f"ecom_scratch_{os.getpid()}_{next(_counter)}"
        self.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"CREATE DATABASE {name}")
        try:
            yield self.url(name)
        finally:
            self.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@contextmanager
def scratch_server() -> Iterator[Server]:
    external = os.environ.get("DATABASE_URL")
    if external:
        admin = make_url(normalize_url(external)).set(database="postgres")
        yield Server(admin.render_as_string(hide_password=False), f"DATABASE_URL ({admin.host})")
        return
    from app.db.embedded import start_embedded_server

    with tempfile.TemporaryDirectory(prefix="ecom-scratch-") as tmp:
        server = start_embedded_server(Path(tmp) / "data", cleanup_mode="delete")
        admin_url = server.get_uri("postgres").replace("postgresql://", "postgresql+psycopg2://", 1)
        try:
            yield Server(admin_url, "embedded (temporary)")
        finally:
            server.cleanup()
