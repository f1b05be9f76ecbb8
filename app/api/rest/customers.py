"""Customers routes: listing with attribute filters, and one customer with order statistics.

The routes are async and run their service call with `run_read` (on the event loop, on asyncpg:
see app/db/async_reads.py) rather than taking a session dependency: a sync route with a sync
generator dependency costs three hops to the thread pool per request (dependency enter, route,
dependency exit), and those hops are a large part of a short request's cost.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response

from app.api.rest.deps import json_response, page_params
from app.api.rest.errors import problem_responses
from app.api.rest.schemas import CustomerDetailOut, CustomerOut, PageOut
from app.db.async_reads import run_read
from app.services import customers as service
from app.services.pagination import PageRequest

router = APIRouter(prefix="/customers", tags=["customers"])


@router.get(
    "/",
    response_model=PageOut[CustomerOut],
    summary="List customers",
    responses=problem_responses(422),
)
async def list_customers(
    page: Annotated[PageRequest, Depends(page_params)],
    gender: Annotated[
        str | None, Query(description="Exact match, e.g. Female or Male.", examples=["Female"])
    ] = None,
    device_type: Annotated[
        str | None, Query(description="Exact match, e.g. Web or Mobile.", examples=["Web"])
    ] = None,
    login_type: Annotated[
        str | None,
        Query(description="Exact match, e.g. Member, Guest, First SignUp.", examples=["Member"]),
    ] = None,
) -> Response:
    """Customers ordered by dataset id; attributes are those of each customer's latest order."""
    filters = service.CustomerFilters(gender=gender, device_type=device_type, login_type=login_type)
    result = await run_read(service.list_customers, filters, page)
    return json_response(
        PageOut[CustomerOut](
            items=[CustomerOut.model_validate(row) for row in result.items],
            total=result.total,
            limit=result.limit,
            offset=result.offset,
        )
    )


@router.get(
    "/{customer_id}",
    response_model=CustomerDetailOut,
    summary="One customer with order statistics",
    responses=problem_responses(404, 422),
)
async def get_customer(
    customer_id: Annotated[str, Path(description="The dataset's Customer_Id.", examples=["37077"])],
) -> Response:
    """Details plus order count, item count, total sales and profit, first and last order date."""
    detail = await run_read(service.get_customer, customer_id)
    stats = detail.stats
    body = CustomerDetailOut(
        customer_id=detail.customer.customer_id,
        gender=detail.customer.gender,
        device_type=detail.customer.device_type,
        login_type=detail.customer.login_type,
        profile_as_of=detail.customer.profile_as_of,
        order_count=stats.order_count,
        item_count=stats.item_count,
        total_sales=stats.total_sales,
        total_profit=stats.total_profit,
        first_order_date=stats.first_order_date,
        last_order_date=stats.last_order_date,
    )
    return json_response(body)
