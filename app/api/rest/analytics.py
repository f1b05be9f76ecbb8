"""Analytics routes: top products and the revenue summary (SQL in queries/*.sql)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from app.api.rest.csv_export import CsvExportRoute
from app.api.rest.deps import date_range
from app.api.rest.errors import problem_responses
from app.api.rest.insights import NO_FILTER, Category
from app.api.rest.schemas import RevenueOut, TopProductOut, TopProductsOut
from app.db.async_reads import run_read
from app.services import analytics as service
from app.services.validation import DateRange

router = APIRouter(prefix="/analytics", tags=["analytics"], route_class=CsvExportRoute)


@router.get(
    "/top-products/",
    response_model=TopProductsOut,
    summary="Top products by sales, quantity or profit",
    responses=problem_responses(422),
)
async def top_products(
    dates: Annotated[DateRange, Depends(date_range)],
    by: Annotated[
        service.TopProductMetric,
        Query(description="Metric to rank by.", examples=["sales"]),
    ] = service.TopProductMetric.SALES,
    limit: Annotated[
        int,
        Query(ge=1, le=service.TOP_PRODUCTS_MAX, description="How many (1..100).", examples=[5]),
    ] = 5,
    category: Category = None,
) -> TopProductsOut:
    """Best products first (only the category's, if given); ties broken by product name."""
    rows = await run_read(service.top_products, by=by, limit=limit, dates=dates, category=category)
    return TopProductsOut(
        by=by.value,
        limit=limit,
        items=[
            TopProductOut(
                rank=rank,
                product_id=row.product_id,
                product_name=row.product_name,
                product_category=row.product_category,
                total_sales=row.total_sales,
                total_quantity=row.total_quantity,
                total_profit=row.total_profit,
            )
            for rank, row in enumerate(rows, start=1)
        ],
    )


@router.get(
    "/revenue/",
    response_model=RevenueOut,
    summary="Revenue, profit, shipping, orders and items",
    responses=problem_responses(422),
)
async def revenue(
    dates: Annotated[DateRange, Depends(date_range)] = NO_FILTER,
    category: Category = None,
) -> RevenueOut:
    """Totals over all orders, or those whose date lies in [date_from, date_to]; with a
    category, its items and the orders holding one."""
    summary = await run_read(service.revenue_summary, dates, category=category)
    return RevenueOut(
        total_revenue=summary.total_revenue,
        total_profit=summary.total_profit,
        total_shipping_cost=summary.total_shipping_cost,
        order_count=summary.order_count,
        item_count=summary.item_count,
        date_from=summary.date_from,
        date_to=summary.date_to,
        category=summary.category,
    )
