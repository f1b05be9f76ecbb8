"""What asyncpg's `connect()` needs to reach the database a SQLAlchemy URL names, with the API's
settings (statement timeout, connect timeout, application name): one translation for the read
pools of the primary and of each replica (app/db/async_reads.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy.engine import URL

from app.config import get_settings
from app.db import engine as db_engine


def connect_arguments(url: URL | None = None) -> dict[str, Any]:
    """asyncpg's connect() arguments for the database the app's engine points at.

    The URL goes to asyncpg as a libpq-style DSN, which asyncpg parses itself (host and port,
    a socket directory in `host=`, `sslmode` and the other `ssl*` parameters,
    `target_session_attrs`, ...; any other parameter becomes a server setting; several hosts,
    as comma-separated lists or as libpq's repeated `host=`/`port=` keys). Two libpq-only
    parameters are taken out first: `connect_timeout` (DB_CONNECT_TIMEOUT_S applies) and
    `options`, whose `-c name=value` pairs become server settings.
    """
    settings = get_settings()
    url = url or db_engine.get_engine().url
    query = {k: v for k, v in url.query.items() if k not in ("connect_timeout", "options")}
    for key in ("host", "port"):  # libpq's repeated keys: asyncpg would keep only the last one
        if isinstance(query.get(key), tuple):
            query[key] = ",".join(query[key])
    server_settings = dict(settings_in_options(url.query.get("options")))
    if "application_name" not in query:
        server_settings.setdefault("application_name", db_engine.APPLICATION_NAME)
    if settings.db_statement_timeout_ms:
        server_settings["statement_timeout"] = str(settings.db_statement_timeout_ms)
    dsn = url.set(drivername="postgresql", query=query).render_as_string(hide_password=False)
    return {
        "dsn": dsn,
        "timeout": settings.db_connect_timeout_s,
        "server_settings": server_settings,
    }


def settings_in_options(options: str | tuple[str, ...] | None) -> Iterator[tuple[str, str]]:
    """The `-c name=value` (or `--name=value`) pairs of libpq's `options` parameter."""
    if not options:
        return
    words = " ".join([options] if isinstance(options, str) else options).split()
    for index, word in enumerate(words):
        if word == "-c" and index + 1 < len(words):
            setting = words[index + 1]
        elif (word.startswith("-c") and len(word) > 2) or word.startswith("--"):
            setting = word[2:]
        else:
            continue
        name, found, value = setting.partition("=")
        if found:
            yield name.replace("-", "_"), value
