"""What a query selects below the field being resolved, read from its syntax tree.

Resolvers use it to skip work nobody asked for (a `count(*)` when `totalCount` is not selected)
and to load a level's edges together with the objects (order totals and items with the orders),
so those fields resolve from plain attributes instead of one awaitable each. Getting it wrong
only costs a query: every field still falls back to its DataLoader when nothing was preloaded.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from graphql import FieldNode, FragmentSpreadNode, GraphQLResolveInfo, InlineFragmentNode
from graphql.language import SelectionNode

if TYPE_CHECKING:
    import strawberry


def _fields(raw: GraphQLResolveInfo, selections: Iterable[SelectionNode]) -> Iterator[FieldNode]:
    """The field nodes of a selection set, fragments expanded."""
    for selection in selections:
        if isinstance(selection, FieldNode):
            yield selection
        elif isinstance(selection, InlineFragmentNode):
            yield from _fields(raw, selection.selection_set.selections)
        elif isinstance(selection, FragmentSpreadNode):
            fragment = raw.fragments.get(selection.name.value)
            if fragment is not None:
                yield from _fields(raw, fragment.selection_set.selections)


def _below(raw: GraphQLResolveInfo, nodes: Iterable[FieldNode], name: str) -> list[FieldNode]:
    return [
        field
        for node in nodes
        if node.selection_set is not None
        for field in _fields(raw, node.selection_set.selections)
        if field.name.value == name
    ]


def selected_nodes(info: strawberry.Info[Any, Any], *path: str) -> list[FieldNode]:
    """The field nodes at `path` below the current field (any alias, any fragment)."""
    raw: GraphQLResolveInfo = info._raw_info
    nodes: list[FieldNode] = list(raw.field_nodes)
    for name in path:
        nodes = _below(raw, nodes, name)
    return nodes


def selected(info: strawberry.Info[Any, Any], *path: str) -> frozenset[str]:
    """Names of the fields selected at `path` below the current field (any alias, any fragment):
    `selected(info)` for the field's own selection, `selected(info, "edges", "node")` for a
    connection's nodes. Remembered per request and field (the same for every parent object)."""
    raw: GraphQLResolveInfo = info._raw_info
    cache: dict[tuple[int, tuple[str, ...]], frozenset[str]] = info.context.selections
    key = (id(raw.field_nodes[0]), path)
    names = cache.get(key)
    if names is None:
        nodes: list[FieldNode] = list(raw.field_nodes)
        for name in path:
            nodes = _below(raw, nodes, name)
        names = frozenset(
            field.name.value
            for node in nodes
            if node.selection_set is not None
            for field in _fields(raw, node.selection_set.selections)
        )
        cache[key] = names
    return names
