"""Products route: listing with category and name search, each with units sold and sales."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from app.api.rest.deps import page_params
from app.api.rest.errors import problem_responses
from app.api.rest.schemas import PageOut, ProductOut
from app.db.engine import get_session
from app.services import products as service
from app.services.pagination import PageRequest

router = APIRouter(prefix="/products", tags=["products"])


@router.get(
    "/",
    response_model=PageOut[ProductOut],
    summary="List products with sales",
    responses=problem_responses(422),
)
def list_products(
    session: Annotated[Session, Depends(get_session)],
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
) -> PageOut[ProductOut]:
    """Products by category then name, each with units sold, sales and profit (0 when unsold)."""
    result = service.list_products(session, service.ProductFilters(category=category, q=q), page)
    return PageOut[ProductOut](
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
