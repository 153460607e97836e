"""The officer's caseload pages: the queue of access requests with their deadlines, one request
with its timeline and steps (identity, extension, the notice of it, answer with a link and a
ready e-mail, withdrawal, refusal), and what expires within 30 days. No script: forms only."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from urllib.parse import quote
from uuid import UUID

from flask import Blueprint, Response, abort, g, redirect, request, url_for
from werkzeug.exceptions import HTTPException

from ledger import overview
from ledger.app import Reader
from ledger.app.authentication import TooManyFailures
from ledger.app.links import DEFAULT_DAYS, MAX_DAYS, LinkError, NoOverview
from ledger.domain.access_request import CHANNELS
from ledger.domain.errors import AccessRequestConflict, AccessRequestNotFound, InvalidChange
from ledger.domain.patterns import CONTROL_CHARACTERS
from ledger.domain.suppression import dutch_date
from ledger.overview.texts import long_date
from ledger.web.auth import route_pattern
from ledger.web.context import current_ledger
from ledger.web.pages import session as officer_session
from ledger.web.pages.common import error_page, page, security_headers
from ledger.web.pages.session import officer_only

bp = Blueprint("requests", __name__, url_prefix="/officer")
bp.after_request(security_headers)
bp.before_request(officer_session.check_csrf)
bp.errorhandler(HTTPException)(error_page)
bp.errorhandler(TooManyFailures)(officer_session.too_many_failures)

MAX_PURPOSE = 200
EXPIRING_DAYS = 30
# The queue opens every listed request's reference: a read of each person, logged with this.
QUEUE_PURPOSE = "Behandeling van inzageverzoeken (wachtrij)"
CHANNEL_LABELS = {
    "email": "e-mail",
    "letter": "brief",
    "web_form": "webformulier",
    "in_person": "aan de balie",
}
STATE_LABELS = {
    "open": "open",
    "answered": "beantwoord",
    "withdrawn": "ingetrokken",
    "refused": "geweigerd",
}
EVENT_LABELS = {
    "AccessRequestOpened": "Verzoek ontvangen en geregistreerd",
    "IdentityVerified": "Identiteit gecontroleerd",
    "DeadlineExtended": "Termijn verlengd",
    "PersonToldOfExtension": "Betrokkene over de verlenging geïnformeerd",
    "AccessRequestAnswered": "Beantwoord (overzicht vastgelegd)",
    "AccessRequestWithdrawn": "Ingetrokken",
    "AccessRequestRefused": "Geweigerd",
}
# The e-mail the officer sends with the link, in the link's language.
MAIL = {
    "nl": {
        "subject": "Uw verzoek om inzage",
        "body": (
            "Beste {name},\n\n"
            "U vroeg ons op {received} aan wie wij uw persoonsgegevens hebben verstrekt. Ons"
            " antwoord staat in uw persoonlijke overzicht, via deze link:\n\n{url}\n\n"
            "De link is geldig tot {until}. U kunt het overzicht daar ook als PDF downloaden.\n\n"
            "Met vriendelijke groet,\n"
        ),
        "nobody": "heer, mevrouw",
    },
    "en": {
        "subject": "Your access request",
        "body": (
            "Dear {name},\n\n"
            "On {received} you asked us to whom we disclosed your personal data. Our answer is"
            " in your personal overview, through this link:\n\n{url}\n\n"
            "The link is valid until {until}. You can also download the overview as a PDF"
            " there.\n\nKind regards,\n"
        ),
        "nobody": "Sir or Madam",
    },
}
FIELD_LABELS = {
    "subject_id": "Persoonsnummer",
    "received_at": "Ontvangen op",
    "channel": "Kanaal",
    "reference": "Kenmerk",
    "how": "Hoe gecontroleerd",
    "reason": "Reden",
    "told_on": "Geïnformeerd op",
    "days": "Geldigheid",
    "state": "Status",
    "due": "Termijn",
    "due_extended": "Verlengde termijn",
    "subject": "Betrokkene",
}


# -- plumbing ---------------------------------------------------------------------------------


def _purpose(value: str | None) -> str:
    return CONTROL_CHARACTERS.sub("", value or "").strip()[:MAX_PURPOSE]


def _reader(purpose: str) -> Reader:
    return Reader(actor=g.officer, role="officer", channel=route_pattern(), purpose=purpose)


def _default_purpose(item: dict[str, Any]) -> str:
    """The request's reference is the natural reason to read its person."""
    return item["reference"] or f"Inzageverzoek ontvangen op {item['received_on']}"


def _back(request_id: UUID, purpose: str) -> Response:
    """Post/redirect/get back to the request's page, read again for the same reason."""
    return redirect(url_for("requests.case", request_id=request_id, reason=purpose))  # type: ignore[return-value]


def _refused(
    status: int, errors: dict[str, str], *, request_id: UUID | None = None, purpose: str = ""
) -> Response:
    return page(
        "requests/refused.html",
        status=status,
        errors=[(FIELD_LABELS.get(field, field), message) for field, message in errors.items()],
        request_id=request_id,
        purpose=purpose,
    )


def _date(field: str) -> date:
    try:
        return date.fromisoformat(request.form.get(field, "").strip())
    except ValueError:
        raise InvalidChange({field: "must be a date as YYYY-MM-DD"}) from None


def _step(request_id: UUID, call: Any) -> Response:
    """Run one step on the request; its refusal is a page naming the field, then back."""
    purpose = _purpose(request.form.get("purpose"))
    try:
        call()
    except AccessRequestNotFound:
        abort(404)
    except AccessRequestConflict as error:
        return _refused(409, error.errors, request_id=request_id, purpose=purpose)
    except InvalidChange as error:
        return _refused(422, error.errors, request_id=request_id, purpose=purpose)
    return _back(request_id, purpose)


def days_left_text(days_left: int) -> str:
    if days_left < 0:
        late = -days_left
        return f"{late} dag{'en' if late != 1 else ''} te laat"
    if days_left == 0:
        return "vandaag"
    return f"nog {days_left} dag{'en' if days_left != 1 else ''}"


def mailto(
    *, email: str, name: str | None, lang: str, url: str, until: datetime, received: date
) -> str:
    """A `mailto:` URI (RFC 6068) with the subject and the body, the link in it."""
    words = MAIL[overview.language(lang)]
    chosen = overview.language(lang)
    body = words["body"].format(
        name=name or words["nobody"],
        received=long_date(received, chosen),
        url=url,
        until=overview.long_datetime(until, chosen),
    )
    return (
        f"mailto:{quote(email, safe='@')}?subject={quote(words['subject'], safe='')}"
        f"&body={quote(body, safe='')}"
    )


# -- the queue --------------------------------------------------------------------------------


@bp.get("/requests")
@officer_only
def queue() -> Response:
    """Open requests, overdue ones first, then by the deadline that applies."""
    items = current_ledger().requests.queue(reader=_reader(QUEUE_PURPOSE), state="open")
    items.sort(key=lambda item: not item["overdue"])  # stable: each part stays by deadline
    return _queue_page(items)


def _queue_page(
    items: list[dict[str, Any]] | None = None,
    *,
    status: int = 200,
    errors: list[tuple[str, str]] | None = None,
    form: dict[str, str] | None = None,
) -> Response:
    return page(
        "requests/queue.html",
        status=status,
        items=items or [],
        purpose=QUEUE_PURPOSE,
        channels=[(code, CHANNEL_LABELS[code]) for code in CHANNELS],
        channel_labels=CHANNEL_LABELS,
        default_purpose=_default_purpose,
        days_left=days_left_text,
        errors=errors or [],
        form=form or {},
        today=dutch_date(current_ledger().clock()).isoformat(),
    )


@bp.post("/requests")
@officer_only
def open_request() -> Response:
    form = {
        name: request.form.get(name, "").strip()
        for name in ("subject_id", "received_at", "channel", "reference")
    }
    try:
        if not form["subject_id"]:
            raise InvalidChange({"subject_id": "is required"})
        request_id = current_ledger().requests.open(
            subject_id=form["subject_id"],
            received_on=_date("received_at"),
            channel=form["channel"],
            reference=form["reference"][:200] or None,
            actor=g.officer,
        )
    except InvalidChange as error:
        return _queue_page(
            status=422,
            errors=[(FIELD_LABELS.get(f, f), message) for f, message in error.errors.items()],
            form=form,
        )
    purpose = form["reference"][:200] or f"Inzageverzoek ontvangen op {form['received_at']}"
    return _back(request_id, purpose)


# -- one request ------------------------------------------------------------------------------


@bp.get("/requests/<uuid:request_id>")
@officer_only
def case(request_id: UUID) -> Response:
    """The request, its timeline and its steps; a read of the person, for the stated reason
    (the queue's link gives the request's reference)."""
    purpose = _purpose(request.args.get("reason"))
    if not purpose:
        return page(
            "officer/reason.html",
            action=request.path,
            hidden={},
            error=request.args.get("reason") is not None,
        )
    ledger = current_ledger()
    try:
        item = ledger.requests.case(request_id, reader=_reader(purpose))
    except AccessRequestNotFound:
        abort(404)
    today = dutch_date(ledger.clock())
    is_open = item["state"] == "open"
    return page(
        "requests/case.html",
        r=item,
        purpose=purpose,
        today=today.isoformat(),
        can_extend=is_open and item["due_extended"] is None and today <= item["due"],
        can_tell=is_open and item["due_extended"] is not None and item["told_on"] is None,
        is_open=is_open,
        channel_labels=CHANNEL_LABELS,
        state_labels=STATE_LABELS,
        event_labels=EVENT_LABELS,
        days_left=days_left_text,
        default_days=DEFAULT_DAYS,
        max_days=MAX_DAYS,
    )


