"""`/graphql` passes every check of the GraphQL-over-HTTP audit of `graphql-http` (the spec's
reference implementation), on the real app served by uvicorn over the loaded sample: no error
(a MUST failed), no warning (a SHOULD) and no notice (a MAY: those are the checks of queries by
GET, which the API supports and so must pass).

The audit is the npm package's own `auditServer`, run by `http_audit/audit.mjs` with the versions
pinned in its package-lock.json (`npm ci` installs them when node_modules is missing). Without
node or npm the test is skipped locally but fails in CI (`CI=true`), so the check never silently
stops running there.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from tests.conftest import require
from tests.dashboard.server import serve

AUDIT_DIR = Path(__file__).resolve().parent / "http_audit"


def _require(tool: str) -> str:
    path = shutil.which(tool)
    require(path, f"{tool} not found: the GraphQL-over-HTTP audit needs Node.js and npm")
    assert path is not None
    return path


@pytest.fixture(scope="module")
def audit_script() -> list[str]:
    """The command that audits a URL, with graphql-http installed from the lock file."""
    node, npm = _require("node"), _require("npm")
    if not (AUDIT_DIR / "node_modules" / "graphql-http").is_dir():
        installed = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"],
            cwd=AUDIT_DIR,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert installed.returncode == 0, f"npm ci failed:\n{installed.stdout}{installed.stderr}"
    return [node, str(AUDIT_DIR / "audit.mjs")]


@pytest.fixture(scope="module")
def graphql_url(loaded_engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = loaded_engine.url.render_as_string(hide_password=False)
    log = tmp_path_factory.mktemp("http_audit") / "uvicorn.log"
    with serve(url, log) as base:
        yield f"{base}/graphql"


def test_graphql_http_audit_passes_every_check(audit_script: list[str], graphql_url: str) -> None:
    run = subprocess.run([*audit_script, graphql_url], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, f"the audit did not run:\n{run.stdout}{run.stderr}"
    report: dict[str, Any] = json.loads(run.stdout)
    failing = [
        f"{failure['status']}: {failure['name']} ({failure['reason']})"
        for failure in report["failures"]
    ]
    assert not failing, "\n".join([f"counts: {report['counts']}", *failing])
    assert report["counts"]["ok"] == report["total"] > 0, report
