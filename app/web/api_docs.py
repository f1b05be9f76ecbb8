"""The API documentation pages, `/docs` (Swagger UI) and `/redoc` (ReDoc), self-hosted.

FastAPI's own pages load Swagger UI and ReDoc from a public CDN, so on a machine that cannot reach
one they stay blank. These are the same pages (FastAPI's `get_swagger_ui_html` and
`get_redoc_html`, with the app's title, OpenAPI URL, OAuth2 redirect and Swagger UI parameters)
whose scripts, stylesheet and icon come from the installed `fastapi-offline` package
(`fastapi_offline/static/`): nothing is copied into this repository and nothing is fetched from
another host. The app must be created with `docs_url=None, redoc_url=None` so that FastAPI does not
add its CDN pages on the same paths.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from fastapi import APIRouter, FastAPI, HTTPException, Request
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import FileResponse, HTMLResponse

DOCS_URL = "/docs"
REDOC_URL = "/redoc"
OAUTH2_REDIRECT_URL = "/docs/oauth2-redirect"  # FastAPI's default swagger_ui_oauth2_redirect_url
ASSETS_URL = "/docs/static"

# Name → media type; anything else under /docs/static/ is a 404, never a path lookup.
ASSETS = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "redoc.standalone.js": "text/javascript; charset=utf-8",
    "favicon.png": "image/png",
}
ONE_DAY = {"Cache-Control": "public, max-age=86400"}  # changes only with the installed package

router = APIRouter(include_in_schema=False)


def asset_path(name: str) -> Path:
    """The file `name` inside the installed fastapi-offline package (regular files in a wheel
    install); FileNotFoundError names the path when the package lacks it."""
    path = Path(str(resources.files("fastapi_offline").joinpath("static", name)))
    if not path.is_file():
        raise FileNotFoundError(f"{name} not found in the fastapi-offline package at {path}")
    return path


def _root_path(request: Request) -> str:
    """The prefix the app is mounted under (behind a proxy), as FastAPI's own pages use it."""
    root: str = request.scope.get("root_path", "")
    return root.rstrip("/")


def _openapi_url(app: FastAPI, root: str) -> str:
    if app.openapi_url is None:
        raise HTTPException(status_code=404, detail="this app publishes no OpenAPI document")
    return root + app.openapi_url


@router.get(DOCS_URL)
async def swagger_ui(request: Request) -> HTMLResponse:
    app: FastAPI = request.app
    root = _root_path(request)
    oauth2_redirect = app.swagger_ui_oauth2_redirect_url
    return get_swagger_ui_html(
        openapi_url=_openapi_url(app, root),
        title=f"{app.title} - Swagger UI",
        swagger_js_url=f"{root}{ASSETS_URL}/swagger-ui-bundle.js",
        swagger_css_url=f"{root}{ASSETS_URL}/swagger-ui.css",
        swagger_favicon_url=f"{root}{ASSETS_URL}/favicon.png",
        oauth2_redirect_url=root + oauth2_redirect if oauth2_redirect else None,
        init_oauth=app.swagger_ui_init_oauth,
        swagger_ui_parameters=app.swagger_ui_parameters,
    )


@router.get(OAUTH2_REDIRECT_URL)
async def swagger_ui_oauth2_redirect() -> HTMLResponse:
    return get_swagger_ui_oauth2_redirect_html()


@router.get(REDOC_URL)
async def redoc(request: Request) -> HTMLResponse:
    app: FastAPI = request.app
    root = _root_path(request)
    return get_redoc_html(
        openapi_url=_openapi_url(app, root),
        title=f"{app.title} - ReDoc",
        redoc_js_url=f"{root}{ASSETS_URL}/redoc.standalone.js",
        redoc_favicon_url=f"{root}{ASSETS_URL}/favicon.png",
        with_google_fonts=False,  # fonts from Google would be another host; ReDoc falls back
    )


@router.api_route(ASSETS_URL + "/{name}", methods=["GET", "HEAD"])
async def asset(name: str) -> FileResponse:
    media_type = ASSETS.get(name)
    if media_type is None:
        raise HTTPException(status_code=404, detail=f"no API docs asset named {name!r}")
    return FileResponse(asset_path(name), media_type=media_type, headers=ONE_DAY)