@bp.post("/requests/<uuid:request_id>/identity")
@officer_only
def verify_identity(request_id: UUID) -> Response:
    how = request.form.get("how", "").strip()

    def call() -> None:
        if not how:
            raise InvalidChange({"how": "is required"})
        current_ledger().requests.verify_identity(request_id, how=how[:1000], actor=g.officer)

    return _step(request_id, call)


@bp.post("/requests/<uuid:request_id>/extension")
@officer_only
def extend(request_id: UUID) -> Response:
    reason = request.form.get("reason", "")
    return _step(
        request_id,
        lambda: current_ledger().requests.extend(request_id, reason=reason, actor=g.officer),
    )


@bp.post("/requests/<uuid:request_id>/extension-notice")
@officer_only
def tell(request_id: UUID) -> Response:
    return _step(
        request_id,
        lambda: current_ledger().requests.tell_of_extension(
            request_id, told_on=_date("told_on"), actor=g.officer
        ),
    )


@bp.post("/requests/<uuid:request_id>/withdrawal")
@officer_only
def withdraw(request_id: UUID) -> Response:
    reason = request.form.get("reason", "")
    return _step(
        request_id,
        lambda: current_ledger().requests.withdraw(request_id, reason=reason, actor=g.officer),
    )


@bp.post("/requests/<uuid:request_id>/refusal")
@officer_only
def refuse(request_id: UUID) -> Response:
    reason = request.form.get("reason", "")
    return _step(
        request_id,
        lambda: current_ledger().requests.refuse(request_id, reason=reason, actor=g.officer),
    )


@bp.post("/requests/<uuid:request_id>/answer")
@officer_only
def answer(request_id: UUID) -> Response:
    """Freeze the overview, close the request and make the person's link, shown once next."""
    purpose = _purpose(request.form.get("purpose"))
    lang = overview.language(request.form.get("lang"))
    try:
        days = int(request.form.get("days", DEFAULT_DAYS))
    except ValueError:
        days = -1
    if not purpose:
        return _refused(422, {"reason": "is required"}, request_id=request_id)
    try:
        _, made = current_ledger().requests.answer_with_link(
            request_id, reader=_reader(purpose), lang=lang, days=days
        )
    except AccessRequestNotFound:
        abort(404)
    except AccessRequestConflict as error:
        return _refused(409, error.errors, request_id=request_id, purpose=purpose)
    except InvalidChange as error:
        return _refused(422, error.errors, request_id=request_id, purpose=purpose)
    except LinkError as error:
        return _refused(422, {"days": str(error)}, request_id=request_id, purpose=purpose)
    except NoOverview:
        return _refused(
            409, {"subject": "was erased: no link"}, request_id=request_id, purpose=purpose
        )
    officer_session.hold_link(made.link.id)
    return redirect(  # type: ignore[return-value]
        url_for("requests.answered", request_id=request_id, reason=purpose)
    )


@bp.get("/requests/<uuid:request_id>/answered")
@officer_only
def answered(request_id: UUID) -> Response:
    """The answer's link, shown once, and an e-mail to the person's stored address."""
    ledger = current_ledger()
    link_id = officer_session.take_link()
    link = ledger.links.get(link_id) if isinstance(link_id, str) else None
    purpose = _purpose(request.args.get("reason"))
    if link is None or not purpose:
        return _back(request_id, purpose)
    try:
        item = ledger.requests.case(request_id, reader=_reader(purpose))
    except AccessRequestNotFound:
        abort(404)
    if link.subject_tag != item["subject_tag"]:
        return _back(request_id, purpose)
    url = url_for("person.overview", token=ledger.links.token(link), _external=True)
    contact = item["contact"]
    mail = None
    if contact.email:
        mail = mailto(
            email=contact.email,
            name=contact.name,
            lang=link.lang,
            url=url,
            until=link.expires_at,
            received=item["received_on"],
        )
    return page(
        "requests/answered.html",
        r=item,
        url=url,
        link=link,
        mail=mail,
        contact=contact,
        purpose=purpose,
    )


# -- what expires soon ------------------------------------------------------------------------


@bp.get("/expiring")
@officer_only
def expiring() -> Response:
    """Links and suppressions that end within 30 days: a read of each person listed."""
    purpose = _purpose(request.args.get("reason"))
    if not purpose:
        return page(
            "officer/reason.html",
            action=request.path,
            hidden={},
            error=request.args.get("reason") is not None,
        )
    found = current_ledger().reading.expiring(reader=_reader(purpose), within_days=EXPIRING_DAYS)
    return page(
        "requests/expiring.html",
        links=found.links,
        suppressions=found.suppressions,
        purpose=purpose,
        days=EXPIRING_DAYS,
    )
