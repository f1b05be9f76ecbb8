"""Lists of objects completed without graphql-core's per-item generic dispatch.

graphql-core completes every item of a list through `complete_list_item_value` →
`complete_value` (non-null) → `complete_value` (object) → `complete_object_value` →
`collect_and_execute_subfields`. For a Python list or tuple of a (non-null) object type without
`is_type_of`, `ListCompletion.complete_list_value` goes from the item straight to its
sub-selection, with the same response path per index and the same error handling around it.
Anything unusual takes graphql-core's own per-item path, so errors, their paths and null
propagation are unchanged: a null, an exception or an awaitable as an item, a list under a
directive (`@stream` needs graphql-core's handling; `@include`/`@skip` are just rare here).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator, Iterator
from typing import Any, cast

from graphql import (
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
)
from graphql.execution.collect_fields import FieldDetailsList
from graphql.execution.executor import collect_iterator_awaitables
from graphql.pyutils import Path, gather_with_cancel
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

# Values of these types are never awaitable: a completed field (a dict for an object, a list, a
# serialised scalar) skips the `is_awaitable` call, one per field result and list item.
SYNC_RESULTS: frozenset[type] = frozenset({dict, list, str, int, float, bool, type(None)})
# The schema's object classes whose instances are never awaitable (`register_sync_objects`): a
# list item of one of them is known to be neither null, an error nor an awaitable.
SYNC_OBJECTS: set[type] = set()


def register_sync_object(cls: type) -> None:
    """Mark `cls` as a plain object class if no instance of it can be awaited."""
    if (
        not issubclass(cls, Exception | Awaitable | Generator)
        and not hasattr(cls, "__await__")
        and not hasattr(cls, "__getattr__")  # could answer `__await__` per instance
        and cls.__getattribute__ is object.__getattribute__
    ):
        SYNC_OBJECTS.add(cls)


# `Path(prev, key, typename)` without the Python frame of the NamedTuple's generated `__new__`
# (one per field and list item: about 240 per nested page).
new_path: Callable[[type[Path], tuple[Any, ...]], Path] = tuple.__new__


def object_items(return_type: GraphQLList[Any]) -> GraphQLObjectType | None:
    """The object type of a list's items when the short path applies to it, else None."""
    item_type = return_type.of_type
    inner = item_type.of_type if isinstance(item_type, GraphQLNonNull) else item_type
    if isinstance(inner, GraphQLObjectType) and inner.is_type_of is None:
        return inner
    return None


class ListCompletion(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's `complete_list_value`, with a short path for plain lists of objects."""

    def complete_list_value(
        self,
        return_type: GraphQLList[GraphQLOutputType],
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo,
        path: Path,
        result: Any,
        position_context: Any,
    ) -> Any:
        object_type = object_items(return_type)
        if (
            object_type is None
            or not isinstance(result, list | tuple)
            or any(details.node.directives for details in field_details_list)
        ):
            return super().complete_list_value(
                return_type, field_details_list, info, path, result, position_context
            )
        return self._complete_object_list(
            object_type,
            return_type.of_type,
            field_details_list,
            info,
            path,
            result,
            position_context,
        )

    def _complete_object_list(
        self,
        object_type: GraphQLObjectType,
        item_type: GraphQLOutputType,
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo | None,
        path: Path,
        items: list[Any] | tuple[Any, ...],
        position_context: Any,
    ) -> Any:
        """graphql-core's `complete_iterable_value` (3.3) for a list of `object_type`, each
        ordinary item sent straight to `collect_and_execute_subfields`. `info` may be None only
        when no item is null, an error or an awaitable (a field's short path, which checks)."""
        is_awaitable = self.is_awaitable
        sync_objects, sync_results = SYNC_OBJECTS, SYNC_RESULTS
        execute_subfields = self.collect_and_execute_subfields
        completed_results: list[Any] = []
        append_completed = completed_results.append
        awaitable_indices: list[int] = []
        iterator: Iterator[Any] = iter(items)
        index = 0
        try:
            for item in iterator:
                item_path = new_path(Path, (path, index, None))  # path.add_key(index)
                if type(item) not in sync_objects and (
                    item is None or isinstance(item, Exception) or is_awaitable(item)
                ):
                    # graphql-core's own path says what a null, an error or an awaitable means
                    info = cast(GraphQLResolveInfo, info)  # not None: see the docstring
                    if is_awaitable(item):
                        append_completed(
                            self.complete_awaitable_list_item_value(
                                item,
                                item_type,
                                field_details_list,
                                info,
                                item_path,
                                position_context,
                            )
                        )
                        awaitable_indices.append(index)
                    elif self.complete_list_item_value(
                        item,
                        completed_results,
                        item_type,
                        field_details_list,
                        info,
                        item_path,
                        position_context,
                    ):
                        awaitable_indices.append(index)  # pragma: no cover (a null or an error)
                    index += 1
                    continue
                try:
                    completed = execute_subfields(
                        object_type, field_details_list, item_path, item, position_context
                    )
                except Exception as raw_error:
                    self.handle_field_error(raw_error, item_type, field_details_list, item_path)
                    append_completed(None)
                else:
                    if type(completed) not in sync_results and is_awaitable(completed):
                        append_completed(
                            self._await_completed(
                                completed, item_type, field_details_list, item_path
                            )
                        )
                        awaitable_indices.append(index)
                    else:
                        append_completed(completed)
                index += 1
        except Exception:
            # As graphql-core: settle what was started and what the list still holds.
            pending = [completed_results[i] for i in awaitable_indices]
            pending.extend(collect_iterator_awaitables(iterator, is_awaitable))
            if pending:
                self.settle_in_background(pending)
            raise

        if not awaitable_indices:
            return completed_results

        async def get_completed_results() -> list[Any]:
            if len(awaitable_indices) == 1:
                index = awaitable_indices[0]
                completed_results[index] = await completed_results[index]
            else:
                awaited = await gather_with_cancel(
                    *(completed_results[index] for index in awaitable_indices)
                )
                for index, value in zip(awaitable_indices, awaited, strict=True):
                    completed_results[index] = value
            return completed_results

        return get_completed_results()

    async def _await_completed(
        self,
        completed: Awaitable[Any],
        return_type: GraphQLOutputType,
        field_details_list: FieldDetailsList,
        path: Path,
    ) -> Any:
        """A field's or an item's completion awaited, its error handled as graphql-core does."""
        try:
            return await completed
        except Exception as raw_error:
            self.handle_field_error(raw_error, return_type, field_details_list, path)
            return None
