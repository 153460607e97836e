"""The officer's erasure pages: erasing a person (Art. 17) from their page, with the outcome
(the rules that hold and until when, or the recipients to tell), and the list of scheduled and
done erasures (CSRF-guarded forms, no script)."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from flask import Blueprint, Response, g, redirect, request, url_for
from werkzeug.exceptions import HTTPException

from ledger.app.authentication import TooManyFailures
from ledger.domain.errors import ErasureConflict, InvalidChange
from ledger.domain.suppression import dutch_date
from ledger.web.context import current_ledger
from ledger.web.pages import session as officer_session
from ledger.web.pages.common import error_page, page, security_headers
from ledger.web.pages.session import officer_only

bp = Blueprint("erasure_pages", __name__, url_prefix="/officer/erasures")
bp.after_request(security_headers)
bp.before_request(officer_session.check_csrf)
bp.errorhandler(HTTPException)(error_page)
bp.errorhandler(TooManyFailures)(officer_session.too_many_failures)

FIELD_LABELS = {
    "reason": "Reden",
    "requested_at": "Verzoek ontvangen op",
    "subject_id": "Betrokkene",
}
BASES = {"request": "op verzoek", "retention": "bewaartermijn verstreken"}


def _rule_title(code: str) -> str:
    rule = current_ledger().retention.rules.rule(code)
    return code if rule is None else rule.title("nl")


@bp.get("")
@officer_only
def listing() -> Response:
    return _listing()


def _listing(status: int = 200, errors: dict[str, str] | None = None) -> Response:
    erasures = current_ledger().erasures
    return page(
        "officer/erasures.html",
        status=status,
        scheduled=erasures.in_state("scheduled"),
        done=list(reversed(erasures.in_state("done"))),
        rule_title=_rule_title,
        bases=BASES,
        errors=_messages(errors or {}),
        cancelled=request.args.get("done") == "cancelled",
    )


@bp.post("/<uuid:erasure_id>/cancel")
@officer_only
def cancel(erasure_id: UUID) -> Any:
    try:
        current_ledger().erasures.cancel(
            erasure_id, reason=request.form.get("reason", ""), actor=g.officer
        )
    except (InvalidChange, ErasureConflict) as refused:
        return _listing(422 if isinstance(refused, InvalidChange) else 409, refused.errors)
    return redirect(url_for("erasure_pages.listing", done="cancelled"), code=303)


@bp.post("/erase")
@officer_only
def erase() -> Response:
    subject_id = request.form.get("subject_id", "")
    reason = request.form.get("reason", "")
    raw_date = request.form.get("requested_at", "").strip()
    form = {"subject_id": subject_id, "reason": reason, "requested_at": raw_date}
    try:
        requested_on = _date(raw_date)
        outcome = current_ledger().erasures.request(
            subject_id=subject_id, reason=reason, requested_on=requested_on, actor=g.officer
        )
    except InvalidChange as refused:
        return _form(422, form, errors=_messages(refused.errors))
    except ErasureConflict as waiting:
        return _form(409, form, errors=_messages(waiting.errors), waiting=str(waiting.erasure_id))
    return page(
        "officer/erasure_outcome.html",
        status={"erased": 201, "scheduled": 202}.get(outcome.state, 200),
        outcome=outcome,
        subject_id=subject_id,
    )


def _form(status: int, form: dict[str, str], **context: Any) -> Response:
    return page(
        "officer/erasure_outcome.html",
        status=status,
        outcome=None,
        form=form,
        subject_id=form["subject_id"],
        today=dutch_date(current_ledger().uow.now()).isoformat(),
        **context,
    )


def _date(value: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidChange({"requested_at": "geef een datum als 2026-11-02"}) from None


def _messages(errors: dict[str, str]) -> list[str]:
    return [f"{FIELD_LABELS.get(field, field)}: {message}" for field, message in errors.items()]
