"""Read-your-writes over a read replica: every write answer names its log position
(`X-Ledger-Position`), a read that names one (`X-Ledger-Min-Position`) is answered only by a
source that includes it, and every answer that read says which source did
(`X-Ledger-Read-Source`). Pages carry the position of an officer's last write in a cookie, so
the page a form redirects to shows what the form did."""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy.exc
from apispec import BasePlugin
from flask import Flask, Response, g, request

from ledger.app import Ledger
from ledger.app.replica import ReadScope, current_scope, enter_scope, leave_scope
from ledger.web.context import current_ledger
from ledger.web.problems import PROBLEM_JSON, problem

POSITION = "X-Ledger-Position"
MIN_POSITION = "X-Ledger-Min-Position"
READ_SOURCE = "X-Ledger-Read-Source"
# The officer pages' own carrier of MIN_POSITION; a minute is far more than replication lags.
POSITION_COOKIE = "ledger_position"
COOKIE_SECONDS = 60
MAX_POSITION = 2**63 - 1
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

log = logging.getLogger(__name__)


def install(app: Flask) -> None:
    ledger: Ledger = app.extensions["ledger"]
    replicated = ledger.database.replica_engine is not None

    @app.before_request
    def _open_scope() -> Response | None:
        named = request.headers.get(MIN_POSITION)
        minimum = _position(named) if named is not None else None
        if named is not None and minimum is None:
            return problem(
                400,
                "Bad request header",
                f"{MIN_POSITION} must be a log position: a whole number from 0 to {MAX_POSITION}.",
                errors={MIN_POSITION: f"must be a whole number from 0 to {MAX_POSITION}"},
            )
        if replicated and not request.path.startswith("/api/"):
            # A cookie the client cannot be blamed for: a bad one counts as none.
            carried = _position(request.cookies.get(POSITION_COOKIE, ""))
            if carried is not None and (minimum is None or carried > minimum):
                minimum = carried
        scope = ReadScope(replica=request.method in SAFE_METHODS, min_position=minimum)
        g.ledger_read_scope = enter_scope(scope)
        return None

    @app.after_request
    def _name_positions(response: Response) -> Response:
        scope = current_scope()
        if scope is None:
            return response
        if scope.source is not None:
            response.headers[READ_SOURCE] = scope.source
        if request.method not in SAFE_METHODS and response.status_code < 400:
            position = scope.written
            if position is None:
                try:
                    position = current_ledger().integrity.head_position()
                except sqlalchemy.exc.SQLAlchemyError as error:
                    # The write is done; only the answer's hint is lost, not worth a 503.
                    log.warning("the log's head could not be read for %s: %s", POSITION, error)
                    return response
            response.headers[POSITION] = str(position)
            if replicated and not request.path.startswith("/api/"):
                response.set_cookie(
                    POSITION_COOKIE,
                    str(position),
                    max_age=COOKIE_SECONDS,
                    httponly=True,
                    samesite="Strict",
                    secure=request.is_secure,
                )
        return response

    @app.teardown_request
    def _close_scope(_error: BaseException | None) -> None:
        token = g.pop("ledger_read_scope", None)
        if token is not None:
            leave_scope(token)


def _position(value: str) -> int | None:
    value = value.strip()
    if not (value.isascii() and value.isdigit()) or len(value) > len(str(MAX_POSITION)):
        return None
    number = int(value)
    return number if number <= MAX_POSITION else None


class ConsistencyHeaders(BasePlugin):
    """Documents the three headers on every API operation: reads take MIN_POSITION (and may
    answer 400 for a bad one) and say READ_SOURCE; writes answer POSITION."""

    def operation_helper(
        self, path: str | None = None, operations: dict[str, Any] | None = None, **kwargs: Any
    ) -> None:
        for method, operation in (operations or {}).items():
            if not isinstance(operation, dict):
                continue
            responses = operation.setdefault("responses", {})
            if method.upper() in SAFE_METHODS:
                operation.setdefault("parameters", []).append(_MIN_POSITION_PARAMETER)
                responses.setdefault("400", _BAD_HEADER)
                for response in responses.values():
                    if isinstance(response, dict):
                        response.setdefault("headers", {})[READ_SOURCE] = _READ_SOURCE_HEADER
                continue
            for status, response in responses.items():
                if str(status).startswith("2") and isinstance(response, dict):
                    response.setdefault("headers", {})[POSITION] = _POSITION_HEADER


_POSITION_SCHEMA = {"type": "integer", "minimum": 0, "maximum": MAX_POSITION}
_MIN_POSITION_PARAMETER = {
    "in": "header",
    "name": MIN_POSITION,
    "required": False,
    "schema": _POSITION_SCHEMA,
    "description": (
        f"read your own writes: the {POSITION} a write answered. The read is served by the"
        " read replica once it has replayed the log up to this position (waiting up to"
        " LEDGER_READ_REPLICA_WAIT seconds), by the primary otherwise."
    ),
}
_READ_SOURCE_HEADER = {
    "description": "which database answered the read: the read replica or the primary",
    "schema": {"type": "string", "enum": ["replica", "primary"]},
}
_POSITION_HEADER = {
    "description": (
        "the log position this write reached (or, when it appended nothing, the log's head"
        f" then); send it as {MIN_POSITION} to read the write back"
    ),
    "schema": _POSITION_SCHEMA,
}
_BAD_HEADER = {
    "description": f"a bad {MIN_POSITION} header (the problem's errors name it)",
    "content": {PROBLEM_JSON: {"schema": "Problem"}},
}
