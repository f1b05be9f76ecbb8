"""Cheaper field resolution: the same results as Strawberry's, with less work per field.

A nested page resolves hundreds of fields, and in stock Strawberry most of the time per field
goes to wrappers that do nothing for this schema. Three short paths, set up once when the schema
is built (why, the numbers, and what an upgrade can break: docs/design.md):

- `streamline_resolvers` (resolvers.py): every field with a resolver of its own gets a direct
  resolver in place of Strawberry's generic chain (field-extension reducer, partials, per-call
  argument inspection): it builds the same `Info`, converts the arguments with Strawberry's own
  `convert_arguments`, and calls the function. Fields with field extensions (permissions …),
  exception handlers or `root`/`parent` parameters keep Strawberry's resolver.
- `FastExecutor.execute_fields`: a field with a plan (`execution_plans.py`: a plain attribute,
  or a resolver whose answer-now function has the value at hand) is read directly: a scalar or
  enum is serialised without a response path, a resolve-info object or the generic completion;
  an object or a list of objects goes straight to its sub-selection. Anything unusual on that
  path (not at hand, a null for a non-null type, a value the scalar refuses, an exception) falls
  back to graphql-core's full path, which raises the same error it always did
  (tests/graphql/test_execution.py and test_answer_now.py compare both).
- `FastExecutor._execute_field_with_arguments`: a field's argument values are coerced once per
  field node and request (graphql-core coerces them again for every parent object).

`CachedNameConverter` (resolvers.py) remembers Python → GraphQL names (Strawberry converts every
argument name to camelCase again on every call).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import (
    FieldNode,
    GraphQLField,
    GraphQLObjectType,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from graphql.execution.executor import to_nodes
from graphql.execution.values import get_argument_values
from graphql.pyutils import Path, Undefined, gather_with_cancel
from graphql.type.scalars import GRAPHQL_MAX_INT, GRAPHQL_MIN_INT
from strawberry.schema.schema_converter import GraphQLCoreConverter

from app.api.graphql.execution_lists import (
    SYNC_OBJECTS,
    SYNC_RESULTS,
    ListCompletion,
    new_path,
)
from app.api.graphql.execution_plans import LEAF, LIST, NOT_NOW, Plan, build_plan

Resolver = Callable[..., Any]
_BACKREF = GraphQLCoreConverter.DEFINITION_BACKREF


# (parent type, field name) → the field's plan (see execution_plans.py), built on first use.
_plans: dict[tuple[GraphQLObjectType, str], Plan] = {}
_FULL_PATH = object()  # a short path's "take graphql-core's full path for this field"


class FastExecutor(ListCompletion):
    """Strawberry's executor with short paths for the fields that have a plan."""

    def build_response(self, data: dict[str, Any] | None) -> Any:
        """graphql-core's response, after which the executor lets go of its `async_helpers`:
        they hold the executor's own bound methods, a reference cycle that kept the whole
        request (context, loaders, rows, result) alive until the cyclic garbage collector ran.
        Under load that collector costs a large share of the server's CPU and long pauses in
        the p99 (docs/design.md); without the cycle, reference counting frees a request as it
        ends.
        Resolvers still running keep their own reference to the helpers (in their info)."""
        response = super().build_response(data)
        del self.async_helpers
        return response

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> Any:
        """graphql-core's `execute_fields` (3.3), with the fields that have a plan taking the
        short paths: a scalar answered before a response path (or anything else) is built for
        it, an object or a list of objects completed without a resolve info."""
        results: dict[str, Any] = {}
        is_awaitable = self.is_awaitable
        awaitable_fields: list[str] = []
        try:
            for response_name, field_details_list, plan in self._planned_fields(
                parent_type, grouped_field_set
            ):
                if plan is not None and plan[0] is LEAF:
                    if plan[2] is None and plan[5] is not None:  # a plain str/int/bool attribute
                        try:  # `_leaf_value`, inlined for the most frequent fields
                            value = getattr(source_value, plan[1])
                        except Exception:
                            value = _FULL_PATH  # `_leaf_value` below sorts it out
                        if type(value) is plan[5] and (
                            plan[5] is not int or GRAPHQL_MIN_INT <= value <= GRAPHQL_MAX_INT
                        ):
                            results[response_name] = value
                            continue
                    value = self._leaf_value(plan, source_value, field_details_list)
                    if value is not _FULL_PATH:
                        results[response_name] = value
                        continue
                field_path = new_path(Path, (path, response_name, parent_type.name))
                result = _FULL_PATH
                if plan is not None and plan[0] is not LEAF:
                    result = self._object_value(
                        plan, source_value, field_details_list, field_path, position_context
                    )
                if result is _FULL_PATH:
                    result = self.execute_field(
                        parent_type, source_value, field_details_list, field_path, position_context
                    )
                if result is not Undefined:
                    results[response_name] = result
                    if type(result) not in SYNC_RESULTS and is_awaitable(result):
                        awaitable_fields.append(response_name)
        except Exception:
            if awaitable_fields:
                self.settle_in_background([results[field] for field in awaitable_fields])
            raise
        if not awaitable_fields:
            return results

        async def get_results() -> dict[str, Any]:
            if len(awaitable_fields) == 1:
                field = awaitable_fields[0]
                results[field] = await results[field]
            else:
                awaited = await gather_with_cancel(*(results[field] for field in awaitable_fields))
                results.update(zip(awaitable_fields, awaited, strict=True))
            return results

        return get_results()

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: FieldDetailsList,
        path: Path,
        position_context: Any,
    ) -> Any:
        if not self._has_middleware():
            plan = self._plan(parent_type, field_details_list)
            if plan is not None and plan[0] is LEAF:
                value = self._leaf_value(plan, source, field_details_list)
                if value is not _FULL_PATH:
                    return value
        # Arguments once per field node, also when the query passes none and the field's
        # defaults apply (graphql-core would coerce those again for every parent object).
        if field_details_list[0].fragment_variable_values is None:
            return self._execute_field_with_arguments(
                parent_type, source, field_details_list, path, position_context
            )
        return super().execute_field(
            parent_type, source, field_details_list, path, position_context
        )

    def _planned_fields(
        self, parent_type: GraphQLObjectType, grouped_field_set: GroupedFieldSet
    ) -> list[tuple[str, FieldDetailsList, Plan]]:
        """The fields of `grouped_field_set` with their plans (None: the full path), worked out
        once per request and field set: graphql-core collects one field set per selection and
        type, the same for every object of a list."""
        cache: dict[int, tuple[GroupedFieldSet, list[tuple[str, FieldDetailsList, Plan]]]]
        try:
            cache = self.__dict__["_planned"]
        except KeyError:
            cache = self.__dict__["_planned"] = {}
        hit = cache.get(id(grouped_field_set))
        if hit is not None and hit[0] is grouped_field_set:
            return hit[1]
        plain = not self._has_middleware()
        fields = [
            (name, details, self._plan(parent_type, details) if plain else None)
            for name, details in grouped_field_set.items()
        ]
        cache[id(grouped_field_set)] = (grouped_field_set, fields)  # kept alive: ids stay unique
        return fields

    def _plan(self, parent_type: GraphQLObjectType, field_details_list: FieldDetailsList) -> Plan:
        name = field_details_list[0].node.name.value
        key = (parent_type, name)
        try:
            return _plans[key]
        except KeyError:
            field_def = self.schema.get_field(parent_type, name)
            plan = _plans[key] = None if field_def is None else build_plan(field_def)
            return plan

    def _leaf_value(self, plan: tuple[Any, ...], source: Any, fields: FieldDetailsList) -> Any:
        """The serialised value of a scalar or enum field with a plan, or `_FULL_PATH` when it
        is not at hand or anything is unusual (null for a non-null type, a value the scalar
        refuses, an exception): graphql-core's full path then raises and reports exactly what
        it always did."""
        _, attribute, answer, serialize, non_null, as_is = plan
        try:
            if answer is None:
                value = getattr(source, attribute)
            else:
                value = answer(source, self.context_value, fields[0].node)
                if value is NOT_NOW:
                    return _FULL_PATH
            if value is None:
                return _FULL_PATH if non_null else None
            if type(value) is as_is and (
                as_is is not int or GRAPHQL_MIN_INT <= value <= GRAPHQL_MAX_INT
            ):
                return value  # what the serialiser would return
            coerced = serialize(value)
        except Exception:
            return _FULL_PATH
        return _FULL_PATH if coerced is None or coerced is Undefined else coerced

    def _object_value(
        self,
        plan: tuple[Any, ...],
        source: Any,
        fields: FieldDetailsList,
        path: Path,
        position_context: Any,
    ) -> Any:
        """An object (or list of objects) field with a plan, completed as graphql-core's
        `execute_field` and `complete_value` would (same errors, same null propagation) minus
        the resolve info and the generic type dispatch; `_FULL_PATH` when its value is not at
        hand, null, or anything graphql-core's own path should look at."""
        kind, attribute, answer = plan[0], plan[1], plan[2]
        try:
            if answer is None:
                value = getattr(source, attribute, None)
            else:
                value = answer(source, self.context_value, fields[0].node)
        except Exception:
            return _FULL_PATH
        if value is None or value is NOT_NOW or isinstance(value, Exception):
            return _FULL_PATH  # graphql-core's path says what a null or an error means here
        return_type = plan[4]
        if kind is LIST and not self._plain_items(value, fields):
            return _FULL_PATH
        try:
            if kind is LIST:
                completed = self._complete_object_list(
                    plan[3], plan[5], fields, None, path, value, position_context
                )
            else:
                completed = self.collect_and_execute_subfields(
                    plan[3], fields, path, value, position_context
                )
            if type(completed) not in SYNC_RESULTS and self.is_awaitable(completed):
                return self._await_completed(completed, return_type, fields, path)
        except Exception as raw_error:
            self.handle_field_error(raw_error, return_type, fields, path)
            return None
        return completed

    def _plain_items(self, value: Any, fields: FieldDetailsList) -> bool:
        """Whether `_complete_object_list` can take `value` without a resolve info: a list of
        objects (no null, error or awaitable among them), under no directive."""
        if not isinstance(value, list | tuple) or any(f.node.directives for f in fields):
            return False
        is_awaitable, sync_objects = self.is_awaitable, SYNC_OBJECTS
        for item in value:
            if type(item) not in sync_objects and (
                item is None or isinstance(item, Exception) or is_awaitable(item)
            ):
                return False
        return True

    def _execute_field_with_arguments(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: FieldDetailsList,
        path: Path,
        position_context: Any,
    ) -> Any:
        """graphql-core's `execute_field` (3.3), with the argument values computed once per
        field node: they depend only on the node and the request's variables, yet graphql-core
        coerces them again for every parent object (20 customers: 20 times `orders`' four)."""
        node = field_details_list[0].node
        field_def = self.schema.get_field(parent_type, node.name.value)
        if not field_def:
            return Undefined
        return_type = field_def.type
        resolve_fn = field_def.resolve or self.field_resolver
        if self.middleware_manager:
            resolve_fn = self.middleware_manager.get_field_resolver(resolve_fn)
        info = self.build_resolve_info(field_def, to_nodes(field_details_list), parent_type, path)
        try:
            args = self._argument_values(field_def, node)
            result = resolve_fn(source, info, **args)
            if self.is_awaitable(result):
                return self.complete_awaitable_value(
                    return_type, field_details_list, info, path, result, position_context
                )
            completed = self.complete_value(
                return_type, field_details_list, info, path, result, position_context
            )
            if self.is_awaitable(completed):
                return self._await_completed(completed, return_type, field_details_list, path)
        except Exception as raw_error:
            self.handle_field_error(raw_error, return_type, field_details_list, path)
            return None
        return completed

    def _argument_values(self, field_def: GraphQLField, node: FieldNode) -> dict[str, Any]:
        cache: dict[tuple[int, int], tuple[FieldNode, dict[str, Any]]] | None
        cache = self.__dict__.get("_arguments")
        if cache is None:
            cache = self.__dict__["_arguments"] = {}
        key = (id(node), id(field_def))
        hit = cache.get(key)
        if hit is not None and hit[0] is node:
            return hit[1]
        args = get_argument_values(
            field_def, node, self.variable_values, None, self.hide_suggestions
        )
        cache[key] = (node, args)
        return args

    def _has_middleware(self) -> bool:
        """Whether a schema extension wraps resolvers (then every field takes the full path);
        fixed for the request, so worked out on the first call."""
        try:
            return self.__dict__["_middleware"]
        except KeyError:
            manager = self.middleware_manager
            has = manager is not None and manager._middleware_resolvers is not None
            self.__dict__["_middleware"] = has
            return has

    def collect_and_execute_subfields(
        self,
        return_type: GraphQLObjectType,
        field_details_list: FieldDetailsList,
        path: Path,
        result: Any,
        position_context: Any,
    ) -> Any:
        """graphql-core's, straight to `execute_fields` when nothing is deferred (what the
        incremental executor's `execute_collected_subfields` then does): one object's fields
        without two intermediate calls, for each of the ~170 objects of a nested page."""
        cached = self._relevant_sub_fields.get((return_type, id(field_details_list)))
        if cached is None:
            collected = self.collect_subfields(return_type, field_details_list)
        else:
            collected = cached[1]
        grouped_field_set, new_defer_usages, _ = collected
        if new_defer_usages or position_context is not None:
            return self.execute_collected_subfields(
                return_type, result, path, grouped_field_set, new_defer_usages, position_context
            )
        return self.execute_fields(return_type, result, path, grouped_field_set, None)
