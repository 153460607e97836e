"""The officer's retention page: whose data expires in the coming months, and who is kept
without end because their employment end is missing, with a form to record it (CSRF-guarded,
no script)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, Response, g, redirect, request, url_for
from werkzeug.exceptions import HTTPException

from ledger.app import Reader
from ledger.app.authentication import TooManyFailures
from ledger.app.retention import DEFAULT_MONTHS, MAX_MONTHS
from ledger.domain.errors import InvalidChange, InvalidSubjectId, SubjectUnknown
from ledger.web.auth import route_pattern
from ledger.web.context import current_ledger
from ledger.web.pages import session as officer_session
from ledger.web.pages.common import error_page, page, security_headers
from ledger.web.pages.session import officer_only

bp = Blueprint("retention_pages", __name__, url_prefix="/officer/retention")
bp.after_request(security_headers)
bp.before_request(officer_session.check_csrf)
bp.errorhandler(HTTPException)(error_page)
bp.errorhandler(TooManyFailures)(officer_session.too_many_failures)

# The page exists for one job, so its reads of the people listed carry that job as reason.
PURPOSE = "Art. 5(1)(e) AVG: bewaartermijnen bewaken"
COUNTS_FROM = {
    "disclosure": "de verstrekking",
    "end_of_year": "het einde van het kalenderjaar",
    "employment_ended": "het einde van het dienstverband",
}
UNITS = {"years": ("jaar", "jaar"), "months": ("maand", "maanden"), "weeks": ("week", "weken")}
UNITS_DAYS = ("dag", "dagen")
FIELD_LABELS = {"ended_on": "Einde dienstverband", "subject_id": "Betrokkene", "months": "Maanden"}


def _reader() -> Reader:
    return Reader(actor=g.officer, role="officer", channel=route_pattern(), purpose=PURPOSE)


def _period(rule: Any) -> str:
    parts = []
    for unit, (one, more) in (*UNITS.items(), ("days", UNITS_DAYS)):
        amount = getattr(rule, unit)
        if amount:
            parts.append(f"{amount} {one if amount == 1 else more}")
    return " ".join(parts)


def _report(status: int = 200, months: int = DEFAULT_MONTHS, **context: Any) -> Response:
    found = current_ledger().retention.report(reader=_reader(), months=months)
    return page(
        "officer/retention.html",
        status=status,
        report=found,
        rules=current_ledger().retention.rules.rules,
        period=_period,
        counts_from=COUNTS_FROM,
        max_months=MAX_MONTHS,
        purpose=PURPOSE,
        done=request.args.get("done") == "1",
        **context,
    )


@bp.get("")
@officer_only
def report() -> Response:
    raw = request.args.get("months", "").strip() or str(DEFAULT_MONTHS)
    months = int(raw) if raw.isdigit() else 0
    if not 1 <= months <= MAX_MONTHS:
        return _report(422, errors=[f"Maanden: geef een heel getal van 1 tot en met {MAX_MONTHS}."])
    return _report(months=months)


@bp.post("/employment-end")
@officer_only
def record_end() -> Any:
    subject_id = request.form.get("subject_id", "")
    try:
        current_ledger().employment_ends.record(
            subject_id=subject_id,
            ended_on=_date(request.form.get("ended_on", "")),
            actor=g.officer,
        )
    except (InvalidChange, InvalidSubjectId) as refused:
        return _report(422, errors=_messages(refused.errors), failed=subject_id)
    except SubjectUnknown:
        return _report(404, errors=["Over deze betrokkene is niets vastgelegd."], failed=subject_id)
    return redirect(url_for("retention_pages.report", done="1"), code=303)


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidChange({"ended_on": "geef een datum als 2026-11-02"}) from None


def _messages(errors: dict[str, str]) -> list[str]:
    return [f"{FIELD_LABELS.get(field, field)}: {message}" for field, message in errors.items()]
