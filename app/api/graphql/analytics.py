"""`analytics { … }`: business insights, through the same services (and SQL files) as REST.

A namespace object rather than root fields, so the insights issue can add fields here.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry

from app.api.graphql.context import Context
from app.api.graphql.inputs import TopProductsBy
from app.api.graphql.insights import CATEGORY, InsightFields
from app.api.graphql.loaders import ProductRef
from app.api.graphql.scalars import Money
from app.api.graphql.types import Product
from app.services import analytics as service
from app.services.validation import DateRange

Info = strawberry.Info[Context, None]


@strawberry.type(
    description="Totals over all orders, or those dated in [dateFrom, dateTo]; with a category, "
    "its items and the orders holding one."
)
class Revenue:
    total_revenue: Money = strawberry.field(description="Sum of recorded line sales.")
    total_profit: Money
    total_shipping_cost: Money
    order_count: int
    item_count: int
    date_from: dt.date | None
    date_to: dt.date | None
    category: str | None


@strawberry.type
class TopProduct:
    rank: int = strawberry.field(description="1 = best by the chosen metric.")
    product: Product
    total_sales: Money
    total_quantity: int
    total_profit: Money


@strawberry.type
class Analytics(InsightFields):  # the insights' fields: app/api/graphql/insights.py
    @strawberry.field
    async def revenue(
        self,
        info: Info,
        date_from: dt.date | None = None,
        date_to: dt.date | None = None,
        category: Annotated[str | None, strawberry.argument(description=CATEGORY)] = None,
    ) -> Revenue:
        summary = await info.context.db.run(
            service.revenue_summary, DateRange(date_from, date_to), category=category
        )
        return Revenue(
            total_revenue=Money(summary.total_revenue),
            total_profit=Money(summary.total_profit),
            total_shipping_cost=Money(summary.total_shipping_cost),
            order_count=summary.order_count,
            item_count=summary.item_count,
            date_from=summary.date_from,
            date_to=summary.date_to,
            category=summary.category,
        )

    @strawberry.field(description="The best products by `by`; ties broken by product name.")
    async def top_products(
        self,
        info: Info,
        limit: int = 5,
        by: TopProductsBy = TopProductsBy.SALES,
        date_from: dt.date | None = None,
        date_to: dt.date | None = None,
        category: Annotated[str | None, strawberry.argument(description=CATEGORY)] = None,
    ) -> list[TopProduct]:
        dates = DateRange(date_from, date_to)
        rows = await info.context.db.run(
            service.top_products, by=by.value, limit=limit, dates=dates, category=category
        )
        return [
            TopProduct(
                rank=rank,
                product=Product.from_ref(
                    ProductRef(row.product_id, row.product_name, row.product_category)
                ),
                total_sales=Money(row.total_sales),
                total_quantity=row.total_quantity,
                total_profit=Money(row.total_profit),
            )
            for rank, row in enumerate(rows, start=1)
        ]
