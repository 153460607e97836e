"""The privacy officer's pages: find a person, see and send their overview, follow what went to
a kind of recipient, and the statistics. Every read of a person asks for its own reason."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from flask import Blueprint, Response, abort, g, redirect, request, url_for
from werkzeug.exceptions import HTTPException

from ledger import overview
from ledger.app import Reader
from ledger.app.authentication import TooManyFailures
from ledger.app.links import DEFAULT_DAYS, MAX_DAYS, LinkError, NoOverview
from ledger.domain.errors import DisclosureNotFound, InvalidSubjectId
from ledger.domain.patterns import CONTROL_CHARACTERS
from ledger.domain.subjects import normal_subject_id
from ledger.domain.suppression import dutch_date
from ledger.overview.html import context as overview_context
from ledger.projections.queries import BadCursor
from ledger.web.auth import route_pattern
from ledger.web.context import current_ledger, overview_config
from ledger.web.pages import session as officer_session
from ledger.web.pages.changes import changes_in_words
from ledger.web.pages.chart import bar_chart
from ledger.web.pages.common import FORMATS, download, error_page, page, security_headers
from ledger.web.pages.session import officer_only
from ledger.web.schemas import StatsQuerySchema

bp = Blueprint("officer", __name__, url_prefix="/officer")
bp.after_request(security_headers)
bp.before_request(officer_session.check_csrf)
bp.errorhandler(HTTPException)(error_page)
bp.errorhandler(TooManyFailures)(officer_session.too_many_failures)

PAGE_SIZE = 100
MAX_REASON = 200
RESTRICTION_DONE = {
    "imposed": "De beperking is vastgelegd. De ontvangers staan klaar bij Notificaties.",
    "lifted": "De beperking is opgeheven.",
}
# The statistics filters, with what the page says when one is not valid.
STATS_FIELDS = {
    "controller": "KvK-nummer: 8 cijfers",
    "from": "Vanaf: een maand als 2026-10",
    "to": "Tot en met: een maand als 2026-12",
}


# -- signing in -----------------------------------------------------------------------------------


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/officer/") and not target.startswith("//"):
        return target
    return url_for("officer.home")


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if request.method == "GET":
        if officer_session.active_officer() is not None:
            return redirect(_safe_next(request.args.get("next")))
        return page("officer/login.html", next=request.args.get("next", ""))
    key = officer_session.presented_key(request.form.get("api_key", "").strip())
    if key is None or key.role != "officer":
        return page(
            "officer/login.html",
            status=401,
            next=request.form.get("next", ""),
            error=(
                "Deze sleutel is onbekend, ingetrokken of geen sleutel van een"
                " privacyfunctionaris (rol officer)."
            ),
        )
    officer_session.sign_in(key)
    return redirect(_safe_next(request.form.get("next")))


@bp.post("/logout")
def logout() -> Any:
    officer_session.sign_out()
    return redirect(url_for("officer.login"))


# -- the reason for every read of a person ---------------------------------------------------------


def _clean_reason(value: str | None) -> str:
    return CONTROL_CHARACTERS.sub("", value or "").strip()[:MAX_REASON]


def _reader(reason: str) -> Reader:
    return Reader(actor=g.officer, role="officer", channel=route_pattern(), purpose=reason)


def _ask_reason(**hidden: str) -> Response:
    """The page that asks why the officer reads, before anything of a person is shown."""
    return page(
        "officer/reason.html",
        action=request.path,
        hidden={name: value for name, value in hidden.items() if value},
        error=request.args.get("reason") is not None,
    )


# -- finding a person ---------------------------------------------------------------------------


@bp.get("/")
@officer_only
def home() -> Response:
    return page("officer/home.html")


@bp.post("/search")
@officer_only
def search() -> Any:
    subject_id = request.form.get("subject_id", "").strip()
    reason = _clean_reason(request.form.get("purpose"))
    errors = []
    if not subject_id:
        errors.append("Vul een persoonsnummer in.")
    else:
        try:
            subject_id = normal_subject_id(subject_id)
        except InvalidSubjectId:
            errors.append(
                "Zo'n persoonsnummer kan de ledger niet bevatten: geen '/', geen onzichtbare"
                " tekens, ten hoogste 64 tekens."
            )
    if not reason:
        errors.append(
            "Vul de reden van inzage in (bijv. het kenmerk van het inzageverzoek): de"
            " betrokkene ziet die reden in het inzagelogboek."
        )
    if errors:
        return page(
            "officer/home.html", status=422, errors=errors, subject_id=subject_id, reason=reason
        )
    return redirect(url_for("officer.subject", id=subject_id, reason=reason))


def _subject_id() -> str:
    """The person the page is about, in the id's normal form; no person can have another."""
    try:
        return normal_subject_id(request.args.get("id", ""))
    except InvalidSubjectId:
        abort(404)


