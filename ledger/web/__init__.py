"""The Flask application factory: the HTTP API and pages on top of one Ledger."""

from __future__ import annotations

from flask import Flask, current_app
from flask_smorest import Api

from ledger.application import Ledger
from ledger.bootstrap import build_ledger
from ledger.settings import Settings

MAX_BODY = 10 * 1024 * 1024


class LedgerApi(Api):  # type: ignore[misc]
    """flask-smorest, with errors answered as RFC 9457 problems (see `problems`)."""

    def _register_error_handlers(self) -> None:
        from ledger.web import problems

        problems.register(self._app)


def create_app(settings: Settings | None = None, *, ledger: Ledger | None = None) -> Flask:
    app = Flask(__name__)
    settings = settings or Settings.from_env()
    app.config.update(
        LEDGER_SETTINGS=settings,
        MAX_CONTENT_LENGTH=MAX_BODY,
        API_TITLE="Disclosure Ledger",
        API_VERSION="1",
        OPENAPI_VERSION="3.1.0",
        OPENAPI_URL_PREFIX="/api/v1",
        OPENAPI_JSON_PATH="openapi.json",
        JSON_SORT_KEYS=False,
    )
    app.extensions["ledger"] = ledger or build_ledger(settings)

    api = LedgerApi(
        app,
        spec_kwargs={
            "info": {
                "description": (
                    "Records every disclosure of a person's data to a third party with its "
                    "legal basis, and answers who received it, when, what and why."
                )
            }
        },
    )
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "description": "an API key"}
    )
    from ledger.web import api as api_views
    from ledger.web import docs, integrity_api, pages

    api.register_blueprint(api_views.blp)
    api.register_blueprint(integrity_api.blp)
    app.register_blueprint(docs.bp)
    pages.register(app, api)
    return app


def current_ledger() -> Ledger:
    ledger: Ledger = current_app.extensions["ledger"]
    return ledger
