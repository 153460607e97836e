"""The officer's session on the pages: signing in with an officer key, the CSRF guard on every
form, and the check on every request that the session is still alive on the server
(`ledger.app.sessions`). The signed cookie carries only the session's id and its CSRF token."""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from flask import Flask, Response, g, redirect, request, session, url_for

from ledger.adapters.api_keys import ApiKey
from ledger.app.authentication import AuthenticationFailed, TooManyFailures
from ledger.app.sessions import SESSION_HOURS
from ledger.web.auth import route_pattern
from ledger.web.context import current_ledger
from ledger.web.pages.common import page

F = TypeVar("F", bound=Callable[..., Any])


def configure(app: Flask, *, link_key: bytes, production: bool) -> None:
    app.config.update(
        # Derived from the master key (through the link key), so every worker shares it with no
        # more configuration, and a new master key signs every officer out.
        SECRET_KEY=app.config.get("SECRET_KEY") or session_secret(link_key),
        SESSION_COOKIE_NAME="ledger_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=production,
        # The cookie is a browser-session cookie (no Expires); the server ends the session
        # itself. A signature older than a session's longest life is refused all the same.
        PERMANENT_SESSION_LIFETIME=timedelta(hours=SESSION_HOURS),
    )


def session_secret(link_key: bytes) -> bytes:
    return hmac.new(link_key, b"ledger officer session cookie v1", hashlib.sha256).digest()


def csrf_token() -> str:
    token = session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


def check_csrf() -> Response | None:
    """Every form post of the officer's pages carries the session's token."""
    if request.method != "POST":
        return None
    sent = request.form.get("csrf_token", "")
    expected = session.get("csrf")
    if not isinstance(expected, str) or not hmac.compare_digest(sent.encode(), expected.encode()):
        return page(
            "officer/message.html",
            status=400,
            title="Formulier verlopen",
            message=(
                "Dit formulier is verlopen of niet op deze site ingevuld. Laad de pagina opnieuw"
                " en probeer het nog eens."
            ),
        )
    return None


def active_officer() -> str | None:
    """The session's officer key name while the session is alive on the server."""
    session_id = session.get("sid")
    if not isinstance(session_id, str):
        return None
    name = current_ledger().sessions.officer(session_id)
    if name is None:
        session.clear()
    return name


def officer_only(view: F) -> F:
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        name = active_officer()
        if name is None:
            return redirect(url_for("officer.login", next=request.full_path.rstrip("?")))
        g.officer = name
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def presented_key(secret: str) -> ApiKey | None:
    """The active key typed into the sign-in form, or None. A wrong one is counted and logged
    with the API's failures; past the limit `TooManyFailures` answers the page with 429."""
    if not secret:
        return None
    try:
        return current_ledger().authentication.key(
            secret, address=request.remote_addr, channel=route_pattern()
        )
    except TooManyFailures:
        raise
    except AuthenticationFailed:
        return None


def too_many_failures(refused: TooManyFailures) -> Response:
    answer = page(
        "officer/message.html",
        status=429,
        title="Te veel mislukte pogingen",
        message=(
            "Vanaf dit adres is te vaak een onbekende sleutel geprobeerd. Probeer het over"
            f" {refused.retry_after} seconden opnieuw; een geldige sleutel werkt intussen wel."
        ),
    )
    answer.headers["Retry-After"] = str(refused.retry_after)
    return answer


def sign_in(key: ApiKey) -> None:
    """A new session on the server, a new id and a new CSRF token: nothing of a session
    started before the sign-in carries over."""
    session_id = current_ledger().sessions.start(key)
    session.clear()
    session["sid"] = session_id
    session["csrf"] = secrets.token_urlsafe(32)


def sign_out() -> None:
    session_id = session.get("sid")
    if isinstance(session_id, str):
        current_ledger().sessions.end(session_id)
    session.clear()


def hold_link(link_id: str) -> None:
    """Keep a new link's id, on the server, for the next page of this session."""
    current_ledger().sessions.hold_link(session["sid"], link_id)


def take_link() -> str | None:
    session_id = session.get("sid")
    return current_ledger().sessions.take_link(session_id) if isinstance(session_id, str) else None
