"""The web edge: `create_app` puts the HTTP API (`api/`), the API reference (`docs`) and the
pages (`pages/`) on top of one application."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api

from ledger.app import Ledger
from ledger.bootstrap import build_ledger
from ledger.settings import Settings
from ledger.web import api, docs, pages, problems
from ledger.web.health import HealthCheck

MAX_BODY = 10 * 1024 * 1024


class LedgerApi(Api):  # type: ignore[misc]
    """flask-smorest, with errors answered as RFC 9457 problems (see `problems`)."""

    def _register_error_handlers(self) -> None:
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
    app.extensions["ledger"] = ledger = ledger or build_ledger(settings)
    app.extensions["ledger_health"] = HealthCheck(ledger.database.ping)
    smorest = LedgerApi(
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
    smorest.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "description": "an API key"}
    )
    for blueprint in api.BLUEPRINTS:
        smorest.register_blueprint(blueprint)
    app.register_blueprint(docs.bp)
    pages.register(app)
    return app
