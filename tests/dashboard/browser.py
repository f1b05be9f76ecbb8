"""Driving Debian's Chromium with Playwright: launch options and page helpers shared by the
dashboard tests and the screenshot script. Never downloads a browser."""

from __future__ import annotations

import os
import shutil
from typing import Any

from playwright.sync_api import Browser, Page, Playwright

# The names Debian and Ubuntu give the browser; CHROMIUM (a path or a name) comes first.
CHROMIUM_NAMES = ("chromium", "chromium-browser")
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}

# Every panel drawn from the API, and the charts among them.
PANELS = [
    "kpis",
    "trend",
    "top-products",
    "categories",
    "devices",
    "logins",
    "payments",
    "discounts",
]
CHARTS = PANELS[1:]


def find_chromium() -> str | None:
    """The system's Chromium, found on PATH as `.ci/run` finds it (`command -v chromium`)."""
    names = [os.environ["CHROMIUM"]] if os.environ.get("CHROMIUM") else []
    return next(filter(None, (shutil.which(name) for name in [*names, *CHROMIUM_NAMES])), None)


def launch(playwright: Playwright) -> Browser:
    executable = find_chromium()
    if executable is None:
        raise FileNotFoundError(f"no Chromium on PATH (looked for {', '.join(CHROMIUM_NAMES)})")
    return playwright.chromium.launch(executable_path=executable, args=LAUNCH_ARGS)


def wait_until_settled(page: Page, timeout_ms: float = 15_000) -> None:
    """Until no panel is loading (each ends ready, empty or in error)."""
    page.wait_for_function(
        """ids => ids.every(id => {
            const state = document.getElementById(id).dataset.state;
            return state && state !== "loading";
        })""",
        arg=PANELS,
        timeout=timeout_ms,
    )


def panel_states(page: Page) -> dict[str, str]:
    states: dict[str, str] = page.evaluate(
        "ids => Object.fromEntries(ids.map(id => [id, document.getElementById(id).dataset.state]))",
        PANELS,
    )
    return states


def traces(page: Page, panel: str) -> list[dict[str, Any]]:
    """The Plotly traces drawn in a panel: name, x, y, labels, values (as plain JSON)."""
    data: list[dict[str, Any]] = page.evaluate(
        """id => (document.querySelector(`#${id} .chart`).data || []).map(t => ({
            name: t.name ?? null,
            x: Array.from(t.x ?? []), y: Array.from(t.y ?? []),
            labels: Array.from(t.labels ?? []), values: Array.from(t.values ?? []),
        }))""",
        panel,
    )
    return data


def kpis(page: Page) -> dict[str, str]:
    values: dict[str, str] = page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll("[data-kpi]")]
            .map(e => [e.dataset.kpi, e.textContent]))"""
    )
    return values
