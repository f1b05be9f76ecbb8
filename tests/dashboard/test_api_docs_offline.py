"""The API docs in headless Chromium with every request to another host refused, as on a machine
that cannot reach a CDN: Swagger UI at /docs lists every operation and runs one, ReDoc at /redoc
renders every operation, and /graphql, whose GraphiQL scripts come from a CDN, says it could not
load and links to the pages that work offline instead of "Loading..." for ever."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Route, expect

from app.web.graphiql import MESSAGE_ID, SLOW_MS
from tests.dashboard.browser import DESKTOP
from tests.dashboard.conftest import needs_chromium

pytestmark = needs_chromium

# ReDoc's bundle shows Redocly's logo from its CDN in the menu's footer and hides it itself when
# the image fails: the only request to another host any of the docs pages makes.
REDOC_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


@dataclass
class Offline:
    """A page whose requests to any host but the app's are refused, and what went wrong."""

    page: Page
    base: str
    refused: list[str] = field(default_factory=list)  # URLs of other hosts the page asked for
    held: list[Route] = field(default_factory=list)  # requests left unanswered (see `hang`)
    errors: list[str] = field(default_factory=list)  # console errors and uncaught exceptions
    hang: tuple[str, ...] = ()  # URL endings whose requests never get an answer

    def route(self, route: Route) -> None:
        url = route.request.url
        if url.startswith((self.base + "/", "data:")):
            route.continue_()
        elif url.endswith(self.hang):
            self.held.append(route)  # like a CDN that accepts the connection and never answers
        else:
            self.refused.append(url)
            route.abort("internetdisconnected")

    def console(self, message: ConsoleMessage) -> None:
        if message.type == "error" and message.location.get("url") not in self.refused:
            self.errors.append(f"console: {message.text} ({message.location.get('url')})")


@pytest.fixture
def offline(browser: Browser, live_server: str) -> Iterator[Offline]:
    context = browser.new_context(viewport=DESKTOP, locale="en-US")  # type: ignore[arg-type]
    page = context.new_page()
    page.set_default_timeout(15_000)
    watched = Offline(page, live_server)
    context.route("**/*", watched.route)
    page.on("console", watched.console)
    page.on("pageerror", lambda error: watched.errors.append(f"pageerror: {error}"))
    yield watched
    for route in watched.held:
        route.abort()
    context.close()


def operations(api: httpx.Client) -> list[tuple[str, str, str]]:
    """(METHOD, path, summary) of every operation in the app's OpenAPI document."""
    paths = api.get("/openapi.json").json()["paths"]
    return sorted(
        (method.upper(), path, operation["summary"])
        for path, methods in paths.items()
        for method, operation in methods.items()
    )


def test_swagger_ui_lists_every_operation_offline(offline: Offline, api: httpx.Client) -> None:
    expected = operations(api)
    page = offline.page
    page.goto(f"{offline.base}/docs")
    expect(page.locator(".opblock")).to_have_count(len(expected))
    shown = page.evaluate(
        """() => [...document.querySelectorAll(".opblock")].map(b => [
            b.querySelector(".opblock-summary-method").textContent,
            b.querySelector(".opblock-summary-path").dataset.path,
            b.querySelector(".opblock-summary-description").textContent,
        ])"""
    )
    assert sorted(map(tuple, shown)) == expected
    expect(page.get_by_role("heading", name="E-commerce Analytics API")).to_be_visible()
    assert offline.refused == [] and offline.errors == []


def test_swagger_ui_runs_an_operation_offline(offline: Offline) -> None:
    page = offline.page
    page.goto(f"{offline.base}/docs")
    block = page.locator(".opblock-get").filter(
        has=page.locator('.opblock-summary-path[data-path="/customers/"]')
    )
    block.locator(".opblock-summary").click()
    block.get_by_role("button", name="Try it out").click()
    block.get_by_role("button", name="Execute").click()
    status = block.locator(".live-responses-table .response .response-col_status").first
    expect(status).to_have_text("200")
    expect(block.locator(".live-responses-table .microlight").first).to_contain_text('"total"')
    assert offline.refused == [] and offline.errors == []


def test_redoc_renders_every_operation_offline(offline: Offline, api: httpx.Client) -> None:
    summaries = {summary for _, _, summary in operations(api)}
    page = offline.page
    page.goto(f"{offline.base}/redoc")
    expect(page.get_by_role("heading", name="E-commerce Analytics API (0.1.0)")).to_be_visible()
    expect(page.locator("h2").filter(has_text="List customers")).to_be_visible()
    headings = {text.strip() for text in page.locator("h2").all_text_contents()}
    assert summaries <= headings, summaries - headings
    assert set(offline.refused) <= {REDOC_LOGO} and offline.errors == []


def expect_graphiql_unavailable(page: Page) -> None:
    message = page.locator(f"#{MESSAGE_ID}")
    expect(message).to_be_visible()
    expect(message.get_by_role("heading")).to_have_text("GraphiQL could not load")
    expect(message).to_contain_text("unpkg.com")
    expect(message).to_contain_text("POST /graphql")
    links = {
        "API documentation (Swagger UI)": "/docs",
        "API documentation (ReDoc)": "/redoc",
        "Dashboard": "/dashboard",
    }
    for name, href in links.items():
        expect(message.get_by_role("link", name=name)).to_have_attribute("href", href)
    expect(page.get_by_text("Loading...")).to_have_count(0)


def test_graphiql_says_it_cannot_load_and_links_to_the_offline_pages(
    offline: Offline, api: httpx.Client
) -> None:
    page = offline.page
    page.goto(f"{offline.base}/graphql")
    expect_graphiql_unavailable(page)
    assert offline.refused and all(u.startswith("https://unpkg.com/") for u in offline.refused)
    # The links lead to pages that work offline.
    page.get_by_role("link", name="API documentation (Swagger UI)").click()
    expect(page).to_have_url(f"{offline.base}/docs")
    expect(page.locator(".opblock")).to_have_count(len(operations(api)))


def test_graphiql_says_so_when_the_cdn_never_answers(offline: Offline) -> None:
    """The scripts after GraphiQL's placeholder hang: the timer replaces "Loading..."."""
    offline.hang = ("/graphiql.min.js", "/index.umd.js")
    page = offline.page
    page.goto(f"{offline.base}/graphql", wait_until="commit")
    expect(page.locator(f"#{MESSAGE_ID}")).to_be_visible(timeout=SLOW_MS + 10_000)
    assert offline.held, "no GraphiQL script was left waiting"
    expect_graphiql_unavailable(page)
