"""The Flask application factory: the HTTP API and pages on top of one Ledger."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app

from ledger.application import Ledger
from ledger.bootstrap import build_ledger
from ledger.settings import Settings


def create_app(settings: Settings | None = None, *, ledger: Ledger | None = None) -> Flask:
    app = Flask(__name__)
    settings = settings or Settings.from_env()
    app.config["LEDGER_SETTINGS"] = settings
    app.extensions["ledger"] = ledger or build_ledger(settings)

    @app.get("/api/v1/health")
    def health() -> tuple[dict[str, Any], int]:
        try:
            current_ledger().database.ping()
        except Exception:  # any failure to reach the database means "not healthy"
            return {"status": "unavailable"}, 503
        return {"status": "ok"}, 200

    return app


def current_ledger() -> Ledger:
    ledger: Ledger = current_app.extensions["ledger"]
    return ledger
