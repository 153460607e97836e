"""The officer's session: signing in with an officer key, the CSRF guard on every form, and
the check that the session's key is still an active officer key."""

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
from ledger.web.context import current_ledger
from ledger.web.pages.common import page

F = TypeVar("F", bound=Callable[..., Any])

SESSION_HOURS = 8


def configure(app: Flask, *, link_key: bytes, production: bool) -> None:
    app.config.update(
        # Derived from the master key (through the link key), so every worker shares it with no
        # more configuration, and a new master key signs every officer out.
        SECRET_KEY=app.config.get("SECRET_KEY") or session_secret(link_key),
        SESSION_COOKIE_NAME="ledger_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=production,
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
    for key in ledger.api_keys.list():
        if key.name == name and key.role == "officer" and key.revoked_at is None:
            return name
    session.clear()
    return None


def officer_only(view: F) -> F:
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        name = active_officer()
        if name is None:
            return redirect(url_for("officer.login", next=request.full_path.rstrip("?")))
        g.officer = name
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def sign_in(key: ApiKey) -> None:
    session.clear()
    session.permanent = True
    session["officer"] = key.name
    session["since"] = current_ledger().clock().timestamp()
    session["csrf"] = secrets.token_urlsafe(32)


def sign_out() -> None:
    session.clear()
