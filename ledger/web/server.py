"""gunicorn, started from `ledger serve`: pre-fork workers with threads, one Ledger per worker."""

from __future__ import annotations

import logging
import threading
from typing import Any

from gunicorn.app.base import BaseApplication

log = logging.getLogger(__name__)


class LedgerServer(BaseApplication):  # type: ignore[misc]
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for name, value in self.options.items():
            self.cfg.set(name, value)

    def load(self) -> Any:
        import gc

        from ledger.web import create_app

        app = create_app()
        start_checkpoint_timer(app.extensions["ledger"])
        # What the app built at start-up lives as long as the worker: keep it out of the
        # collector's full passes, which otherwise put ~100 ms into the overview's slow tail.
        gc.collect()
        gc.freeze()
        return app


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
    log_to_stderr()
    LedgerServer(
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "threads": threads,
            "worker_class": "gthread",
            "preload_app": False,
            "accesslog": None,
            "errorlog": "-",
            "loglevel": "warning",
            "timeout": 120,
            "graceful_timeout": 10,
        }
    ).run()