@bp.get("/subject")
@officer_only
def subject() -> Response:
    """Everything about one person: the overview as the officer sees it, links, access log."""
    ledger = current_ledger()
    subject_id = _subject_id()
    lang = overview.language(request.args.get("lang"))
    reason = _clean_reason(request.args.get("reason"))
    if not reason:
        return _ask_reason(id=subject_id, lang=lang)
    reader = _reader(reason)
    view = ledger.reading.overview(
        reader=reader, subject_id=subject_id, lang=lang, audience="officer"
    )
    # The overview's read is logged; its links come with it.
    made = ledger.links.of_tag(view.subject_tag) if view.subject_tag else []
    now = ledger.clock()
    downloads = {
        fmt: url_for("officer.download", id=subject_id, fmt=fmt, lang=lang, reason=reason)
        for fmt in FORMATS
    }
    languages = {
        code: url_for("officer.subject", id=subject_id, lang=code, reason=reason)
        for code in (*overview.LANGUAGES, *view.config.added_languages)
    }
    history = url_for("officer.disclosure", disclosure_id="X", reason=reason)
    context = overview_context(
        view,
        downloads=downloads,
        languages=languages,
        officer=True,
        history_prefix=history.split("X", 1)[0],
        history_suffix=history.split("X", 1)[1],
    )
    # The restrictions come with the overview's logged read too.
    restrictions = ledger.restrictions.of_tag(view.subject_tag) if view.subject_tag else []
    return page(
        "officer/subject.html",
        subject_id=subject_id,
        restrictions=restrictions,
        restriction_done=RESTRICTION_DONE.get(request.args.get("done", "")),
        today=dutch_date(now).isoformat(),
        today_date=dutch_date(now),
        links=[(link, link.state(now)) for link in made],
        reason=reason,
        default_days=DEFAULT_DAYS,
        max_days=MAX_DAYS,
        **context,
    )


@bp.get("/subject/overview.<fmt>", endpoint="download")
@officer_only
def download_file(fmt: str) -> Response:
    """What the person receives (withheld disclosures left out), to send with an answer."""
    if fmt not in FORMATS:
        abort(404)
    subject_id = _subject_id()
    lang = overview.language(request.args.get("lang"))
    reason = _clean_reason(request.args.get("reason"))
    if not reason:
        return _ask_reason(id=subject_id, lang=lang)
    view = current_ledger().reading.overview(
        reader=_reader(reason),
        subject_id=subject_id,
        lang=lang,
        with_proof=fmt == "json",
    )
    return download(view, fmt)


# -- links for the person -------------------------------------------------------------------------


@bp.post("/subject/links")
@officer_only
def create_link() -> Any:
    subject_id = request.form.get("subject_id", "").strip()
    reason = _clean_reason(request.form.get("reason"))
    try:
        days = int(request.form.get("days", DEFAULT_DAYS))
    except ValueError:
        days = -1
    lang = overview.language(request.form.get("lang"))
    if not reason:
        return page(
            "officer/message.html",
            status=422,
            title="Geen link gemaakt",
            message="Een link maken kan alleen met een reden van inzage.",
        )
    try:
        made = current_ledger().links.create(
            subject_id, reader=_reader(reason), days=days, lang=lang
        )
    except LinkError as error:
        return page(
            "officer/message.html", status=422, title="Geen link gemaakt", message=str(error)
        )
    except (NoOverview, InvalidSubjectId):
        return page(
            "officer/message.html",
            status=404,
            title="Geen link gemaakt",
            message="Over deze betrokkene zijn geen verstrekkingen geregistreerd.",
        )
    # Post/redirect/get: reloading shows nothing twice and makes no second link. The session
    # keeps the link's id on the server; its URL is rebuilt from the id with the ledger's key.
    officer_session.hold_link(made.link.id)
    return redirect(url_for("officer.link_made", id=subject_id, reason=reason))


@bp.get("/link")
@officer_only
def link_made() -> Any:
    """The new link, shown once."""
    link_id = officer_session.take_link()
    ledger = current_ledger()
    link = ledger.links.get(link_id) if isinstance(link_id, str) else None
    if link is None:
        return redirect(url_for("officer.home"))
    return page(
        "officer/link_created.html",
        url=url_for("person.overview", token=ledger.links.token(link), _external=True),
        expires_at=link.expires_at,
        subject_id=request.args.get("id", ""),
        reason=request.args.get("reason", ""),
    )


