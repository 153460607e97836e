"""The pages for people: the person's own overview through their link, and the privacy
officer's pages behind a sign-in with an officer key."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, Response, g, request
from jinja2 import ChoiceLoader, FileSystemLoader
from werkzeug.exceptions import NotFound

from ledger import overview
from ledger.overview.html import TEMPLATES as OVERVIEW_TEMPLATES
from ledger.web import problems
from ledger.web.pages import (
    erasures,
    notifications,
    officer,
    person,
    register_report,
    requests,
    restrictions,
    retention,
    session,
)
from ledger.web.pages import register as register_pages
from ledger.web.pages.common import error_page, page, security_headers

site = Blueprint("site", __name__)
site.after_request(security_headers)


@site.get("/")
def home() -> Response:
    return page("home.html")


def register(app: Flask) -> None:
    """The pages' blueprints, their session settings and the overview's templates."""
    ledger = app.extensions["ledger"]
    session.configure(app, link_key=ledger.keys.link_key, production=ledger.settings.is_production)
    # The person's page and the officer's view include the overview's own template.
    app.jinja_loader = ChoiceLoader(
        [loader for loader in (app.jinja_loader,) if loader is not None]
        + [FileSystemLoader(OVERVIEW_TEMPLATES)]
    )

    @app.context_processor
    def _template_globals() -> dict[str, Any]:
        return {
            "csrf_token": session.csrf_token,
            "officer_name": g.get("officer"),
            "long_datetime": overview.long_datetime,
        }

    app.register_blueprint(site)
    app.register_blueprint(person.bp)
    app.register_blueprint(officer.bp)
    app.register_blueprint(requests.bp)
    app.register_blueprint(notifications.bp)
    app.register_blueprint(restrictions.bp)
    app.register_blueprint(retention.bp)
    app.register_blueprint(register_pages.bp)
    app.register_blueprint(register_report.bp)
    app.register_blueprint(erasures.bp)

    @app.errorhandler(NotFound)
    def _not_found(error: NotFound) -> Response:
        # A path no route matches belongs to no blueprint; under a page's prefix it still gets
        # that page's answer (a mangled link is "this link does not exist"), elsewhere a problem.
        if request.path.startswith("/o/"):
            return person.unknown_link()
        if request.path.startswith("/officer/"):
            return security_headers(error_page(error))
        return problems.http_error(error)
