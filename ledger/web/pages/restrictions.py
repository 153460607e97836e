"""The officer's pages for restrictions of processing (GDPR Art. 18): impose one from a
person's page, lift it, and the list of restrictions in force with those ending within 30 days
marked (CSRF-guarded forms, no script)."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from flask import Blueprint, Response, g, redirect, request, url_for
from werkzeug.exceptions import HTTPException

from ledger.app import Reader
from ledger.app.authentication import TooManyFailures
from ledger.app.restrictions import ENDING_SOON_DAYS
from ledger.domain.errors import (
    InvalidChange,
    InvalidSubjectId,
    RestrictionConflict,
    RestrictionNotFound,
)
from ledger.domain.restriction import MAX_REASON
from ledger.web.auth import route_pattern
from ledger.web.context import current_ledger
from ledger.web.pages import session as officer_session
from ledger.web.pages.common import error_page, page, security_headers
from ledger.web.pages.session import officer_only

bp = Blueprint("restriction_pages", __name__, url_prefix="/officer/restrictions")
bp.after_request(security_headers)
bp.before_request(officer_session.check_csrf)
bp.errorhandler(HTTPException)(error_page)
bp.errorhandler(TooManyFailures)(officer_session.too_many_failures)

# The list exists for one job, so its reads of the people listed carry that job as reason.
PURPOSE = "Art. 18 AVG: beperkingen van de verwerking bewaken"
FIELD_LABELS = {
    "reason": "Reden",
    "until": "Tot en met",
    "since": "Vanaf",
    "subject_id": "Persoonsnummer",
    "subject": "Betrokkene",
    "restriction": "Beperking",
}
DONE = {
    "imposed": "De beperking is vastgelegd. De ontvangers staan klaar bij Notificaties.",
    "lifted": "De beperking is opgeheven.",
}


def _reader() -> Reader:
    return Reader(actor=g.officer, role="officer", channel=route_pattern(), purpose=PURPOSE)


def _messages(errors: dict[str, str]) -> list[str]:
    return [f"{FIELD_LABELS.get(field, field)}: {message}" for field, message in errors.items()]


def _list(status: int = 200, **context: Any) -> Response:
    items = current_ledger().restrictions.in_force(reader=_reader())
    return page(
        "officer/restrictions.html",
        status=status,
        items=items,
        soon=[item for item in items if item["ending_soon"]],
        days=ENDING_SOON_DAYS,
        max_reason=MAX_REASON,
        done=DONE.get(request.args.get("done", "")),
        **context,
    )


@bp.get("")
@officer_only
def in_force() -> Response:
    return _list()


def _back(subject_id: str, view_reason: str, done: str) -> Any:
    """To the person's page when the form came from there, else to the list."""
    if subject_id and view_reason:
        target = url_for("officer.subject", id=subject_id, reason=view_reason, done=done)
        return redirect(target + "#restrictions", code=303)
    return redirect(url_for("restriction_pages.in_force", done=done), code=303)


def _refused(status: int, errors: list[str], subject_id: str, view_reason: str) -> Response:
    back = (
        url_for("officer.subject", id=subject_id, reason=view_reason) + "#restrictions"
        if subject_id and view_reason
        else url_for("restriction_pages.in_force")
    )
    return page("officer/restriction_refused.html", status=status, errors=errors, back=back)


@bp.post("")
@officer_only
def impose() -> Any:
    form = request.form
    subject_id = form.get("subject_id", "").strip()
    view_reason = form.get("view_reason", "").strip()
    try:
        until = date.fromisoformat(form.get("until", "").strip())
    except ValueError:
        return _refused(422, ["Tot en met: geef een datum als 2026-12-31"], subject_id, view_reason)
    try:
        current_ledger().restrictions.impose(
            subject_id=subject_id, reason=form.get("reason", ""), until=until, actor=g.officer
        )
    except (InvalidChange, InvalidSubjectId) as refused:
        return _refused(422, _messages(refused.errors), subject_id, view_reason)
    return _back(subject_id, view_reason, "imposed")


@bp.post("/<uuid:restriction_id>/lift")
@officer_only
def lift(restriction_id: UUID) -> Any:
    form = request.form
    subject_id = form.get("subject_id", "").strip()
    view_reason = form.get("view_reason", "").strip()
    try:
        current_ledger().restrictions.lift(
            restriction_id, reason=form.get("reason", ""), actor=g.officer
        )
    except InvalidChange as refused:
        return _refused(422, _messages(refused.errors), subject_id, view_reason)
    except RestrictionConflict as refused:
        return _refused(409, _messages(refused.errors), subject_id, view_reason)
    except RestrictionNotFound:
        return _refused(404, ["Deze beperking bestaat niet."], subject_id, view_reason)
    return _back(subject_id, view_reason, "lifted")
