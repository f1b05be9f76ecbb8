"""Smoke test of an installed product: it imports, builds its app and answers without a database.

Run with the interpreter of the environment under test (`.ci/lowest-versions` runs it in a venv
holding the lowest versions pyproject.toml allows, and in one holding only the built wheel). It
guarantees that every runtime package imports, that `create_app()` builds the app and its OpenAPI
document, that the pages served from installed packages render, and that each CLI prints its help.
Nothing here connects to PostgreSQL: the app connects lazily and the lifespan is not started.

Exits non-zero with the failing check's traceback on the first failure.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import subprocess
import sys


def check(label: str) -> None:
    print(f"  ok  {label}", flush=True)


def main() -> None:
    # Never reach a real database, and keep the rollup refresher off: only import-time behaviour
    # and request handling that needs no database are checked.
    os.environ["DATABASE_URL"] = "postgresql://smoke@127.0.0.1:9/smoke"
    os.environ["ROLLUP_REFRESH_INTERVAL_S"] = "0"
    os.environ["ACCESS_LOG"] = "false"

    # Every runtime module, including those the CLIs import lazily.
    packages = [importlib.import_module(name) for name in ("app", "loader", "queries")]
    for package in packages:
        for module in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            if not module.name.startswith("app.db.migrations"):  # run by Alembic, not imported
                importlib.import_module(module.name)
    check(f"import every module of app, loader, queries (from {packages[0].__path__[0]})")

    from fastapi.testclient import TestClient

    from app.main import create_app

    client = TestClient(create_app())  # no `with`: the lifespan (read pool, refresher) stays off
    check("create_app()")
    for path, expected in (
        ("/", "application/json"),
        ("/openapi.json", "application/json"),
        ("/docs", "text/html"),
        ("/redoc", "text/html"),
        ("/graphql", "text/html"),
    ):
        accept = "text/html" if expected == "text/html" else "application/json"
        response = client.get(path, headers={"Accept": accept})
        media = response.headers.get("content-type", "")
        if response.status_code != 200 or not media.startswith(expected):
            raise SystemExit(f"GET {path}: {response.status_code} {media}\n{response.text[:500]}")
        check(f"GET {path} -> 200 {expected}")

    # Typer builds a command's options only when it runs: each command is asked for its help.
    for command in (
        "app --help",
        "app serve --help",
        "app migrate --help",
        "loader --help",
        "loader.synth --help",
        "queries --help",
        "queries explain --help",
    ):
        result = subprocess.run(
            [sys.executable, "-m", *command.split()], capture_output=True, text=True, timeout=120
        )
        if result.returncode != 0 or "usage" not in result.stdout.lower():
            raise SystemExit(
                f"python -m {command}: exit {result.returncode}\n"
                f"{result.stdout[-2000:]}\n{result.stderr[-2000:]}"
            )
        check(f"python -m {command}")
    print("smoke test passed")


if __name__ == "__main__":
    main()
