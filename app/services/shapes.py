"""Each insight's output, declared once: what its service returns, REST serves and the CLI prints.

The services build the models from their SQL rows by column name and the GraphQL types are
derived from the models (`app/api/graphql/derive.py`), so a new column of an insight touches its
SQL file and its model here, nothing else. A field's description is its documentation in both
OpenAPI and the GraphQL schema. The models have no docstrings on purpose:
a docstring would become the OpenAPI schema's description.

Money, averages and percentages are exact decimals serialised as strings with exactly 2 decimals
(`"55.47"` means 55.47 %); correlations are strings with 4 decimals. Never floats (see
`app.services.amounts`). Model names are the OpenAPI component names; the GraphQL types are
named where they are derived.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from app.services.amounts import MONEY_NOTE, PCT_NOTE, Correlation, Decimal2, Money, Percent


class ShareOut(BaseModel):
    value: str = Field(examples=["Member"])
    customers: int = Field(examples=[648])
    share_pct: Percent = Field(description=f"Share of customers with a recorded value. {PCT_NOTE}.")


class CustomersOut(BaseModel):
    total_customers: int = Field(description="Distinct customers.", examples=[700])
    by_device_type: list[ShareOut] = Field(description="Most customers first.")
    by_login_type: list[ShareOut] = Field(description="Most customers first.")


class CategoryOut(BaseModel):
    rank: int = Field(examples=[1])
    category: str = Field(examples=["Fashion"])
    item_count: int = Field(description="Order lines.", examples=[295])
    total_quantity: int = Field(description="Units sold.", examples=[700])
    total_revenue: Money = Field(description=f"Sum of recorded sales. {MONEY_NOTE}.")
    total_profit: Money = Field(description=f"{MONEY_NOTE}.")
    revenue_share_pct: Percent | None = Field(description=f"Share of all revenue. {PCT_NOTE}.")


class TopCategoriesOut(BaseModel):
    limit: int = Field(examples=[3])
    items: list[CategoryOut]


class ProductMarginOut(BaseModel):
    rank: int = Field(examples=[1])
    product_id: int = Field(examples=[14])
    product_name: str = Field(examples=["LCD"])
    product_category: str = Field(examples=["Electronic"])
    total_sales: Money = Field(description=f"Sum of recorded sales. {MONEY_NOTE}.")
    total_profit: Money = Field(description=f"{MONEY_NOTE}.")
    margin_pct: Percent | None = Field(
        description=f"100 * sum(profit) / sum(sales); null without sales. {PCT_NOTE}."
    )


class ProfitMarginsOut(BaseModel):
    limit: int | None = Field(description="null = every product.", examples=[None])
    items: list[ProductMarginOut]


class OrdersOut(BaseModel):
    order_count: int = Field(description="Derived orders.", examples=[690])
    item_count: int = Field(description="Order lines.", examples=[700])
    total_quantity: int = Field(description="Units (missing quantities ignored).")
    avg_quantity_per_order: Decimal2 | None = Field(
        description="Units per order, over orders with a recorded quantity (2 decimals)."
    )
    avg_items_per_order: Decimal2 | None = Field(description="Order lines per order (2 decimals).")
    total_revenue: Money = Field(description=f"Sum of recorded sales. {MONEY_NOTE}.")
    total_profit: Money = Field(description=f"{MONEY_NOTE}.")
    average_order_value: Money | None = Field(description=f"Revenue / orders. {MONEY_NOTE}.")
    high_or_critical_orders: int = Field(description="Orders with priority High or Critical.")
    high_or_critical_pct: Percent | None = Field(description=f"Of all orders. {PCT_NOTE}.")


class DiscountLevelOut(BaseModel):
    discount: Decimal2 = Field(description='Discount fraction, e.g. "0.30".')
    item_count: int = Field(examples=[247])
    order_count: int = Field(description="Orders holding at least one such item.")
    total_sales: Money = Field(description=f"{MONEY_NOTE}.")
    avg_sales: Money | None = Field(description=f"Per item. {MONEY_NOTE}.")
    total_profit: Money = Field(description=f"{MONEY_NOTE}.")
    avg_profit: Money | None = Field(description=f"Per item. {MONEY_NOTE}.")
    avg_quantity: Decimal2 | None = Field(description="Units per item (2 decimals).")


class DiscountImpactOut(BaseModel):
    levels: list[DiscountLevelOut] = Field(description="Lowest discount first.")
    sales_correlation: Correlation | None = Field(
        description="Pearson r between discount and sales over all items (4 decimals)."
    )
    quantity_correlation: Correlation | None = Field(
        description="Pearson r between discount and quantity over all items (4 decimals)."
    )
    reading: str = Field(description="Does a higher discount lead to more sales? From the r's.")


class TrendPointOut(BaseModel):
    period_start: dt.date = Field(description="First day of the day / ISO week / month.")
    order_count: int
    item_count: int
    revenue: Money = Field(description=f"{MONEY_NOTE}.")
    profit: Money = Field(description=f"{MONEY_NOTE}.")


class RevenueTrendOut(BaseModel):
    granularity: str = Field(examples=["month"])
    date_from: dt.date | None
    date_to: dt.date | None
    category: str | None
    points: list[TrendPointOut] = Field(
        description="Oldest first; periods without orders left out."
    )


class CustomerValueOut(BaseModel):
    rank: int = Field(examples=[1])
    customer_id: str = Field(examples=["37077"])
    order_count: int
    item_count: int
    revenue: Money = Field(description=f"{MONEY_NOTE}.")
    profit: Money = Field(description=f"{MONEY_NOTE}.")
    first_order_date: dt.date
    last_order_date: dt.date
    average_order_value: Money = Field(description=f"Revenue / orders. {MONEY_NOTE}.")


class ValueDistributionOut(BaseModel):
    customer_count: int
    mean_revenue: Money | None = Field(description=f"{MONEY_NOTE}.")
    min_revenue: Money | None = Field(description=f"{MONEY_NOTE}.")
    max_revenue: Money | None = Field(description=f"{MONEY_NOTE}.")
    percentiles: dict[str, Money] = Field(
        description="Revenue per customer at p25, p50, p75, p90, p99 (percentile_disc: observed "
        f"amounts). {MONEY_NOTE}."
    )
    mean_orders: Decimal2 | None = Field(description="Orders per customer (2 decimals).")


class CustomerLifetimeValueOut(BaseModel):
    limit: int = Field(examples=[10])
    top: list[CustomerValueOut] = Field(description="Highest revenue first; ties by customer id.")
    distribution: ValueDistributionOut


class SegmentOut(BaseModel):
    value: str = Field(examples=["Web"])
    customers: int
    orders: int
    revenue: Money = Field(description=f"{MONEY_NOTE}.")
    average_order_value: Money | None = Field(description=f"{MONEY_NOTE}.")
    order_share_pct: Percent | None = Field(description=f"Share of orders. {PCT_NOTE}.")


class PurchaseBehaviourOut(BaseModel):
    by_device_type: list[SegmentOut] = Field(description="By the customer's (latest) device.")
    by_login_type: list[SegmentOut] = Field(description="By the customer's (latest) login type.")
    by_payment_method: list[SegmentOut] = Field(description="Payment-method mix, per order.")


class TopProductOut(BaseModel):
    rank: int = Field(description="1 = best by the chosen metric.", examples=[1])
    product_id: int = Field(examples=[1])
    product_name: str = Field(examples=["Car Media Players"])
    product_category: str = Field(examples=["Auto & Accessories"])
    total_sales: Money = Field(description=f"Sum of recorded sales. {MONEY_NOTE}.")
    total_quantity: int = Field(description="Units sold.", examples=[12])
    total_profit: Money = Field(description=f"Sum of profit. {MONEY_NOTE}.")


class TopProductsOut(BaseModel):
    by: str = Field(description="The metric ranked by.", examples=["sales"])
    limit: int = Field(examples=[5])
    items: list[TopProductOut]


class RevenueOut(BaseModel):
    total_revenue: Money = Field(
        description=f"Sum of recorded line sales (not scaled by quantity). {MONEY_NOTE}."
    )
    total_profit: Money = Field(description=f"{MONEY_NOTE}.")
    total_shipping_cost: Money = Field(description=f"{MONEY_NOTE}.")
    order_count: int = Field(examples=[700])
    item_count: int = Field(description="Order lines.", examples=[700])
    date_from: dt.date | None = Field(description="Inclusive start, if filtered.")
    date_to: dt.date | None = Field(description="Inclusive end, if filtered.")
    category: str | None = Field(
        default=None, description="The product category, if filtered.", examples=[None]
    )
