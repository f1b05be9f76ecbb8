"""Analytics routes: top products and the revenue summary (SQL in queries/*.sql)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from app.api.rest.csv_export import CsvExportRoute
from app.api.rest.deps import date_range
from app.api.rest.errors import problem_responses
from app.api.rest.insights import NO_FILTER, Category
from app.db.async_reads import run_read
from app.services import analytics as service
from app.services.shapes import RevenueOut, TopProductsOut
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
    return await run_read(service.top_products, by=by, limit=limit, dates=dates, category=category)


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
    return await run_read(service.revenue_summary, dates, category=category)
