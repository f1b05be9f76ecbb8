"""Least privilege: the API runs as a role that can read everything and change nothing.

One database holds the real sample; `create_readonly_role` gives a new role access to it; the app,
pointed at a URL with that role, must answer every REST route and GraphQL exactly as it does as the
owner, and every kind of write must fail with a permission error.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg2.errors
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from app.db.engine import make_engine
from app.db.roles import RoleError, RoleReport, create_readonly_role, drop_role, role_url
from app.main import app
from tests.loader.helpers import checksums
from tests.reliability.conftest import unique_role

REPO_ROOT = Path(__file__).resolve().parents[2]
PRIVILEGE_ERROR = "42501"  # insufficient_privilege
READ_ONLY_TRANSACTION = "25006"  # read_only_sql_transaction


@dataclass
class ReadOnly:
    admin: Engine
    reader: Engine
    role: str
    report: RoleReport


def _can_create_roles(engine: Engine) -> bool:
    with engine.connect() as conn:
        return bool(
            conn.execute(
                text("SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user")
            ).scalar_one()
        )


@pytest.fixture(scope="module")
def readonly(new_database: Callable[..., Engine], sample_csv: Path) -> Iterator[ReadOnly]:
    from loader.load import load_csv

    admin: Engine = new_database()
    if not _can_create_roles(admin):
        pytest.skip("the test server's user may not create roles")
    load_csv(sample_csv, admin)
    role, password = unique_role(), secrets.token_urlsafe(16)
    report = create_readonly_role(admin, role, password)
    reader = make_engine(role_url(admin, role, password))
    yield ReadOnly(admin, reader, role, report)
    reader.dispose()
    drop_role(admin, role)


def _scalar(engine: Engine, sql: str, **params: Any) -> Any:
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar_one()


# --- what the role is ---


def test_role_has_login_and_no_attribute_beyond(readonly: ReadOnly) -> None:
    assert readonly.report.created and readonly.report.database == readonly.admin.url.database
    with readonly.admin.connect() as conn:
        row = conn.execute(
            text(
                "SELECT rolcanlogin, rolsuper, rolcreatedb, rolcreaterole, rolreplication,"
                " rolbypassrls, rolinherit, rolconfig FROM pg_roles WHERE rolname = :r"
            ),
            {"r": readonly.role},
        ).one()
        memberships = conn.execute(
            text(
                "SELECT count(*) FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member"
                " WHERE r.rolname = :r"
            ),
            {"r": readonly.role},
        ).scalar_one()
    assert row.rolcanlogin
    assert (
        not (row.rolsuper or row.rolcreatedb or row.rolcreaterole or row.rolreplication)
        and not row.rolbypassrls
    )
    assert "default_transaction_read_only=on" in row.rolconfig
    assert memberships == 0


def test_role_privileges_are_select_connect_usage_only(readonly: ReadOnly) -> None:
    with readonly.admin.connect() as conn:
        relations = conn.execute(
            text(
                "SELECT relname, relkind FROM pg_class WHERE relnamespace = 'public'::regnamespace"
                " AND relkind IN ('r', 'v', 'm')"
            )
        ).all()
        assert {"customers", "products", "orders", "order_items"} <= {r.relname for r in relations}
        assert any(r.relname.startswith("summary_") for r in relations), "the rollups' tables"
        for relation in relations:
            for privilege in ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES"):
                allowed = conn.execute(
                    text("SELECT has_table_privilege(:r, :t, :p)"),
                    {"r": readonly.role, "t": f"public.{relation.relname}", "p": privilege},
                ).scalar_one()
                assert allowed == (privilege == "SELECT"), (relation.relname, privilege)
        checks = {
            "has_database_privilege(:r, current_database(), 'CONNECT')": True,
            "has_database_privilege(:r, current_database(), 'CREATE')": False,
            "has_schema_privilege(:r, 'public', 'USAGE')": True,
            "has_schema_privilege(:r, 'public', 'CREATE')": False,
        }
        for expression, expected in checks.items():
            got = conn.execute(text(f"SELECT {expression}"), {"r": readonly.role}).scalar_one()
            assert got is expected, expression
        # Sequences: nothing (no nextval, so no inserts through the back door either).
        sequences = conn.execute(
            text(
                "SELECT count(*) FILTER (WHERE has_sequence_privilege(:r, oid, 'USAGE')"
                " OR has_sequence_privilege(:r, oid, 'UPDATE')), count(*)"
                " FROM pg_class WHERE relkind = 'S' AND relnamespace = 'public'::regnamespace"
            ),
            {"r": readonly.role},
        ).one()
        assert sequences[0] == 0 and sequences[1] > 0


# --- the app as that role ---


def _rest_urls(client: TestClient) -> list[str]:
    """Every GET route of the OpenAPI document, path parameters filled from the data."""
    customer_id = client.get("/customers/", params={"limit": 1}).json()["items"][0]["customer_id"]
    order_id = client.get("/orders/", params={"limit": 1}).json()["items"][0]["id"]
    urls = []
    for path, item in client.get("/openapi.json").json()["paths"].items():
        if "get" in item and path not in ("/graphql", "/metrics"):
            urls.append(path.format(customer_id=customer_id, order_id=order_id))
    return urls


GRAPHQL = """{
  customers(first: 5) { edges { node { customerId orderCount totalSales
    orders(first: 3) { edges { node { id total items { quantity product { name } } } } } } } }
  orders(first: 5, orderBy: ORDER_DATE) { edges { node { id orderDate total } } }
  products(first: 5) { edges { node { id name category } } }
  analytics { customers { totalCustomers } topCategories(limit: 3) { category totalRevenue } }
}"""


def test_rest_and_graphql_answer_as_readonly_exactly_as_as_owner(
    readonly: ReadOnly, client_on: Callable[[Engine], TestClient]
) -> None:
    owner = client_on(readonly.admin)
    urls = _rest_urls(owner)
    assert len(urls) >= 15 and "/ready" in urls and "/analytics/revenue/" in urls
    as_owner = {url: owner.get(url) for url in urls}
    graphql_as_owner = owner.post("/graphql", json={"query": GRAPHQL})
    reader = client_on(readonly.reader)
    for url in urls:
        response = reader.get(url)
        assert response.status_code == 200, (url, response.text)
        assert response.content == as_owner[url].content, url
    graphql = reader.post("/graphql", json={"query": GRAPHQL})
    body = graphql.json()
    assert graphql.status_code == 200 and "errors" not in body, body
    assert body == graphql_as_owner.json()
    assert len(body["data"]["customers"]["edges"]) == 5
    # The connections really are the read-only role's.
    assert _scalar(readonly.reader, "SELECT current_user") == readonly.role


# --- writes fail ---

WRITES = {
    "insert": "INSERT INTO products (product_category, product_name) VALUES ('x', 'y')",
    "update": "UPDATE orders SET aging = aging + 1",
    "delete": "DELETE FROM order_items",
    "truncate": "TRUNCATE customers CASCADE",
    "create_table": "CREATE TABLE public.intruder (id int)",
    "create_schema": "CREATE SCHEMA intruder",
    "create_index": "CREATE INDEX intruder_idx ON orders (aging)",
    "alter_table": "ALTER TABLE products ADD COLUMN intruder int",
    "drop_table": "DROP TABLE order_items",
    "refresh_rollup": "DELETE FROM summary_order_totals",
    "copy_in": "COPY products (product_category, product_name) FROM STDIN",
    "nextval": "SELECT nextval(pg_get_serial_sequence('orders', 'id'))",
    "lock": "LOCK TABLE orders IN EXCLUSIVE MODE",
}


def _sqlstate(engine: Engine, sql: str, *, read_write_session: bool) -> str | None:
    """The SQLSTATE `sql` fails with (None: it succeeded, and was rolled back)."""
    with engine.connect() as conn:
        try:
            if read_write_session:
                # Any role may switch its own session back to read-write: privileges must hold.
                conn.execute(text("SET default_transaction_read_only = off"))
                conn.commit()
            try:
                conn.exec_driver_sql(sql)
            except DBAPIError as exc:
                return getattr(exc.orig, "pgcode", None)
            return None
        finally:
            conn.invalidate()  # never hand a session with altered settings back to the pool


@pytest.mark.parametrize("name", list(WRITES))
def test_every_write_fails_with_a_permission_error(readonly: ReadOnly, name: str) -> None:
    if name == "refresh_rollup":
        assert _scalar(readonly.admin, "SELECT to_regclass('summary_order_totals') IS NOT NULL")
    assert _sqlstate(readonly.reader, WRITES[name], read_write_session=True) == PRIVILEGE_ERROR


def test_role_cannot_grant_itself_anything(readonly: ReadOnly) -> None:
    for sql in (
        "GRANT INSERT ON products TO CURRENT_USER",  # only a warning: nothing granted
        "ALTER DEFAULT PRIVILEGES GRANT INSERT ON TABLES TO CURRENT_USER",
    ):
        _sqlstate(readonly.reader, sql, read_write_session=True)
    assert not _scalar(
        readonly.admin, "SELECT has_table_privilege(:r, 'products', 'INSERT')", r=readonly.role
    )
    assert _sqlstate(readonly.reader, "ALTER ROLE CURRENT_USER CREATEDB", read_write_session=True)


@pytest.mark.parametrize("name", ["insert", "update", "delete"])
def test_sessions_start_read_only(readonly: ReadOnly, name: str) -> None:
    """Defence in depth: even a privilege granted by mistake later meets a read-only session."""
    state = _sqlstate(readonly.reader, WRITES[name], read_write_session=False)
    assert state in (READ_ONLY_TRANSACTION, PRIVILEGE_ERROR)
    assert _scalar(readonly.reader, "SHOW default_transaction_read_only") == "on"


def test_loader_as_readonly_role_changes_nothing(readonly: ReadOnly, sample_csv: Path) -> None:
    from loader.load import load_csv

    before = checksums(readonly.admin)
    with pytest.raises(DBAPIError) as caught:
        load_csv(sample_csv, readonly.reader)
    refused = psycopg2.errors.InsufficientPrivilege | psycopg2.errors.ReadOnlySqlTransaction
    assert isinstance(caught.value.orig, refused), caught.value.orig
    assert checksums(readonly.admin) == before


# --- future tables, re-runs, refusals, the CLI ---


def test_future_tables_and_materialized_views_are_readable_not_writable(
    readonly: ReadOnly,
) -> None:
    with readonly.admin.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE later_table (id int)")
        conn.exec_driver_sql("INSERT INTO later_table VALUES (1), (2)")
        conn.exec_driver_sql(
            "CREATE MATERIALIZED VIEW later_view AS SELECT count(*) AS n FROM orders"
        )
    try:
        assert _scalar(readonly.reader, "SELECT sum(id) FROM later_table") == 3
        assert _scalar(readonly.reader, "SELECT n FROM later_view") > 0
        sql = "INSERT INTO later_table VALUES (3)"
        assert _sqlstate(readonly.reader, sql, read_write_session=True) == PRIVILEGE_ERROR
    finally:
        with readonly.admin.begin() as conn:
            conn.exec_driver_sql("DROP MATERIALIZED VIEW later_view")
            conn.exec_driver_sql("DROP TABLE later_table")


def test_rerun_is_idempotent_and_takes_back_stray_write_privileges(readonly: ReadOnly) -> None:
    with readonly.admin.begin() as conn:
        conn.exec_driver_sql(f"GRANT INSERT, UPDATE ON products TO {readonly.role}")
    report = create_readonly_role(readonly.admin, readonly.role)
    assert not report.created
    for privilege in ("INSERT", "UPDATE"):
        assert not _scalar(
            readonly.admin,
            "SELECT has_table_privilege(:r, 'products', :p)",
            r=readonly.role,
            p=privilege,
        )
    assert _scalar(readonly.reader, "SELECT count(*) FROM products") > 0


@pytest.mark.parametrize(
    "name", ["", "Robert'); DROP TABLE orders;--", "1abc", "a" * 64, "pg_reader", "x y"]
)
def test_bad_role_names_are_refused(readonly: ReadOnly, name: str) -> None:
    with pytest.raises(RoleError):
        create_readonly_role(readonly.admin, name)


def test_refuses_to_demote_the_current_or_a_superuser_role(readonly: ReadOnly) -> None:
    current = _scalar(readonly.admin, "SELECT current_user")
    with pytest.raises(RoleError):
        create_readonly_role(readonly.admin, current)


def test_cli_creates_a_role_the_app_can_use(readonly: ReadOnly) -> None:
    role = unique_role("cli")
    env = {
        **os.environ,
        "DATABASE_URL": readonly.admin.url.render_as_string(hide_password=False),
        "READONLY_ROLE_PASSWORD": "pw-" + secrets.token_hex(8),
        "PYTHONPATH": str(REPO_ROOT),
        "COLUMNS": "300",
    }
    try:
        done = subprocess.run(
            [sys.executable, "-m", "app.db.roles", role],
            env=env,
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert f"role {role} created" in done.stdout
        assert env["READONLY_ROLE_PASSWORD"] not in done.stdout + done.stderr
        engine = make_engine(role_url(readonly.admin, role, env["READONLY_ROLE_PASSWORD"]))
        try:
            assert _scalar(engine, "SELECT count(*) FROM customers") > 0
            sql = WRITES["insert"]
            assert _sqlstate(engine, sql, read_write_session=True) == PRIVILEGE_ERROR
        finally:
            engine.dispose()
        bad = subprocess.run(
            [sys.executable, "-m", "app.db.roles", "Bad Name"],
            env=env,
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert bad.returncode == 2 and "role name" in bad.stderr
    finally:
        drop_role(readonly.admin, role)


def test_app_module_is_importable_without_a_database() -> None:
    assert app.title
