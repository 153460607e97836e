"""gunicorn, started from `ledger serve`: pre-fork worker processes, each an asyncio event loop
that reads requests whole and runs them on a pool of threads (`ledger.web.asgi`), with one Ledger
per worker."""

from __future__ import annotations

import logging
import threading
from typing import Any

from gunicorn.app.base import BaseApplication

log = logging.getLogger(__name__)


# Answered on threads of its own in every worker (see BufferedWsgi).
HEALTH_PATH = "/api/v1/health"


class LedgerServer(BaseApplication):  # type: ignore[misc]
    def __init__(self, options: dict[str, Any], *, threads: int) -> None:
        self.options = options
        self.threads = threads
        super().__init__()

    def load_config(self) -> None:
        for name, value in self.options.items():
            self.cfg.set(name, value)

    def load(self) -> Any:
        import gc

        from ledger.web import MAX_BODY, create_app
        from ledger.web.asgi import BufferedWsgi

        app = create_app()
        start_checkpoint_timer(app.extensions["ledger"])
        served = BufferedWsgi(app, threads=self.threads, max_body=MAX_BODY, reserved=(HEALTH_PATH,))
        # What the app built at start-up lives as long as the worker: keep it out of the
        # collector's full passes, which otherwise put ~100 ms into the overview's slow tail.
        gc.collect()
        gc.freeze()
        return served


def start_checkpoint_timer(ledger: Any) -> threading.Event:
    """Publish a due checkpoint every so often, so no events stay unsigned for long when
    nothing else is written after them. Each worker runs one; the write lock and the
    checkpoint's unique tree size make them agree. Setting the returned event stops it."""
    interval = max(1.0, min(60.0, ledger.settings.checkpoint_every_seconds / 4))
    stop = threading.Event()

    def run() -> None:
        while not stop.wait(interval):
            try:
                ledger.integrity.publish_checkpoint_if_due()
            except Exception:  # the database may be away a while: try again next time
                log.warning("checkpoint timer: publishing failed", exc_info=True)

    threading.Thread(target=run, name="ledger-checkpoints", daemon=True).start()
    return stop


def log_to_stderr() -> None:
    """The ledger's own log lines (failed authentications, an unreachable database) on
    stderr beside gunicorn's, with time, worker and level; the workers inherit it."""
    ledger_log = logging.getLogger("ledger")
    if ledger_log.handlers:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(
        logging.Formatter(
            "%(asctime)s [%(process)d] [%(levelname)s] %(name)s: %(message)s",
            "[%Y-%m-%d %H:%M:%S %z]",
        )
    )
    ledger_log.addHandler(handler)
    ledger_log.setLevel(logging.INFO)
    ledger_log.propagate = False


def serve(*, host: str, port: int, workers: int, threads: int) -> None:
    """gunicorn's asyncio worker rather than its threaded one: gthread hands a connection to a
    thread as soon as its first byte arrives, so a few clients sending slowly hold every thread
    (gunicorn's design notes: its sync and threaded workers expect a buffering proxy in front).
    Here the event loop buffers, and the same `threads` run the application."""
    log_to_stderr()
    LedgerServer(
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "worker_class": "asgi",
            # BufferedWsgi has nothing to do at start-up or shut-down: load() did it all.
            "asgi_lifespan": "off",
            # The loop the tests ran, whatever else is installed (with uvloop, a SIGTERM that
            # came while a worker was still loading the app went unnoticed until the graceful
            # timeout).
            "asgi_loop": "asyncio",
            # gunicorn's control socket is one path per user (~/.gunicorn): several servers on
            # one machine would take it from each other, and nothing here uses it.
            "control_socket_disable": True,
            "preload_app": False,
            "accesslog": None,
            "errorlog": "-",
            "loglevel": "warning",
            "timeout": 120,
            "graceful_timeout": 10,
        },
        threads=threads,
    ).run()
