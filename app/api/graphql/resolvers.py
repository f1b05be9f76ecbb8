"""Schema set-up for the fast executor (see execution.py): direct resolvers in place of
Strawberry's generic chain, cached name conversion, and the object classes the executor may treat
as never awaitable."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import strawberry
from graphql import GraphQLObjectType, GraphQLResolveInfo
from strawberry.schema.name_converter import HasGraphQLName, NameConverter
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.arguments import convert_arguments
from strawberry.types.field import StrawberryField

from app.api.graphql.execution_lists import register_sync_object

Resolver = Callable[..., Any]
_BACKREF = GraphQLCoreConverter.DEFINITION_BACKREF


class CachedNameConverter(NameConverter):
    """Strawberry's naming rules, each name computed once per field or argument."""

    def __init__(self, auto_camel_case: bool = True) -> None:
        super().__init__(auto_camel_case)
        self._names: dict[int, tuple[HasGraphQLName, str]] = {}

    def get_graphql_name(self, obj: HasGraphQLName) -> str:
        # Keyed by identity (arguments are not hashable); the object is kept alive with its
        # name so an id is never reused for another object while it is in the map.
        cached = self._names.get(id(obj))
        if cached is not None and cached[0] is obj:
            return cached[1]
        name = super().get_graphql_name(obj)
        if obj.graphql_name is None:  # a fixed graphql_name is returned as is, nothing to keep
            self._names[id(obj)] = (obj, name)
        return name


def _direct_resolver(schema: strawberry.Schema, field: StrawberryField) -> Resolver | None:
    """A resolver calling `field`'s function as Strawberry would, or None to keep Strawberry's."""
    resolver = field.base_resolver
    converter = schema.schema_converter
    if (
        resolver is None
        or field.extensions
        or converter._get_field_exception_handlers(field)
        or resolver.root_parameter is not None
        or resolver.parent_parameter is not None
        or field.is_subscription
    ):
        return None
    func = resolver.wrapped_func
    if not callable(func):
        return None
    has_self = resolver.self_parameter is not None
    info_name = resolver.info_parameter.name if resolver.info_parameter is not None else None
    info_class = schema.config.info_class
    arguments = field.arguments
    config = schema.config
    registry = converter.scalar_registry

    def converted(
        info: GraphQLResolveInfo, strawberry_info: Any, raw: dict[str, Any]
    ) -> dict[str, Any]:
        """The resolver's keyword arguments; the same for every parent object under one field
        node of one request (same literals, same variables), so converted once per request."""
        cache: dict[tuple[int, int], tuple[Any, dict[str, Any]]] | None = getattr(
            info.context, "converted_arguments", None
        )
        node = info.field_nodes[0]
        key = (id(node), id(field))  # one node may be resolved on several types (fragments)
        if cache is not None:
            hit = cache.get(key)
            if hit is not None and hit[0] is node:
                return dict(hit[1])
        kwargs = convert_arguments(
            raw, arguments, scalar_registry=registry, config=config, info=strawberry_info
        )
        if cache is not None:
            cache[key] = (node, kwargs)
            return dict(kwargs)
        return kwargs

    def resolve(source: Any, info: GraphQLResolveInfo, **raw: Any) -> Any:
        strawberry_info = info_class(_raw_info=info, _field=field)
        kwargs = converted(info, strawberry_info, raw) if arguments else {}
        if info_name is not None:
            kwargs[info_name] = strawberry_info
        return func(source, **kwargs) if has_self else func(**kwargs)

    return resolve


def streamline_resolvers(schema: strawberry.Schema) -> None:
    """Replace Strawberry's per-field resolver chain with `_direct_resolver` where it applies,
    and register the schema's object classes for the executor's awaitable checks."""
    for graphql_type in schema._schema.type_map.values():
        if not isinstance(graphql_type, GraphQLObjectType) or graphql_type.name.startswith("__"):
            continue
        origin = getattr((graphql_type.extensions or {}).get(_BACKREF), "origin", None)
        if isinstance(origin, type):  # and a generic's own class (`Edge` for `OrderEdge`)
            for cls in origin.__mro__:
                if hasattr(cls, "__strawberry_definition__"):
                    register_sync_object(cls)
        for field_def in graphql_type.fields.values():
            field = (field_def.extensions or {}).get(_BACKREF)
            if isinstance(field, StrawberryField):
                direct = _direct_resolver(schema, field)
                if direct is not None:
                    field_def.resolve = direct
