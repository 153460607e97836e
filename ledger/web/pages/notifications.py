"""The officer's page of Art. 19 recipient notifications still to send, with a form per
notification to mark it sent, impossible or disproportionate (CSRF-guarded, no script)."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from flask import Blueprint, Response, g, redirect, request, url_for
from werkzeug.exceptions import HTTPException

from ledger.app import Reader
from ledger.app.authentication import TooManyFailures
from ledger.domain.errors import InvalidChange, NotificationConflict, NotificationNotFound
from ledger.domain.suppression import dutch_date
from ledger.web.auth import route_pattern
from ledger.web.context import current_ledger
from ledger.web.pages import session as officer_session
from ledger.web.pages.common import error_page, page, security_headers
from ledger.web.pages.session import officer_only

bp = Blueprint("notification_pages", __name__, url_prefix="/officer/notifications")
bp.after_request(security_headers)
bp.before_request(officer_session.check_csrf)
bp.errorhandler(HTTPException)(error_page)
bp.errorhandler(TooManyFailures)(officer_session.too_many_failures)

# The page exists for one job, so its reads of the people listed carry that job as reason.
PURPOSE = "Art. 19 AVG: ontvangers informeren over rectificatie, wissing of beperking"
CHANNEL_LABELS = {"email": "e-mail", "letter": "brief", "portal": "portaal", "phone": "telefoon"}
FIELD_LABELS = {
    "sent_on": "Verstuurd op",
    "channel": "Kanaal",
    "reason": "Reden",
    "state": "Status",
}
DONE = {
    "sent": "Gemarkeerd als verstuurd.",
    "impossible": "Gemarkeerd als onmogelijk.",
    "disproportionate": "Gemarkeerd als onevenredige inspanning.",
}


def _reader() -> Reader:
    return Reader(actor=g.officer, role="officer", channel=route_pattern(), purpose=PURPOSE)


def _list(status: int = 200, **context: Any) -> Response:
    items = current_ledger().notifications.notifications(reader=_reader(), state="to_send")
    return page(
        "officer/notifications.html",
        status=status,
        items=items,
        channels=CHANNEL_LABELS,
        today=dutch_date(current_ledger().uow.now()).isoformat(),
        done=DONE.get(request.args.get("done", "")),
        **context,
    )


@bp.get("")
@officer_only
def to_send() -> Response:
    return _list()


@bp.post("/<uuid:notification_id>/<any(sent, impossible, disproportionate):action>")
@officer_only
def mark(notification_id: UUID, action: str) -> Any:
    service = current_ledger().notifications
    try:
        if action == "sent":
            service.mark_sent(
                notification_id,
                sent_on=_date(request.form.get("sent_on", "")),
                channel=request.form.get("channel", ""),
                actor=g.officer,
            )
        else:
            service.mark_not_sent(
                notification_id, why=action, reason=request.form.get("reason", ""), actor=g.officer
            )
    except InvalidChange as refused:
        return _list(422, errors=_messages(refused.errors), failed=str(notification_id))
    except NotificationConflict as refused:
        return _list(409, errors=_messages(refused.errors), failed=str(notification_id))
    except NotificationNotFound:
        return _list(404, errors=["Deze notificatie bestaat niet."], failed=str(notification_id))
    return redirect(url_for("notification_pages.to_send", done=action), code=303)


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidChange({"sent_on": "geef een datum als 2026-11-02"}) from None


def _messages(errors: dict[str, str]) -> list[str]:
    return [f"{FIELD_LABELS.get(field, field)}: {message}" for field, message in errors.items()]
