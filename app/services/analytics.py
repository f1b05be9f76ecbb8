"""Top products and the revenue summary; their SQL lives once in `queries/*.sql` and runs only
from here. Their outputs are declared once in `app.services.shapes`, as every insight's."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy.orm import Session

from app.services.errors import InvalidParameterError
from app.services.insights import filter_params
from app.services.shapes import RevenueOut, TopProductOut, TopProductsOut
from app.services.validation import DateRange
from queries import load_query

TOP_PRODUCTS_MAX = 100


class TopProductMetric(StrEnum):
    SALES = "sales"
    QUANTITY = "quantity"
    PROFIT = "profit"


def top_products(
    session: Session,
    *,
    by: TopProductMetric | str = TopProductMetric.SALES,
    limit: int = 5,
    dates: DateRange = DateRange(),
    category: str | None = None,
) -> TopProductsOut:
    """The `limit` best products by `by` (of `category`, if given), ties broken by name; rank 1
    is the best."""
    try:
        metric = TopProductMetric(by)
    except ValueError:
        allowed = ", ".join(m.value for m in TopProductMetric)
        raise InvalidParameterError("by", f"must be one of {allowed}") from None
    if not 1 <= limit <= TOP_PRODUCTS_MAX:
        raise InvalidParameterError("limit", f"must be between 1 and {TOP_PRODUCTS_MAX}")
    rows = session.execute(
        load_query("top_products"),
        {"by": metric.value, "limit": limit, **filter_params(session, dates, category)},
    ).all()
    items = [
        TopProductOut.model_validate({"rank": rank, **row._mapping})
        for rank, row in enumerate(rows, start=1)
    ]
    return TopProductsOut(by=metric.value, limit=limit, items=items)


def revenue_summary(
    session: Session, dates: DateRange = DateRange(), *, category: str | None = None
) -> RevenueOut:
    """Revenue (sum of recorded sales), profit, shipping, order and item counts in a date range;
    with a category, of its items and the orders holding one."""
    params = filter_params(session, dates, category)
    row = session.execute(load_query("revenue"), params).one()
    return RevenueOut(
        **row._mapping,
        date_from=dates.date_from,
        date_to=dates.date_to,
        category=params["category"],
    )
