"""`analytics { … }`: business insights, through the same services (and SQL files) as REST.

A namespace object rather than root fields, so the insights issue can add fields here.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry

from app.api.graphql.context import Context
from app.api.graphql.derive import object_type
from app.api.graphql.inputs import TopProductsBy
from app.api.graphql.insights import CATEGORY, InsightFields
from app.api.graphql.types import Product
from app.services import analytics as service
from app.services import shapes
from app.services.validation import DateRange

Info = strawberry.Info[Context, None]


Revenue = object_type(
    shapes.RevenueOut,
    "Revenue",
    description="Totals over all orders, or those dated in [dateFrom, dateTo]; with a category, "
    "its items and the orders holding one.",
)


def _product(self: shapes.TopProductOut) -> Product:
    return Product(id=self.product_id, name=self.product_name, category=self.product_category)


# A top product links to its Product (which has id, name and category) in place of those columns.
TopProduct = object_type(
    shapes.TopProductOut,
    "TopProduct",
    omit={"product_name", "product_category"},
    fields={
        "product_id": strawberry.field(name="product", resolver=_product, graphql_type=Product)
    },
)


@strawberry.type
class Analytics(InsightFields):  # the insights' fields: app/api/graphql/insights.py
    @strawberry.field(graphql_type=Revenue)
    async def revenue(
        self,
        info: Info,
        date_from: dt.date | None = None,
        date_to: dt.date | None = None,
        category: Annotated[str | None, strawberry.argument(description=CATEGORY)] = None,
    ) -> shapes.RevenueOut:
        return await info.context.db.run(
            service.revenue_summary, DateRange(date_from, date_to), category=category
        )

    @strawberry.field(
        description="The best products by `by`; ties broken by product name.",
        graphql_type=list[TopProduct],  # type: ignore[valid-type]
    )
    async def top_products(
        self,
        info: Info,
        limit: int = 5,
        by: TopProductsBy = TopProductsBy.SALES,
        date_from: dt.date | None = None,
        date_to: dt.date | None = None,
        category: Annotated[str | None, strawberry.argument(description=CATEGORY)] = None,
    ) -> list[shapes.TopProductOut]:
        dates = DateRange(date_from, date_to)
        answer = await info.context.db.run(
            service.top_products, by=by.value, limit=limit, dates=dates, category=category
        )
        return answer.items
