"""Serving the app with uvicorn, the garbage collector tuned for a server.

`python -m app serve` starts here; `create_app()` itself never changes interpreter-wide settings,
so tests and embedders keep Python's defaults.

With several workers on Linux, each worker accepts on a listening socket of its own, bound with
SO_REUSEPORT, and the kernel spreads new connections over the workers by a hash of their
addresses (as nginx's `reuseport` does). uvicorn's own `--workers` shares one socket bound by the
parent: whichever worker wakes first accepts every connection waiting, so a burst of new
connections (a client's pool, a proxy's upstream connections) can all land on one worker while
the others idle. docs/design.md ("One listening socket per worker") records how this uses
uvicorn's supervisor and how to check it after an upgrade.
"""

from __future__ import annotations

import gc
import logging
import socket
import sys
from typing import Any, NoReturn

import uvicorn
from uvicorn.config import STARTUP_FAILURE
from uvicorn.supervisors import multiprocess

APP_FACTORY = "app.serving:tuned_app"


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
    this process) until stopped. `uvicorn_options` go to `uvicorn.Config` unchanged
    (`access_log`, …). Exits with uvicorn's startup-failure status when the address is taken."""
    if workers == 1:
        uvicorn.run(tuned_app(), host=host, port=port, log_level=log_level, **uvicorn_options)
        return
    options: dict[str, Any] = dict(
        factory=True, host=host, port=port, log_level=log_level, workers=workers, **uvicorn_options
    )
    if not balances_by_reuseport(port):
        uvicorn.run(APP_FACTORY, **options)  # one socket, shared by the workers
        return
    config = uvicorn.Config(APP_FACTORY, **options)  # configures uvicorn's logging
    try:
        check_address_free(host, port)
    except OSError as exc:
        _cannot_listen(host, port, exc)
    run_workers_with_own_listeners(config)


def balances_by_reuseport(port: int) -> bool:
    """Linux spreads connections over the SO_REUSEPORT sockets of one port (other systems accept
    the option but give every connection to one socket); port 0 would give each worker a
    different port."""
    return sys.platform == "linux" and hasattr(socket, "SO_REUSEPORT") and port != 0


def _bound_socket(host: str, port: int, *, reuse_port: bool) -> socket.socket:
    """A TCP socket bound to `host:port` (the family chosen as uvicorn's `bind_socket` does)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if reuse_port:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


def check_address_free(host: str, port: int) -> None:
    """Raise OSError unless `host:port` can be bound. Binding without SO_REUSEPORT fails while
    any socket listens there, so a second server on the same port (which could otherwise join
    this one's SO_REUSEPORT group) is refused, as with a shared socket."""
    _bound_socket(host, port, reuse_port=False).close()


def own_listener(host: str, port: int) -> socket.socket:
    """A socket bound to `host:port` with SO_REUSEPORT, for one worker."""
    return _bound_socket(host, port, reuse_port=True)


def _cannot_listen(host: str, port: int, error: OSError) -> NoReturn:
    """Log why, and exit with uvicorn's startup-failure status: its supervisor stops on it
    instead of restarting a worker that would fail the same way."""
    logging.getLogger("uvicorn.error").error("cannot listen on %s:%d: %s", host, port, error)
    sys.exit(STARTUP_FAILURE)


class OwnListenerServer(uvicorn.Server):
    """A worker's server: it serves on a listener it binds itself, whatever the parent passed."""

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        config = self.config
        try:  # before the app's lifespan starts: nothing to undo
            listener = own_listener(config.host, config.port)
        except OSError as exc:
            _cannot_listen(config.host, config.port, exc)
        await super().startup(sockets=[listener])


class OwnListenerProcess(multiprocess.Process):
    """uvicorn's worker process, running an OwnListenerServer."""

    @property
    def server(self) -> uvicorn.Server:
        if self._server is None:
            self._server = OwnListenerServer(config=self.config)
        return self._server


def run_workers_with_own_listeners(config: uvicorn.Config) -> None:
    """uvicorn's supervisor (restarts, SIGHUP, SIGTTIN/SIGTTOU, signals) with no shared socket:
    every worker it starts, first or replacement, binds its own listener."""
    default = multiprocess.Process
    multiprocess.Process = OwnListenerProcess  # type: ignore[misc]  # see docs/design.md
    try:
        multiprocess.Multiprocess(config, sockets=[]).run()
    except KeyboardInterrupt:  # as uvicorn.run
        pass
    finally:
        multiprocess.Process = default  # type: ignore[misc]
