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

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse

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


def plotly_js() -> Path:
    """plotly.min.js inside the installed plotly package (a regular file in wheel installs)."""
    path = Path(str(resources.files("plotly").joinpath("package_data", "plotly.min.js")))
    if not path.is_file():
        raise FileNotFoundError(f"plotly.min.js not found in the plotly package at {path}")
    return path


@router.api_route("/dashboard", methods=["GET", "HEAD"])
def dashboard() -> FileResponse:
    return FileResponse(STATIC_DIR / "dashboard.html", media_type="text/html", headers=REVALIDATE)


@router.api_route("/dashboard/static/plotly.min.js", methods=["GET", "HEAD"])
def plotly_asset() -> FileResponse:
    return FileResponse(plotly_js(), media_type="text/javascript; charset=utf-8", headers=ONE_DAY)


@router.api_route("/dashboard/static/{name}", methods=["GET", "HEAD"])
def asset(name: str) -> FileResponse:
    media_type = ASSETS.get(name)
    if media_type is None:
        raise HTTPException(status_code=404, detail=f"no dashboard asset named {name!r}")
    return FileResponse(STATIC_DIR / name, media_type=media_type, headers=REVALIDATE)
