"""The person's overview and the privacy officer's pages, and the API for overview links.

The person opens a signed, time-limited link (`/o/<token>`) without an account. The officer
logs in with an officer API key; the session cookie holds only the key's name and is checked
against the key table on every request, and every form carries a per-session CSRF token.
Every view of a subject's data is written to the access log.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar
from uuid import UUID

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_smorest import Blueprint as ApiBlueprint
from markupsafe import Markup, escape
from marshmallow import RAISE, Schema, fields, validate
from sqlalchemy import Engine
from werkzeug.exceptions import HTTPException

from ledger import links, overview
from ledger.application import Ledger
from ledger.domain.errors import DisclosureNotFound
from ledger.links import Link, LinkError, Refused
from ledger.overview import Overview, OverviewConfig
from ledger.projections.queries import BadCursor
from ledger.settings import Settings
from ledger.web import current_ledger
from ledger.web.auth import current_key, purpose, requires
from ledger.web.problems import problem

F = TypeVar("F", bound=Callable[..., Any])

bp = Blueprint("pages", __name__)
links_api = ApiBlueprint(
    "links",
    __name__,
    url_prefix="/api/v1",
    description="Time-limited links that let a person open their own overview.",
)

SESSION_HOURS = 8
SUBJECT_ACTOR = "betrokkene"
SUBJECT_PURPOSE = "own overview through a personal link"
PAGE_SIZE = 100
MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
KVK = re.compile(r"^\d{8}$")

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


def register(app: Flask, api: Any) -> None:
    settings: Settings = app.config["LEDGER_SETTINGS"]
    ledger: Ledger = app.extensions["ledger"]
    app.extensions["overview_config"] = overview.load_config(settings.overview_file)
    app.config.update(
        # Derived from the master key (through the link key), so every worker shares it with no
        # more configuration, and a new master key signs every officer out.
        SECRET_KEY=app.config.get("SECRET_KEY") or session_secret(ledger.keys.link_key),
        SESSION_COOKIE_NAME="ledger_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.is_production,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=SESSION_HOURS),
    )
    app.register_blueprint(bp)
    api.register_blueprint(links_api)


def _links_engine(ledger: Ledger, *, write: bool = False) -> Engine:
    """The engine to read (or write) links with; the ledger's schema has their table."""
    return ledger.database.write_engine if write else ledger.database.read_engine


def session_secret(link_key: bytes) -> bytes:
    return hmac.new(link_key, b"ledger officer session cookie v1", hashlib.sha256).digest()


def overview_config() -> OverviewConfig:
    config: OverviewConfig = current_app.extensions["overview_config"]
    return config


@bp.after_request
def _headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Frame-Options"] = "DENY"
    # Every page here shows personal data or a secret link: keep it out of caches and indexes.
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


# -- rendering ----------------------------------------------------------------------------------


def complaint_html(config: OverviewConfig, lang: str) -> Markup:
    pieces = []
    for piece, link in config.complaint_parts(lang):
        if link:
            pieces.append(Markup('<a href="{}">{}</a>').format(link, piece))
        else:
            pieces.append(escape(piece))
    return Markup("").join(pieces)


def overview_context(
    view: Overview,
    *,
    downloads: Mapping[str, str] | None = None,
    languages: Mapping[str, str] | None = None,
    officer: bool = False,
    history_prefix: str = "",
) -> dict[str, Any]:
    """What `_overview.html` needs, wherever it is included."""
    return {
        "view": view,
        "t": view.texts,
        "complaint": complaint_html(view.config, view.lang),
        "special_text": overview.special_text,
        "downloads": downloads or {},
        "languages": languages or {},
        "officer": officer,
        "history_prefix": history_prefix,
    }


def render_overview_html(
    view: Overview,
    *,
    standalone: bool = False,
    downloads: Mapping[str, str] | None = None,
    languages: Mapping[str, str] | None = None,
) -> str:
    """The person's overview as a page; `standalone` inlines the stylesheet for a file."""
    stylesheet = None
    if standalone:
        # Our own stylesheet, shipped in the package: trusted, and it must not be escaped.
        css = (overview.STATIC / "ledger.css").read_text(encoding="utf-8")
        stylesheet = Markup(css)  # noqa: S704
    return render_template(
        "overview.html",
        inline_css=stylesheet,
        long_datetime=overview.long_datetime,
        **overview_context(view, downloads=downloads, languages=languages),
    )


