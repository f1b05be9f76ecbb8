"""How the object types' fields turn loaded rows into values: loader values that may or may not be
there yet, and per-field-node state. Shared by `types.py`'s resolvers and their answer-now
functions (see `execution_plans.py`), so both answer from the same code. Amounts are passed on as
loaded: the `Money` scalar rounds and writes them.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable, Mapping
from operator import attrgetter
from typing import TYPE_CHECKING, Any, TypeVar, cast

import strawberry

from app.api.graphql.context import Context
from app.api.graphql.execution_plans import NOT_NOW, AnswerNow, answer_now
from app.api.graphql.scalars import Money
from app.services.customers import CustomerStats
from app.services.orders import OrderTotals

if TYPE_CHECKING:
    from app.api.graphql.types import Customer, Order

Info = strawberry.Info[Context, None]

V = TypeVar("V")
T = TypeVar("T")


async def _await_then(pending: Awaitable[V], then: Callable[[V], T]) -> T:
    return then(await pending)


def then_or_await(loaded: asyncio.Future[V], then: Callable[[V], T]) -> T:
    """`then(value)` now if the loader already has the value (primed, or loaded earlier), else
    an awaitable of it (typed as the value: the field's GraphQL type comes from the annotation,
    and graphql-core awaits what it is given)."""
    if not loaded.done() or loaded.cancelled() or loaded.exception() is not None:
        return cast(T, _await_then(loaded, then))
    return then(loaded.result())


def then_or_not_now(loaded: asyncio.Future[V], then: Callable[[V], T]) -> T:
    """`then(value)` if the loader already has the value, else NOT_NOW (for answer-now)."""
    if not loaded.done() or loaded.cancelled() or loaded.exception() is not None:
        return cast(T, NOT_NOW)
    return then(loaded.result())


def per_field_node(info: Info, name: str, build: Callable[[], T]) -> T:
    """`build()` once per request and query field node: a resolver's arguments (literals and
    variables) are the same for every parent object under one node, and so is what it derives
    from them alone (page request, filters, the DataLoader they select)."""
    cache = info.context.per_field_node
    node = info._raw_info.field_nodes[0]
    key = (id(node), name)
    hit = cache.get(key)
    if hit is None or hit[0] is not node:
        hit = cache[key] = (node, build())
    return cast(T, hit[1])


# --- a customer's statistics (from the `customer_stats` loader) --------------------------------

order_count_of: Callable[[CustomerStats], int] = attrgetter("order_count")
item_count_of: Callable[[CustomerStats], int] = attrgetter("item_count")
first_order_date_of: Callable[[CustomerStats], dt.date | None] = attrgetter("first_order_date")
last_order_date_of: Callable[[CustomerStats], dt.date | None] = attrgetter("last_order_date")


sales_of: Callable[[CustomerStats], Money] = attrgetter("total_sales")
profit_of: Callable[[CustomerStats], Money] = attrgetter("total_profit")


def customer_stats(customer: Customer, context: Context) -> asyncio.Future[CustomerStats]:
    return context.loaders.customer_stats.load(customer.pk)


def stats_now(then: Callable[[CustomerStats], Any]) -> Mapping[str, AnswerNow]:
    """A statistic at once when the loader has it (`customer(customerId)` primes it)."""
    return answer_now(
        lambda customer, context, node: then_or_not_now(customer_stats(customer, context), then)
    )


# --- an order's totals (loaded with the order, or from the `order_totals` loader) ---------------

lines_of: Callable[[OrderTotals], int] = attrgetter("item_count")
quantity_of: Callable[[OrderTotals], int] = attrgetter("total_quantity")


total_of: Callable[[OrderTotals], Money] = attrgetter("total_sales")
order_profit_of: Callable[[OrderTotals], Money] = attrgetter("total_profit")
shipping_of: Callable[[OrderTotals], Money] = attrgetter("total_shipping_cost")


def totals_now(then: Callable[[OrderTotals], Any]) -> Mapping[str, AnswerNow]:
    """A totals field at once when the totals were loaded with the order."""

    def now(order: Order, context: Context, node: Any) -> Any:
        return NOT_NOW if order.totals is None else then(order.totals)

    return answer_now(now)
