"""Field plans: what the executor's short paths need to know about a field, worked out once per
(parent type, field) instead of being rediscovered for every object of every request.

A field gets a plan when its value can be read without graphql-core's resolver machinery
(resolve info, Strawberry `Info`, argument coercion, generic completion):

- a plain attribute (no resolver, no arguments) of a scalar/enum, object or list-of-objects type;
- a field whose resolver declares an *answer now* function with `answer_now(fn)` in its
  `strawberry.field(metadata=...)`. `fn(source, context, field_node)` returns the field's value
  when it is already at hand (loaded with its object, or already in a DataLoader), else
  `NOT_NOW`. The resolver stays the field's one full definition: whenever `fn` says `NOT_NOW`,
  raises, or returns anything the short path does not handle, the field takes graphql-core's
  full path and its resolver runs as usual. `fn` must be free of side effects that matter (it
  may run before the resolver for the same object) and must answer exactly what the resolver
  would.

Fields with middleware (schema extensions) never take the short paths (see `FastExecutor`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from graphql import (
    FieldNode,
    GraphQLBoolean,
    GraphQLEnumType,
    GraphQLField,
    GraphQLID,
    GraphQLInt,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLString,
)
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField

from app.api.graphql.execution_lists import object_items

AnswerNow = Callable[[Any, Any, FieldNode], Any]

NOT_NOW: Any = object()  # an answer-now function's "not at hand: run the resolver"
_ANSWER_NOW = "app.answer_now"  # key in StrawberryField.metadata
_BACKREF = GraphQLCoreConverter.DEFINITION_BACKREF

# Plan kinds (the first item of every plan tuple).
LEAF = 0  # (LEAF, attribute, answer, serialise, non_null, type serialised as is or None)
OBJECT = 1  # (OBJECT, attribute, answer, object type, field type)
LIST = 2  # (LIST, attribute, answer, item object type, field type, item type)

Plan = tuple[Any, ...] | None

# Scalars whose serialiser returns a value of exactly this type unchanged (Int: within 32 bits):
# such a value skips the serialiser call, the most frequent call of a nested page.
_AS_IS: dict[GraphQLScalarType | GraphQLEnumType, type] = {
    GraphQLString: str,
    GraphQLID: str,
    GraphQLInt: int,
    GraphQLBoolean: bool,
}


def answer_now(fn: AnswerNow) -> Mapping[str, AnswerNow]:
    """Metadata for `strawberry.field(metadata=...)` declaring the field's answer-now function."""
    return {_ANSWER_NOW: fn}


def build_plan(field_def: GraphQLField) -> Plan:
    """The field's plan, or None when it always takes graphql-core's full path."""
    field = (field_def.extensions or {}).get(_BACKREF)
    if not isinstance(field, StrawberryField) or not field.python_name:
        return None
    answer: AnswerNow | None = field.metadata.get(_ANSWER_NOW) if field.metadata else None
    if answer is None and (
        not getattr(field_def.resolve, "_is_default", False)  # a resolver of its own
        or field_def.args
    ):
        return None
    type_ = field_def.type
    non_null = isinstance(type_, GraphQLNonNull)
    inner = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
    if isinstance(inner, GraphQLScalarType | GraphQLEnumType):
        serialize = inner.coerce_output_value
        return (LEAF, field.python_name, answer, serialize, non_null, _AS_IS.get(inner))
    if isinstance(inner, GraphQLObjectType) and inner.is_type_of is None:
        return (OBJECT, field.python_name, answer, inner, type_)
    if isinstance(inner, GraphQLList):
        item_object = object_items(inner)
        if item_object is not None:
            return (LIST, field.python_name, answer, item_object, type_, inner.of_type)
    return None