def _download(view: Overview, fmt: str) -> Response:
    if fmt == "pdf":
        body: bytes | str = overview.render_pdf(view)
    elif fmt == "json":
        proof = (
            current_ledger().proof_bundle(
                tag=view.subject_tag, for_subject=view.audience == "subject"
            )
            if view.subject_tag
            else None
        )
        body = overview.render_json(view, proof)
    else:
        body = overview.render_csv(view)
    response = Response(body, mimetype=FORMATS[fmt].split(";")[0])
    response.headers["Content-Type"] = FORMATS[fmt]
    response.headers["Content-Disposition"] = f'attachment; filename="{view.filename(fmt)}"'
    return response


def _page(template: str, status: int = 200, **context: Any) -> Response:
    response = Response(render_template(template, **context), status=status)
    response.headers["Content-Type"] = FORMATS["html"]
    return response


# -- the person's link ----------------------------------------------------------------------------


def _gone(refused: Refused) -> Response:
    return _page(
        "link_gone.html", status=refused.status, reason=refused.reason, config=overview_config()
    )


def _opened(token: str) -> Link | Response:
    ledger = current_ledger()
    with _links_engine(ledger).connect() as connection:
        outcome = links.resolve(connection, ledger.keys.link_key, token, now=ledger.clock())
    return _gone(outcome) if isinstance(outcome, Refused) else outcome


def _person_view(link: Link, fmt: str) -> Overview:
    ledger = current_ledger()
    ledger.log_access(
        actor=SUBJECT_ACTOR,
        role="subject",
        endpoint=f"GET /o/{{token}} ({fmt})",
        purpose=SUBJECT_PURPOSE,
        subject_tags=[link.subject_tag],
    )
    lang = overview.language(request.args.get("lang") or link.lang)
    return overview.build(ledger, overview_config(), tag=link.subject_tag, lang=lang)


@bp.get("/o/<token>")
def person_overview(token: str) -> Response:
    """The person's own overview, opened through their link: no account needed."""
    started = time.perf_counter()
    link = _opened(token)
    if isinstance(link, Response):
        return link
    view = _person_view(link, "html")
    built = time.perf_counter()
    downloads = {
        fmt: url_for("pages.person_download", token=token, fmt=fmt, lang=view.lang)
        for fmt in ("pdf", "json", "csv")
    }
    languages = {
        lang: url_for("pages.person_overview", token=token, lang=lang) for lang in ("nl", "en")
    }
    response = Response(render_overview_html(view, downloads=downloads, languages=languages))
    response.headers["Content-Type"] = FORMATS["html"]
    response.headers["Server-Timing"] = _timing(started, built)
    return response


def _timing(started: float, built: float) -> str:
    """Where the server's time went (W3C Server-Timing), so it can be measured from outside."""
    done = time.perf_counter()
    return (
        f"build;dur={(built - started) * 1000:.1f}, render;dur={(done - built) * 1000:.1f}, "
        f"total;dur={(done - started) * 1000:.1f}"
    )


@bp.get("/o/<token>/overview.<fmt>")
def person_download(token: str, fmt: str) -> Response:
    if fmt not in ("pdf", "json", "csv"):
        return _gone(Refused("unknown"))
    link = _opened(token)
    if isinstance(link, Response):
        return link
    return _download(_person_view(link, fmt), fmt)


# -- officer sessions ---------------------------------------------------------------------------


def _csrf_token() -> str:
    token = session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


@bp.app_context_processor
def _template_globals() -> dict[str, Any]:
    return {
        "csrf_token": _csrf_token,
        "officer_name": g.get("officer"),
        "long_datetime": overview.long_datetime,
    }


