"""The insights under `analytics { … }`: the same service functions (and SQL files) as REST.

`InsightFields` is a base of `Analytics` (analytics.py). Each field answers with what its service
returns, the insight's output declared once in `app.services.shapes`, through a type derived from
that declaration (`derive.py`). Amounts are `Money`; averages and percentages are Decimal
scalars serialised as strings with 2 decimals, correlations with 4, as in REST. The filters
`dateFrom`, `dateTo` (inclusive) and `category` mean what they mean in REST: the service
functions (and their SQL) are the same.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Annotated, Any

import strawberry

from app.api.graphql.context import Context
from app.api.graphql.derive import object_type
from app.api.graphql.scalars import Money
from app.services import insights as service
from app.services import shapes
from app.services.validation import DateRange

Info = strawberry.Info[Context, None]

Granularity = strawberry.enum(service.Granularity, description="day, week (ISO, Monday) or month")


# The types of the insights, derived from their one declaration (app/services/shapes.py); the
# GraphQL names are the schema's.
Share = object_type(shapes.ShareOut, "Share")
CustomersInsight = object_type(shapes.CustomersOut, "CustomersInsight")
CategoryRevenue = object_type(shapes.CategoryOut, "CategoryRevenue")
ProductMargin = object_type(shapes.ProductMarginOut, "ProductMargin")
OrdersInsight = object_type(shapes.OrdersOut, "OrdersInsight")
DiscountLevel = object_type(shapes.DiscountLevelOut, "DiscountLevel")
DiscountImpact = object_type(shapes.DiscountImpactOut, "DiscountImpact")
TrendPoint = object_type(shapes.TrendPointOut, "TrendPoint")
RevenueTrend = object_type(
    shapes.RevenueTrendOut, "RevenueTrend", fields={"granularity": Granularity}
)
CustomerValue = object_type(shapes.CustomerValueOut, "CustomerValue")

# A mapping in the declaration (percentile name → amount), an object with a field per percentile
# here: GraphQL has no maps.
Percentiles = strawberry.type(
    dataclasses.make_dataclass(
        "Percentiles", [(name, Money | None, None) for name in service.PERCENTILES]
    ),
    description="Revenue per customer at these percentiles (percentile_disc).",
)


def _percentiles(self: shapes.ValueDistributionOut) -> Any:
    return Percentiles(**self.percentiles)


ValueDistribution = object_type(
    shapes.ValueDistributionOut,
    "ValueDistribution",
    fields={"percentiles": strawberry.field(resolver=_percentiles, graphql_type=Percentiles)},
)
# REST's answer also says the limit asked for; GraphQL's field has it as its argument.
CustomerLifetimeValue = object_type(
    shapes.CustomerLifetimeValueOut, "CustomerLifetimeValue", omit={"limit"}
)
Segment = object_type(shapes.SegmentOut, "Segment")
PurchaseBehaviour = object_type(shapes.PurchaseBehaviourOut, "PurchaseBehaviour")


CATEGORY = "Only orders holding an item of this category (amounts: only its items)."


def _filters(date_from: dt.date | None, date_to: dt.date | None) -> DateRange:
    return DateRange(date_from, date_to)  # from after to: InvalidParameterError, BAD_USER_INPUT


@strawberry.type
class InsightFields:
    @strawberry.field(
        description="Customer count, per device type, share of each login type.",
        graphql_type=CustomersInsight,
    )
    async def customers(
        self,
        info: Info,
        date_from: dt.date | None = None,
        date_to: dt.date | None = None,
        category: Annotated[str | None, strawberry.argument(description=CATEGORY)] = None,
    ) -> shapes.CustomersOut:
        return await info.context.db.run(
            service.customers_overview, dates=_filters(date_from, date_to), category=category
        )

    @strawberry.field(
        description="Categories by revenue; ties broken by name.",
        graphql_type=list[CategoryRevenue],  # type: ignore[valid-type]
    )
    async def top_categories(
        self,
        info: Info,
        limit: int = 3,
        date_from: dt.date | None = None,
        date_to: dt.date | None = None,
        category: Annotated[str | None, strawberry.argument(description=CATEGORY)] = None,
    ) -> list[shapes.CategoryOut]:
        answer = await info.context.db.run(
            service.top_categories,
            limit=limit,
            dates=_filters(date_from, date_to),
            category=category,
        )
        return answer.items

    @strawberry.field(
        description="Products by profit margin, best first; all without limit.",
        graphql_type=list[ProductMargin],  # type: ignore[valid-type]
    )
    async def profit_margins(
        self, info: Info, limit: int | None = None
    ) -> list[shapes.ProductMarginOut]:
        answer = await info.context.db.run(service.profit_margins, limit=limit)
        return answer.items

    @strawberry.field(
        description="Order sizes, revenue, profit, share of High/Critical orders.",
        graphql_type=OrdersInsight,
    )
    async def orders(
        self,
        info: Info,
        date_from: dt.date | None = None,
        date_to: dt.date | None = None,
        category: Annotated[str | None, strawberry.argument(description=CATEGORY)] = None,
    ) -> shapes.OrdersOut:
        return await info.context.db.run(
            service.orders_overview, dates=_filters(date_from, date_to), category=category
        )

    @strawberry.field(
        description="Sales, profit, quantity per discount level; correlations.",
        graphql_type=DiscountImpact,
    )
    async def discount_impact(
        self,
        info: Info,
        date_from: dt.date | None = None,
        date_to: dt.date | None = None,
        category: Annotated[str | None, strawberry.argument(description=CATEGORY)] = None,
    ) -> shapes.DiscountImpactOut:
        return await info.context.db.run(
            service.discount_impact, dates=_filters(date_from, date_to), category=category
        )

    @strawberry.field(
        description="Revenue, profit, orders per period; oldest first.", graphql_type=RevenueTrend
    )
    async def revenue_trend(
        self,
        info: Info,
        granularity: Granularity = service.Granularity.MONTH,  # type: ignore[valid-type]
        date_from: dt.date | None = None,
        date_to: dt.date | None = None,
        category: Annotated[str | None, strawberry.argument(description=CATEGORY)] = None,
    ) -> shapes.RevenueTrendOut:
        return await info.context.db.run(
            service.revenue_trend,
            granularity=granularity,
            dates=_filters(date_from, date_to),
            category=category,
        )

    @strawberry.field(
        description="Top customers by revenue and the distribution over all.",
        graphql_type=CustomerLifetimeValue,
    )
    async def customer_lifetime_value(
        self, info: Info, limit: int = 10
    ) -> shapes.CustomerLifetimeValueOut:
        return await info.context.db.run(service.customer_lifetime_value, limit=limit)

    @strawberry.field(
        description="By device and login type (customer's), payment-method mix.",
        graphql_type=PurchaseBehaviour,
    )
    async def purchase_behaviour(
        self,
        info: Info,
        date_from: dt.date | None = None,
        date_to: dt.date | None = None,
        category: Annotated[str | None, strawberry.argument(description=CATEGORY)] = None,
    ) -> shapes.PurchaseBehaviourOut:
        return await info.context.db.run(
            service.purchase_behaviour, dates=_filters(date_from, date_to), category=category
        )
