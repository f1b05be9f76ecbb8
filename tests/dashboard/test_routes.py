"""The dashboard's routes without a browser: the page, its assets, plotly.js from the installed
package (never a copy in the repository, never a CDN), and the link from `/`."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.main import app
from app.web.dashboard import STATIC_DIR, plotly_js

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(app)  # these routes never touch the database


def test_page_loads_its_assets_from_this_app(client: TestClient) -> None:
    response = client.get("/dashboard")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    sources = re.findall(r'(?:src|href)="([^"]+)"', response.text)
    assert "/dashboard/static/plotly.min.js" in sources
    assert "/dashboard/static/dashboard.js" in sources
    assert "/dashboard/static/dashboard.css" in sources
    assert all(s.startswith(("/", "data:")) for s in sources), sources


@pytest.mark.parametrize(
    ("name", "media_type"),
    [
        ("dashboard.js", "text/javascript"),
        ("api.js", "text/javascript"),
        ("charts.js", "text/javascript"),
        ("lookup.js", "text/javascript"),
        ("dashboard.css", "text/css"),
    ],
)
def test_own_assets_are_served(client: TestClient, name: str, media_type: str) -> None:
    response = client.get(f"/dashboard/static/{name}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media_type)
    assert response.content == (STATIC_DIR / name).read_bytes()


def test_plotly_comes_from_the_installed_package(client: TestClient) -> None:
    path = plotly_js()
    assert path.parent.name == "package_data" and path.parent.parent.name == "plotly"
    response = client.get("/dashboard/static/plotly.min.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert response.content == path.read_bytes()


def test_every_module_the_page_imports_is_served(client: TestClient) -> None:
    """dashboard.js is an ES module: each file it (or they) import is a served asset."""
    for path in STATIC_DIR.glob("*.js"):
        for imported in re.findall(r'from "\./([^"]+)"', path.read_text()):
            assert client.get(f"/dashboard/static/{imported}").status_code == 200, imported


@pytest.mark.parametrize("name", ["dashboard.py", "..%2Fdashboard.py", "nope.js", "plotly.js"])
def test_other_asset_names_are_not_found(client: TestClient, name: str) -> None:
    assert client.get(f"/dashboard/static/{name}").status_code == 404


def test_no_external_urls_in_the_assets() -> None:
    """The page must work offline: nothing is fetched from another host."""
    for path in STATIC_DIR.iterdir():
        assert not re.search(r"https?://", path.read_text()), path.name


def test_no_chart_library_is_copied_into_the_repository() -> None:
    if not (REPO_ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    listed = subprocess.run(
        ["git", "ls-files"], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert not [f for f in listed if re.search(r"plotly[^/]*\.js$", f)]


def test_index_links_the_dashboard_and_openapi_leaves_it_out(client: TestClient) -> None:
    assert client.get("/").json()["links"]["dashboard"] == "/dashboard"
    assert not [p for p in client.get("/openapi.json").json()["paths"] if "dashboard" in p]


@pytest.mark.parametrize(
    "path", ["/dashboard", "/dashboard/static/dashboard.js", "/dashboard/static/plotly.min.js"]
)
def test_a_reload_revalidates_assets_without_downloading_them(
    client: TestClient, path: str
) -> None:
    first = client.get(path)
    etag = first.headers["etag"]
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    assert again.headers["cache-control"] == first.headers["cache-control"]
    changed = client.get(path, headers={"If-None-Match": '"an-older-version"'})
    assert changed.status_code == 200 and changed.content == first.content