@bp.before_request
def _check_csrf() -> Response | None:
    if request.method != "POST" or not request.path.startswith("/officer/"):
        return None
    sent = request.form.get("csrf_token", "")
    expected = session.get("csrf")
    if not isinstance(expected, str) or not hmac.compare_digest(sent.encode(), expected.encode()):
        return _page(
            "officer/message.html",
            status=400,
            title="Formulier verlopen",
            message=(
                "Dit formulier is verlopen of niet op deze site ingevuld. Laad de pagina opnieuw"
                " en probeer het nog eens."
            ),
        )
    return None


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> Response:
    """A page, not a problem document: these are pages for people."""
    if request.path.startswith("/o/"):
        return _gone(Refused("unknown"))
    status = error.code or 500
    titles = {404: "Niet gevonden", 405: "Niet toegestaan", 413: "Te groot"}
    return _page(
        "officer/message.html",
        status=status,
        title=titles.get(status, "Dat lukte niet"),
        message=(
            "Deze pagina of dit gegeven bestaat niet (meer)."
            if status == 404
            else f"De server kon dit verzoek niet afhandelen (HTTP {status})."
        ),
    )


def _active_officer() -> str | None:
    """The session's officer key name while that key is still an active officer key."""
    name = session.get("officer")
    if not isinstance(name, str):
        return None
    since = session.get("since")
    ledger = current_ledger()
    if not isinstance(since, int | float) or (
        ledger.clock().timestamp() - since > SESSION_HOURS * 3600
    ):
        session.clear()
        return None
    for key in ledger.api_keys():
        if key.name == name and key.role == "officer" and key.revoked_at is None:
            return name
    session.clear()
    return None


def officer_only(view: F) -> F:
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        name = _active_officer()
        if name is None:
            return redirect(url_for("pages.login", next=request.full_path.rstrip("?")))
        g.officer = name
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/officer/") and not target.startswith("//"):
        return target
    return url_for("pages.officer_home")


@bp.get("/")
def home() -> Response:
    return _page("home.html")


@bp.route("/officer/login", methods=["GET", "POST"])
def login() -> Any:
    if request.method == "GET":
        if _active_officer() is not None:
            return redirect(_safe_next(request.args.get("next")))
        return _page("officer/login.html", next=request.args.get("next", ""))
    ledger = current_ledger()
    secret = request.form.get("api_key", "").strip()
    key = ledger.authenticate(secret) if secret else None
    if key is None or key.role != "officer":
        return _page(
            "officer/login.html",
            status=401,
            next=request.form.get("next", ""),
            error=(
                "Deze sleutel is onbekend, ingetrokken of geen sleutel van een"
                " privacyfunctionaris (rol officer)."
            ),
        )
    session.clear()
    session.permanent = True
    session["officer"] = key.name
    session["since"] = ledger.clock().timestamp()
    session["csrf"] = secrets.token_urlsafe(32)
    return redirect(_safe_next(request.form.get("next")))


@bp.post("/officer/logout")
def logout() -> Any:
    session.clear()
    return redirect(url_for("pages.login"))


def _reason() -> str | None:
    value = session.get("purpose")
    return value if isinstance(value, str) and value else None


def _log(*, subject_id: str | None = None, tags: Iterable[str] = ()) -> None:
    current_ledger().log_access(
        actor=g.officer,
        role="officer",
        endpoint=f"{request.method} {request.path}",
        purpose=_reason(),
        subject_id=subject_id,
        subject_tags=tags,
    )


@bp.get("/officer/")
@officer_only
def officer_home() -> Response:
    return _page("officer/home.html", reason=_reason())


@bp.post("/officer/search")
@officer_only
def search() -> Any:
    subject_id = request.form.get("subject_id", "").strip()
    reason = "".join(c for c in request.form.get("purpose", "") if c.isprintable()).strip()
    session["purpose"] = reason[:200]
    if not subject_id:
        return redirect(url_for("pages.officer_home"))
    return redirect(url_for("pages.officer_subject", id=subject_id))


def _subject_id() -> str:
    subject_id = request.args.get("id", "").strip()
    if not subject_id or len(subject_id) > 64:
        abort(404)
    return subject_id


