"""RFC 9457 problem details for every error the web edge can answer; never a stack trace."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, json
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from ledger.adapters.api_keys import KeyError_
from ledger.adapters.database import UNAVAILABLE
from ledger.app.authentication import AuthenticationFailed, TooManyFailures
from ledger.domain.errors import (
    AccessRequestConflict,
    AccessRequestNotFound,
    ActivityConflict,
    ActivityNotFound,
    BatchRefused,
    ConsentConflict,
    ConsentNotFound,
    DisclosureNotFound,
    DisclosureRefused,
    DisclosureRetractedError,
    ErasureConflict,
    ErasureNotFound,
    InvalidChange,
    InvalidSubjectId,
    NotificationConflict,
    NotificationNotFound,
    RestrictionConflict,
    RestrictionNotFound,
    SourceConflict,
    SubjectUnknown,
    SuppressionConflict,
)
from ledger.json_input import JSONRefused
from ledger.projections.queries import BadCursor
from ledger.schemas import flatten_errors

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
RETRY_AFTER_SECONDS = "5"
BEARER_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="disclosure-ledger"'}

# Problem types, documented on the API reference page at /api/docs#problems.
TYPES = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    413: "too-large",
    415: "unsupported-media-type",
    422: "invalid",
    429: "too-many-requests",
    500: "internal-error",
    503: "unavailable",
}


def problem(
    status: int,
    title: str,
    detail: str | None = None,
    *,
    errors: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> Response:
    body: dict[str, Any] = {
        "type": f"/api/docs#problem-{TYPES.get(status, 'error')}",
        "title": title,
        "status": status,
    }
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = dict(errors)
    body.update(extra)
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_JSON)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def unavailable() -> Response:
    """503: the database cannot be reached or did not answer in time. A write's transaction was
    rolled back, unless the database stopped answering while it committed; a disclosure posted
    again is recorded once either way (a replay answers 200 with the first receipt)."""
    return problem(
        503,
        "The ledger's database is unavailable",
        "The request was not completed. Try again shortly.",
        headers={"Retry-After": RETRY_AFTER_SECONDS},
    )


def http_error(error: HTTPException) -> Response:
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    errors: dict[str, str] = {}
    messages = data.get("messages") or data.get("errors")
    if isinstance(messages, Mapping):
        # webargs nests by location ("json", "query", "view_args"); the field path is enough.
        for location, fields in messages.items():
            if isinstance(fields, Mapping) and location in ("json", "query", "view_args", "form"):
                errors.update(flatten_errors(fields))
            else:
                errors.update(flatten_errors({location: fields}))
    headers = dict(data.get("headers") or {})
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        headers["Allow"] = ", ".join(sorted(error.valid_methods))
    if status == 422:
        return problem(422, "The request has invalid fields", "See errors.", errors=errors)
    if status == 400 and not errors:
        return problem(400, "Bad request", "The body is not valid JSON.", headers=headers)
    title = error.name
    detail = data.get("message") or error.description
    return problem(status, title, detail, errors=errors or None, headers=headers)


def register(app: Flask) -> None:
    @app.errorhandler(JSONRefused)
    def _body(error: JSONRefused) -> Response:
        return problem(400, "The body is refused", "See errors.", errors=error.errors)

    @app.errorhandler(DisclosureRefused)
    def _refused(error: DisclosureRefused) -> Response:
        return problem(422, "The disclosure is refused", "See errors.", errors=error.errors)

    @app.errorhandler(BatchRefused)
    def _batch(error: BatchRefused) -> Response:
        return problem(
            422,
            "The batch is refused; nothing was recorded",
            str(error),
            errors=error.errors,
        )

    @app.errorhandler(InvalidChange)
    def _invalid(error: InvalidChange) -> Response:
        return problem(422, "The request is refused", "See errors.", errors=error.errors)

    @app.errorhandler(InvalidSubjectId)
    def _subject_id(error: InvalidSubjectId) -> Response:
        # In a path it names a resource that cannot exist: not found, with the reason why.
        return problem(404, "No such subject", "No person can have this id.", errors=error.errors)

    @app.errorhandler(BadCursor)
    def _cursor(error: BadCursor) -> Response:
        return problem(404, "No such page", str(error), errors={"next": str(error)})

    @app.errorhandler(SourceConflict)
    def _conflict(error: SourceConflict) -> Response:
        return problem(
            409,
            "The source reference was recorded before with other content",
            str(error),
            errors={"source.reference": str(error)},
            id=str(error.disclosure_id),
        )

    @app.errorhandler(DisclosureRetractedError)
    def _retracted(error: DisclosureRetractedError) -> Response:
        return problem(409, "The disclosure was retracted", str(error))

    @app.errorhandler(DisclosureNotFound)
    def _not_found(error: DisclosureNotFound) -> Response:
        return problem(404, "No such disclosure", str(error))

    @app.errorhandler(AccessRequestNotFound)
    def _no_request(error: AccessRequestNotFound) -> Response:
        return problem(404, "No such access request", str(error))

    @app.errorhandler(AccessRequestConflict)
    def _request_state(error: AccessRequestConflict) -> Response:
        return problem(
            409, "The access request does not allow this now", "See errors.", errors=error.errors
        )

    @app.errorhandler(RestrictionNotFound)
    def _no_restriction(error: RestrictionNotFound) -> Response:
        return problem(404, "No such restriction", str(error))

    @app.errorhandler(RestrictionConflict)
    def _restriction_state(error: RestrictionConflict) -> Response:
        return problem(
            409, "The restriction does not allow this now", "See errors.", errors=error.errors
        )

    @app.errorhandler(ConsentNotFound)
    def _no_consent(error: ConsentNotFound) -> Response:
        return problem(404, "No such consent", str(error))

    @app.errorhandler(ConsentConflict)
    def _consent_state(error: ConsentConflict) -> Response:
        return problem(
            409, "The consent does not allow this now", "See errors.", errors=error.errors
        )

    @app.errorhandler(SuppressionConflict)
    def _suppression_state(error: SuppressionConflict) -> Response:
        return problem(
            409, "The suppression does not allow this now", "See errors.", errors=error.errors
        )

    @app.errorhandler(SubjectUnknown)
    def _no_subject(error: SubjectUnknown) -> Response:
        return problem(404, "No such subject", str(error))

    @app.errorhandler(ErasureNotFound)
    def _no_erasure(error: ErasureNotFound) -> Response:
        return problem(404, "No such erasure", str(error))

    @app.errorhandler(ErasureConflict)
    def _erasure_waiting(error: ErasureConflict) -> Response:
        return problem(
            409,
            "The erasure does not allow this now",
            "See errors.",
            errors=error.errors,
            erasure_id=str(error.erasure_id),
        )

    @app.errorhandler(NotificationNotFound)
    def _no_notification(error: NotificationNotFound) -> Response:
        return problem(404, "No such notification", str(error))

    @app.errorhandler(NotificationConflict)
    def _notification_marked(error: NotificationConflict) -> Response:
        return problem(409, "The notification was marked before", str(error), errors=error.errors)

    @app.errorhandler(ActivityNotFound)
    def _no_activity(error: ActivityNotFound) -> Response:
        return problem(404, "No such activity", str(error), errors=error.errors)

    @app.errorhandler(ActivityConflict)
    def _activity_state(error: ActivityConflict) -> Response:
        return problem(
            409, "The register does not allow this now", "See errors.", errors=error.errors
        )

    @app.errorhandler(AuthenticationFailed)
    def _unauthenticated(error: AuthenticationFailed) -> Response:
        return problem(
            401,
            "Unknown or revoked API key",
            "Ask for a new key.",
            headers=BEARER_CHALLENGE,
        )

    @app.errorhandler(TooManyFailures)
    def _too_many(error: TooManyFailures) -> Response:
        return problem(
            429,
            "Too many failed authentications from this address",
            f"Try again in {error.retry_after} s; a valid key is admitted meanwhile.",
            headers={"Retry-After": str(error.retry_after)},
        )

    @app.errorhandler(KeyError_)
    def _key(error: KeyError_) -> Response:
        return problem(422, "The request is refused", str(error))

    def _unavailable(error: Exception) -> Response:
        log.warning("database unavailable: %s", error)
        return unavailable()

    # Unreachable, timed out (statement, lock, connect, a free pooled connection, an answer at
    # all) or the writer lock taken for too long: each is one transaction rolled back.
    for database_error in UNAVAILABLE:
        app.register_error_handler(database_error, _unavailable)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> Response:
        return http_error(error)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        if isinstance(error, HTTPException):
            return http_error(error)
        log.exception("unexpected error")
        return problem(500, "Internal error", "The error was logged; nothing is shown here.")
