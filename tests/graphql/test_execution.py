"""The short paths of app/api/graphql/execution.py answer exactly what Strawberry and graphql-core
answer without them: values, nulls, errors (message, path, locations), arguments and inputs."""

from __future__ import annotations

import asyncio
from enum import Enum
from typing import Any

import pytest
import strawberry

from app.api.graphql.execution_lists import SYNC_OBJECTS, register_sync_object
from tests.graphql.fast_schema import plain_and_fast


@strawberry.enum
class Color(Enum):
    RED = "red"
    BLUE = "blue"


@strawberry.input
class Range:
    low_value: int = 0
    high_value: int | None = None


@strawberry.type
class Item:
    id: int
    name: str | None
    required: str  # set to None by `broken` below: a non-null violation
    big: int  # out of GraphQL Int range for one item
    color: Color

    @strawberry.field
    def label(self, info: strawberry.Info, prefix: str = "#", upper_case: bool = False) -> str:
        text = f"{prefix}{self.id}:{info.field_name}"
        return text.upper() if upper_case else text

    @strawberry.field
    async def later(self) -> int:
        await asyncio.sleep(0)
        return self.id * 10

    @strawberry.field
    def fails(self) -> int | None:
        raise ValueError(f"no value for {self.id}")


def _items() -> list[Item]:
    return [
        Item(id=1, name="one", required="r", big=5, color=Color.RED),
        Item(id=2, name=None, required="r", big=2**40, color=Color.BLUE),
    ]


@strawberry.type
class Holder:
    first: Item  # plain object attributes: execution.py's `_plain_object`
    maybe: Item | None
    broken: Item
    broken_maybe: Item | None


def _holder() -> Holder:
    bad, also_bad = _items()[0], _items()[1]
    bad.required = None  # type: ignore[assignment]
    also_bad.required = None  # type: ignore[assignment]
    return Holder(first=_items()[0], maybe=None, broken=bad, broken_maybe=also_bad)


@strawberry.type
class Query:
    @strawberry.field
    def holder(self) -> Holder | None:
        return _holder()

    @strawberry.field
    def items(self, within: Range | None = None, color: Color | None = None) -> list[Item]:
        low = within.low_value if within else 0
        return [i for i in _items() if i.id >= low and (color is None or i.color == color)]

    @strawberry.field
    def lists(self) -> Lists:
        return Lists()

    @strawberry.field
    def broken(self) -> list[Item]:
        item = _items()[0]
        item.required = None  # type: ignore[assignment]
        return [item]


@strawberry.type
class Lists:
    """Lists of objects: execution_lists.py's short path, and what it hands back to graphql-core."""

    @strawberry.field
    def empty(self) -> list[Item]:
        return []

    @strawberry.field
    def as_tuple(self) -> list[Item]:
        return tuple(_items())  # type: ignore[return-value]

    @strawberry.field
    def with_null(self) -> list[Item]:  # null for a non-null item: the whole list is nulled
        return [_items()[0], None]  # type: ignore[list-item]

    @strawberry.field
    def nullable_items(self) -> list[Item | None]:
        return [None, _items()[1], None]

    @strawberry.field
    def with_error(self) -> list[Item | None]:
        return [_items()[0], ValueError("bad item")]  # type: ignore[list-item]

    @strawberry.field
    def awaitable_items(self) -> list[Item]:
        async def later(item: Item) -> Item:
            await asyncio.sleep(0)
            return item

        return [later(item) for item in _items()]  # type: ignore[misc]

    @strawberry.field
    def nested(self) -> list[list[Item | None]]:
        return [_items(), [], [None, _items()[0]]]

    @strawberry.field
    def optional(self) -> list[Item] | None:
        return None


def _schemas() -> tuple[strawberry.Schema, strawberry.Schema]:
    return plain_and_fast(Query)


QUERIES = [
    "{ items { id name color label later } }",
    '{ items(within: {lowValue: 2}) { id label(prefix: "x", upperCase: true) } }',
    "query($c: Color) { items(color: $c) { id color } }",
    "{ items { id big } }",  # Int overflow on the second item: an error at items.1.big
    "{ broken { id required } }",  # null for String!: the error nulls the list item
    "{ items { id fails } }",  # a resolver raising: error with path, field null
    "{ items { ...F } } fragment F on Item { a: id b: id name }",
    "{ items { id } items2: items(within: {lowValue: 2}) { id label } }",
    "{ holder { first { id later label } maybe { id } } }",
    "{ holder { brokenMaybe { id required } first { id } } }",  # null stops at brokenMaybe
    "{ holder { first { id } broken { id required } } }",  # propagates to the nullable holder
    "{ holder { first { fails later } } }",
    "{ lists { empty { id } asTuple { id label } optional { id } } }",
    "{ lists { withNull { id } asTuple { id } } }",  # null item in [Item!]!: `lists` is nulled
    "{ lists { nullableItems { id name } withError { id } } }",
    "{ lists { asTuple { id big later } } }",  # errors inside items: path with the index
    "{ lists { asTuple { id fails } nested { id big } } }",
    "{ lists { nullableItems { id required } } }",
    "{ lists { a: nested { ...N } b: nested { id } } } fragment N on Item { i: id label }",
    "{ lists { ... on Lists { awaitableItems { id later } x: asTuple { ...on Item { id } } } } }",
    "{ lists { asTuple @include(if: true) { id } } broken { id required } }",
]


def _plain_result(result: Any) -> dict[str, Any]:
    return {
        "data": result.data,
        "errors": [
            (e.message, e.path, [(loc.line, loc.column) for loc in e.locations or []])
            for e in result.errors or []
        ],
    }


@pytest.mark.parametrize("query", QUERIES)
def test_fast_execution_answers_like_strawberry(query: str) -> None:
    plain, fast = _schemas()
    variables = {"c": "BLUE"}
    expected = asyncio.run(plain.execute(query, variable_values=variables))
    actual = asyncio.run(fast.execute(query, variable_values=variables))
    assert _plain_result(actual) == _plain_result(expected)
    if "awaitableItems" in query:  # async by nature: no synchronous execution to compare
        return
    assert _plain_result(fast.execute_sync(query.replace(" later", ""), variables)) == (
        _plain_result(plain.execute_sync(query.replace(" later", ""), variables))
    )


def test_only_classes_never_awaitable_skip_the_awaitable_check() -> None:
    """`register_sync_object` (the schema's object classes) refuses any class whose instances
    could be awaited: their list items must keep graphql-core's awaitable handling."""

    class Plain:
        pass

    class Awaits:
        def __await__(self) -> Any:
            yield None

    class Dynamic:  # may answer `__await__` per instance
        def __getattr__(self, name: str) -> Any:
            raise AttributeError(name)

    class Failure(Exception):
        pass

    for cls in (Plain, Awaits, Dynamic, Failure):
        register_sync_object(cls)
    assert Plain in SYNC_OBJECTS
    assert not {Awaits, Dynamic, Failure} & SYNC_OBJECTS
    _schemas()
    assert {Item, Holder, Lists, Query} <= SYNC_OBJECTS  # registered by streamline_resolvers
