"""The DDL of docs/scale-out.md, checked with PostgreSQL's own parser (pglast):

- Citus (docs/scale-out/citus.sql): every primary key, unique key and foreign key of a
  distributed table carries its distribution column; the customer's tables are colocated; a
  foreign key between distributed tables joins on the distribution column; products is a
  reference table; nothing of the product's schema is left out.
- Monthly partitions (docs/scale-out/partitioning.sql): every key carries the partition key, the
  months of 2018 follow each other without gap, and on a real PostgreSQL a row lands in its month.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

from pglast import ast, parse_sql
from pglast.enums import ConstrType
from sqlalchemy import Engine, text

from app.db.models import Base

DOCS = Path(__file__).resolve().parent.parent / "docs" / "scale-out"
KEYS = (ConstrType.CONSTR_PRIMARY, ConstrType.CONSTR_UNIQUE)


@dataclass
class Table:
    columns: list[str] = field(default_factory=list)
    keys: dict[str, list[str]] = field(default_factory=dict)  # primary and unique
    foreign: dict[str, tuple[list[str], str, list[str]]] = field(default_factory=dict)
    partitioned_by: list[str] = field(default_factory=list)
    partition_of: str | None = None
    bounds: tuple[str, str] | None = None


def _names(nodes: object) -> list[str]:
    return [node.sval for node in nodes or ()]  # type: ignore[attr-defined]


def _tables(sql: str) -> tuple[dict[str, Table], list[tuple[str, list[str], dict[str, str]]]]:
    """CREATE TABLE statements, and the function calls of SELECT statements (name, positional
    string arguments, named ones)."""
    tables: dict[str, Table] = {}
    calls = []
    for raw in parse_sql(sql):
        stmt = raw.stmt
        if isinstance(stmt, ast.CreateStmt):
            table = tables.setdefault(stmt.relation.relname, Table())
            for element in stmt.tableElts or ():
                if isinstance(element, ast.ColumnDef):
                    table.columns.append(element.colname)
                elif isinstance(element, ast.Constraint) and element.contype in KEYS:
                    table.keys[element.conname] = _names(element.keys)
                elif (
                    isinstance(element, ast.Constraint)
                    and element.contype == ConstrType.CONSTR_FOREIGN
                ):
                    table.foreign[element.conname] = (
                        _names(element.fk_attrs),
                        element.pktable.relname,
                        _names(element.pk_attrs),
                    )
            if stmt.partspec is not None:
                table.partitioned_by = [p.name for p in stmt.partspec.partParams]
            if stmt.inhRelations:
                table.partition_of = stmt.inhRelations[0].relname
                bound = stmt.partbound
                if not bound.is_default:
                    table.bounds = (
                        bound.lowerdatums[0].val.sval,
                        bound.upperdatums[0].val.sval,
                    )
        elif isinstance(stmt, ast.SelectStmt):
            call = stmt.targetList[0].val
            positional = [a.val.sval for a in call.args if isinstance(a, ast.A_Const)]
            named = {a.name: a.arg.val.sval for a in call.args if isinstance(a, ast.NamedArgExpr)}
            calls.append((call.funcname[-1].sval, positional, named))
    return tables, calls


def _model_columns(table: str) -> set[str]:
    return {column.name for column in Base.metadata.tables[table].columns}


def test_every_key_of_a_distributed_table_carries_its_distribution_column() -> None:
    tables, calls = _tables((DOCS / "citus.sql").read_text())
    distributed = {
        args[0]: args[1] for name, args, _ in calls if name == "create_distributed_table"
    }
    colocated = {
        args[0]: named.get("colocate_with", args[0])
        for name, args, named in calls
        if name == "create_distributed_table"
    }
    reference = {args[0] for name, args, _ in calls if name == "create_reference_table"}
    assert reference == {"products"}
    assert {"customers", "orders", "order_items"} <= distributed.keys()
    assert {colocated[t] for t in ("customers", "orders", "order_items")} == {"customers"}
    for name, column in distributed.items():
        table = tables[name]
        assert column in table.columns, name
        for key, columns in table.keys.items():
            assert column in columns, f"{name}.{key} lacks the distribution column {column}"
        for key, (local, target, remote) in table.foreign.items():
            if target in reference:
                continue
            assert colocated[target] == colocated[name], f"{name}.{key}: not colocated"
            at = local.index(column)  # the distribution columns are joined to each other
            assert remote[at] == distributed[target], f"{name}.{key}"


def test_the_distributed_schema_keeps_every_column_of_the_product() -> None:
    tables, _ = _tables((DOCS / "citus.sql").read_text())
    for name in ("customers", "products", "orders", "order_items"):
        added = {"customer_id"} if name == "order_items" else set()
        # order_items is keyed by (customer, order, position): its surrogate id goes
        dropped = {"id"} if name == "order_items" else set()
        assert set(tables[name].columns) == (_model_columns(name) | added) - dropped, name
    lookup = tables["customer_lookup"]
    assert lookup.keys == {"pk_customer_lookup": ["customer_id"]}


def test_every_key_of_a_partitioned_table_carries_the_order_date() -> None:
    tables, _ = _tables((DOCS / "partitioning.sql").read_text())
    for name in ("orders", "order_items"):
        table = tables[name]
        assert table.partitioned_by == ["order_date"]
        for key, columns in table.keys.items():
            assert "order_date" in columns, f"{name}.{key}"
        months = sorted(t.bounds for t in tables.values() if t.partition_of == name and t.bounds)
        assert months[0][0] == "2018-01-01" and months[-1][1] == "2019-01-01"
        assert all(a[1] == b[0] for a, b in pairwise(months)), "a gap"
        assert [t for t in tables.values() if t.partition_of == name and t.bounds is None]
    assert tables["order_items"].foreign["fk_order_items_order"] == (
        ["order_id", "order_date"],
        "orders",
        ["id", "order_date"],
    )
    assert set(tables["orders"].columns) == _model_columns("orders")


def test_partitioned_rows_land_in_their_month(new_database) -> None:  # type: ignore[no-untyped-def]
    engine: Engine = new_database(migrated=False)
    with engine.begin() as conn:
        conn.exec_driver_sql((DOCS / "partitioning.sql").read_text())
        conn.execute(
            text(
                "INSERT INTO orders (id, customer_id, order_date, order_time, order_priority)"
                " VALUES (1, 1, :day, '10:00', 'High'), (2, 1, '2020-05-05', '10:00', 'Low')"
            ),
            {"day": dt.date(2018, 3, 31)},
        )
        conn.execute(
            text(
                "INSERT INTO order_items (order_id, order_date, position, product_id, quantity)"
                " VALUES (1, '2018-03-31', 1, 7, 2)"
            )
        )
        placed = conn.execute(
            text(
                "SELECT o.id, o.tableoid::regclass::text, i.tableoid::regclass::text"
                " FROM orders o LEFT JOIN order_items i ON i.order_id = o.id ORDER BY o.id"
            )
        ).all()
    assert [tuple(row) for row in placed] == [
        (1, "orders_2018_03", "order_items_2018_03"),
        (2, "orders_default", None),
    ]
