"""Dashboard fixtures: the real app in a uvicorn subprocess over the loaded real sample, and
Debian's Chromium driven by Playwright. Without a Chromium on PATH the browser tests are skipped
locally and fail in CI (`CI=true`; `.ci/run` installs it with apt-get)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Request,
    sync_playwright,
)
from sqlalchemy import Engine

from tests.conftest import require
from tests.dashboard.browser import CHROMIUM_NAMES, DESKTOP, find_chromium, launch
from tests.dashboard.server import serve


@pytest.fixture(scope="session")
def chromium() -> str:
    """The system's Chromium: skipped without it locally, a failure in CI."""
    path = find_chromium()
    names = " or ".join(CHROMIUM_NAMES)
    require(
        path, f"{names} not found on PATH: install Debian's chromium (apt-get install chromium)"
    )
    assert path is not None
    return path


needs_chromium = pytest.mark.usefixtures("chromium")


@pytest.fixture(scope="package")  # closed when the dashboard tests end
def live_server(loaded_engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of the app serving the database that holds the real sample."""
    url = loaded_engine.url.render_as_string(hide_password=False)
    log = tmp_path_factory.mktemp("dashboard") / "uvicorn.log"
    with serve(url, log) as base:
        yield base


@pytest.fixture(scope="package")  # closed when the dashboard tests end
def api(live_server: str) -> Iterator[httpx.Client]:
    """An HTTP client on the same server, for the numbers the page must show."""
    with httpx.Client(base_url=live_server, timeout=10) as client:
        yield client


@pytest.fixture(scope="package")  # closed when the dashboard tests end
def browser(chromium: str) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


@dataclass
class Problems:
    """Console errors, uncaught exceptions and requests to other hosts (the page must work
    offline) of one page."""

    origin: str
    messages: list[str] = field(default_factory=list)

    def request(self, request: Request) -> None:
        if not request.url.startswith((self.origin + "/", "data:")):
            self.messages.append(f"request to another origin: {request.url}")

    def console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.messages.append(f"console: {message.text} ({message.location.get('url')})")

    def page_error(self, error: Exception) -> None:
        self.messages.append(f"pageerror: {error}")


@dataclass
class Dashboard:
    page: Page
    problems: Problems
    url: str


def open_dashboard(context: BrowserContext, base: str) -> Dashboard:
    """A new page in `context`, watched for problems, not yet navigated (tests may set routes)."""
    page = context.new_page()
    page.set_default_timeout(15_000)
    problems = Problems(base)
    page.on("request", problems.request)
    page.on("console", problems.console)
    page.on("pageerror", problems.page_error)
    return Dashboard(page, problems, f"{base}/dashboard")


@pytest.fixture(scope="package")  # closed when the dashboard tests end
def desktop(browser: Browser) -> Iterator[BrowserContext]:
    """One context for the desktop tests: its HTTP cache keeps plotly.js between pages."""
    context = browser.new_context(viewport=DESKTOP, locale="en-US")  # type: ignore[arg-type]
    yield context
    context.close()


@pytest.fixture
def dashboard(desktop: BrowserContext, live_server: str) -> Iterator[Dashboard]:
    board = open_dashboard(desktop, live_server)
    yield board
    board.page.close()
