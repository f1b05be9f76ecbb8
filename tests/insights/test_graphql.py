"""GraphQL `analytics { … }` insights equal the REST responses (same services, same SQL)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.insights.expected import Filters

SHARE = "value customers sharePct"
SEGMENT = "value customers orders revenue averageOrderValue orderSharePct"
QUERY = f"""
query Insights($limit: Int!, $granularity: Granularity!, $category: String) {{
  analytics {{
    customers {{ totalCustomers byDeviceType {{ {SHARE} }} byLoginType {{ {SHARE} }} }}
    topCategories(limit: $limit) {{
      rank category itemCount totalQuantity totalRevenue totalProfit revenueSharePct
    }}
    profitMargins {{
      rank productId productName productCategory totalSales totalProfit marginPct
    }}
    orders {{
      orderCount itemCount totalQuantity avgQuantityPerOrder avgItemsPerOrder totalRevenue
      totalProfit averageOrderValue highOrCriticalOrders highOrCriticalPct
    }}
    discountImpact {{
      levels {{
        discount itemCount orderCount totalSales avgSales totalProfit avgProfit avgQuantity
      }}
      salesCorrelation quantityCorrelation reading
    }}
    revenueTrend(granularity: $granularity, category: $category) {{
      granularity dateFrom dateTo category
      points {{ periodStart orderCount itemCount revenue profit }}
    }}
    customerLifetimeValue(limit: $limit) {{
      top {{
        rank customerId orderCount itemCount revenue profit firstOrderDate lastOrderDate
        averageOrderValue
      }}
      distribution {{
        customerCount meanRevenue minRevenue maxRevenue meanOrders
        percentiles {{ p25 p50 p75 p90 p99 }}
      }}
    }}
    purchaseBehaviour {{
      byDeviceType {{ {SEGMENT} }} byLoginType {{ {SEGMENT} }} byPaymentMethod {{ {SEGMENT} }}
    }}
  }}
}}
"""


def camel(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            re.sub(r"_([a-z0-9])", lambda m: m[1].upper(), k): camel(v) for k, v in value.items()
        }
    if isinstance(value, list):
        return [camel(v) for v in value]
    return value


@pytest.mark.parametrize(("granularity", "category"), [("WEEK", "Fashion"), ("MONTH", None)])
def test_graphql_insights_equal_rest(
    client: TestClient, granularity: str, category: str | None
) -> None:
    variables = {"limit": 5, "granularity": granularity, "category": category}
    response = client.post("/graphql", json={"query": QUERY, "variables": variables})
    body = response.json()
    assert "errors" not in body, body
    got = body["data"]["analytics"]

    def rest(path: str, **params: Any) -> Any:
        return camel(client.get(f"/analytics/{path}/", params=params).json())

    trend = rest(
        "revenue-trend",
        granularity=granularity.lower(),
        **({"category": category} if category else {}),
    )
    trend["granularity"] = granularity
    clv = rest("customer-lifetime-value", limit=5)
    del clv["limit"]
    assert got == {
        "customers": rest("customers"),
        "topCategories": rest("top-categories", limit=5)["items"],
        "profitMargins": rest("profit-margins")["items"],
        "orders": rest("orders"),
        "discountImpact": rest("discount-impact"),
        "revenueTrend": trend,
        "customerLifetimeValue": clv,
        "purchaseBehaviour": rest("purchase-behaviour"),
    }


def test_graphql_invalid_limit_is_a_client_error(client: TestClient) -> None:
    query = "{ analytics { topCategories(limit: 0) { category } } }"
    body = client.post("/graphql", json={"query": query}).json()
    assert body["errors"] and "limit" in str(body["errors"][0])


FILTERED_QUERY = f"""
query Filtered($dateFrom: Date, $dateTo: Date, $category: String) {{
  analytics {{
    customers(dateFrom: $dateFrom, dateTo: $dateTo, category: $category) {{
      totalCustomers byDeviceType {{ {SHARE} }} byLoginType {{ {SHARE} }}
    }}
    topCategories(limit: 100, dateFrom: $dateFrom, dateTo: $dateTo, category: $category) {{
      rank category itemCount totalQuantity totalRevenue totalProfit revenueSharePct
    }}
    orders(dateFrom: $dateFrom, dateTo: $dateTo, category: $category) {{
      orderCount itemCount totalQuantity avgQuantityPerOrder avgItemsPerOrder totalRevenue
      totalProfit averageOrderValue highOrCriticalOrders highOrCriticalPct
    }}
    discountImpact(dateFrom: $dateFrom, dateTo: $dateTo, category: $category) {{
      levels {{
        discount itemCount orderCount totalSales avgSales totalProfit avgProfit avgQuantity
      }}
      salesCorrelation quantityCorrelation reading
    }}
    purchaseBehaviour(dateFrom: $dateFrom, dateTo: $dateTo, category: $category) {{
      byDeviceType {{ {SEGMENT} }} byLoginType {{ {SEGMENT} }} byPaymentMethod {{ {SEGMENT} }}
    }}
    revenue(dateFrom: $dateFrom, dateTo: $dateTo, category: $category) {{
      totalRevenue totalProfit totalShippingCost orderCount itemCount dateFrom dateTo category
    }}
    topProducts(limit: 10, dateFrom: $dateFrom, dateTo: $dateTo, category: $category) {{
      rank product {{ id name category }} totalSales totalQuantity totalProfit
    }}
  }}
}}
"""


@pytest.mark.parametrize(
    "filters",
    [
        Filters(dt.date(2018, 3, 1), dt.date(2018, 6, 30)),
        Filters(category="Fashion"),
        Filters(dt.date(2018, 2, 15), dt.date(2018, 10, 20), "Home & Furniture"),
        Filters(category="No such category"),
    ],
)
def test_graphql_filters_equal_rest(client: TestClient, filters: Filters) -> None:
    body = client.post(
        "/graphql", json={"query": FILTERED_QUERY, "variables": filters.variables()}
    ).json()
    assert "errors" not in body, body
    got = body["data"]["analytics"]

    def rest(path: str, **params: Any) -> Any:
        response = client.get(f"/analytics/{path}/", params={**params, **filters.params()})
        assert response.status_code == 200, response.text
        return camel(response.json())

    top = rest("top-products", limit=10)["items"]
    assert got.pop("topProducts") == [
        {
            "rank": t["rank"],
            "product": {
                "id": t["productId"],
                "name": t["productName"],
                "category": t["productCategory"],
            },
            "totalSales": t["totalSales"],
            "totalQuantity": t["totalQuantity"],
            "totalProfit": t["totalProfit"],
        }
        for t in top
    ]
    assert got == {
        "customers": rest("customers"),
        "topCategories": rest("top-categories", limit=100)["items"],
        "orders": rest("orders"),
        "discountImpact": rest("discount-impact"),
        "purchaseBehaviour": rest("purchase-behaviour"),
        "revenue": rest("revenue"),
    }


@pytest.mark.parametrize(
    "field", ["customers", "orders", "discountImpact", "purchaseBehaviour", "topCategories"]
)
def test_graphql_date_from_after_date_to_is_a_client_error(client: TestClient, field: str) -> None:
    arguments = 'dateFrom: "2018-05-01", dateTo: "2018-04-01"'
    query = f"{{ analytics {{ {field}({arguments}) {{ __typename }} }} }}"
    (error,) = client.post("/graphql", json={"query": query}).json()["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "parameter": "date_from"}
