"""Save a screenshot of the dashboard (docs/dashboard.png) from a running app.

    python -m loader.synth bench/out/synthetic.csv  # synthetic data: never commit the real rows
    python -m app serve --csv bench/out/synthetic.csv &  # on an empty database, on :8000
    python -m tests.dashboard.screenshot # [--url http://127.0.0.1:8000] [--out docs/dashboard.png]

Desktop width (1280 px); the customer with the most orders is looked up so the lookup shows too.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import httpx
from playwright.sync_api import sync_playwright

from tests.dashboard.browser import DESKTOP, launch, wait_until_settled

BUSIEST_CUSTOMER = (
    "{ customers(first: 1, orderBy: ORDER_COUNT_DESC) { edges { node { customerId } } } }"
)


def busiest_customer(base: str) -> str:
    answer = httpx.post(f"{base}/graphql", json={"query": BUSIEST_CUSTOMER}, timeout=10).json()
    customer_id: str = answer["data"]["customers"]["edges"][0]["node"]["customerId"]
    return customer_id


def take(base: str, out: Path) -> None:
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport=DESKTOP, locale="en-US")  # type: ignore[arg-type]
        page.goto(f"{base}/dashboard")
        wait_until_settled(page)
        page.fill("#customer-id", busiest_customer(base))
        page.press("#customer-id", "Enter")
        page.wait_for_selector("#customer[data-state=ready]")
        # One viewport as tall as the page, so the sticky filter bar stays at the top.
        height = page.evaluate("document.documentElement.scrollHeight")
        page.set_viewport_size({"width": DESKTOP["width"], "height": height})
        page.wait_for_timeout(300)  # let Plotly finish any relayout
        out.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(out), full_page=True)
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="base URL of the app")
    parser.add_argument("--out", type=Path, default=Path("docs/dashboard.png"))
    args = parser.parse_args()
    take(args.url.rstrip("/"), args.out)
    print(f"saved {args.out}")


if __name__ == "__main__":
    main()
