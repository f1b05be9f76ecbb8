"""GET /orders/ and /orders/{order_id} against pandas computations over the CSV."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient

from tests.api.expected import Expected, money
from tests.api.helpers import all_pages, assert_invalid, assert_money, assert_problem

INT4_MAX = 2**31 - 1


def _key(order: dict) -> tuple[str, str, str]:
    return (order["customer_id"], order["order_date"], order["order_time"])


def test_list_has_every_order_with_exact_totals(client: TestClient, expected: Expected) -> None:
    orders = list(all_pages(client, "/orders/"))
    assert len(orders) == len(expected.orders) == 700
    assert len({o["id"] for o in orders}) == 700
    for order in orders:
        row = expected.orders.loc[_key(order)]  # type: ignore[index]  # MultiIndex tuple
        assert assert_money(order["total_sales"]) == money(row["total_sales"])
        assert assert_money(order["total_profit"]) == money(row["total_profit"])
        assert assert_money(order["total_shipping_cost"]) == money(row["total_shipping_cost"])
        assert order["item_count"] == row["item_count"]
        assert order["total_quantity"] == row["total_quantity"]
        assert order["priority"] == row["priority"]
        assert order["payment_method"] == row["payment_method"]


def test_list_is_ordered_by_date_time_id(client: TestClient) -> None:
    orders = list(all_pages(client, "/orders/", limit=37))
    keys = [(o["order_date"], o["order_time"], o["id"]) for o in orders]
    assert keys == sorted(keys)


def test_pagination_total_and_beyond_the_end(client: TestClient, expected: Expected) -> None:
    total = len(expected.orders)
    page = client.get("/orders/", params={"limit": 3, "offset": total - 2}).json()
    assert (len(page["items"]), page["total"], page["limit"], page["offset"]) == (
        2,
        total,
        3,
        total - 2,
    )
    beyond = client.get("/orders/", params={"offset": total}).json()
    assert (beyond["items"], beyond["total"]) == ([], total)


def test_customer_filter_uses_dataset_id(client: TestClient, expected: Expected) -> None:
    orders = client.get("/orders/", params={"customer_id": "31526"}).json()
    assert orders["total"] == expected.customers.loc["31526", "order_count"] == 2
    assert {o["customer_id"] for o in orders["items"]} == {"31526"}
    want = sorted((d, t) for c, d, t in expected.orders.index if c == "31526")
    assert [(o["order_date"], o["order_time"]) for o in orders["items"]] == want


def test_unknown_customer_filter_gives_empty_page(client: TestClient) -> None:
    assert client.get("/orders/", params={"customer_id": "nobody"}).json()["total"] == 0


@pytest.mark.parametrize(
    ("date_from", "date_to"),
    [("2018-03-01", "2018-03-31"), ("2018-06-15", None), (None, "2018-01-31")],
)
def test_date_range_is_inclusive(
    client: TestClient, expected: Expected, date_from: str | None, date_to: str | None
) -> None:
    params = {k: v for k, v in {"date_from": date_from, "date_to": date_to}.items() if v}
    got = sorted(_key(o) for o in all_pages(client, "/orders/", params))
    start = dt.date.fromisoformat(date_from) if date_from else None
    end = dt.date.fromisoformat(date_to) if date_to else None
    rows = expected.rows_between(start, end)
    want = sorted(set(zip(rows["Customer_Id"], rows["Order_Date"], rows["Time"], strict=True)))
    assert got == want
    assert 0 < len(got) < 700


def test_single_day_range_includes_both_ends(client: TestClient, expected: Expected) -> None:
    day = "2018-01-02"
    got = client.get("/orders/", params={"date_from": day, "date_to": day}).json()
    assert got["total"] == int((expected.rows["Order_Date"] == day).sum()) > 0


@pytest.mark.parametrize("priority", ["Low", "Medium", "High", "Critical"])
def test_priority_filter(client: TestClient, expected: Expected, priority: str) -> None:
    got = list(all_pages(client, "/orders/", {"priority": priority}))
    assert len(got) == int((expected.orders["priority"] == priority).sum())
    assert {o["priority"] for o in got} == {priority}


def test_payment_method_filter_combined_with_priority(
    client: TestClient, expected: Expected
) -> None:
    o = expected.orders
    want = int(((o["payment_method"] == "e_wallet") & (o["priority"] == "High")).sum())
    got = client.get("/orders/", params={"payment_method": "e_wallet", "priority": "High"}).json()
    assert got["total"] == want > 0


def test_detail_has_items_totals_and_customer(client: TestClient, expected: Expected) -> None:
    listed = client.get("/orders/", params={"customer_id": "52267"}).json()["items"]
    assert len(listed) == 1
    order = client.get(f"/orders/{listed[0]['id']}").json()
    row = expected.rows[expected.rows["Customer_Id"] == "52267"].iloc[0]
    assert order["customer_id"] == "52267"
    assert order["total_sales"] == money(row["Sales"])
    [item] = order["items"]
    assert item["position"] == 1
    assert (item["product_name"], item["product_category"]) == (
        row["Product"],
        row["Product_Category"],
    )
    # This row's Quantity is blank in the CSV: null, and ignored by the total.
    assert item["quantity"] is None
    assert order["total_quantity"] == 0
    assert item["discount"] == "0.10"
    assert item["sales"] == "72.00"
    assert assert_money(item["profit"]) == money(row["Profit"])
    assert assert_money(item["shipping_cost"]) == money(row["Shipping_Cost"])
    assert isinstance(item["product_id"], int)


def test_detail_totals_and_items_match_pandas(client: TestClient, expected: Expected) -> None:
    rows = expected.rows.sort_values("row").groupby(["Customer_Id", "Order_Date", "Time"])
    for order in client.get("/orders/", params={"limit": 100}).json()["items"]:
        detail = client.get(f"/orders/{order['id']}").json()
        want = expected.orders.loc[_key(detail)]  # type: ignore[index]  # MultiIndex tuple
        lines = rows.get_group(_key(detail))
        assert detail["item_count"] == len(detail["items"]) == want["item_count"] == len(lines)
        assert detail["total_sales"] == money(want["total_sales"])
        assert detail["total_profit"] == money(want["total_profit"])
        assert detail["total_shipping_cost"] == money(want["total_shipping_cost"])
        assert detail["total_quantity"] == want["total_quantity"]
        assert [i["position"] for i in detail["items"]] == list(range(1, len(lines) + 1))
        assert [(i["product_name"], i["sales"]) for i in detail["items"]] == [
            (name, None if sales is None else money(sales))
            for name, sales in zip(lines["Product"], lines["Sales"], strict=True)
        ]


def test_missing_aging_is_null(client: TestClient) -> None:
    [order] = client.get("/orders/", params={"customer_id": "26058"}).json()["items"]
    assert order["aging"] is None
    [other] = client.get("/orders/", params={"customer_id": "37077"}).json()["items"]
    assert other["aging"] == "8.00"


@pytest.mark.parametrize("order_id", ["0", "-1", "999999", str(INT4_MAX), str(INT4_MAX + 1)])
def test_unknown_order_is_404(client: TestClient, order_id: str) -> None:
    body = assert_problem(client.get(f"/orders/{order_id}"), 404)
    assert order_id in body["detail"]


def test_huge_order_id_is_not_a_server_error(client: TestClient) -> None:
    assert_problem(client.get("/orders/" + "9" * 40), 404)


@pytest.mark.parametrize("order_id", ["abc", "1.5", "1e3", "%20"])
def test_non_numeric_order_id_is_422(client: TestClient, order_id: str) -> None:
    assert_invalid(client.get(f"/orders/{order_id}"), "order_id", location="path")


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"priority": "low"}, "priority"),
        ({"priority": "Urgent"}, "priority"),
        ({"date_from": "2018-13-01"}, "date_from"),
        ({"date_to": "yesterday"}, "date_to"),
        ({"limit": 501}, "limit"),
        ({"offset": "x"}, "offset"),
        ({"payment_method": "card\x00"}, "payment_method"),
    ],
)
def test_invalid_parameters_are_422(client: TestClient, params: dict, parameter: str) -> None:
    assert_invalid(client.get("/orders/", params=params), parameter)


def test_date_from_after_date_to_is_422_with_clear_message(client: TestClient) -> None:
    response = client.get("/orders/", params={"date_from": "2018-05-01", "date_to": "2018-04-30"})
    body = assert_invalid(response, "date_from")
    assert "2018-05-01" in body["errors"][0]["message"]
    assert "before" in body["errors"][0]["message"]
