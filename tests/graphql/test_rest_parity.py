"""GraphQL and REST are two views of the same services: for the same rows they must agree."""

from __future__ import annotations

from fastapi.testclient import TestClient

from app.api.graphql.pagination import encode_cursor
from tests.graphql.conftest import GraphQL

CUSTOMERS = """
query Page($n: Int!, $after: String) {
  customers(first: $n, after: $after) {
    edges { node {
      customerId gender deviceType loginType profileAsOf
      orderCount itemCount totalSales totalProfit firstOrderDate lastOrderDate
      orders(first: 100) { edges { node {
        id orderDate orderTime priority paymentMethod aging
        total itemCount totalQuantity totalProfit totalShippingCost
        customer { customerId }
        items {
          position quantity discount sales profit shippingCost
          product { id name category }
        }
      } } }
    } }
  }
}
"""


def _customer_as_rest(node: dict[str, object]) -> dict[str, object]:
    return {
        "customer_id": node["customerId"],
        "gender": node["gender"],
        "device_type": node["deviceType"],
        "login_type": node["loginType"],
        "profile_as_of": node["profileAsOf"],
        "order_count": node["orderCount"],
        "item_count": node["itemCount"],
        "total_sales": node["totalSales"],
        "total_profit": node["totalProfit"],
        "first_order_date": node["firstOrderDate"],
        "last_order_date": node["lastOrderDate"],
    }


def _order_as_rest(node: dict[str, object]) -> dict[str, object]:
    customer = node["customer"]
    assert isinstance(customer, dict)
    items = node["items"]
    assert isinstance(items, list)
    return {
        "id": node["id"],
        "customer_id": customer["customerId"],
        "order_date": node["orderDate"],
        "order_time": node["orderTime"],
        "priority": node["priority"],
        "payment_method": node["paymentMethod"],
        "aging": node["aging"],
        "item_count": node["itemCount"],
        "total_quantity": node["totalQuantity"],
        "total_sales": node["total"],
        "total_profit": node["totalProfit"],
        "total_shipping_cost": node["totalShippingCost"],
        "items": [
            {
                "position": item["position"],
                "product_id": item["product"]["id"],
                "product_name": item["product"]["name"],
                "product_category": item["product"]["category"],
                "quantity": item["quantity"],
                "discount": item["discount"],
                "sales": item["sales"],
                "profit": item["profit"],
                "shipping_cost": item["shippingCost"],
            }
            for item in items
        ],
    }


def test_nested_customers_equal_rest_customer_and_order_routes(
    data: GraphQL, client: TestClient
) -> None:
    page = data(CUSTOMERS, n=100, after=None)["customers"]["edges"]
    rest_page = client.get("/customers/", params={"limit": 100}).json()["items"]
    assert [e["node"]["customerId"] for e in page] == [c["customer_id"] for c in rest_page]
    compared_orders = 0
    for edge in page[:40]:
        node = edge["node"]
        rest = client.get(f"/customers/{node['customerId']}").json()
        assert _customer_as_rest(node) == rest
        orders = [e["node"] for e in node["orders"]["edges"]]
        assert len(orders) == rest["order_count"]
        for order in orders:
            assert _order_as_rest(order) == client.get(f"/orders/{order['id']}").json()
            compared_orders += 1
    assert compared_orders >= 40


def test_orders_page_equals_rest_orders_page(data: GraphQL, client: TestClient) -> None:
    query = """query($after: String) { orders(first: 50, after: $after) { edges { node {
        id orderDate orderTime priority paymentMethod aging
        total itemCount totalQuantity totalProfit totalShippingCost customer { customerId }
        items { position quantity discount sales profit shippingCost product { id name category } }
    } } } }"""
    # Resume behind the 20th order: offset 20.
    nodes = [e["node"] for e in data(query, after=encode_cursor(19))["orders"]["edges"]]
    rest = client.get("/orders/", params={"limit": 50, "offset": 20}).json()["items"]
    assert [{k: v for k, v in _order_as_rest(n).items() if k != "items"} for n in nodes] == rest


def test_products_equal_rest_products(data: GraphQL, client: TestClient) -> None:
    query = """{ products(first: 100, filter: {q: "car"}) { totalCount edges { node {
        id name category unitsSold totalSales totalProfit itemCount } } } }"""
    got = data(query)["products"]
    rest = client.get("/products/", params={"limit": 100, "q": "car"}).json()
    assert got["totalCount"] == rest["total"] > 0
    assert [
        {
            "id": n["id"],
            "name": n["name"],
            "category": n["category"],
            "units_sold": n["unitsSold"],
            "total_sales": n["totalSales"],
            "total_profit": n["totalProfit"],
            "item_count": n["itemCount"],
        }
        for n in (e["node"] for e in got["edges"])
    ] == rest["items"]


def test_analytics_equal_rest_analytics(data: GraphQL, client: TestClient) -> None:
    query = """{ analytics {
        revenue(dateFrom: "2018-03-01", dateTo: "2018-06-30") {
            totalRevenue totalProfit totalShippingCost orderCount itemCount dateFrom dateTo }
        topProducts(limit: 7, by: PROFIT) {
            rank product { id name category } totalSales totalQuantity totalProfit }
    } }"""
    got = data(query)["analytics"]
    revenue = client.get(
        "/analytics/revenue/", params={"date_from": "2018-03-01", "date_to": "2018-06-30"}
    ).json()
    assert got["revenue"] == {
        "totalRevenue": revenue["total_revenue"],
        "totalProfit": revenue["total_profit"],
        "totalShippingCost": revenue["total_shipping_cost"],
        "orderCount": revenue["order_count"],
        "itemCount": revenue["item_count"],
        "dateFrom": revenue["date_from"],
        "dateTo": revenue["date_to"],
    }
    top = client.get("/analytics/top-products/", params={"by": "profit", "limit": 7}).json()
    assert [
        {
            "rank": t["rank"],
            "product_id": t["product"]["id"],
            "product_name": t["product"]["name"],
            "product_category": t["product"]["category"],
            "total_sales": t["totalSales"],
            "total_quantity": t["totalQuantity"],
            "total_profit": t["totalProfit"],
        }
        for t in got["topProducts"]
    ] == top["items"]
