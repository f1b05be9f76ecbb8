"""The dashboard in headless Chromium against the real app over the real sample: every chart draws
the API's numbers, KPIs equal the API's, filters and switches re-query, the customer lookup works,
and loading and error states show."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import httpx
from playwright.sync_api import Browser, Page, Route, expect

from tests.dashboard import expected
from tests.dashboard.browser import (
    CHARTS,
    PANELS,
    PHONE,
    kpis,
    panel_states,
    traces,
    wait_until_settled,
)
from tests.dashboard.conftest import Dashboard, needs_chromium, open_dashboard
from tests.dashboard.panels import assert_every_panel_shows, drawn

pytestmark = needs_chromium

ALL_READY = dict.fromkeys(PANELS, "ready")


def opened(dashboard: Dashboard, query: str = "") -> Dashboard:
    dashboard.page.goto(dashboard.url + query)
    wait_until_settled(dashboard.page)
    return dashboard


def test_every_chart_draws_the_apis_data_without_console_errors(
    dashboard: Dashboard, api: httpx.Client
) -> None:
    page = opened(dashboard).page
    assert panel_states(page) == ALL_READY
    for chart in CHARTS:
        drawn = traces(page, chart)
        assert drawn, chart
        assert all(len(t["x"]) or len(t["values"]) for t in drawn), chart
    assert_every_panel_shows(page, api)
    expect(page.locator("#kpi-source")).to_contain_text("All orders and customers.")
    assert dashboard.problems.messages == []


def test_kpis_equal_the_apis_numbers(dashboard: Dashboard, api: httpx.Client) -> None:
    page = opened(dashboard).page
    shown = kpis(page)
    assert shown == expected.kpis(api)
    overview = expected.get(api, "/analytics/orders/")
    assert shown["aov"] == expected.money(overview["average_order_value"])
    assert shown["orders"] == expected.count(overview["order_count"])


def changed(page: Page, api: httpx.Client, before: dict[str, Any], filters: dict[str, str]) -> None:
    """Every panel and every KPI card now shows the API's answer to `filters`, which differs
    from what it showed `before`."""
    assert_every_panel_shows(page, api, filters)
    after = drawn(page, api, filters)["got"]
    assert [k for k in before["kpis"] if before["kpis"][k] == after["kpis"][k]] == []
    assert [k for k in before if k != "kpis" and before[k] == after[k]] == []


def test_a_date_range_redraws_every_panel(dashboard: Dashboard, api: httpx.Client) -> None:
    page = opened(dashboard).page
    before = drawn(page, api)["got"]
    dates = {"date_from": "2018-03-01", "date_to": "2018-06-30"}
    want = expected.kpis(api, **dates)

    page.fill("#date-from", dates["date_from"])
    page.fill("#date-to", dates["date_to"])
    expect(page.locator('[data-kpi="revenue"]')).to_have_text(want["revenue"])
    wait_until_settled(page)
    assert panel_states(page) == ALL_READY
    changed(page, api, before, dates)
    expect(page.locator("#kpi-source")).to_contain_text("Orders dated 2018-03-01 to 2018-06-30")
    assert "date_from=2018-03-01" in page.url
    assert dashboard.problems.messages == []


def test_a_category_redraws_every_panel(dashboard: Dashboard, api: httpx.Client) -> None:
    page = opened(dashboard).page
    before = drawn(page, api)["got"]
    want = expected.kpis(api, category="Fashion")
    page.select_option("#category", "Fashion")
    expect(page.locator('[data-kpi="revenue"]')).to_have_text(want["revenue"])
    wait_until_settled(page)
    assert panel_states(page) == ALL_READY
    changed(page, api, before, {"category": "Fashion"})
    expect(page.locator("#kpi-source")).to_contain_text("holding a Fashion item")

    # With a date range too: both filters reach every panel.
    before = drawn(page, api, {"category": "Fashion"})["got"]
    both = {"date_from": "2018-07-01", "date_to": "2018-12-31", "category": "Fashion"}
    page.fill("#date-from", both["date_from"])
    page.fill("#date-to", both["date_to"])
    want = expected.kpis(api, **both)
    expect(page.locator('[data-kpi="revenue"]')).to_have_text(want["revenue"])
    wait_until_settled(page)
    changed(page, api, before, both)

    page.click("#reset")
    expect(page.locator('[data-kpi="revenue"]')).to_have_text(expected.kpis(api)["revenue"])
    wait_until_settled(page)
    assert_every_panel_shows(page, api)

    # A click on a category's bars selects that category.
    last = expected.get(api, "/analytics/top-categories/", limit=100)["items"][-1]["category"]
    page.locator("#categories").scroll_into_view_if_needed()
    box = page.locator("#categories .chart .trace.bars").first.locator(".point").last.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(page.locator("#category")).to_have_value(last)
    want = expected.kpis(api, category=last)
    expect(page.locator('[data-kpi="revenue"]')).to_have_text(want["revenue"])
    wait_until_settled(page)
    assert_every_panel_shows(page, api, {"category": last})
    assert dashboard.problems.messages == []


def test_filters_in_the_url_apply_to_every_panel(dashboard: Dashboard, api: httpx.Client) -> None:
    filters = {"date_from": "2018-05-01", "date_to": "2018-09-30", "category": "Home & Furniture"}
    page = opened(dashboard, "?" + urlencode({**filters, "granularity": "week"})).page
    assert panel_states(page) == ALL_READY
    assert_every_panel_shows(page, api, filters, granularity="week")
    expect(page.locator("#category")).to_have_value(filters["category"])
    expect(page.locator("#date-from")).to_have_value(filters["date_from"])
    assert dashboard.problems.messages == []


def test_filters_matching_nothing_show_empty_states(dashboard: Dashboard) -> None:
    page = opened(dashboard, "?date_from=2030-01-01").page
    charts = dict.fromkeys(CHARTS, "empty")
    assert panel_states(page) == {**ALL_READY, **charts}
    expect(page.locator("#trend [data-role=state]")).to_have_text("No data for these filters.")
    dash = "\N{EN DASH}"  # no value: nothing to divide by
    assert kpis(page) == {
        "revenue": "0.00",
        "profit": "0.00",
        "margin": dash,
        "orders": "0",
        "aov": dash,
        "customers": "0",
        "urgent": dash,
    }
    assert page.inner_text("#discounts .reading") == ""
    assert dashboard.problems.messages == []


def test_switches_redraw_the_trend_and_top_products(
    dashboard: Dashboard, api: httpx.Client
) -> None:
    page = opened(dashboard).page
    weeks = expected.get(api, "/analytics/revenue-trend/", granularity="week")["points"]
    page.locator("#trend label", has_text="Week").click()
    page.wait_for_function(
        "n => document.querySelector('#trend .chart').data[0].x.length === n", arg=len(weeks)
    )
    assert traces(page, "trend")[0]["x"] == [p["period_start"] for p in weeks]

    top = expected.get(api, "/analytics/top-products/", by="quantity", limit=10)["items"]
    page.locator("#top-products label", has_text="Quantity").click()
    want = [i["total_quantity"] for i in reversed(top)]
    page.wait_for_function(
        "want => JSON.stringify(document.querySelector('#top-products .chart').data[0].x)"
        " === JSON.stringify(want)",
        arg=want,
    )
    assert dashboard.problems.messages == []


def test_customer_lookup_shows_lifetime_value_and_orders_or_not_found(
    dashboard: Dashboard, api: httpx.Client
) -> None:
    query = "{ customers(first: 1, orderBy: ORDER_COUNT_DESC) { edges { node { customerId } } } }"
    answer = api.post("/graphql", json={"query": query}).json()
    customer_id = answer["data"]["customers"]["edges"][0]["node"]["customerId"]
    customer = expected.get(api, f"/customers/{customer_id}")
    orders = expected.get(api, "/orders/", customer_id=customer_id, limit=100)
    assert orders["total"] >= 2

    page = opened(dashboard).page
    page.fill("#customer-id", "no-such-customer")
    page.press("#customer-id", "Enter")
    expect(page.locator("#customer")).to_have_attribute("data-state", "not-found")
    expect(page.locator("#customer [data-role=state]")).to_have_text(
        "No customer with id no-such-customer."
    )

    page.fill("#customer-id", customer_id)
    page.click("#lookup button[type=submit]")
    expect(page.locator("#customer")).to_have_attribute("data-state", "ready")
    result = page.locator("#customer-result")
    expect(result.locator("h3")).to_have_text(f"Customer {customer_id}")
    terms = result.locator("dt").all_text_contents()
    facts = dict(zip(terms, result.locator("dd").all_text_contents(), strict=True))
    assert facts["Lifetime value"] == expected.money(customer["total_sales"])
    assert facts["Orders"] == expected.count(customer["order_count"])
    rows = result.locator("tbody tr")
    expect(rows).to_have_count(orders["total"])
    assert [r.locator("td").first.text_content() for r in rows.all()] == [
        o["order_date"] for o in orders["items"]
    ]
    assert result.locator("tbody td.num").all_text_contents()[::2] == [
        expected.money(o["total_sales"]) for o in orders["items"]
    ]

    # The top customers by lifetime value are one click away.
    best = expected.get(api, "/analytics/customer-lifetime-value/", limit=5)["top"][0]
    page.locator("#top-customers button").first.click()
    expect(result.locator("h3")).to_have_text(f"Customer {best['customer_id']}")
    assert dashboard.problems.messages == []


def test_loading_then_error_state_and_retry(dashboard: Dashboard) -> None:
    page = dashboard.page
    held: list[Route] = []

    def hold(route: Route) -> None:  # answered when the test says
        held.append(route)

    page.route("**/analytics/revenue-trend/**", hold)
    problem = {"type": "about:blank", "title": "Service Unavailable", "status": 503,
               "detail": "The database is unavailable"}  # fmt: skip

    def unavailable(route: Route) -> None:
        route.fulfill(status=503, content_type="application/problem+json", body=json.dumps(problem))

    page.route("**/analytics/discount-impact/**", unavailable)
    page.goto(dashboard.url)
    expect(page.locator("#trend")).to_have_attribute("data-state", "loading")
    expect(page.locator("#trend [data-role=state]")).to_have_text("Loading…")
    page.unroute("**/analytics/revenue-trend/**")
    for route in held:
        route.continue_()
    wait_until_settled(page)
    states: dict[str, Any] = panel_states(page)
    assert states == {**ALL_READY, "discounts": "error"}
    expect(page.locator("#discounts [data-role=state]")).to_contain_text(
        "Could not load: The database is unavailable (HTTP 503)."
    )

    page.unroute("**/analytics/discount-impact/**")
    page.locator("#discounts button", has_text="Retry").click()
    expect(page.locator("#discounts")).to_have_attribute("data-state", "ready")
    # The one expected problem: the browser reports the 503 response.
    assert len(dashboard.problems.messages) == 1
    assert "503" in dashboard.problems.messages[0]


def test_phone_width_fits_without_horizontal_scrolling(browser: Browser, live_server: str) -> None:
    context = browser.new_context(viewport=PHONE, locale="en-US")  # type: ignore[arg-type]
    try:
        board = opened(open_dashboard(context, live_server))
        assert panel_states(board.page) == ALL_READY
        width = board.page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1]
        assert board.problems.messages == []
    finally:
        context.close()
