"""A read-only PostgreSQL role for the API: least privilege for a process that only reads.

    python -m app.db.roles api_reader --password 's3cret'     # or READONLY_ROLE_PASSWORD=…

connects with DATABASE_URL (or the embedded server) as a role allowed to create roles, and gives
NAME exactly this, in the URL's database and nothing else:

- LOGIN (NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS), with the password if one
  is given. The password is hashed here (SCRAM or md5, as the server's `password_encryption`
  says) so the plain text never reaches the server or its logs;
- CONNECT on the database, USAGE on schema `public`;
- SELECT on every table, view and materialized view in `public`, and by default on those that
  the tables' owners (the role that runs the migrations) create later;
- `default_transaction_read_only = on` for the role: a session starts read-only even if a write
  privilege is granted to it by mistake later.

Running it again is harmless (it re-applies the grants and, when given, sets the new password).
Then run the API with `DATABASE_URL=postgresql://NAME:PASSWORD@host/db`. The loader and the
migrations need the owner role, not this one.

What PostgreSQL grants every role through PUBLIC is not changed: on PostgreSQL 14 and older that
includes CREATE on schema `public` (revoke it with `REVOKE CREATE ON SCHEMA public FROM PUBLIC`;
a warning says so), and on every version TEMPORARY on the database (session-private tables only).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Annotated

import typer
from sqlalchemy import Connection, Engine, text

log = logging.getLogger(__name__)

SCHEMA = "public"
ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
PASSWORD_ENV = "READONLY_ROLE_PASSWORD"


class RoleError(ValueError):
    """The role cannot be created as asked (bad name, or it would be a privileged role)."""


@dataclass(frozen=True)
class RoleReport:
    role: str
    database: str
    created: bool  # False: the role existed and was brought to the read-only state
    default_privileges_for: tuple[str, ...]  # roles whose future tables NAME may read
    public_can_create: bool  # PUBLIC may still CREATE in schema public (PostgreSQL <= 14)


def _quote(conn: Connection, identifier: str) -> str:
    return conn.dialect.identifier_preparer.quote_identifier(identifier)


def _hash_password(conn: Connection, role: str, password: str) -> str:
    """The password as the server stores it (no plain text on the wire or in its logs)."""
    from psycopg2.extensions import encrypt_password

    raw = conn.connection.dbapi_connection
    return str(encrypt_password(password, role, raw))


def create_readonly_role(engine: Engine, role: str, password: str | None = None) -> RoleReport:
    """Create (or bring back to read-only) `role` on `engine`'s database; one transaction."""
    if not ROLE_NAME.fullmatch(role):
        raise RoleError(
            f"role name {role!r}: use 1-63 lower-case letters, digits and underscores, "
            "not starting with a digit"
        )
    if role.startswith("pg_"):
        raise RoleError("role names starting with pg_ are reserved by PostgreSQL")
    with engine.begin() as conn:
        database = str(conn.execute(text("SELECT current_database()")).scalar_one())
        if role == conn.execute(text("SELECT current_user")).scalar_one():
            raise RoleError(f"{role!r} is the role running this command; choose another name")
        q_role, q_db, q_schema = _quote(conn, role), _quote(conn, database), _quote(conn, SCHEMA)
        existing = conn.execute(
            text("SELECT rolsuper FROM pg_roles WHERE rolname = :r"), {"r": role}
        ).first()
        if existing is not None and existing.rolsuper:
            raise RoleError(f"{role!r} is a superuser; refusing to call it read-only")
        attributes = "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"
        if password is not None:
            hashed = _hash_password(conn, role, password).replace("'", "''")
            attributes += f" PASSWORD '{hashed}'"
        verb = "ALTER" if existing is not None else "CREATE"
        conn.exec_driver_sql(f"{verb} ROLE {q_role} WITH {attributes}")
        if existing is not None:
            # An existing role may have picked up write privileges or memberships: start clean
            # in this database (its privileges elsewhere are not this command's business).
            conn.exec_driver_sql(f"REVOKE ALL ON ALL TABLES IN SCHEMA {q_schema} FROM {q_role}")
            conn.exec_driver_sql(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {q_schema} FROM {q_role}")
            conn.exec_driver_sql(f"REVOKE ALL ON ALL FUNCTIONS IN SCHEMA {q_schema} FROM {q_role}")
            conn.exec_driver_sql(f"REVOKE ALL ON SCHEMA {q_schema} FROM {q_role}")
            conn.exec_driver_sql(f"REVOKE ALL ON DATABASE {q_db} FROM {q_role}")
            for (group,) in conn.execute(
                text(
                    "SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid"
                    " JOIN pg_roles r ON r.oid = m.member WHERE r.rolname = :r"
                ),
                {"r": role},
            ):
                conn.exec_driver_sql(f"REVOKE {_quote(conn, group)} FROM {q_role}")
        conn.exec_driver_sql(f"ALTER ROLE {q_role} SET default_transaction_read_only = on")
        conn.exec_driver_sql(f"GRANT CONNECT ON DATABASE {q_db} TO {q_role}")
        conn.exec_driver_sql(f"GRANT USAGE ON SCHEMA {q_schema} TO {q_role}")
        # ALL TABLES covers ordinary tables, views, materialized views and foreign tables.
        conn.exec_driver_sql(f"GRANT SELECT ON ALL TABLES IN SCHEMA {q_schema} TO {q_role}")
        # Default privileges belong to the role that creates the objects: the current role and
        # whoever owns the existing tables (the migrations' role).
        owners: set[str] = set()
        for owner, allowed in conn.execute(
            text(
                "SELECT o, pg_has_role(current_user, o, 'MEMBER') FROM ("
                " SELECT DISTINCT CAST(pg_get_userbyid(relowner) AS name) AS o FROM pg_class"
                " WHERE relnamespace = CAST(:s AS regnamespace)"
                " AND relkind IN ('r', 'p', 'v', 'm', 'f')"
                " UNION SELECT current_user) AS owners"
            ),
            {"s": SCHEMA},
        ):
            if owner == role:
                continue
            if allowed:
                owners.add(str(owner))
            else:
                log.warning(
                    "not a member of %s: tables %s creates later will not be readable by %s",
                    owner,
                    owner,
                    role,
                )
        for owner in sorted(owners):
            conn.exec_driver_sql(
                f"ALTER DEFAULT PRIVILEGES FOR ROLE {_quote(conn, owner)} IN SCHEMA {q_schema}"
                f" GRANT SELECT ON TABLES TO {q_role}"
            )
        public_can_create = bool(
            conn.execute(
                text("SELECT has_schema_privilege('public', CAST(:s AS name), 'CREATE')"),
                {"s": SCHEMA},
            ).scalar_one()
        )
    if public_can_create:
        log.warning(
            "PUBLIC may CREATE in schema %s, so %s can too: run "
            "REVOKE CREATE ON SCHEMA %s FROM PUBLIC (the default since PostgreSQL 15)",
            SCHEMA,
            role,
            SCHEMA,
        )
    return RoleReport(
        role=role,
        database=database,
        created=existing is None,
        default_privileges_for=tuple(sorted(owners)),
        public_can_create=public_can_create,
    )


def drop_role(engine: Engine, role: str) -> None:
    """Revoke what `role` holds in `engine`'s database (and on shared objects), then drop it.

    A role that also holds privileges in other databases cannot be dropped until `DROP OWNED BY`
    has been run in each of them too; PostgreSQL then says so.
    """
    if not ROLE_NAME.fullmatch(role):
        raise RoleError(f"invalid role name {role!r}")
    with engine.begin() as conn:
        exists = conn.execute(
            text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}
        ).first()
        if exists is None:
            return
        q_role = _quote(conn, role)
        conn.exec_driver_sql(f"DROP OWNED BY {q_role}")
        conn.exec_driver_sql(f"DROP ROLE {q_role}")


