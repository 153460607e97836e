"""gunicorn, started from `ledger serve`: pre-fork workers with threads, one Ledger per worker."""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication


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
        # What the app built at start-up lives as long as the worker: keep it out of the
        # collector's full passes, which otherwise put ~100 ms into the overview's slow tail.
        gc.collect()
        gc.freeze()
        return app


def serve(*, host: str, port: int, workers: int, threads: int) -> None:
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
