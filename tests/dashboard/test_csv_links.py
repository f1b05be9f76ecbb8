"""Every panel's "Download CSV" link in headless Chromium: a real `<a href download>` whose URL is
the REST call the panel made (its filters and switches included) plus `format=csv`, and whose CSV
holds the rows the panel draws; the links follow the filters; a click downloads the named file."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
from playwright.sync_api import Page, expect

from tests.dashboard import expected
from tests.dashboard.browser import PANELS, wait_until_settled
from tests.dashboard.conftest import Dashboard, needs_chromium
from tests.dashboard.panels import drawn

pytestmark = needs_chromium

Rows = list[dict[str, str]]
FILTERS = {"date_from": "2018-03-01", "date_to": "2018-09-30", "category": "Fashion"}


def panel_sources(
    f: dict[str, str], granularity: str, top_by: str
) -> dict[str, list[tuple[str, dict[str, str]]]]:
    """The REST calls each panel draws, restated here: (path, query parameters)."""
    behaviour = [("/analytics/purchase-behaviour/", f)]
    return {
        "kpis": [("/analytics/orders/", f), ("/analytics/customers/", f)],
        "trend": [("/analytics/revenue-trend/", {**f, "granularity": granularity})],
        "top-products": [("/analytics/top-products/", {**f, "by": top_by, "limit": "10"})],
        "categories": [("/analytics/top-categories/", {**f, "limit": "100"})],
        "devices": behaviour,
        "logins": behaviour,
        "payments": behaviour,
        "discounts": [("/analytics/discount-impact/", f)],
        "customer": [("/analytics/customer-lifetime-value/", {"limit": "5"})],
    }


def parse(text: str) -> Rows:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def numbers(rows: Rows, column: str) -> list[float]:
    return [float(row[column]) for row in rows]


def section(rows: Rows, name: str) -> Rows:
    return [row for row in rows if row["section"] == name]


def shown_from_csv(panel: str, tables: list[Rows], top_by: str) -> Any:
    """What `panel` must draw according to its CSV downloads, in the shape of `drawn()["got"]`."""
    (rows, *_) = tables
    if panel == "kpis":
        (overview,), customers = tables
        revenue, profit = overview["total_revenue"], overview["total_profit"]
        return {
            "revenue": expected.money(revenue),
            "profit": expected.money(profit),
            "margin": expected.share(Decimal(profit), Decimal(revenue)),
            "orders": expected.count(int(overview["order_count"])),
            "aov": expected.money(overview["average_order_value"]),
            "customers": expected.count(int(customers[0]["total_customers"])),
            "urgent": expected.percent(overview["high_or_critical_pct"]),
        }
    if panel == "trend":
        return [r["period_start"] for r in rows], numbers(rows, "revenue"), numbers(rows, "profit")
    if panel == "top-products":
        column = {"sales": "total_sales", "quantity": "total_quantity", "profit": "total_profit"}
        bars = rows[::-1]
        return [f"{r['rank']}. {r['product_name']}" for r in bars], numbers(bars, column[top_by])
    if panel == "categories":
        names = [r["category"] for r in rows]
        return names, numbers(rows, "total_revenue"), numbers(rows, "total_profit")
    if panel in ("devices", "logins"):
        part = section(rows, {"devices": "by_device_type", "logins": "by_login_type"}[panel])
        return numbers(part, "revenue"), [int(r["customers"]) for r in part]
    if panel == "payments":
        return [int(r["orders"]) for r in section(rows, "by_payment_method")]
    if panel == "discounts":
        reading = rows[0]["reading"]
        return numbers(rows, "total_sales"), numbers(rows, "total_profit"), reading
    raise AssertionError(panel)


def links(page: Page, panel: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = page.eval_on_selector_all(
        f"#{panel} .downloads a",
        """links => links.map(a => ({
            href: a.href, download: a.hasAttribute("download"), text: a.textContent,
            name: a.getAttribute("aria-label"), visible: a.offsetWidth > 0 && a.offsetHeight > 0,
        }))""",
    )
    return found


def assert_links_follow_the_panels(
    page: Page, api: httpx.Client, requested: set[str], f: dict[str, str], *, granularity: str,
    top_by: str,
) -> None:  # fmt: skip
    """Each panel's links: the panel's calls plus format=csv, fetched by the page, whose CSV
    holds what the panel draws."""
    got = drawn(page, api, f, granularity=granularity, top_by=top_by)["got"]
    for panel, sources in panel_sources(f, granularity, top_by).items():
        found = links(page, panel)
        assert len(found) == len(sources), panel
        tables = []
        for link, (path, params) in zip(found, sources, strict=True):
            assert link["download"] and link["visible"], link
            assert link["text"].startswith("Download CSV") and link["name"], link
            url = urlsplit(link["href"])
            assert url.path == path
            assert dict(parse_qsl(url.query)) == {**params, "format": "csv"}, panel
            fetched = link["href"].removesuffix("&format=csv").removesuffix("?format=csv")
            assert fetched in requested, f"{panel}: the page never fetched {fetched}"
            response = api.get(link["href"])
            assert response.headers["content-type"] == "text/csv; charset=utf-8"
            tables.append(parse(response.text))
        if panel == "customer":
            buttons = page.locator("#top-customers button").all_inner_texts()
            want = [f"{r['customer_id']} ({expected.money(r['revenue'])})" for r in tables[0]]
            assert buttons == want
        else:
            assert shown_from_csv(panel, tables, top_by) == got[panel], panel


def opened(dashboard: Dashboard, query: str = "") -> set[str]:
    """Open the page (with `query`); the URLs it fetches, as they are fetched."""
    requested: set[str] = set()
    dashboard.page.on("request", lambda request: requested.add(request.url))
    dashboard.page.goto(dashboard.url + query)
    wait_until_settled(dashboard.page)
    expect(dashboard.page.locator("#top-customers button")).to_have_count(5)
    return requested


def test_links_carry_the_filters_and_switches_of_the_url(
    dashboard: Dashboard, api: httpx.Client
) -> None:
    query = "?" + "&".join(f"{k}={v}" for k, v in FILTERS.items())
    requested = opened(dashboard, query + "&granularity=week&topBy=profit")
    page = dashboard.page
    assert_links_follow_the_panels(
        page, api, requested, FILTERS, granularity="week", top_by="profit"
    )
    assert dashboard.problems.messages == []


def test_links_follow_the_filters_as_they_change(dashboard: Dashboard, api: httpx.Client) -> None:
    requested = opened(dashboard)
    page = dashboard.page
    assert_links_follow_the_panels(page, api, requested, {}, granularity="month", top_by="sales")

    page.fill("#date-from", FILTERS["date_from"])
    page.fill("#date-to", FILTERS["date_to"])
    page.select_option("#category", FILTERS["category"])
    page.locator('label:has(input[name="top-by"][value="quantity"])').click()
    expect(page.locator("#top-products .downloads a")).to_have_attribute(
        "href",
        f"/analytics/top-products/?{'&'.join(f'{k}={v}' for k, v in FILTERS.items())}"
        "&by=quantity&limit=10&format=csv",
    )
    wait_until_settled(page)
    assert_links_follow_the_panels(
        page, api, requested, FILTERS, granularity="month", top_by="quantity"
    )
    assert dashboard.problems.messages == []


def test_a_click_downloads_the_panels_csv(dashboard: Dashboard, api: httpx.Client) -> None:
    opened(dashboard, "?category=Fashion")
    page = dashboard.page
    with page.expect_download() as info:
        page.click("#categories .downloads a")
    download = info.value
    assert download.suggested_filename == "top-categories_limit-100_category-Fashion.csv"
    with open(download.path(), encoding="utf-8", newline="") as file:
        rows = parse(file.read())
    assert [r["category"] for r in rows] == ["Fashion"]
    want = expected.get(api, "/analytics/top-categories/", category="Fashion", limit=100)
    assert rows[0]["total_revenue"] == want["items"][0]["total_revenue"]


def test_every_panel_has_its_links() -> None:
    assert set(panel_sources({}, "month", "sales")) == {*PANELS, "customer"}
