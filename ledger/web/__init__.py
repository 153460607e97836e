"""The web edge: `create_app` puts the HTTP API (`api/`), the API reference (`docs`) and the
pages (`pages/`) on top of one application."""

from __future__ import annotations

from flask import Flask, Response, request
from flask_smorest import Api
from werkzeug.middleware.proxy_fix import ProxyFix

from ledger.app import Ledger
from ledger.bootstrap import build_ledger
from ledger.settings import Settings
from ledger.web import api, consistency, docs, pages, problems
from ledger.web.api.common import SecuredProblems, no_store
from ledger.web.bodies import LedgerJSONProvider, LedgerRequest
from ledger.web.health import HealthCheck
from ledger.web.schemas import ProblemSchema

MAX_BODY = 10 * 1024 * 1024


class LedgerFlask(Flask):
    """Flask, reading bodies as `bodies` says: bounded when chunked, JSON within bounds."""

    request_class = LedgerRequest
    json_provider_class = LedgerJSONProvider


class LedgerApi(Api):  # type: ignore[misc]
    """flask-smorest, with errors answered as RFC 9457 problems (see `problems`)."""

    def _register_error_handlers(self) -> None:
        problems.register(self._app)


def create_app(settings: Settings | None = None, *, ledger: Ledger | None = None) -> Flask:
    app = LedgerFlask(__name__)
    settings = settings or Settings.from_env()
    if settings.trusted_proxies:
        # The client's address (what failed authentications are counted by) from the
        # X-Forwarded-For entries our own proxies added; without the setting it is ignored,
        # since any client can send one.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.trusted_proxies)  # type: ignore[method-assign]
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
    consistency.install(app)
    smorest = LedgerApi(
        app,
        spec_kwargs={
            "extra_plugins": [SecuredProblems(), consistency.ConsistencyHeaders()],
            "info": {
                "description": (
                    "Records every disclosure of a person's data to a third party with its "
                    "legal basis, and answers who received it, when, what and why."
                )
            },
        },
    )
    # Registered by name first, so SecuredProblems can refer to it as "Problem".
    smorest.spec.components.schema("Problem", schema=ProblemSchema)
    smorest.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "description": "an API key"}
    )
    for blueprint in api.BLUEPRINTS:
        smorest.register_blueprint(blueprint)
    app.register_blueprint(docs.bp)

    @app.after_request
    def _api_never_cached(response: Response) -> Response:
        # Every /api/ answer, a route's or an error's: it may carry personal data or a secret.
        return no_store(response) if request.path.startswith("/api/v1/") else response

    pages.register(app)
    return app
