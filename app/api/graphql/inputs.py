"""Filter inputs and sort enums: the REST filters, converted to the services' own argument types.

The services validate (NUL bytes, date order, …) so GraphQL and REST refuse the same things with
the same messages; a refusal becomes a GraphQL error naming the parameter.
"""

from __future__ import annotations

import datetime as dt
from enum import Enum

import strawberry

from app.services.analytics import TopProductMetric
from app.services.customers import CustomerFilters, CustomerSort
from app.services.orders import OrderFilters, OrderSort
from app.services.products import ProductFilters, ProductSort
from app.services.validation import DateRange


@strawberry.enum
class CustomerOrderBy(Enum):
    CUSTOMER_ID = CustomerSort.CUSTOMER_ID
    TOTAL_SALES_DESC = CustomerSort.TOTAL_SALES_DESC
    ORDER_COUNT_DESC = CustomerSort.ORDER_COUNT_DESC


@strawberry.enum
class OrderOrderBy(Enum):
    ORDER_DATE = OrderSort.ORDER_DATE
    ORDER_DATE_DESC = OrderSort.ORDER_DATE_DESC


@strawberry.enum
class ProductOrderBy(Enum):
    CATEGORY_NAME = ProductSort.CATEGORY_NAME
    TOTAL_SALES_DESC = ProductSort.TOTAL_SALES_DESC
    UNITS_SOLD_DESC = ProductSort.UNITS_SOLD_DESC


@strawberry.enum
class OrderPriority(Enum):
    LOW = "Low"
    MEDIUM = "Medium"
    HIGH = "High"
    CRITICAL = "Critical"


@strawberry.enum
class TopProductsBy(Enum):
    SALES = TopProductMetric.SALES
    QUANTITY = TopProductMetric.QUANTITY
    PROFIT = TopProductMetric.PROFIT


@strawberry.input(description="Exact-match filters; omitted fields match anything.")
class CustomerFilter:
    gender: str | None = None
    device_type: str | None = None
    login_type: str | None = None

    def to_service(self) -> CustomerFilters:
        return CustomerFilters(
            gender=self.gender, device_type=self.device_type, login_type=self.login_type
        )


@strawberry.input(description="Order filters; the date range is inclusive.")
class OrderFilter:
    customer_id: str | None = strawberry.field(default=None, description="The dataset's id.")
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    priority: OrderPriority | None = None
    payment_method: str | None = None

    def to_service(self) -> OrderFilters:
        return OrderFilters(
            customer_id=self.customer_id,
            dates=DateRange(self.date_from, self.date_to),
            priority=None if self.priority is None else self.priority.value,
            payment_method=self.payment_method,
        )


@strawberry.input(description="`category` matches exactly; `q` is a substring of the name.")
class ProductFilter:
    category: str | None = None
    q: str | None = None

    def to_service(self) -> ProductFilters:
        return ProductFilters(category=self.category, q=self.q)


def customer_filters(value: CustomerFilter | None) -> CustomerFilters:
    return CustomerFilters() if value is None else value.to_service()


def order_filters(value: OrderFilter | None) -> OrderFilters:
    return OrderFilters() if value is None else value.to_service()


def product_filters(value: ProductFilter | None) -> ProductFilters:
    return ProductFilters() if value is None else value.to_service()
