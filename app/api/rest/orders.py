"""Orders routes: listing with filters and per-order totals, and one order with its items.

Async routes with `run_read` and `json_response`, like the customers routes (see there).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Response

from app.api.rest.deps import date_range, json_response, page_params
from app.api.rest.errors import problem_responses
from app.api.rest.schemas import OrderDetailOut, OrderItemOut, OrderOut, PageOut
from app.db.async_reads import run_read
from app.services import orders as service
from app.services.pagination import PageRequest
from app.services.validation import DateRange

router = APIRouter(prefix="/orders", tags=["orders"])

Priority = Literal["Low", "Medium", "High", "Critical"]


def _order_out(order: service.OrderRow, totals: service.OrderTotals) -> dict[str, object]:
    return {
        "id": order.id,
        "customer_id": order.customer_id,
        "order_date": order.order_date,
        "order_time": order.order_time,
        "priority": order.priority,
        "payment_method": order.payment_method,
        "aging": order.aging,
        "item_count": totals.item_count,
        "total_quantity": totals.total_quantity,
        "total_sales": totals.total_sales,
        "total_profit": totals.total_profit,
        "total_shipping_cost": totals.total_shipping_cost,
    }


@router.get(
    "/",
    response_model=PageOut[OrderOut],
    summary="List orders with totals",
    responses=problem_responses(422),
)
async def list_orders(
    page: Annotated[PageRequest, Depends(page_params)],
    dates: Annotated[DateRange, Depends(date_range)],
    customer_id: Annotated[
        str | None, Query(description="The customer's dataset id.", examples=["37077"])
    ] = None,
    priority: Annotated[
        Priority | None, Query(description="Order priority (exact).", examples=["High"])
    ] = None,
    payment_method: Annotated[
        str | None, Query(description="Exact match, e.g. credit_card.", examples=["credit_card"])
    ] = None,
) -> Response:
    """Orders by date, time, id; each with item count, quantity, sales, profit and shipping."""
    filters = service.OrderFilters(
        customer_id=customer_id, dates=dates, priority=priority, payment_method=payment_method
    )
    result = await run_read(service.list_orders, filters, page)
    return json_response(
        PageOut[OrderOut](
            items=[OrderOut.model_validate(_order_out(s.order, s.totals)) for s in result.items],
            total=result.total,
            limit=result.limit,
            offset=result.offset,
        )
    )


@router.get(
    "/{order_id}",
    response_model=OrderDetailOut,
    summary="One order with its items",
    responses=problem_responses(404, 422),
)
async def get_order(
    order_id: Annotated[int, Path(description="Order id (orders.id).", examples=[1])],
) -> Response:
    """The order, its lines in position order, its totals and the customer's dataset id."""
    detail = await run_read(service.get_order, order_id)
    items = [
        OrderItemOut(
            position=item.position,
            product_id=item.product_id,
            product_name=item.product_name,
            product_category=item.product_category,
            quantity=item.quantity,
            discount=item.discount,
            sales=item.sales,
            profit=item.profit,
            shipping_cost=item.shipping_cost,
        )
        for item in detail.items
    ]
    body = OrderDetailOut.model_validate(_order_out(detail.order, detail.totals) | {"items": items})
    return json_response(body)
