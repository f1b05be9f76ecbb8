"""DataLoaders: each nested edge of the schema loads a whole level with one `= ANY(:keys)` query.

The loaders only batch: each answers its keys with one call of a service function (pages of
orders with their edges come composed from `app.services.order_pages`).

Every loader is built per request by `Loaders(db)` (see `context.py` for why never module-level).
Loaders over paginated nested lists (customer → orders, product → order items) are keyed by their
arguments as well: two aliases with different `first`/`after` are two loaders, each batched.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from functools import cached_property, partial
from typing import TYPE_CHECKING, Any, TypeVar

from aiodataloader import DataLoader
from sqlalchemy.orm import Session

from app.services import customers, order_pages, orders, products
from app.services.order_pages import LoadedOrder, OrderEdges
from app.services.pagination import Page, PageRequest

if TYPE_CHECKING:
    from app.api.graphql.context import RequestDb

V = TypeVar("V")


def _batch(
    db: RequestDb,
    service: Callable[[Session, list[int]], Mapping[int, V]],
    missing: V,
) -> DataLoader[int, V]:
    """A loader answering each key from one `service(session, keys)` call; `missing` if absent."""

    async def load(keys: list[int]) -> list[V]:
        found = await db.run(service, keys)
        return [found.get(key, missing) for key in keys]

    return DataLoader(load)


class Loaders:
    """A request's loaders, each created on first use (most queries need two or three)."""

    def __init__(self, db: RequestDb) -> None:
        self._db = db
        self._paged: dict[Hashable, DataLoader[int, Any]] = {}

    @cached_property
    def customer(self) -> DataLoader[int, customers.CustomerRow | None]:
        return _batch(self._db, customers.customers_by_pks, None)

    @cached_property
    def customer_stats(self) -> DataLoader[int, customers.CustomerStats]:
        return _batch(self._db, customers.customer_stats_by_pks, customers.NO_ORDERS)

    @cached_property
    def order(self) -> DataLoader[int, orders.OrderRow | None]:
        return _batch(self._db, orders.orders_by_ids, None)

    @cached_property
    def order_totals(self) -> DataLoader[int, orders.OrderTotals]:
        return _batch(self._db, orders.order_totals_by_order_ids, orders.NO_ITEMS)

    @cached_property
    def order_items(self) -> DataLoader[int, list[orders.OrderItemRow]]:
        no_items: list[orders.OrderItemRow] = []
        return _batch(self._db, orders.order_items_by_order_ids, no_items)

    @cached_property
    def product_summary(self) -> DataLoader[int, products.ProductSummary | None]:
        return _batch(self._db, products.products_by_ids, None)

    def orders_of_customers(
        self,
        filters: orders.OrderFilters,
        page: PageRequest,
        sort: orders.OrderSort,
        edges: OrderEdges,
    ) -> DataLoader[int, Page[LoadedOrder]]:
        """customer pk → one page of its orders (window function: one query per level), with
        the orders' totals and items when `edges` asks for them, in the same batch."""
        service = partial(
            order_pages.orders_of_customers, filters=filters, page=page, sort=sort, edges=edges
        )
        return self._paged_loader(("orders_of_customers", filters, page, sort, edges), service)

    async def preload_orders_of_customers(
        self,
        keys: list[int],
        filters: orders.OrderFilters,
        page: PageRequest,
        sort: orders.OrderSort,
        edges: OrderEdges,
    ) -> None:
        """Load now what `orders_of_customers(...)` would load for `keys`, with the same
        service in one call, and prime that loader with it: no future per key to gather and
        no batch to schedule, for a page of customers whose `orders` are all wanted."""
        loader = self.orders_of_customers(filters, page, sort, edges)
        found = await self._db.run(
            order_pages.orders_of_customers, keys, filters, page, sort, edges
        )
        for key in keys:
            loader.prime(key, found[key])  # every key has a (possibly empty) page

    def items_of_products(self, page: PageRequest) -> DataLoader[int, Page[orders.OrderItemRow]]:
        """product id → one page of the order items naming it."""

        def service(session: Session, keys: list[int]) -> dict[int, Page[orders.OrderItemRow]]:
            return orders.order_items_by_product_ids(session, keys, page)

        return self._paged_loader(("items_of_products", page), service)

    def _paged_loader(
        self, key: Hashable, service: Callable[[Session, list[int]], Mapping[int, Page[V]]]
    ) -> DataLoader[int, Page[V]]:
        loader = self._paged.get(key)
        if loader is None:
            empty: Page[V] = Page(items=[], total=0, limit=0, offset=0)
            loader = self._paged[key] = _batch(self._db, service, empty)
        return loader

    def prime_customers(self, rows: Iterable[customers.CustomerRow]) -> None:
        for row in rows:
            self.customer.prime(row.id, row)

    def prime_orders(self, rows: Iterable[orders.OrderRow]) -> None:
        for row in rows:
            self.order.prime(row.id, row)

    def prime_product_summaries(self, rows: Iterable[products.ProductSummary]) -> None:
        for row in rows:
            self.product_summary.prime(row.id, row)
