"""The object types: Customer, Order, OrderItem, Product. Plain fields come from service rows;
every edge to another object goes through a per-request DataLoader (see `loaders.py`).

Fields that need a loader are plain (sync) resolvers that return the value itself when it is
already there (loaded with the object, as an order's totals and items by `Customer.orders` when
the query selects them, see `selection.py`; or already in its loader, as a customer's statistics
primed by `customer(customerId)`) and the loader's awaitable otherwise. graphql-core awaits an
awaitable whatever the resolver, and a field that resolves without one costs a fraction of one
that does: a nested page resolves hundreds of fields. Such fields also declare an answer-now
function (`metadata=answer_now(...)` or `stats_now`/`totals_now`, see `execution_plans.py`): when
the value is at hand, the executor reads it without running the resolver at all (what that saves:
docs/design.md).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import TypeVar, cast

import strawberry
from aiodataloader import DataLoader
from graphql import FieldNode

from app.api.graphql.context import Context
from app.api.graphql.execution_plans import NOT_NOW, answer_now
from app.api.graphql.inputs import OrderFilter, OrderOrderBy, order_filters
from app.api.graphql.pagination import Connection, connection, page_request
from app.api.graphql.scalars import Money
from app.api.graphql.selection import selected, selected_nodes
from app.api.graphql.values import (
    Info,
    first_order_date_of,
    item_count_of,
    last_order_date_of,
    lines_of,
    order_count_of,
    order_profit_of,
    per_field_node,
    profit_of,
    quantity_of,
    sales_of,
    shipping_of,
    stats_now,
    then_or_await,
    then_or_not_now,
    total_of,
    totals_now,
)
from app.services.amounts import cents
from app.services.customers import CustomerRow, CustomerStats
from app.services.order_pages import LoadedOrder, OrderEdges
from app.services.orders import OrderItemRow, OrderRow, OrderTotals
from app.services.pagination import Page
from app.services.products import ProductSummary

T = TypeVar("T")

# Fields of Order that its totals answer (the rest come from the order row or other loaders).
_TOTALS_FIELDS = frozenset(
    {"total", "itemCount", "totalQuantity", "totalProfit", "totalShippingCost"}
)


@strawberry.type(description="A customer; attributes are those of the latest order.")
class Customer:
    pk: strawberry.Private[int]
    customer_id: str = strawberry.field(description="The dataset's Customer_Id.")
    gender: str | None
    device_type: str | None
    login_type: str | None
    profile_as_of: dt.datetime = strawberry.field(
        description="Date and time of the order the attributes come from (the latest): local "
        "time as recorded, no zone or offset (the dataset has none), e.g. 2018-01-02T10:56:33."
    )

    @classmethod
    def from_row(cls, row: CustomerRow) -> Customer:
        return cls(
            pk=row.id,
            customer_id=row.customer_id,
            gender=row.gender,
            device_type=row.device_type,
            login_type=row.login_type,
            profile_as_of=row.profile_as_of,
        )

    def _stats(self, info: Info) -> asyncio.Future[CustomerStats]:
        return info.context.loaders.customer_stats.load(self.pk)

    @strawberry.field(metadata=stats_now(order_count_of))
    def order_count(self, info: Info) -> int:
        return then_or_await(self._stats(info), order_count_of)

    @strawberry.field(
        description="Order lines across all orders.", metadata=stats_now(item_count_of)
    )
    def item_count(self, info: Info) -> int:
        return then_or_await(self._stats(info), item_count_of)

    @strawberry.field(description="Sum of recorded sales.", metadata=stats_now(sales_of))
    def total_sales(self, info: Info) -> Money:
        return then_or_await(self._stats(info), sales_of)

    @strawberry.field(metadata=stats_now(profit_of))
    def total_profit(self, info: Info) -> Money:
        return then_or_await(self._stats(info), profit_of)

    @strawberry.field(metadata=stats_now(first_order_date_of))
    def first_order_date(self, info: Info) -> dt.date | None:
        return then_or_await(self._stats(info), first_order_date_of)

    @strawberry.field(metadata=stats_now(last_order_date_of))
    def last_order_date(self, info: Info) -> dt.date | None:
        return then_or_await(self._stats(info), last_order_date_of)

    @strawberry.field(
        description="This customer's orders, oldest first unless `orderBy` says.",
        metadata=answer_now(lambda customer, context, node: _orders_now(customer, context, node)),
    )
    def orders(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: OrderFilter | None = None,
        order_by: OrderOrderBy = OrderOrderBy.ORDER_DATE,
    ) -> Connection[Order]:
        loaders = info.context.loaders

        def build() -> tuple[DataLoader[int, Page[LoadedOrder]], Callable[..., Connection[Order]]]:
            request = page_request(first, after)
            edges = order_edges(selected(info, "edges", "node"))
            filters = order_filters(filter)
            loader = loaders.orders_of_customers(filters, request, order_by.value, edges)

            def page_of_orders(page: Page[LoadedOrder]) -> Connection[Order]:
                loaders.prime_orders(order.row for order in page.items)
                return connection(page, Order.from_loaded, request)

            return loader, page_of_orders

        # The same for every customer under this field of the query: built once per request.
        loader, page_of_orders = per_field_node(info, _ORDERS_FIELD, build)
        return then_or_await(loader.load(self.pk), page_of_orders)


_ORDERS_FIELD = "Customer.orders"


def _orders_now(customer: Customer, context: Context, node: FieldNode) -> Connection[Order]:
    """A customer's page of orders if this field node's loader has it already (the first
    customer's resolver sets the loader up; `preload_orders` fills it for the whole page)."""
    hit = context.per_field_node.get((id(node), _ORDERS_FIELD))
    if hit is None or hit[0] is not node:
        return cast(Connection[Order], NOT_NOW)
    loader, page_of_orders = hit[1]
    return then_or_not_now(loader.load(customer.pk), page_of_orders)


async def preload_orders(info: Info, customers: Sequence[CustomerRow]) -> None:
    """Load a page of customers' orders now, through the loader their `orders` fields will use,
    when the query asks for `orders` without arguments below the page's nodes (the usual nested
    page). Each `Customer.orders` then finds its page already in the DataLoader and resolves at
    once, instead of returning an awaitable per customer that graphql-core gathers as a task
    each. Same statements, same loader: only the waiting moves up a level. With arguments (or
    nothing selected) this does nothing and every `orders` field loads as usual."""
    nodes = selected_nodes(info, "edges", "node", "orders")
    if not customers or not nodes or any(node.arguments for node in nodes):
        return
    edges = order_edges(selected(info, "edges", "node", "orders", "edges", "node"))
    await info.context.loaders.preload_orders_of_customers(
        [customer.id for customer in customers],
        order_filters(None),
        page_request(None, None),
        OrderOrderBy.ORDER_DATE.value,
        edges,
    )


def order_edges(fields: frozenset[str]) -> OrderEdges:
    """The edges of an order to load with it, given the fields selected on it."""
    return OrderEdges(totals=not _TOTALS_FIELDS.isdisjoint(fields), items="items" in fields)


@strawberry.type(description="An order: the CSV rows sharing customer, date and time.")
class Order:
    customer_pk: strawberry.Private[int]
    id: int
    order_date: dt.date
    order_time: dt.time = strawberry.field(
        description="Local time as recorded, no zone or offset (the dataset has none): 10:56:33."
    )
    priority: str = strawberry.field(description="Low, Medium, High or Critical.")
    payment_method: str | None
    aging: Decimal | None = strawberry.field(description="Days from order to delivery.")
    totals: strawberry.Private[OrderTotals | None] = None  # loaded with the order, if it was
    item_rows: strawberry.Private[list[OrderItemRow] | None] = None  # likewise

    @classmethod
    def from_loaded(cls, loaded: LoadedOrder) -> Order:
        return cls.from_row(loaded.row, loaded.totals, loaded.items)

    @classmethod
    def from_row(
        cls,
        row: OrderRow,
        totals: OrderTotals | None = None,
        items: list[OrderItemRow] | None = None,
    ) -> Order:
        return cls(
            customer_pk=row.customer_pk,
            id=row.id,
            order_date=row.order_date,
            order_time=row.order_time,
            priority=row.priority,
            payment_method=row.payment_method,
            aging=None if row.aging is None else cents(row.aging),
            totals=totals,
            item_rows=items,
        )

    def _totals(self, info: Info, then: Callable[[OrderTotals], T]) -> T:
        if self.totals is not None:
            return then(self.totals)
        return then_or_await(info.context.loaders.order_totals.load(self.id), then)

    @strawberry.field(
        description="Order total: the sum of its lines' sales.", metadata=totals_now(total_of)
    )
    def total(self, info: Info) -> Money:
        return self._totals(info, total_of)

    @strawberry.field(metadata=totals_now(lines_of))
    def item_count(self, info: Info) -> int:
        return self._totals(info, lines_of)

    @strawberry.field(metadata=totals_now(quantity_of))
    def total_quantity(self, info: Info) -> int:
        return self._totals(info, quantity_of)

    @strawberry.field(metadata=totals_now(order_profit_of))
    def total_profit(self, info: Info) -> Money:
        return self._totals(info, order_profit_of)

    @strawberry.field(metadata=totals_now(shipping_of))
    def total_shipping_cost(self, info: Info) -> Money:
        return self._totals(info, shipping_of)

    @strawberry.field
    async def customer(self, info: Info) -> Customer:
        row = await info.context.loaders.customer.load(self.customer_pk)
        assert row is not None, "orders.customer_id is a foreign key"
        return Customer.from_row(row)

    @strawberry.field(
        description="The order's lines in position order.",
        metadata=answer_now(
            lambda order, context, node: (
                NOT_NOW if order.item_rows is None else _order_items(order.item_rows)
            )
        ),
    )
    def items(self, info: Info) -> list[OrderItem]:
        rows = self.item_rows
        if rows is None:
            return then_or_await(info.context.loaders.order_items.load(self.id), _order_items)
        return _order_items(rows)


def _order_items(rows: list[OrderItemRow]) -> list[OrderItem]:
    return [OrderItem.from_row(row) for row in rows]


@strawberry.type(description="One order line (one CSV row).")
class OrderItem:
    order_id: strawberry.Private[int]
    position: int = strawberry.field(description="1-based line number within the order.")
    quantity: int | None
    discount: Decimal | None = strawberry.field(description='Fraction 0..1, e.g. "0.30".')
    sales: Money | None
    profit: Money | None
    shipping_cost: Money | None
    # The item's row already names its product: a plain field, no loader and no resolver.
    product: Product

    @classmethod
    def from_row(cls, row: OrderItemRow) -> OrderItem:
        return cls(
            order_id=row.order_id,
            position=row.position,
            quantity=row.quantity,
            discount=None if row.discount is None else cents(row.discount),
            sales=row.sales,
            profit=row.profit,
            shipping_cost=row.shipping_cost,
            product=Product(
                id=row.product_id, name=row.product_name, category=row.product_category
            ),
        )

    @strawberry.field
    async def order(self, info: Info) -> Order:
        row = await info.context.loaders.order.load(self.order_id)
        assert row is not None, "order_items.order_id is a foreign key"
        return Order.from_row(row)


@strawberry.type(description="A product with its sales over all orders.")
class Product:
    id: int
    name: str
    category: str

    def _summary(self, info: Info) -> asyncio.Future[ProductSummary | None]:
        return info.context.loaders.product_summary.load(self.id)

    @strawberry.field(description="Sum of quantity (missing ones ignored).")
    def units_sold(self, info: Info) -> int:
        return then_or_await(self._summary(info), lambda s: _exists(s).units_sold)

    @strawberry.field(description="Sum of recorded sales.")
    def total_sales(self, info: Info) -> Money:
        return then_or_await(self._summary(info), lambda s: _exists(s).total_sales)

    @strawberry.field
    def total_profit(self, info: Info) -> Money:
        return then_or_await(self._summary(info), lambda s: _exists(s).total_profit)

    @strawberry.field(description="Order lines naming this product.")
    def item_count(self, info: Info) -> int:
        return then_or_await(self._summary(info), lambda s: _exists(s).item_count)

    @strawberry.field(description="Order lines naming this product, by order then position.")
    async def order_items(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[OrderItem]:
        request = page_request(first, after)
        page = await info.context.loaders.items_of_products(request).load(self.id)
        return connection(page, OrderItem.from_row, request)


def _exists(summary: ProductSummary | None) -> ProductSummary:
    assert summary is not None, "a product we hold a reference to exists"
    return summary
