"""Serving the app in this process with uvicorn, the garbage collector tuned for a server.

`python -m app serve` and the benchmarks' server (`bench/graphql.py`) start here; `create_app()`
itself never changes interpreter-wide settings, so tests and embedders keep Python's defaults.
"""

from __future__ import annotations

import gc
from typing import Any


def tune_gc_for_serving() -> None:
    """Keep everything alive so far out of the cyclic collector's scans, and collect young objects
    less often.

    Called once the app is built: the modules, the schema and the routes live as long as the
    process, so scanning them again on every collection only costs pauses under load. A request's
    objects are freed by reference counting; the raised young-generation threshold only delays
    the collection of the rare cycles among them.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 50, 100)


def tuned_app() -> Any:
    """`app.main:app` with the collector tuned: what each worker process serves (a factory,
    so the tuning happens in the worker, after its import of the app)."""
    from app.main import app

    tune_gc_for_serving()
    return app


def serve(
    host: str, port: int, log_level: str, *, workers: int = 1, **uvicorn_options: Any
) -> None:
    """Serve `app.main:app` with the collector tuned, in `workers` uvicorn worker processes (one:
    this process) until stopped. `uvicorn_options` go to `uvicorn.run` unchanged (`access_log`,
    …)."""
    import uvicorn

    if workers == 1:
        uvicorn.run(tuned_app(), host=host, port=port, log_level=log_level, **uvicorn_options)
        return
    uvicorn.run(
        "app.serving:tuned_app",
        factory=True,
        host=host,
        port=port,
        log_level=log_level,
        workers=workers,
        **uvicorn_options,
    )
