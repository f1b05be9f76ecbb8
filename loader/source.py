"""Turn the loader's SOURCE (a path or an http(s) URL) into a local file."""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

import httpx

log = logging.getLogger(__name__)


class SourceError(Exception):
    """The CSV cannot be found or fetched; the message says what to do instead."""


def is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


def download(url: str, destination: Path, *, timeout_s: float = 30.0) -> Path:
    """Stream `url` to `destination` (via a temporary file, so a failed download leaves nothing)."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    log.info("downloading %s to %s", url, destination)
    handle, name = tempfile.mkstemp(dir=destination.parent, suffix=".part")
    os.close(handle)
    partial = Path(name)
    try:
        with (
            httpx.stream("GET", url, timeout=timeout_s, follow_redirects=True) as response,
            partial.open("wb") as out,
        ):
            response.raise_for_status()
            for chunk in response.iter_bytes():
                out.write(chunk)
    except httpx.HTTPError as exc:
        partial.unlink(missing_ok=True)
        raise SourceError(f"could not download {url}: {exc}") from None
    partial.replace(destination)
    return destination


def resolve_source(source: str | Path, *, default_path: Path, fallback_url: str) -> Path:
    """A local path to read. URLs are downloaded to a temporary file; the default path, when
    missing, is downloaded from the public URL once (and kept, it is git-ignored)."""
    text = str(source)
    if is_url(text):
        target = Path(tempfile.mkdtemp(prefix="ecommerce-csv-")) / "download.csv"
        return download(text, target)
    path = Path(text).expanduser()
    if path.is_file():
        return path
    if path.exists():
        raise SourceError(f"{path} is not a file")
    if path.resolve() == default_path.resolve():
        try:
            return download(fallback_url, path)
        except SourceError as exc:
            raise SourceError(
                f"{path} does not exist and the public file could not be downloaded ({exc}). "
                "Pass a CSV path or URL (python -m loader PATH, or ECOMMERCE_CSV), or make a "
                f"synthetic one: python -m loader.synth {path} --rows 51290"
            ) from None
    raise SourceError(f"{path} does not exist")
