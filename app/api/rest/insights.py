"""Insight routes under /analytics (top products and revenue are in `analytics.py`).

Thin: each route validates its query parameters and serves what one `app.services.insights`
function returns (it runs one SQL file from `queries/`): the insight's output, declared once in
`app.services.shapes`, is the response model. The
routes are async and run the service with `run_read` (on the event loop, see
app/db/async_reads.py), like the customers routes: a request holds one of the read pool's
connections only while its statements run, and never more than the pool has.
Every route but profit margins and customer lifetime value takes the same optional filters:
`date_from` / `date_to` (order dates, inclusive, YYYY-MM-DD; from after to → 422) and `category`
(an unknown category → empty or zero results).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from app.api.rest.csv_export import CsvExportRoute
from app.api.rest.deps import date_range
from app.api.rest.errors import problem_responses
from app.db.async_reads import run_read
from app.services import insights as service
from app.services.shapes import (
    CustomerLifetimeValueOut,
    CustomersOut,
    DiscountImpactOut,
    OrdersOut,
    ProfitMarginsOut,
    PurchaseBehaviourOut,
    RevenueTrendOut,
    TopCategoriesOut,
)
from app.services.validation import DateRange

router = APIRouter(prefix="/analytics", tags=["analytics"], route_class=CsvExportRoute)

DatesDep = Annotated[DateRange, Depends(date_range)]
Category = Annotated[
    str | None,
    Query(
        description="Only orders holding an item of this product category (and, for amounts, "
        "only its items); an unknown category gives empty or zero results.",
        examples=["Fashion"],
    ),
]
NO_FILTER = DateRange()


def _limit(default: int, description: str) -> object:
    return Query(ge=1, le=service.LIMIT_MAX, description=description, examples=[default])


@router.get(
    "/customers/",
    response_model=CustomersOut,
    summary="Customers: count, per device type, share of each login type",
    responses=problem_responses(422),
)
async def customers(dates: DatesDep = NO_FILTER, category: Category = None) -> CustomersOut:
    """Device and login type are the customer's latest; unrecorded values are left out. With a
    filter, only the customers with an order in the range (holding an item of the category)."""
    return await run_read(service.customers_overview, dates=dates, category=category)


@router.get(
    "/top-categories/",
    response_model=TopCategoriesOut,
    summary="Top product categories by revenue",
    responses=problem_responses(422),
)
async def top_categories(
    limit: Annotated[int, _limit(3, "How many categories (1..100).")] = 3,
    dates: DatesDep = NO_FILTER,
    category: Category = None,
) -> TopCategoriesOut:
    """Most revenue in the date range first; ties broken by category name. With a category, only
    its row, keeping its rank and its share of all categories' revenue."""
    return await run_read(service.top_categories, limit=limit, dates=dates, category=category)


@router.get(
    "/profit-margins/",
    response_model=ProfitMarginsOut,
    summary="Products ranked by profit margin (sum of profit / sum of sales)",
    responses=problem_responses(422),
)
async def profit_margins(
    limit: Annotated[int | None, _limit(10, "How many products (1..100); all if omitted.")] = None,
) -> ProfitMarginsOut:
    """Highest margin first; ties broken by product name."""
    return await run_read(service.profit_margins, limit=limit)


@router.get(
    "/orders/",
    response_model=OrdersOut,
    summary="Orders: average size, revenue, profit, share of High/Critical priority",
    responses=problem_responses(422),
)
async def orders(dates: DatesDep = NO_FILTER, category: Category = None) -> OrdersOut:
    """An order is the CSV rows sharing customer, date and time. With a category: the orders
    holding one of its items; items, units, revenue and profit are its items only."""
    return await run_read(service.orders_overview, dates=dates, category=category)


@router.get(
    "/discount-impact/",
    response_model=DiscountImpactOut,
    summary="Sales, profit and quantity per discount level; does discount drive sales?",
    responses=problem_responses(422),
)
async def discount_impact(
    dates: DatesDep = NO_FILTER, category: Category = None
) -> DiscountImpactOut:
    """Items of the range (and category) grouped by discount; `reading` is derived from the
    correlations, not written by hand."""
    return await run_read(service.discount_impact, dates=dates, category=category)


@router.get(
    "/revenue-trend/",
    response_model=RevenueTrendOut,
    summary="Revenue, profit and orders per day, ISO week or month",
    responses=problem_responses(422),
)
async def revenue_trend(
    dates: DatesDep,
    granularity: Annotated[
        service.Granularity,
        Query(description="day, week (ISO, from Monday) or month.", examples=["month"]),
    ] = service.Granularity.MONTH,
    category: Category = None,
) -> RevenueTrendOut:
    """Oldest period first; periods without orders are left out."""
    return await run_read(
        service.revenue_trend, granularity=granularity, dates=dates, category=category
    )


@router.get(
    "/customer-lifetime-value/",
    response_model=CustomerLifetimeValueOut,
    summary="Top customers by revenue and the distribution of revenue per customer",
    responses=problem_responses(422),
)
async def customer_lifetime_value(
    limit: Annotated[int, _limit(10, "How many top customers (1..100).")] = 10,
) -> CustomerLifetimeValueOut:
    """Per customer: orders, revenue, profit, first/last order, average order value."""
    return await run_read(service.customer_lifetime_value, limit=limit)


@router.get(
    "/purchase-behaviour/",
    response_model=PurchaseBehaviourOut,
    summary="Customers, orders, revenue by device and login type; payment-method mix",
    responses=problem_responses(422),
)
async def purchase_behaviour(
    dates: DatesDep = NO_FILTER, category: Category = None
) -> PurchaseBehaviourOut:
    """Device and login type are the customer's latest; payment method is the order's. With a
    filter: the orders in the range (holding an item of the category), their customers, and the
    revenue of their (category's) items."""
    return await run_read(service.purchase_behaviour, dates=dates, category=category)
