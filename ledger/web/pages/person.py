"""The person's own overview, opened through their link: no account needed."""

from __future__ import annotations

import time

from flask import Blueprint, Response, render_template, request, url_for
from werkzeug.exceptions import HTTPException

from ledger import overview
from ledger.adapters.overview_links import Link, Refused
from ledger.app import Reader
from ledger.overview import Overview
from ledger.overview.html import context as overview_context
from ledger.web.auth import route_pattern
from ledger.web.context import current_ledger, overview_config
from ledger.web.pages.common import download, html, page, security_headers

bp = Blueprint("person", __name__)
bp.after_request(security_headers)

SUBJECT_ACTOR = "betrokkene"
SUBJECT_PURPOSE = "own overview through a personal link"
DOWNLOADS = ("pdf", "json", "csv")


def _gone(refused: Refused) -> Response:
    return page(
        "link_gone.html", status=refused.status, reason=refused.reason, config=overview_config()
    )


def unknown_link() -> Response:
    """The answer to any token, spelling or path under /o/ that names no link."""
    return security_headers(_gone(Refused("unknown")))


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> Response:
    return _gone(Refused("unknown"))


def _opened(token: str) -> Link | Response:
    outcome = current_ledger().links.resolve(token)
    return _gone(outcome) if isinstance(outcome, Refused) else outcome


def _view(link: Link, fmt: str) -> Overview:
    reader = Reader(
        actor=SUBJECT_ACTOR,
        role="subject",
        channel=f"{route_pattern()} ({fmt})",
        purpose=SUBJECT_PURPOSE,
    )
    return current_ledger().reading.overview(
        reader=reader,
        tag=link.subject_tag,
        lang=overview.language(request.args.get("lang") or link.lang),
        with_proof=fmt == "json",
    )


@bp.get("/o/<token>", endpoint="overview")
def overview_page(token: str) -> Response:
    """The person's own overview, opened through their link: no account needed."""
    started = time.perf_counter()
    link = _opened(token)
    if isinstance(link, Response):
        return link
    view = _view(link, "html")
    built = time.perf_counter()
    downloads = {
        fmt: url_for("person.download", token=token, fmt=fmt, lang=view.lang) for fmt in DOWNLOADS
    }
    languages = {
        lang: url_for("person.overview", token=token, lang=lang)
        for lang in (*overview.LANGUAGES, *view.config.added_languages)
    }
    response = html(
        render_template(
            "overview.html", **overview_context(view, downloads=downloads, languages=languages)
        )
    )
    response.headers["Server-Timing"] = _timing(started, built)
    return response


def _timing(started: float, built: float) -> str:
    """Where the server's time went (W3C Server-Timing), so it can be measured from outside."""
    done = time.perf_counter()
    return (
        f"build;dur={(built - started) * 1000:.1f}, render;dur={(done - built) * 1000:.1f}, "
        f"total;dur={(done - started) * 1000:.1f}"
    )


@bp.get("/o/<token>/overview.<fmt>", endpoint="download")
def download_file(token: str, fmt: str) -> Response:
    if fmt not in DOWNLOADS:
        return _gone(Refused("unknown"))
    link = _opened(token)
    if isinstance(link, Response):
        return link
    return download(_view(link, fmt), fmt)
