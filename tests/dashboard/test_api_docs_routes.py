"""The API docs pages without a browser: `/docs` and `/redoc` load Swagger UI and ReDoc from this
app, which serves them from the installed fastapi-offline package (never a CDN, never a copy in
the repository), keep FastAPI's title, OpenAPI URL and OAuth2 redirect; `/graphql` serves
Strawberry's GraphiQL page with the message for when its CDN scripts cannot load."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from strawberry.http.ides import get_graphql_ide_html

from app.main import app
from app.web.api_docs import ASSETS, asset_path
from app.web.graphiql import MESSAGE_ID

REPO_ROOT = Path(__file__).resolve().parents[2]
TITLE = "E-commerce Analytics API"


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(app)  # these routes never touch the database


def sources(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="([^"]+)"', html)


def test_swagger_ui_loads_its_assets_from_this_app(client: TestClient) -> None:
    response = client.get("/docs")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert f"<title>{TITLE} - Swagger UI</title>" in response.text
    assert sorted(sources(response.text)) == [
        "/docs/static/favicon.png",
        "/docs/static/swagger-ui-bundle.js",
        "/docs/static/swagger-ui.css",
    ]
    assert "url: '/openapi.json'" in response.text
    assert "oauth2RedirectUrl: window.location.origin + '/docs/oauth2-redirect'" in response.text
    assert not re.search(r"https?://", response.text)


def test_redoc_loads_its_assets_from_this_app(client: TestClient) -> None:
    response = client.get("/redoc")
    assert response.status_code == 200
    assert f"<title>{TITLE} - ReDoc</title>" in response.text
    assert sorted(sources(response.text)) == [
        "/docs/static/favicon.png",
        "/docs/static/redoc.standalone.js",
    ]
    assert '<redoc spec-url="/openapi.json">' in response.text
    assert not re.search(r"https?://", response.text)  # no Google Fonts either


def test_pages_follow_the_root_path_behind_a_proxy() -> None:
    with TestClient(app, root_path="/shop") as client:
        text = client.get("/docs").text
    assert "/shop/docs/static/swagger-ui-bundle.js" in text
    assert "url: '/shop/openapi.json'" in text


def test_the_oauth2_redirect_page_is_fastapis(client: TestClient) -> None:
    response = client.get("/docs/oauth2-redirect")
    assert response.status_code == 200
    assert "oauth2" in response.text and "swaggerUIRedirectOauth2" in response.text


@pytest.mark.parametrize(("name", "media_type"), sorted(ASSETS.items()))
def test_assets_come_from_the_installed_package(
    client: TestClient, name: str, media_type: str
) -> None:
    path = asset_path(name)
    assert path.parent.name == "static" and path.parent.parent.name == "fastapi_offline"
    response = client.get(f"/docs/static/{name}")
    assert response.status_code == 200
    assert response.headers["content-type"] == media_type
    assert response.content == path.read_bytes()


@pytest.mark.parametrize("name", ["core.py", "..%2F__init__.py", "swagger-ui.js", "nope.css"])
def test_other_asset_names_are_not_found(client: TestClient, name: str) -> None:
    assert client.get(f"/docs/static/{name}").status_code == 404


def test_the_docs_pages_are_not_api_operations(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert not [p for p in paths if p.startswith(("/docs", "/redoc"))]


def test_graphiql_is_strawberrys_page_with_the_message_added(client: TestClient) -> None:
    response = client.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    page = response.text
    original = get_graphql_ide_html("graphiql")
    # Everything of Strawberry's page is there, in order: only our two scripts are added.
    assert sources(page) == sources(original)
    assert page.count("<script") == original.count("<script") + 2
    assert MESSAGE_ID in page
    for link in ("'/docs'", "'/redoc'", "'/dashboard'"):
        assert f"<a href={link}>" in page
    # The check runs after Strawberry's scripts; the message's code before any of them.
    assert page.index("graphiqlUnavailable = function") < page.index("https://")
    assert page.rindex("graphiqlUnavailable()") > page.rindex("<script")


def test_no_docs_ui_is_copied_into_the_repository() -> None:
    if not (REPO_ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    bundles = ("swagger-ui", "redoc", "graphiql", "react")
    copied = [p for p in tracked if p.endswith((".js", ".css")) and any(b in p for b in bundles)]
    assert copied == []
