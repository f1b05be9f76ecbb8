"""Routes of the dashboard page and its assets.

The page is static: every number on it comes from the REST and GraphQL APIs, fetched by
`static/dashboard.js` (an ES module, with `api.js`, `charts.js` and `lookup.js`). Plotly's
JavaScript is served from the installed `plotly` Python package
(`plotly/package_data/plotly.min.js`), so it is neither copied into this repository nor loaded
from a CDN: the page works offline.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.responses import FileResponse
from starlette.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).resolve().parent / "static"

# Name → media type; anything else under /dashboard/static/ is a 404, never a path lookup.
JS = "text/javascript; charset=utf-8"
ASSETS = {
    "dashboard.js": JS,  # an ES module importing the three below
    "api.js": JS,
    "charts.js": JS,
    "lookup.js": JS,
    "dashboard.css": "text/css; charset=utf-8",
}
REVALIDATE = {"Cache-Control": "no-cache"}  # small files, changed with the app: always revalidate
ONE_DAY = {"Cache-Control": "public, max-age=86400"}

router = APIRouter(include_in_schema=False)
# Starlette's own conditional-request check (If-None-Match, then If-Modified-Since).
_STATIC_FILES = StaticFiles(directory=STATIC_DIR)
_NOT_MODIFIED_HEADERS = {"cache-control", "etag", "last-modified", "vary"}


def plotly_js() -> Path:
    """plotly.min.js inside the installed plotly package (a regular file in wheel installs)."""
    path = Path(str(resources.files("plotly").joinpath("package_data", "plotly.min.js")))
    if not path.is_file():
        raise FileNotFoundError(f"plotly.min.js not found in the plotly package at {path}")
    return path


def file_response(
    request: Request, path: Path, media_type: str, headers: dict[str, str]
) -> Response:
    """`path` with its ETag and Last-Modified (Starlette's), or a 304 when the browser's copy
    is current: a dashboard reload revalidates its assets without downloading them again."""
    response = FileResponse(path, media_type=media_type, headers=headers, stat_result=path.stat())
    if _STATIC_FILES.is_not_modified(response.headers, request.headers):
        return Response(
            status_code=304,
            headers={k: v for k, v in response.headers.items() if k in _NOT_MODIFIED_HEADERS},
        )
    return response


@router.api_route("/dashboard", methods=["GET", "HEAD"])
def dashboard(request: Request) -> Response:
    return file_response(request, STATIC_DIR / "dashboard.html", "text/html", REVALIDATE)


@router.api_route("/dashboard/static/plotly.min.js", methods=["GET", "HEAD"])
def plotly_asset(request: Request) -> Response:
    return file_response(request, plotly_js(), "text/javascript; charset=utf-8", ONE_DAY)


@router.api_route("/dashboard/static/{name}", methods=["GET", "HEAD"])
def asset(request: Request, name: str) -> Response:
    media_type = ASSETS.get(name)
    if media_type is None:
        raise HTTPException(status_code=404, detail=f"no dashboard asset named {name!r}")
    return file_response(request, STATIC_DIR / name, media_type, REVALIDATE)
