"""GraphQL object types derived from the output shapes of `app.services.shapes`.

`object_type(Model, "Name")` is the Strawberry type of a pydantic model, field for field: same
names (camelCased by Strawberry), same order, same nullability, the model field's description,
amounts (`Money`) as the `Money` scalar, other decimals as `Decimal`, lists and nested models as
the types derived from their models (derive those first). Resolvers answer with the model
instances themselves: every derived field is a plain attribute of the instance, read by the
executor's short path like any other plain field.

Where GraphQL shows a field differently (a link to another type, an enum, an object in place of a
mapping), `fields` gives that field's GraphQL side: an annotation, or a `strawberry.field` with a
resolver that reads the instance (`self`). `omit` leaves model fields out of the GraphQL type.
"""

from __future__ import annotations

import types
from collections.abc import Collection, Mapping
from typing import Annotated, Any, Union, get_args, get_origin, get_type_hints

import strawberry
from pydantic import BaseModel
from strawberry.types.field import StrawberryField

from app.api.graphql.execution_lists import register_sync_object
from app.api.graphql.scalars import Money as MoneyScalar
from app.services.amounts import Money

_derived: dict[type[BaseModel], type] = {}


def _graphql_annotation(hint: Any, where: str) -> Any:
    """The GraphQL-side annotation of a model field's type hint (with its `Annotated` extras)."""
    if hint == Money:
        return MoneyScalar
    origin = get_origin(hint)
    if origin is Annotated:
        return _graphql_annotation(get_args(hint)[0], where)
    if origin in (Union, types.UnionType):
        members = [_graphql_annotation(arg, where) for arg in get_args(hint)]
        return Union[tuple(members)]  # noqa: UP007 (built at run time from a tuple)
    if origin is list:
        return list[_graphql_annotation(get_args(hint)[0], where)]  # type: ignore[misc]
    if isinstance(hint, type) and issubclass(hint, BaseModel):
        if hint not in _derived:
            raise TypeError(f"{where}: derive the GraphQL type of {hint.__name__} first")
        return _derived[hint]
    if origin is not None or hint is dict:
        raise TypeError(f"{where}: no GraphQL type for {hint!r}; give one in `fields`")
    return hint


def object_type(
    model: type[BaseModel],
    name: str,
    *,
    description: str | None = None,
    omit: Collection[str] = (),
    fields: Mapping[str, Any] | None = None,
) -> type:
    """The Strawberry object type `name` of `model` (see the module's docstring)."""
    overrides = dict(fields or {})
    hints = get_type_hints(model, include_extras=True)
    annotations: dict[str, Any] = {}
    namespace: dict[str, Any] = {}
    for field_name, info in model.model_fields.items():
        if field_name in omit:
            continue
        override = overrides.pop(field_name, None)
        if isinstance(override, StrawberryField):
            if override.description is None:
                override.description = info.description
            if override.type_annotation is None:
                raise TypeError(f"{name}.{field_name}: give the field's `graphql_type`")
            annotations[field_name] = override.type_annotation.annotation  # keeps its place
            namespace[field_name] = override
            continue
        where = f"{model.__name__}.{field_name}"
        annotation = _graphql_annotation(hints[field_name], where) if override is None else override
        annotations[field_name] = annotation
        namespace[field_name] = strawberry.field(description=info.description)
    if overrides:
        raise TypeError(f"{name}: no model fields named {', '.join(overrides)}")
    cls = type(name, (), {"__annotations__": annotations, "__module__": __name__, **namespace})
    derived = strawberry.type(cls, name=name, description=description)
    _derived[model] = derived
    register_sync_object(model)  # its instances are the values (kept if the executor may)
    return derived