@bp.post("/links/<link_id>/revoke")
@officer_only
def revoke_link(link_id: str) -> Any:
    link = current_ledger().links.revoke(link_id, actor=g.officer)
    if link is None:
        abort(404)
    subject_id = request.form.get("subject_id", "")
    reason = request.form.get("reason", "")
    return redirect(url_for("officer.subject", id=subject_id, reason=reason) + "#links")


# -- one disclosure, and what went to a kind of recipient ----------------------------------------


@bp.get("/disclosures/<disclosure_id>")
@officer_only
def disclosure(disclosure_id: str) -> Response:
    """One disclosure: its current values and every event in its history."""
    ledger = current_ledger()
    try:
        target = UUID(disclosure_id)
    except ValueError:
        abort(404)
    reason = _clean_reason(request.args.get("reason"))
    if not reason:
        return _ask_reason()
    try:
        found = ledger.reading.disclosure(target, reader=_reader(reason))
    except DisclosureNotFound:
        abort(404)
    return page(
        "officer/disclosure.html",
        d=found,
        reason=reason,
        vocabulary=ledger.vocabulary,
        controller=overview_config().controller(found["controller"]),
        when=overview.long_datetime(datetime.fromisoformat(found["occurred_at"]), "nl"),
        history=[(entry, changes_in_words(entry, ledger.vocabulary)) for entry in found["history"]],
    )


@bp.get("/recipients")
@officer_only
def categories() -> Response:
    ledger = current_ledger()
    totals: dict[str, int] = {}
    for row in ledger.reading.statistics():
        totals[row["recipient_category"]] = totals.get(row["recipient_category"], 0) + row["count"]
    listed = [
        (code, term.nl, totals.get(code, 0))
        for code, term in ledger.vocabulary.recipient_categories.items()
    ]
    return page("officer/categories.html", categories=listed)


@bp.get("/recipients/<category>")
@officer_only
def category(category: str) -> Response:
    """What went to one recipient category, newest first, a page at a time. The page shows
    many people: it asks for its own reason, logged with each of them."""
    ledger = current_ledger()
    term = ledger.vocabulary.recipient_categories.get(category)
    if term is None:
        abort(404)
    reason = _clean_reason(request.args.get("reason"))
    if not reason:
        return _ask_reason(next=request.args.get("next", ""))
    try:
        found = ledger.reading.disclosures_to(
            category, reader=_reader(reason), limit=PAGE_SIZE, cursor=request.args.get("next")
        )
    except BadCursor:
        abort(404)
    vocabulary = ledger.vocabulary
    return page(
        "officer/category.html",
        category=category,
        term=term,
        items=found.items,
        next=found.next,
        reason=reason,
        labels={code: t.nl for code, t in vocabulary.legal_bases.items()},
        data_labels={code: t.nl for code, t in vocabulary.data_categories.items()},
        when=lambda value: overview.long_datetime(datetime.fromisoformat(value), "nl"),
    )


# -- statistics -----------------------------------------------------------------------------------


@bp.get("/statistics")
@officer_only
def statistics() -> Response:
    """Counts by month and recipient category; no personal data, so nothing is logged."""
    ledger = current_ledger()
    # The API's own query schema, so the page and /api/v1/stats accept the same filters.
    schema = StatsQuerySchema()
    given = {name: request.args[name] for name in STATS_FIELDS if request.args.get(name)}
    refused = schema.validate(given)
    errors = [STATS_FIELDS[name] for name in STATS_FIELDS if name in refused]
    query = schema.load({name: value for name, value in given.items() if name not in refused})
    controller, since, until = query.get("controller"), query.get("from_"), query.get("to")
    rows = ledger.reading.statistics(controller=controller, since_month=since, until_month=until)
    labels = {code: t.nl for code, t in ledger.vocabulary.recipient_categories.items()}
    months = sorted({row["month"] for row in rows})
    table: dict[str, dict[str, int]] = {}
    for row in rows:
        by_month = table.setdefault(row["recipient_category"], {})
        by_month[row["month"]] = by_month.get(row["month"], 0) + row["count"]
    return page(
        "officer/statistics.html",
        chart=bar_chart(rows, labels),
        months=months,
        table=sorted(table.items(), key=lambda item: -sum(item[1].values())),
        labels=labels,
        errors=errors,
        filters={"controller": controller or "", "from": since or "", "to": until or ""},
        total=sum(row["count"] for row in rows),
    )