def role_url(engine: Engine, role: str, password: str | None = None) -> str:
    """`engine`'s URL with `role` (and `password`, if any) as the user."""
    url = engine.url.set(username=role, password=password)
    return url.render_as_string(hide_password=False)


def command(
    name: Annotated[str, typer.Argument(help="Name of the read-only role to create.")],
    password: Annotated[
        str | None,
        typer.Option(
            envvar=PASSWORD_ENV,
            help=f"Its password (or ${PASSWORD_ENV}). Without one the role can log in only "
            "where pg_hba.conf trusts it (the embedded server does, over its socket).",
        ),
    ] = None,
) -> None:
    """Create a read-only role for the API in DATABASE_URL's database (or the embedded one)."""
    from rich.console import Console

    from app.config import get_settings
    from app.db.engine import make_engine
    from app.db.url import resolve_database_url
    from app.logging import configure_logging

    configure_logging("WARNING")
    console = Console(soft_wrap=True)
    engine = make_engine(resolve_database_url(get_settings()))
    try:
        report = create_readonly_role(engine, name, password)
    except RoleError as exc:
        Console(stderr=True, soft_wrap=True).print(f"error: {exc}", markup=False)
        raise typer.Exit(2) from None
    finally:
        engine.dispose()
    action = "created" if report.created else "updated"
    console.print(
        f"role {report.role} {action}: LOGIN, CONNECT on {report.database}, USAGE on {SCHEMA}, "
        f"SELECT on its tables and on those {', '.join(report.default_privileges_for)} "
        "create later; nothing else.",
        markup=False,
    )
    url = engine.url.set(username=name, password="***" if password else None)
    shown = url.set(drivername="postgresql").render_as_string(hide_password=False)
    console.print(f"Run the API with DATABASE_URL={shown}", markup=False)
    if report.public_can_create:
        console.print(
            f"warning: PUBLIC may CREATE in schema {SCHEMA}: run "
            f"REVOKE CREATE ON SCHEMA {SCHEMA} FROM PUBLIC",
            markup=False,
        )


def main() -> None:
    typer.run(command)


if __name__ == "__main__":
    main()
