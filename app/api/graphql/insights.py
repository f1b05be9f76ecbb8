"""The insights under `analytics { … }`: the same service functions (and SQL files) as REST.

`InsightFields` is a base of `Analytics` (analytics.py). Amounts, averages and percentages are
Decimal scalars serialised as strings with 2 decimals, correlations with 4, as in REST. The
filters `dateFrom`, `dateTo` (inclusive) and `category` mean what they mean in REST: the service
functions (and their SQL) are the same.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, TypeVar, cast

import strawberry

from app.api.graphql.context import Context
from app.api.graphql.scalars import Money
from app.services import insights as service
from app.services.amounts import cents
from app.services.validation import DateRange

Info = strawberry.Info[Context, None]
T = TypeVar("T")

Granularity = strawberry.enum(service.Granularity, description="day, week (ISO, Monday) or month")


def _build(cls: type[T], obj: Any, **nested: type) -> T:
    """A Strawberry object from a service dataclass: Decimals at 2 places unless finer already,
    lists of dataclasses converted with the `nested` type given for their field."""
    values: dict[str, Any] = {}
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if f.name in nested:
            kind = nested[f.name]
            value = [_build(kind, v) for v in value] if isinstance(value, list) else value
        elif isinstance(value, Decimal):
            exponent = value.as_tuple().exponent
            if isinstance(exponent, int) and exponent > -2:  # e.g. a COALESCE'd 0: "0.00"
                value = cents(value)
        values[f.name] = value
    return cls(**values)


@strawberry.type
class Share:
    value: str
    customers: int
    share_pct: Decimal = strawberry.field(description="Among customers with a recorded value.")


@strawberry.type
class CustomersInsight:
    total_customers: int
    by_device_type: list[Share]
    by_login_type: list[Share]


@strawberry.type
class CategoryRevenue:
    rank: int
    category: str
    item_count: int
    total_quantity: int
    total_revenue: Money
    total_profit: Money
    revenue_share_pct: Decimal | None


@strawberry.type
class ProductMargin:
    rank: int
    product_id: int
    product_name: str
    product_category: str
    total_sales: Money
    total_profit: Money
    margin_pct: Decimal | None = strawberry.field(description="100 * sum(profit) / sum(sales).")


@strawberry.type
class OrdersInsight:
    order_count: int
    item_count: int
    total_quantity: int
    avg_quantity_per_order: Decimal | None
    avg_items_per_order: Decimal | None
    total_revenue: Money
    total_profit: Money
    average_order_value: Money | None
    high_or_critical_orders: int
    high_or_critical_pct: Decimal | None


@strawberry.type
class DiscountLevel:
    discount: Decimal
    item_count: int
    order_count: int
    total_sales: Money
    avg_sales: Money | None
    total_profit: Money
    avg_profit: Money | None
    avg_quantity: Decimal | None


@strawberry.type
class DiscountImpact:
    levels: list[DiscountLevel]
    sales_correlation: Decimal | None
    quantity_correlation: Decimal | None
    reading: str = strawberry.field(description="Does a higher discount lead to more sales?")


@strawberry.type
class TrendPoint:
    period_start: dt.date
    order_count: int
    item_count: int
    revenue: Money
    profit: Money


@strawberry.type
class RevenueTrend:
    granularity: Granularity  # type: ignore[valid-type]
    date_from: dt.date | None
    date_to: dt.date | None
    category: str | None
    points: list[TrendPoint]


@strawberry.type
class CustomerValue:
    rank: int
    customer_id: str
    order_count: int
    item_count: int
    revenue: Money
    profit: Money
    first_order_date: dt.date
    last_order_date: dt.date
    average_order_value: Money


@strawberry.type(description="Revenue per customer at these percentiles (percentile_disc).")
class Percentiles:
    p25: Money | None = None
    p50: Money | None = None
    p75: Money | None = None
    p90: Money | None = None
    p99: Money | None = None


@strawberry.type
class ValueDistribution:
    customer_count: int
    mean_revenue: Money | None
    min_revenue: Money | None
    max_revenue: Money | None
    percentiles: Percentiles
    mean_orders: Decimal | None


@strawberry.type
class CustomerLifetimeValue:
    top: list[CustomerValue]
    distribution: ValueDistribution


@strawberry.type
class Segment:
    value: str
    customers: int
    orders: int
    revenue: Money
    average_order_value: Money | None
    order_share_pct: Decimal | None


@strawberry.type
class PurchaseBehaviour:
    by_device_type: list[Segment]
    by_login_type: list[Segment]
    by_payment_method: list[Segment]


CATEGORY = "Only orders holding an item of this category (amounts: only its items)."


def _filters(date_from: dt.date | None, date_to: dt.date | None) -> DateRange:
    return DateRange(date_from, date_to)  # from after to: InvalidParameterError, BAD_USER_INPUT


@strawberry.type
class InsightFields:
    @strawberry.field(description="Customer count, per device type, share of each login type.")
    async def customers(
        self,
        info: Info,
        date_from: dt.date | None = None,
        date_to: dt.date | None = None,
        category: Annotated[str | None, strawberry.argument(description=CATEGORY)] = None,
    ) -> CustomersInsight:
        result = await info.context.db.run(
            service.customers_overview, dates=_filters(date_from, date_to), category=category
        )
        return _build(CustomersInsight, result, by_device_type=Share, by_login_type=Share)

    @strawberry.field(description="Categories by revenue; ties broken by name.")
    async def top_categories(
        self,
        info: Info,
        limit: int = 3,
        date_from: dt.date | None = None,
        date_to: dt.date | None = None,
        category: Annotated[str | None, strawberry.argument(description=CATEGORY)] = None,
    ) -> list[CategoryRevenue]:
        rows = await info.context.db.run(
            service.top_categories,
            limit=limit,
            dates=_filters(date_from, date_to),
            category=category,
        )
        return [_build(CategoryRevenue, row) for row in rows]

    @strawberry.field(description="Products by profit margin, best first; all without limit.")
    async def profit_margins(self, info: Info, limit: int | None = None) -> list[ProductMargin]:
        rows = await info.context.db.run(service.profit_margins, limit=limit)
        return [_build(ProductMargin, row) for row in rows]

    @strawberry.field(description="Order sizes, revenue, profit, share of High/Critical orders.")
    async def orders(
        self,
        info: Info,
        date_from: dt.date | None = None,
        date_to: dt.date | None = None,
        category: Annotated[str | None, strawberry.argument(description=CATEGORY)] = None,
    ) -> OrdersInsight:
        result = await info.context.db.run(
            service.orders_overview, dates=_filters(date_from, date_to), category=category
        )
        return _build(OrdersInsight, result)

    @strawberry.field(description="Sales, profit, quantity per discount level; correlations.")
    async def discount_impact(
        self,
        info: Info,
        date_from: dt.date | None = None,
        date_to: dt.date | None = None,
        category: Annotated[str | None, strawberry.argument(description=CATEGORY)] = None,
    ) -> DiscountImpact:
        result = await info.context.db.run(
            service.discount_impact, dates=_filters(date_from, date_to), category=category
        )
        return _build(DiscountImpact, result, levels=DiscountLevel)

    @strawberry.field(description="Revenue, profit, orders per period; oldest first.")
    async def revenue_trend(
        self,
        info: Info,
        granularity: Granularity = service.Granularity.MONTH,  # type: ignore[valid-type]
        date_from: dt.date | None = None,
        date_to: dt.date | None = None,
        category: Annotated[str | None, strawberry.argument(description=CATEGORY)] = None,
    ) -> RevenueTrend:
        trend = await info.context.db.run(
            service.revenue_trend,
            granularity=granularity,
            dates=_filters(date_from, date_to),
            category=category,
        )
        return _build(RevenueTrend, trend, points=TrendPoint)

    @strawberry.field(description="Top customers by revenue and the distribution over all.")
    async def customer_lifetime_value(self, info: Info, limit: int = 10) -> CustomerLifetimeValue:
        clv = await info.context.db.run(service.customer_lifetime_value, limit=limit)
        d = clv.distribution
        distribution = ValueDistribution(
            customer_count=d.customer_count,
            mean_revenue=cast("Money | None", d.mean_revenue),
            min_revenue=cast("Money | None", d.min_revenue),
            max_revenue=cast("Money | None", d.max_revenue),
            percentiles=Percentiles(**cast("dict[str, Money]", d.percentiles)),
            mean_orders=d.mean_orders,
        )
        top = [_build(CustomerValue, row) for row in clv.top]
        return CustomerLifetimeValue(top=top, distribution=distribution)

    @strawberry.field(description="By device and login type (customer's), payment-method mix.")
    async def purchase_behaviour(
        self,
        info: Info,
        date_from: dt.date | None = None,
        date_to: dt.date | None = None,
        category: Annotated[str | None, strawberry.argument(description=CATEGORY)] = None,
    ) -> PurchaseBehaviour:
        result = await info.context.db.run(
            service.purchase_behaviour, dates=_filters(date_from, date_to), category=category
        )
        groups = dict.fromkeys(("by_device_type", "by_login_type", "by_payment_method"), Segment)
        return _build(PurchaseBehaviour, result, **groups)