@bp.get("/officer/subject")
@officer_only
def officer_subject() -> Response:
    """Everything about one subject: the overview as the officer sees it, links, access log."""
    ledger = current_ledger()
    subject_id = _subject_id()
    _log(subject_id=subject_id)
    lang = overview.language(request.args.get("lang"))
    view = overview.build(
        ledger, overview_config(), subject_id=subject_id, lang=lang, audience="officer"
    )
    with _links_engine(ledger).connect() as connection:
        made = links.links_of(connection, ledger.keys.subject_lookup(subject_id))
    now = ledger.clock()
    downloads = {
        fmt: url_for("pages.officer_download", id=subject_id, fmt=fmt, lang=lang)
        for fmt in ("html", "pdf", "json", "csv")
    }
    languages = {
        code: url_for("pages.officer_subject", id=subject_id, lang=code) for code in ("nl", "en")
    }
    context = overview_context(
        view,
        downloads=downloads,
        languages=languages,
        officer=True,
        history_prefix=url_for("pages.officer_disclosure", disclosure_id="X")[:-1],
    )
    return _page(
        "officer/subject.html",
        subject_id=subject_id,
        links=[(link, link.state(now)) for link in made],
        reason=_reason(),
        default_days=links.DEFAULT_DAYS,
        max_days=links.MAX_DAYS,
        **context,
    )


@bp.get("/officer/subject/overview.<fmt>")
@officer_only
def officer_download(fmt: str) -> Response:
    """What the person receives (suppressed disclosures left out), to send with an answer."""
    if fmt not in FORMATS:
        abort(404)
    subject_id = _subject_id()
    _log(subject_id=subject_id)
    lang = overview.language(request.args.get("lang"))
    view = overview.build(current_ledger(), overview_config(), subject_id=subject_id, lang=lang)
    if fmt == "html":
        # A file to keep or send (its stylesheet inline), not a page of this site.
        response = _page_of(render_overview_html(view, standalone=True))
        response.headers["Content-Disposition"] = f'attachment; filename="{view.filename("html")}"'
        return response
    return _download(view, fmt)


def _page_of(body: str) -> Response:
    response = Response(body)
    response.headers["Content-Type"] = FORMATS["html"]
    return response


@bp.post("/officer/subject/links")
@officer_only
def officer_create_link() -> Any:
    ledger = current_ledger()
    subject_id = request.form.get("subject_id", "").strip()
    try:
        days = int(request.form.get("days", links.DEFAULT_DAYS))
    except ValueError:
        days = -1
    lang = overview.language(request.form.get("lang"))
    try:
        made = _create_link(ledger, subject_id, days=days, lang=lang, actor=g.officer)
    except LinkError as error:
        return _page(
            "officer/message.html", status=422, title="Geen link gemaakt", message=str(error)
        )
    _log(subject_id=subject_id)
    # Post/redirect/get: reloading the page shows nothing twice and makes no second link.
    session["made_link"] = {
        "url": made.url,
        "expires_at": made.link.expires_at.isoformat(),
        "subject_id": subject_id,
    }
    return redirect(url_for("pages.officer_link_made"))


@bp.get("/officer/link")
@officer_only
def officer_link_made() -> Any:
    """The new link, shown once."""
    made = session.pop("made_link", None)
    if not isinstance(made, dict):
        return redirect(url_for("pages.officer_home"))
    return _page(
        "officer/link_created.html",
        url=made["url"],
        expires_at=datetime.fromisoformat(made["expires_at"]),
        subject_id=made["subject_id"],
    )


@bp.post("/officer/links/<link_id>/revoke")
@officer_only
def officer_revoke_link(link_id: str) -> Any:
    ledger = current_ledger()
    engine = _links_engine(ledger, write=True)
    link = links.revoke(engine, link_id, actor=g.officer, now=ledger.clock())
    if link is None:
        abort(404)
    subject_id = request.form.get("subject_id", "")
    return redirect(url_for("pages.officer_subject", id=subject_id) + "#links")


