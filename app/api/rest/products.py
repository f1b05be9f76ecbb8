"""Products route: listing with category and name search, each with units sold and sales.

An async route with `run_read` and `json_response`, like the customers routes (see there).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from app.api.rest.deps import json_response, page_params
from app.api.rest.errors import problem_responses
from app.api.rest.schemas import PageOut, ProductOut
from app.db.async_reads import run_read
from app.services import products as service
from app.services.pagination import PageRequest

router = APIRouter(prefix="/products", tags=["products"])


@router.get(
    "/",
    response_model=PageOut[ProductOut],
    summary="List products with sales",
    responses=problem_responses(422),
)
async def list_products(
    page: Annotated[PageRequest, Depends(page_params)],
    category: Annotated[
        str | None, Query(description="Exact category.", examples=["Auto & Accessories"])
    ] = None,
    q: Annotated[
        str | None,
        Query(
            description="Case-insensitive substring of the product name; % and _ match literally.",
            examples=["car"],
        ),
    ] = None,
) -> Response:
    """Products by category then name, each with units sold, sales and profit (0 when unsold)."""
    filters = service.ProductFilters(category=category, q=q)
    result = await run_read(service.list_products, filters, page)
    body = PageOut[ProductOut](
        items=[
            ProductOut(
                id=p.id,
                name=p.name,
                category=p.category,
                units_sold=p.units_sold,
                total_sales=p.total_sales,
                total_profit=p.total_profit,
                item_count=p.item_count,
            )
            for p in result.items
        ],
        total=result.total,
        limit=result.limit,
        offset=result.offset,
    )
    return json_response(body)
