"""What every page shares: its security headers, rendering, downloads and error pages."""

from __future__ import annotations

from typing import Any

from flask import Response, render_template
from werkzeug.exceptions import HTTPException

from ledger import overview
from ledger.overview import Overview

# Pages load nothing from elsewhere; the policy makes a browser refuse it if one ever tried.
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
FORMATS = {
    "pdf": "application/pdf",
    "json": "application/json; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "html": "text/html; charset=utf-8",
}


def security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Frame-Options"] = "DENY"
    # Every page here shows personal data or a secret link: keep it out of caches and indexes.
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


def page(template: str, status: int = 200, **context: Any) -> Response:
    response = Response(render_template(template, **context), status=status)
    response.headers["Content-Type"] = FORMATS["html"]
    return response


def html(body: str) -> Response:
    response = Response(body)
    response.headers["Content-Type"] = FORMATS["html"]
    return response


def download(view: Overview, fmt: str) -> Response:
    """The overview as a file: PDF, JSON (with the person's proof when the view has one),
    CSV, or HTML with its stylesheet inline."""
    if fmt == "pdf":
        body: bytes | str = overview.render_pdf(view)
    elif fmt == "json":
        body = overview.render_json(view)
    elif fmt == "csv":
        body = overview.render_csv(view)
    else:
        body = overview.render_html(view)
    response = Response(body, mimetype=FORMATS[fmt].split(";")[0])
    response.headers["Content-Type"] = FORMATS[fmt]
    response.headers["Content-Disposition"] = f'attachment; filename="{view.filename(fmt)}"'
    return response


def error_page(error: HTTPException) -> Response:
    """A page, not a problem document: these are pages for people."""
    status = error.code or 500
    titles = {404: "Niet gevonden", 405: "Niet toegestaan", 413: "Te groot"}
    return page(
        "officer/message.html",
        status=status,
        title=titles.get(status, "Dat lukte niet"),
        message=(
            "Deze pagina of dit gegeven bestaat niet (meer)."
            if status == 404
            else f"De server kon dit verzoek niet afhandelen (HTTP {status})."
        ),
    )
