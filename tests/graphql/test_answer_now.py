"""Answer-now functions (app/api/graphql/execution_plans.py): a field whose value is at hand is
answered without its resolver, and the answer is exactly what the resolver and graphql-core give
without the short path: values, nulls, errors and their paths, also when the function declines
(NOT_NOW), raises, or hands back something only graphql-core's full path should complete."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import pytest
import strawberry
from graphql import FieldNode

from app.api.graphql.execution_plans import NOT_NOW, answer_now
from tests.graphql.fast_schema import plain_and_fast

resolver_calls: Counter[str] = Counter()


def _even_only(value: Any) -> Any:
    """Answer-now functions below answer for even ids and decline for odd ones."""
    return lambda item, context, node: value(item) if item.id % 2 == 0 else NOT_NOW


def _label_now(item: Node, context: Any, node: FieldNode) -> str:
    if node.arguments:  # the resolver's argument: only the resolver knows it
        return NOT_NOW  # type: ignore[no-any-return]
    return f"#{item.id}"


def _raises(item: Node, context: Any, node: FieldNode) -> int:
    raise RuntimeError("an answer-now function failing sends the field to its resolver")


@strawberry.type
class Node:
    id: int

    @strawberry.field(metadata=answer_now(_even_only(lambda item: item.id * 10)))
    def tens(self) -> int:
        resolver_calls["tens"] += 1
        return self.id * 10

    @strawberry.field(metadata=answer_now(_label_now))
    def label(self, prefix: str = "#") -> str:
        resolver_calls["label"] += 1
        return f"{prefix}{self.id}"

    @strawberry.field(metadata=answer_now(_raises))
    def safe(self) -> int:
        resolver_calls["safe"] += 1
        return self.id

    @strawberry.field(metadata=answer_now(lambda item, context, node: None))
    def required(self) -> int:  # the function's null is not trusted for a non-null field
        resolver_calls["required"] += 1
        return self.id

    @strawberry.field(metadata=answer_now(_even_only(lambda item: None)))
    def missing(self) -> int:  # the resolver's null for Int!: a real error, same either way
        resolver_calls["missing"] += 1
        return None  # type: ignore[return-value]

    @strawberry.field(metadata=answer_now(_even_only(lambda item: Node(id=item.id + 1))))
    def next(self) -> Node:
        resolver_calls["next"] += 1
        return Node(id=self.id + 1)

    @strawberry.field(metadata=answer_now(_even_only(lambda item: _children(item.id))))
    def children(self) -> list[Node]:
        resolver_calls["children"] += 1
        return _children(self.id)

    @strawberry.field(metadata=answer_now(lambda item, context, node: [Node(id=1), None]))
    def holes(self) -> list[Node]:  # a null item: graphql-core's full path nulls the list
        resolver_calls["holes"] += 1
        return [Node(id=1), None]  # type: ignore[list-item]

    @strawberry.field(metadata=answer_now(_even_only(lambda item: "not a number")))
    def bad(self) -> int | None:  # a value the scalar refuses: the resolver's error, same path
        resolver_calls["bad"] += 1
        return "not a number"  # type: ignore[return-value]


def _children(parent: int) -> list[Node]:
    return [Node(id=parent * 10 + i) for i in range(3)]


@strawberry.type
class Query:
    @strawberry.field
    def nodes(self) -> list[Node]:
        return [Node(id=i) for i in range(1, 5)]


def _schemas() -> tuple[strawberry.Schema, strawberry.Schema]:
    return plain_and_fast(Query)


def _answer(schema: strawberry.Schema, query: str) -> dict[str, Any]:
    result = asyncio.run(schema.execute(query))
    errors = [
        (e.message, tuple(e.path or ()), tuple((at.line, at.column) for at in e.locations or []))
        for e in result.errors or []
    ]
    return {"data": result.data, "errors": sorted(errors)}


QUERIES = [
    "{ nodes { id tens label safe required } }",
    '{ nodes { id label(prefix: "n") plain: label } }',
    "{ nodes { id missing } }",
    "{ nodes { id bad } }",
    "{ nodes { next { id tens next { id label } } } }",
    "{ nodes { children { id tens children { id } } } }",
    "{ nodes { id holes { id } } }",
    "{ nodes { ... on Node { c: children { ...F } } } } fragment F on Node { id tens }",
    "{ nodes { children @include(if: true) { id } next @skip(if: false) { id } } }",
]


@pytest.mark.parametrize("query", QUERIES)
def test_answers_equal_the_resolvers(query: str) -> None:
    plain, fast = _schemas()
    assert _answer(fast, query) == _answer(plain, query)


def test_resolvers_run_only_where_no_answer_is_at_hand() -> None:
    _, fast = _schemas()
    resolver_calls.clear()
    answer = _answer(fast, '{ nodes { tens label safe required x: label(prefix: "x") } }')
    assert not answer["errors"]
    # 4 nodes: ids 2 and 4 answered now; 1 and 3 declined (NOT_NOW) and resolved.
    assert resolver_calls["tens"] == 2
    assert resolver_calls["label"] == 4  # only the aliased field with an argument
    assert resolver_calls["safe"] == 4  # the function raises every time
    assert resolver_calls["required"] == 4  # its null is never taken for an answer

    resolver_calls.clear()
    _answer(fast, "{ nodes { next { id } children { id } } }")
    assert (resolver_calls["next"], resolver_calls["children"]) == (2, 2)