@bp.get("/officer/disclosures/<disclosure_id>")
@officer_only
def officer_disclosure(disclosure_id: str) -> Response:
    """One disclosure: its current values and every event in its history."""
    ledger = current_ledger()
    try:
        found = ledger.get_disclosure(UUID(disclosure_id))
    except (ValueError, DisclosureNotFound):
        abort(404)
    _log(tags=[found["subject_tag"]])
    return _page(
        "officer/disclosure.html",
        d=found,
        vocabulary=ledger.vocabulary,
        controller=overview_config().controller(found["controller"]),
        when=overview.long_datetime(datetime.fromisoformat(found["occurred_at"]), "nl"),
    )


@bp.get("/officer/recipients")
@officer_only
def officer_categories() -> Response:
    ledger = current_ledger()
    totals: dict[str, int] = {}
    for row in ledger.statistics():
        totals[row["recipient_category"]] = totals.get(row["recipient_category"], 0) + row["count"]
    categories = [
        (code, term.nl, totals.get(code, 0))
        for code, term in ledger.vocabulary.recipient_categories.items()
    ]
    return _page("officer/categories.html", categories=categories)


@bp.get("/officer/recipients/<category>")
@officer_only
def officer_category(category: str) -> Response:
    """What went to one recipient category, newest first, a page at a time."""
    ledger = current_ledger()
    term = ledger.vocabulary.recipient_categories.get(category)
    if term is None:
        abort(404)
    try:
        page = ledger.disclosures_to(category, limit=PAGE_SIZE, cursor=request.args.get("next"))
    except BadCursor:
        abort(404)
    _log(tags={item["subject_tag"] for item in page.items})
    labels = {code: t.nl for code, t in ledger.vocabulary.legal_bases.items()}
    return _page(
        "officer/category.html",
        category=category,
        term=term,
        items=page.items,
        next=page.next,
        labels=labels,
        data_labels={code: t.nl for code, t in ledger.vocabulary.data_categories.items()},
        when=lambda value: overview.long_datetime(datetime.fromisoformat(value), "nl"),
    )


# -- statistics as a chart --------------------------------------------------------------------

PALETTE = (
    "#00547a", "#d4731b", "#2f8f5b", "#a6375a", "#6b5ca5", "#8a7a12", "#1f8ea3", "#b5463c",
    "#4d6b2f", "#7a4e9c", "#3f5f8f", "#9c6b3f",
)  # fmt: skip


CHART_WIDTH = 720


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    colour: str
    title: str


