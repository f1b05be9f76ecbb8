"""Customers routes: listing with attribute filters, and one customer with order statistics.

Each route opens its read session itself (`read_scope`, in the route's worker thread) rather than
taking a `Depends(get_session)`: a sync generator dependency costs two more hops to the thread
pool per request (enter and exit), and those hops are a large part of a short request's cost.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from app.api.rest.deps import page_params
from app.api.rest.errors import problem_responses
from app.api.rest.schemas import CustomerDetailOut, CustomerOut, PageOut
from app.db.engine import read_scope
from app.services import customers as service
from app.services.pagination import PageRequest

router = APIRouter(prefix="/customers", tags=["customers"])


@router.get(
    "/",
    response_model=PageOut[CustomerOut],
    summary="List customers",
    responses=problem_responses(422),
)
def list_customers(
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
) -> PageOut[CustomerOut]:
    """Customers ordered by dataset id; attributes are those of each customer's latest order."""
    filters = service.CustomerFilters(gender=gender, device_type=device_type, login_type=login_type)
    with read_scope() as session:
        result = service.list_customers(session, filters, page)
    return PageOut[CustomerOut](
        items=[CustomerOut.model_validate(row) for row in result.items],
        total=result.total,
        limit=result.limit,
        offset=result.offset,
    )


@router.get(
    "/{customer_id}",
    response_model=CustomerDetailOut,
    summary="One customer with order statistics",
    responses=problem_responses(404, 422),
)
def get_customer(
    customer_id: Annotated[str, Path(description="The dataset's Customer_Id.", examples=["37077"])],
) -> CustomerDetailOut:
    """Details plus order count, item count, total sales and profit, first and last order date."""
    with read_scope() as session:
        detail = service.get_customer(session, customer_id)
    stats = detail.stats
    return CustomerDetailOut(
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
