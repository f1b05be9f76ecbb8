"""Response models. Money and other NUMERIC values are exact: Decimal in, 2-decimal strings out
(`app.services.amounts`)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema

from app.services.amounts import MONEY_NOTE, Decimal2, Money

LOCAL_NOTE = "Local time as recorded in the dataset, which has no time zone: no UTC offset"

LocalDateTime = Annotated[
    dt.datetime,
    PlainSerializer(lambda v: v.isoformat(timespec="seconds"), return_type=str, when_used="json"),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$",
            "examples": ["2018-01-02T10:56:33"],
        }
    ),
]
"""A naive timestamp, `YYYY-MM-DDTHH:MM:SS`: not an RFC 3339 `date-time`, which needs an offset."""

LocalTime = Annotated[
    dt.time,
    PlainSerializer(lambda v: v.isoformat(timespec="seconds"), return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "pattern": r"^\d{2}:\d{2}:\d{2}$", "examples": ["10:56:33"]}),
]
"""A naive time of day, `HH:MM:SS`: not an RFC 3339 `time`, which needs an offset."""

T = TypeVar("T")


class PageOut(BaseModel, Generic[T]):
    items: list[T] = Field(description="This page's rows, in a deterministic order.")
    total: int = Field(description="Rows matching the filters across all pages.", examples=[700])
    limit: int = Field(description="Page size used.", examples=[50])
    offset: int = Field(description="Rows skipped before this page.", examples=[0])


class CustomerOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    customer_id: str = Field(description="The dataset's Customer_Id.", examples=["37077"])
    gender: str | None = Field(examples=["Female"])
    device_type: str | None = Field(examples=["Web"])
    login_type: str | None = Field(examples=["Member"])
    profile_as_of: LocalDateTime = Field(
        description="Date and time of the order the attributes were taken from (the latest). "
        f"{LOCAL_NOTE}."
    )


class CustomerDetailOut(CustomerOut):
    order_count: int = Field(description="Orders placed.", examples=[1])
    item_count: int = Field(description="Order lines (CSV rows) across all orders.", examples=[1])
    total_sales: Money = Field(description=f"Sum of recorded sales. {MONEY_NOTE}.")
    total_profit: Money = Field(description=f"Sum of profit. {MONEY_NOTE}.")
    first_order_date: dt.date | None = Field(examples=["2018-01-02"])
    last_order_date: dt.date | None = Field(examples=["2018-01-02"])


class OrderOut(BaseModel):
    id: int = Field(description="Order id (orders.id).", examples=[1])
    customer_id: str = Field(description="The customer's dataset id.", examples=["37077"])
    order_date: dt.date = Field(examples=["2018-01-02"])
    order_time: LocalTime = Field(description=f"{LOCAL_NOTE}.")
    priority: str = Field(description="Low, Medium, High or Critical.", examples=["Medium"])
    payment_method: str | None = Field(examples=["credit_card"])
    aging: Decimal2 | None = Field(
        description=f"Days from order to delivery (first line). {MONEY_NOTE}."
    )
    item_count: int = Field(description="Order lines.", examples=[1])
    total_quantity: int = Field(description="Sum of quantities (missing ones ignored).")
    total_sales: Money = Field(description=f"Order total: sum of line sales. {MONEY_NOTE}.")
    total_profit: Money = Field(description=f"Sum of line profit. {MONEY_NOTE}.")
    total_shipping_cost: Money = Field(description=f"Sum of line shipping cost. {MONEY_NOTE}.")


class OrderItemOut(BaseModel):
    position: int = Field(description="1-based line number within the order.", examples=[1])
    product_id: int = Field(examples=[1])
    product_name: str = Field(examples=["Car Media Players"])
    product_category: str = Field(examples=["Auto & Accessories"])
    quantity: int | None = Field(description="Units; null when not recorded.", examples=[1])
    discount: Decimal2 | None = Field(description=f'Fraction 0..1, e.g. "0.30". {MONEY_NOTE}.')
    sales: Money | None = Field(description=f"Line sales as recorded. {MONEY_NOTE}.")
    profit: Money | None = Field(description=f"{MONEY_NOTE}.")
    shipping_cost: Money | None = Field(description=f"{MONEY_NOTE}.")


class OrderDetailOut(OrderOut):
    items: list[OrderItemOut]


class ProductOut(BaseModel):
    id: int = Field(examples=[1])
    name: str = Field(examples=["Car Media Players"])
    category: str = Field(examples=["Auto & Accessories"])
    units_sold: int = Field(description="Sum of quantity (missing ones ignored).", examples=[12])
    total_sales: Money = Field(description=f"Sum of recorded sales. {MONEY_NOTE}.")
    total_profit: Money = Field(description=f"Sum of profit. {MONEY_NOTE}.")
    item_count: int = Field(description="Order lines naming this product.", examples=[10])


class HealthOut(BaseModel):
    status: str = Field(examples=["ok"])
