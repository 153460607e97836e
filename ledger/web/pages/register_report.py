"""The officer's Art. 30 report: the register's activities with the disclosures actually
recorded under each, per recipient category and month, as a page, a PDF and a CSV, in Dutch or
English, for a period of months. No personal data, so nothing is logged."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request, url_for
from werkzeug.exceptions import HTTPException

from ledger.app.authentication import TooManyFailures
from ledger.domain.patterns import MONTH
from ledger.overview.register_report import RegisterReport, render_csv, render_pdf
from ledger.web.context import current_ledger
from ledger.web.pages import session as officer_session
from ledger.web.pages.common import FORMATS, error_page, page, security_headers
from ledger.web.pages.session import officer_only

# Not under /officer/register/: there an activity code (`report`) could be hidden by it.
bp = Blueprint("register_report", __name__, url_prefix="/officer")
bp.after_request(security_headers)
bp.before_request(officer_session.check_csrf)
bp.errorhandler(HTTPException)(error_page)
bp.errorhandler(TooManyFailures)(officer_session.too_many_failures)

# The period's filters, with what the page says when one is not a month.
FILTERS = {
    "from": {"nl": "Vanaf maand: een maand als 2026-01", "en": "From month: a month like 2026-01"},
    "to": {"nl": "Tot en met maand: een maand als 2026-12", "en": "Until month: like 2026-12"},
}


def _report() -> tuple[RegisterReport, list[str], dict[str, str]]:
    lang = "en" if request.args.get("lang") == "en" else "nl"
    given = {name: (request.args.get(name) or "").strip() for name in FILTERS}
    errors = [FILTERS[name][lang] for name, value in given.items() if value and not _month(value)]
    since = given["from"] if _month(given["from"]) else None
    until = given["to"] if _month(given["to"]) else None
    report = current_ledger().register_reports.report(
        lang=lang, since_month=since, until_month=until
    )
    return report, errors, {"from": since or "", "to": until or "", "lang": lang}


def _url(endpoint: str, filters: dict[str, str]) -> str:
    given: dict[str, Any] = {name: value for name, value in filters.items() if value}
    return url_for(endpoint, **given)


def _month(value: str) -> bool:
    return MONTH.fullmatch(value) is not None


@bp.get("/art30")
@officer_only
def report() -> Response:
    found, errors, filters = _report()
    other = "en" if found.lang == "nl" else "nl"
    return page(
        "officer/register_report.html",
        report=found,
        t=found.texts,
        errors=errors,
        filters=filters,
        files={fmt: _url(f"register_report.report_{fmt}", filters) for fmt in ("pdf", "csv")},
        other_language=_url("register_report.report", {**filters, "lang": other}),
        other=other,
    )


@bp.get("/art30.pdf")
@officer_only
def report_pdf() -> Response:
    return _file("pdf")


@bp.get("/art30.csv")
@officer_only
def report_csv() -> Response:
    return _file("csv")


def _file(fmt: str) -> Response:
    found, errors, _ = _report()
    if errors:
        return page(
            "officer/message.html",
            status=422,
            title="Ongeldige periode" if found.lang == "nl" else "Invalid period",
            message="; ".join(errors),
        )
    body: bytes | str = render_pdf(found) if fmt == "pdf" else render_csv(found)
    response = Response(body, mimetype=FORMATS[fmt].split(";")[0])
    response.headers["Content-Type"] = FORMATS[fmt]
    response.headers["Content-Disposition"] = f'attachment; filename="{found.filename(fmt)}"'
    return response
