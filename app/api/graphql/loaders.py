"""DataLoaders: each nested edge of the schema loads a whole level with one `= ANY(:keys)` query.

Every loader is built per request by `Loaders(db)` (see `context.py` for why never module-level).
Loaders over paginated nested lists (customer → orders, product → order items) are keyed by their
arguments as well: two aliases with different `first`/`after` are two loaders, each batched.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from aiodataloader import DataLoader

from app.services import customers, orders, products
from app.services.pagination import Page, PageRequest

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from app.api.graphql.context import RequestDb

V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class ProductRef:
    """What an order item already knows about its product: enough to resolve name and category
    without a query (the product loader is primed from items; sums come from `product_summary`)."""

    id: int
    name: str
    category: str


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
    def __init__(self, db: RequestDb) -> None:
        self._db = db
        self.customer = _batch(db, customers.customers_by_ids, None)
        self.customer_stats = _batch(db, customers.customer_stats_by_ids, customers.NO_ORDERS)
        self.order = _batch(db, orders.orders_by_ids, None)
        self.order_totals = _batch(db, orders.order_totals_by_order_ids, orders.NO_ITEMS)
        no_items: list[orders.OrderItemRow] = []
        self.order_items = _batch(db, orders.order_items_by_order_ids, no_items)
        self.product_summary = _batch(db, products.products_by_ids, None)
        self.product: DataLoader[int, ProductRef | None] = DataLoader(self._load_products)
        self._paged: dict[Hashable, DataLoader[int, Any]] = {}

    async def _load_products(self, keys: list[int]) -> list[ProductRef | None]:
        summaries = await self.product_summary.load_many(keys)
        return [None if s is None else ProductRef(s.id, s.name, s.category) for s in summaries]

    def orders_of_customers(
        self, filters: orders.OrderFilters, page: PageRequest, sort: orders.OrderSort
    ) -> DataLoader[int, Page[orders.OrderRow]]:
        """customer pk → one page of its orders (window function: one query per level)."""

        def service(session: Session, keys: list[int]) -> dict[int, Page[orders.OrderRow]]:
            return orders.orders_by_customer_pks(session, keys, filters, page, sort)

        return self._paged_loader(("orders_of_customers", filters, page, sort), service)

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

    def prime_products(self, items: Iterable[orders.OrderItemRow]) -> None:
        for item in items:
            ref = ProductRef(item.product_id, item.product_name, item.product_category)
            self.product.prime(item.product_id, ref)

    def prime_product_summaries(self, rows: Iterable[products.ProductSummary]) -> None:
        for row in rows:
            self.product_summary.prime(row.id, row)
            self.product.prime(row.id, ProductRef(row.id, row.name, row.category))