@dataclass(frozen=True, slots=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    ticks: list[tuple[float, int]]
    months: list[tuple[float, str]]
    legend: list[tuple[str, str, int]]
    top: int
    plot_left: int
    plot_bottom: int
    slanted: bool


def _nice_max(value: int) -> int:
    """A round top for the axis, divisible by 5 so that its five ticks are whole numbers."""
    magnitude = 10 ** (len(str(max(value, 1))) - 1)
    for step in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        top = int(step * magnitude)
        if top >= value and top % 5 == 0:
            return top
    return int(10 * magnitude)


def bar_chart(rows: list[dict[str, Any]], labels: Mapping[str, str]) -> Chart | None:
    """Stacked bars: one per month, a segment per recipient category; drawn on the server."""
    by_month: dict[str, dict[str, int]] = {}
    totals: dict[str, int] = {}
    for row in rows:
        cells = by_month.setdefault(row["month"], {})
        category = row["recipient_category"]
        cells[category] = cells.get(category, 0) + row["count"]
        totals[category] = totals.get(category, 0) + row["count"]
    if not by_month:
        return None
    order = sorted(totals, key=lambda code: (-totals[code], code))
    colours = {code: PALETTE[i % len(PALETTE)] for i, code in enumerate(order)}
    months = sorted(by_month)
    left, right, top_pad, bottom = 56, 12, 12, 48
    slot = max(28, min(80, (CHART_WIDTH - left - right) // len(months)))
    width = max(CHART_WIDTH, left + right + slot * len(months))
    height = 300
    plot_height = height - top_pad - bottom
    top = _nice_max(max(sum(cells.values()) for cells in by_month.values()))
    scale = plot_height / top
    bars = []
    for index, month in enumerate(months):
        y = float(height - bottom)
        x = left + index * slot + slot * 0.15
        for code in order:
            count = by_month[month].get(code, 0)
            if not count:
                continue
            h = count * scale
            y -= h
            bars.append(
                Bar(
                    round(x, 1),
                    round(y, 1),
                    round(slot * 0.7, 1),
                    round(h, 1),
                    colours[code],
                    f"{month}: {labels.get(code, code)}, {count}",
                )
            )
    ticks = [(round(height - bottom - plot_height * i / 5, 1), top * i // 5) for i in range(6)]
    month_labels = [(left + i * slot + slot / 2, month) for i, month in enumerate(months)]
    legend = [(colours[code], labels.get(code, code), totals[code]) for code in order]
    return Chart(
        width, height, bars, ticks, month_labels, legend, top, left, height - bottom, slot < 56
    )


@bp.get("/officer/statistics")
@officer_only
def officer_statistics() -> Response:
    """Counts by month and recipient category; no personal data, so nothing is logged."""
    ledger = current_ledger()
    controller = request.args.get("controller") or None
    since = request.args.get("from") or None
    until = request.args.get("to") or None
    errors = []
    if controller and not KVK.match(controller):
        errors.append("KvK-nummer: 8 cijfers")
        controller = None
    if since and not MONTH.match(since):
        errors.append("Vanaf: een maand als 2026-10")
        since = None
    if until and not MONTH.match(until):
        errors.append("Tot en met: een maand als 2026-12")
        until = None
    rows = ledger.statistics(controller=controller, since_month=since, until_month=until)
    labels = {code: t.nl for code, t in ledger.vocabulary.recipient_categories.items()}
    chart = bar_chart(rows, labels)
    months = sorted({row["month"] for row in rows})
    table: dict[str, dict[str, int]] = {}
    for row in rows:
        by_month = table.setdefault(row["recipient_category"], {})
        by_month[row["month"]] = by_month.get(row["month"], 0) + row["count"]
    return _page(
        "officer/statistics.html",
        chart=chart,
        months=months,
        table=sorted(table.items(), key=lambda item: -sum(item[1].values())),
        labels=labels,
        errors=errors,
        filters={"controller": controller or "", "from": since or "", "to": until or ""},
        total=sum(row["count"] for row in rows),
    )


# -- overview links: shared by the API and the officer pages ----------------------------------


@dataclass(frozen=True, slots=True)
class MadeLink:
    link: Link
    url: str


def _create_link(
    ledger: Ledger,
    subject_id: str,
    *,
    lang: str,
    actor: str,
    days: int | None = None,
    expires_at: datetime | None = None,
    reason: str | None = None,
) -> MadeLink:
    now = ledger.clock()
    until = links.expiry(now, days=days, expires_at=expires_at)
    with ledger.database.read_engine.connect() as connection:
        key = ledger.vault.find(connection, subject_id) if subject_id else None
    if key is None:
        raise LinkError(
            "no disclosures are recorded for this subject, so there is no overview to link to"
        )
    link = links.create(
        _links_engine(ledger, write=True),
        subject_tag=key.tag,
        subject_lookup=ledger.keys.subject_lookup(subject_id),
        lang=lang,
        created_by=actor,
        now=now,
        expires_at=until,
        purpose=reason,
    )
    token = links.token_of(ledger.keys.link_key, link.id)
    return MadeLink(link, url_for("pages.person_overview", token=token, _external=True))


class LinkRequestSchema(Schema):
    class Meta:
        unknown = RAISE

    expires_in_days = fields.Integer(
        validate=validate.Range(1, links.MAX_DAYS),
        metadata={"description": f"default {links.DEFAULT_DAYS}"},
    )
    expires_at = fields.AwareDateTime(
        format="iso", metadata={"description": "instead of expires_in_days: an exact moment"}
    )
    lang = fields.String(
        validate=validate.OneOf(overview.LANGUAGES),
        metadata={"description": "the overview's language when opened; default nl"},
    )


class LinkSchema(Schema):
    id = fields.String(metadata={"description": "to revoke the link"})
    url = fields.String(metadata={"description": "give this to the person; shown only now"})
    expires_at = fields.AwareDateTime(format="iso")
    lang = fields.String()


class LinkInfoSchema(Schema):
    id = fields.String()
    lang = fields.String()
    created_at = fields.AwareDateTime(format="iso")
    created_by = fields.String()
    expires_at = fields.AwareDateTime(format="iso")
    revoked_at = fields.AwareDateTime(format="iso", allow_none=True)
    state = fields.String(metadata={"description": "active, expired or revoked"})


class LinkListSchema(Schema):
    items = fields.List(fields.Nested(LinkInfoSchema))


SECURITY: list[dict[str, list[str]]] = [{"bearerAuth": []}]


@links_api.before_request
def _json_body() -> Response | None:
    if (
        request.method == "POST"
        and request.content_length
        and request.mimetype != ("application/json")
    ):
        return problem(
            415,
            "Unsupported media type",
            "Send the body as JSON with 'Content-Type: application/json'.",
        )
    return None


@links_api.route("/subjects/<subject_id>/overview-links", methods=["POST"])
@requires("officer")
@links_api.arguments(LinkRequestSchema, required=False)
@links_api.response(201, LinkSchema)
@links_api.doc(security=SECURITY)
def create_overview_link(body: dict[str, Any] | None, subject_id: str) -> Any:
    """A signed link to the subject's overview, for the person: default 30 days, revocable."""
    body = body or {}
    if "expires_at" in body and "expires_in_days" in body:
        return problem(
            422,
            "The request has invalid fields",
            errors={"expires_at": "give expires_at or expires_in_days, not both"},
        )
    ledger = current_ledger()
    try:
        made = _create_link(
            ledger,
            subject_id,
            lang=body.get("lang", "nl"),
            actor=current_key().name,
            days=body.get("expires_in_days"),
            expires_at=body.get("expires_at"),
            reason=purpose(),
        )
    except LinkError as error:
        if "no disclosures" in str(error):
            return problem(404, "No such subject", str(error))
        field = "expires_at" if "expires_at" in body else "expires_in_days"
        return problem(422, "The request has invalid fields", errors={field: str(error)})
    _api_log(subject_id)
    return {
        "id": made.link.id,
        "url": made.url,
        "expires_at": made.link.expires_at,
        "lang": made.link.lang,
    }


@links_api.route("/subjects/<subject_id>/overview-links", methods=["GET"])
@requires("officer")
@links_api.response(200, LinkListSchema)
@links_api.doc(security=SECURITY)
def list_overview_links(subject_id: str) -> Any:
    """The subject's links, newest first (never their URLs)."""
    ledger = current_ledger()
    with _links_engine(ledger).connect() as connection:
        made = links.links_of(connection, ledger.keys.subject_lookup(subject_id))
    _api_log(subject_id)
    now = ledger.clock()
    return {
        "items": [
            {
                "id": link.id,
                "lang": link.lang,
                "created_at": link.created_at,
                "created_by": link.created_by,
                "expires_at": link.expires_at,
                "revoked_at": link.revoked_at,
                "state": link.state(now),
            }
            for link in made
        ]
    }


@links_api.route("/overview-links/<link_id>", methods=["DELETE"])
@requires("officer")
@links_api.response(204)
@links_api.doc(security=SECURITY)
def revoke_overview_link(link_id: str) -> Any:
    """Revoke a link at once: opening it shows that it was revoked (410)."""
    ledger = current_ledger()
    link = links.revoke(
        _links_engine(ledger, write=True), link_id, actor=current_key().name, now=ledger.clock()
    )
    if link is None:
        return problem(404, "No such link", f"'{link_id}' is not a link of this ledger.")
    return ""


def _api_log(subject_id: str) -> None:
    key = current_key()
    current_ledger().log_access(
        actor=key.name,
        role=key.role,
        endpoint=f"{request.method} {request.path}",
        purpose=purpose(),
        subject_id=subject_id,
    )
