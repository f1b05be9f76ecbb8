"""Insight routes under /analytics (top products and revenue are in `analytics.py`).

Thin: each route validates its query parameters, calls one `app.services.insights` function
(which runs one SQL file from `queries/`) and shapes the dataclasses into response models.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from app.api.rest.deps import date_range
from app.api.rest.errors import problem_responses
from app.api.rest.insight_schemas import (
    CustomerLifetimeValueOut,
    CustomersOut,
    DiscountImpactOut,
    OrdersOut,
    ProfitMarginsOut,
    PurchaseBehaviourOut,
    RevenueTrendOut,
    TopCategoriesOut,
)
from app.db.engine import get_session
from app.services import insights as service
from app.services.validation import DateRange

router = APIRouter(prefix="/analytics", tags=["analytics"])

SessionDep = Annotated[Session, Depends(get_session)]


def _limit(default: int, description: str) -> object:
    return Query(ge=1, le=service.LIMIT_MAX, description=description, examples=[default])


@router.get(
    "/customers/",
    response_model=CustomersOut,
    summary="Customers: count, per device type, share of each login type",
    responses=problem_responses(),
)
def customers(session: SessionDep) -> CustomersOut:
    """Device and login type are the customer's latest; unrecorded values are left out."""
    return CustomersOut.model_validate(asdict(service.customers_overview(session)))


@router.get(
    "/top-categories/",
    response_model=TopCategoriesOut,
    summary="Top product categories by revenue",
    responses=problem_responses(422),
)
def top_categories(
    session: SessionDep,
    limit: Annotated[int, _limit(3, "How many categories (1..100).")] = 3,
) -> TopCategoriesOut:
    """Most revenue first; ties broken by category name."""
    rows = service.top_categories(session, limit=limit)
    return TopCategoriesOut.model_validate({"limit": limit, "items": [asdict(r) for r in rows]})


@router.get(
    "/profit-margins/",
    response_model=ProfitMarginsOut,
    summary="Products ranked by profit margin (sum of profit / sum of sales)",
    responses=problem_responses(422),
)
def profit_margins(
    session: SessionDep,
    limit: Annotated[int | None, _limit(10, "How many products (1..100); all if omitted.")] = None,
) -> ProfitMarginsOut:
    """Highest margin first; ties broken by product name."""
    rows = service.profit_margins(session, limit=limit)
    return ProfitMarginsOut.model_validate({"limit": limit, "items": [asdict(r) for r in rows]})


@router.get(
    "/orders/",
    response_model=OrdersOut,
    summary="Orders: average size, revenue, profit, share of High/Critical priority",
    responses=problem_responses(),
)
def orders(session: SessionDep) -> OrdersOut:
    """An order is the CSV rows sharing customer, date and time."""
    return OrdersOut.model_validate(asdict(service.orders_overview(session)))


@router.get(
    "/discount-impact/",
    response_model=DiscountImpactOut,
    summary="Sales, profit and quantity per discount level; does discount drive sales?",
    responses=problem_responses(),
)
def discount_impact(session: SessionDep) -> DiscountImpactOut:
    """Grouped by discount; `reading` is derived from the correlations, not written by hand."""
    return DiscountImpactOut.model_validate(asdict(service.discount_impact(session)))


@router.get(
    "/revenue-trend/",
    response_model=RevenueTrendOut,
    summary="Revenue, profit and orders per day, ISO week or month",
    responses=problem_responses(422),
)
def revenue_trend(
    session: SessionDep,
    dates: Annotated[DateRange, Depends(date_range)],
    granularity: Annotated[
        service.Granularity,
        Query(description="day, week (ISO, from Monday) or month.", examples=["month"]),
    ] = service.Granularity.MONTH,
    category: Annotated[
        str | None,
        Query(description="Only this product category's items.", examples=["Fashion"]),
    ] = None,
) -> RevenueTrendOut:
    """Oldest period first; periods without orders are left out."""
    trend = service.revenue_trend(session, granularity=granularity, dates=dates, category=category)
    return RevenueTrendOut.model_validate({**asdict(trend), "granularity": trend.granularity.value})


@router.get(
    "/customer-lifetime-value/",
    response_model=CustomerLifetimeValueOut,
    summary="Top customers by revenue and the distribution of revenue per customer",
    responses=problem_responses(422),
)
def customer_lifetime_value(
    session: SessionDep,
    limit: Annotated[int, _limit(10, "How many top customers (1..100).")] = 10,
) -> CustomerLifetimeValueOut:
    """Per customer: orders, revenue, profit, first/last order, average order value."""
    clv = service.customer_lifetime_value(session, limit=limit)
    return CustomerLifetimeValueOut.model_validate({"limit": limit, **asdict(clv)})


@router.get(
    "/purchase-behaviour/",
    response_model=PurchaseBehaviourOut,
    summary="Customers, orders, revenue by device and login type; payment-method mix",
    responses=problem_responses(),
)
def purchase_behaviour(session: SessionDep) -> PurchaseBehaviourOut:
    """Device and login type are the customer's latest; payment method is the order's."""
    return PurchaseBehaviourOut.model_validate(asdict(service.purchase_behaviour(session)))
