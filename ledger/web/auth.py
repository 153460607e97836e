"""Bearer API keys and roles: a missing or unknown key is 401, a role not allowed is 403, and an
unknown key from an address past the failure limit is 429 with Retry-After."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any, TypeVar

from flask import g, request

from ledger.adapters.api_keys import ApiKey
from ledger.app import Reader
from ledger.web.context import current_ledger
from ledger.web.problems import BEARER_CHALLENGE, problem

F = TypeVar("F", bound=Callable[..., Any])

PURPOSE_HEADER = "X-Ledger-Purpose"


def current_key() -> ApiKey:
    key: ApiKey = g.api_key
    return key


def purpose() -> str | None:
    """The reader's stated reason (e.g. an access request's reference), cleaned and bounded."""
    value = _as_utf8(request.headers.get(PURPOSE_HEADER, "")).strip()
    cleaned = "".join(char for char in value if char.isprintable())[:200]
    return cleaned or None


def _as_utf8(value: str) -> str:
    """WSGI hands header bytes over as Latin-1 (PEP 3333); a client that sent UTF-8 (`Dossier
    Łódź`) meant UTF-8, so read them as that where they are valid UTF-8."""
    try:
        return value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value


# A route's variable, with or without its converter: <uuid:disclosure_id> -> {disclosure_id}.
_VARIABLE = re.compile(r"<(?:[^:<>]+:)?([^:<>]+)>")


def route_pattern() -> str:
    """The request's method and route as declared (`GET /api/v1/subjects/{subject_id}`): what
    the access log keeps, never the request's own path with a subject id in it."""
    rule = request.url_rule.rule if request.url_rule is not None else "?"
    pattern = _VARIABLE.sub(r"{\1}", rule)
    return f"{request.method} {pattern}"


def api_reader() -> Reader:
    """The API key's holder reading a person's data through this route, for the stated reason."""
    key = current_key()
    return Reader(actor=key.name, role=key.role, channel=route_pattern(), purpose=purpose())


def requires(*roles: str) -> Callable[[F], F]:
    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            header = request.headers.get("Authorization", "")
            scheme, _, secret = header.partition(" ")
            if scheme.lower() != "bearer" or not secret.strip():
                return problem(
                    401,
                    "Authentication required",
                    "Send 'Authorization: Bearer <api key>'.",
                    headers=BEARER_CHALLENGE,
                )
            # An unknown key raises AuthenticationFailed (401) or, from an address past the
            # limit, TooManyFailures (429): `problems` answers both.
            key = current_ledger().authentication.key(
                secret.strip(), address=request.remote_addr, channel=route_pattern()
            )
            if key.role not in roles:
                return problem(
                    403,
                    "This key's role may not do this",
                    f"Role '{key.role}' is not one of: {', '.join(roles)}.",
                )
            g.api_key = key
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate
