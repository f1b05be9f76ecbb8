"""One table from a response model's JSON: the rules by which every CSV export flattens.

The rules, decided once from the model's *class* (so the header is the same for every answer of a
route, even one with no rows):

- **Rows** are the objects of the model's list-of-object fields (`items`, `points`, `levels`,
  `top`, `by_device_type`, …). With several such fields, their rows follow one another in field
  order and a first column `section` names the field each row comes from (`by_device_type`,
  `by_login_type`, …). With none (a summary object such as `/analytics/revenue/`), the answer is
  exactly one row.
- **Columns** are the row objects' fields, then the model's other fields (`limit`, `granularity`,
  `sales_correlation`, …), repeated on every row so that each row stands alone in a spreadsheet.
  A nested object's fields are columns named with dots (`distribution.mean_revenue`); a mapping's
  keys too (`distribution.percentiles.p50`), in the order the JSON has them.
- **Cells** are the JSON values as text: strings as they are (money keeps its exact two decimals,
  `"140.00"`), numbers as JSON writes them, booleans `true` / `false`, `null` an empty cell.
  Nothing is prefixed against spreadsheet formulas (a cell starting with `=`, `+`, `-`, `@`):
  negative amounts start with `-`, and a cell must read back exactly as the JSON value.

Shapes these rules cannot flatten without losing data (a list of scalars, a list inside a row, a
mapping inside a row) are refused when the route is declared, never at request time.
"""

from __future__ import annotations

import csv
import io
import json
import types
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel

SECTION = "section"


def _unwrapped(annotation: Any) -> Any:
    """`annotation` without `Annotated[...]` metadata and without `| None`."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _unwrapped(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        members = [arg for arg in get_args(annotation) if arg is not type(None)]
        if len(members) == 1:
            return _unwrapped(members[0])
    return annotation


def _model(annotation: Any) -> type[BaseModel] | None:
    return (
        annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None
    )


def _is_mapping(annotation: Any) -> bool:
    return get_origin(annotation) in (dict, Mapping) or annotation is dict


def _is_sequence(annotation: Any) -> bool:
    return get_origin(annotation) in (list, tuple, Sequence) or annotation in (list, tuple)


def _row_model(annotation: Any) -> type[BaseModel] | None:
    """The row model of a `list[Model]` field, None for any other field."""
    if not _is_sequence(annotation):
        return None
    args = get_args(annotation)
    return _model(_unwrapped(args[0])) if args else None


def _fields(model: type[BaseModel]) -> Iterator[tuple[str, Any]]:
    """(JSON key, unwrapped annotation) of each field, keys as FastAPI serialises them (aliases)."""
    for name, info in model.model_fields.items():
        key = info.serialization_alias or info.alias or name
        yield key, _unwrapped(info.annotation)


@dataclass(frozen=True)
class Column:
    """A column: the JSON path to its value; `spread` = one column per key of the mapping there."""

    path: tuple[str, ...]
    spread: bool = False

    @property
    def name(self) -> str:
        return ".".join(self.path)


def _columns(model: type[BaseModel], prefix: tuple[str, ...], *, in_row: bool) -> list[Column]:
    columns: list[Column] = []
    for key, annotation in _fields(model):
        path = (*prefix, key)
        where = f"{model.__name__}.{key}"
        if (nested := _model(annotation)) is not None:
            columns += _columns(nested, path, in_row=in_row)
        elif _is_mapping(annotation):
            if in_row:
                raise TypeError(f"{where}: a mapping inside a CSV row has no fixed columns")
            columns.append(Column(path, spread=True))
        elif _is_sequence(annotation):
            raise TypeError(f"{where}: a list here cannot be flattened into CSV columns")
        else:
            columns.append(Column(path))
    return columns


@dataclass(frozen=True)
class CsvTable:
    """How the JSON of one response model becomes one table (see the module's rules)."""

    sections: tuple[str, ...]
    row_columns: tuple[Column, ...]
    context_columns: tuple[Column, ...]

    @classmethod
    def of(cls, model: type[BaseModel]) -> CsvTable:
        """The table of `model`; TypeError when its shape breaks the rules above."""
        sections: list[str] = []
        row_columns: dict[str, Column] = {}
        context: list[Column] = []
        for key, annotation in _fields(model):
            if (row_model := _row_model(annotation)) is not None:
                sections.append(key)
                for column in _columns(row_model, (), in_row=True):
                    row_columns.setdefault(column.name, column)
            elif (nested := _model(annotation)) is not None:
                context += _columns(nested, (key,), in_row=False)
            elif _is_mapping(annotation):
                context.append(Column((key,), spread=True))
            elif _is_sequence(annotation):
                raise TypeError(f"{model.__name__}.{key}: only lists of objects become CSV rows")
            else:
                context.append(Column((key,)))
        table = cls(tuple(sections), tuple(row_columns.values()), tuple(context))
        names = table.static_names()
        clashes = sorted({name for name in names if names.count(name) > 1})
        if clashes:
            raise TypeError(f"{model.__name__}: CSV columns named twice: {', '.join(clashes)}")
        return table

    @property
    def _sectioned(self) -> bool:
        return len(self.sections) > 1

    def static_names(self) -> list[str]:
        """The header as far as the class fixes it (a mapping's keys shown as `name.{key}`)."""
        columns = (*self.row_columns, *self.context_columns)
        names = [f"{c.name}.{{key}}" if c.spread else c.name for c in columns]
        return [SECTION, *names] if self._sectioned else names

    def rows(self, body: Mapping[str, Any]) -> tuple[list[str], list[list[str]]]:
        """(header, rows) of a JSON answer `body` of the model, every cell as text."""
        context_names: list[str] = []
        context_cells: list[str] = []
        for column in self.context_columns:
            value = _at(body, column.path)
            if column.spread:
                for key, item in (value or {}).items():
                    context_names.append(f"{column.name}.{key}")
                    context_cells.append(cell(item))
            else:
                context_names.append(column.name)
                context_cells.append(cell(value))
        header = [c.name for c in self.row_columns] + context_names
        if not self.sections:
            return header, [context_cells]
        rows = []
        for section in self.sections:
            for item in body.get(section) or ():
                values = [cell(_at(item, c.path)) for c in self.row_columns]
                rows.append([section, *values] if self._sectioned else values)
                rows[-1] += context_cells
        return ([SECTION, *header] if self._sectioned else header), rows

    def render(self, body: Mapping[str, Any]) -> str:
        """`body` as CSV text (RFC 4180: a header row, CRLF line ends, quoting as needed)."""
        header, rows = self.rows(body)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)
        return out.getvalue()


def _at(value: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def cell(value: Any) -> str:
    """A JSON value as CSV text: strings verbatim, `null` empty, anything else as JSON writes it."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)
