"""The object types: Customer, Order, OrderItem, Product. Plain fields come from service rows;
every edge to another object goes through a per-request DataLoader (see `loaders.py`)."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import strawberry

from app.api.graphql.context import Context
from app.api.graphql.inputs import OrderFilter, OrderOrderBy, order_filters
from app.api.graphql.loaders import ProductRef
from app.api.graphql.pagination import Connection, connection, page_request
from app.services.customers import CustomerRow, CustomerStats
from app.services.orders import OrderItemRow, OrderRow, OrderTotals
from app.services.products import ProductSummary

Info = strawberry.Info[Context, None]
CENT = Decimal("0.01")


def money(value: Decimal) -> Decimal:
    """Exactly two decimals, like REST (the Decimal scalar serialises as a string: "140.00")."""
    quantized = value.quantize(CENT, rounding=ROUND_HALF_UP)
    return quantized if quantized else abs(quantized)  # no "-0.00"


def money_or_none(value: Decimal | None) -> Decimal | None:
    return None if value is None else money(value)


@strawberry.type(description="A customer; attributes are those of the latest order.")
class Customer:
    pk: strawberry.Private[int]
    customer_id: str = strawberry.field(description="The dataset's Customer_Id.")
    gender: str | None
    device_type: str | None
    login_type: str | None
    profile_as_of: dt.datetime

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

    async def _stats(self, info: Info) -> CustomerStats:
        return await info.context.loaders.customer_stats.load(self.pk)

    @strawberry.field
    async def order_count(self, info: Info) -> int:
        return (await self._stats(info)).order_count

    @strawberry.field(description="Order lines across all orders.")
    async def item_count(self, info: Info) -> int:
        return (await self._stats(info)).item_count

    @strawberry.field(description="Sum of recorded sales.")
    async def total_sales(self, info: Info) -> Decimal:
        return money((await self._stats(info)).total_sales)

    @strawberry.field
    async def total_profit(self, info: Info) -> Decimal:
        return money((await self._stats(info)).total_profit)

    @strawberry.field
    async def first_order_date(self, info: Info) -> dt.date | None:
        return (await self._stats(info)).first_order_date

    @strawberry.field
    async def last_order_date(self, info: Info) -> dt.date | None:
        return (await self._stats(info)).last_order_date

    @strawberry.field(description="This customer's orders, oldest first unless `orderBy` says.")
    async def orders(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: OrderFilter | None = None,
        order_by: OrderOrderBy = OrderOrderBy.ORDER_DATE,
    ) -> Connection[Order]:
        request = page_request(first, after)
        loaders = info.context.loaders
        loader = loaders.orders_of_customers(order_filters(filter), request, order_by.value)
        page = await loader.load(self.pk)
        loaders.prime_orders(page.items)
        return connection(page, Order.from_row, request)


@strawberry.type(description="An order: the CSV rows sharing customer, date and time.")
class Order:
    customer_pk: strawberry.Private[int]
    id: int
    order_date: dt.date
    order_time: dt.time
    priority: str = strawberry.field(description="Low, Medium, High or Critical.")
    payment_method: str | None
    aging: Decimal | None = strawberry.field(description="Days from order to delivery.")

    @classmethod
    def from_row(cls, row: OrderRow) -> Order:
        return cls(
            customer_pk=row.customer_pk,
            id=row.id,
            order_date=row.order_date,
            order_time=row.order_time,
            priority=row.priority,
            payment_method=row.payment_method,
            aging=money_or_none(row.aging),
        )

    async def _totals(self, info: Info) -> OrderTotals:
        return await info.context.loaders.order_totals.load(self.id)

    @strawberry.field(description="Order total: the sum of its lines' sales.")
    async def total(self, info: Info) -> Decimal:
        return money((await self._totals(info)).total_sales)

    @strawberry.field
    async def item_count(self, info: Info) -> int:
        return (await self._totals(info)).item_count

    @strawberry.field
    async def total_quantity(self, info: Info) -> int:
        return (await self._totals(info)).total_quantity

    @strawberry.field
    async def total_profit(self, info: Info) -> Decimal:
        return money((await self._totals(info)).total_profit)

    @strawberry.field
    async def total_shipping_cost(self, info: Info) -> Decimal:
        return money((await self._totals(info)).total_shipping_cost)

    @strawberry.field
    async def customer(self, info: Info) -> Customer:
        row = await info.context.loaders.customer.load(self.customer_pk)
        assert row is not None, "orders.customer_id is a foreign key"
        return Customer.from_row(row)

    @strawberry.field(description="The order's lines in position order.")
    async def items(self, info: Info) -> list[OrderItem]:
        loaders = info.context.loaders
        rows = await loaders.order_items.load(self.id)
        loaders.prime_products(rows)
        return [OrderItem.from_row(row) for row in rows]


@strawberry.type(description="One order line (one CSV row).")
class OrderItem:
    order_id: strawberry.Private[int]
    product_id: strawberry.Private[int]
    position: int = strawberry.field(description="1-based line number within the order.")
    quantity: int | None
    discount: Decimal | None = strawberry.field(description='Fraction 0..1, e.g. "0.30".')
    sales: Decimal | None
    profit: Decimal | None
    shipping_cost: Decimal | None

    @classmethod
    def from_row(cls, row: OrderItemRow) -> OrderItem:
        return cls(
            order_id=row.order_id,
            product_id=row.product_id,
            position=row.position,
            quantity=row.quantity,
            discount=money_or_none(row.discount),
            sales=money_or_none(row.sales),
            profit=money_or_none(row.profit),
            shipping_cost=money_or_none(row.shipping_cost),
        )

    @strawberry.field
    async def product(self, info: Info) -> Product:
        ref = await info.context.loaders.product.load(self.product_id)
        assert ref is not None, "order_items.product_id is a foreign key"
        return Product.from_ref(ref)

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

    @classmethod
    def from_ref(cls, ref: ProductRef) -> Product:
        return cls(id=ref.id, name=ref.name, category=ref.category)

    async def _summary(self, info: Info) -> ProductSummary:
        summary = await info.context.loaders.product_summary.load(self.id)
        assert summary is not None, "a product we hold a reference to exists"
        return summary

    @strawberry.field(description="Sum of quantity (missing ones ignored).")
    async def units_sold(self, info: Info) -> int:
        return (await self._summary(info)).units_sold

    @strawberry.field(description="Sum of recorded sales.")
    async def total_sales(self, info: Info) -> Decimal:
        return money((await self._summary(info)).total_sales)

    @strawberry.field
    async def total_profit(self, info: Info) -> Decimal:
        return money((await self._summary(info)).total_profit)

    @strawberry.field(description="Order lines naming this product.")
    async def item_count(self, info: Info) -> int:
        return (await self._summary(info)).item_count

    @strawberry.field(description="Order lines naming this product, by order then position.")
    async def order_items(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[OrderItem]:
        request = page_request(first, after)
        loaders = info.context.loaders
        page = await loaders.items_of_products(request).load(self.id)
        loaders.prime_products(page.items)
        return connection(page, OrderItem.from_row, request)
