"""The HTTP API (SPEC §6): each view parses, makes one ledger call, and answers."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from uuid import UUID

from flask import Response, request
from flask_smorest import Blueprint
from marshmallow import RAISE

from ledger.domain.errors import DisclosureNotFound
from ledger.domain.values import DisclosureFacts
from ledger.projections.queries import Filters, Page
from ledger.schemas import DisclosureSchema
from ledger.web import current_ledger
from ledger.web.auth import current_key, purpose, requires
from ledger.web.problems import problem
from ledger.web.schemas import (
    AccessLogSchema,
    BatchReceiptSchema,
    BatchSchema,
    CategoryPageQuerySchema,
    CorrectionSchema,
    DisclosurePageSchema,
    DisclosureWithHistorySchema,
    HealthSchema,
    PageQuerySchema,
    ProblemSchema,
    ReceiptSchema,
    RecipientListSchema,
    RetractionSchema,
    StatsQuerySchema,
    StatsSchema,
)

blp = Blueprint(
    "api",
    __name__,
    url_prefix="/api/v1",
    description="Record disclosures and answer who received a person's data.",
)

SECURITY: list[dict[str, list[str]]] = [{"bearerAuth": []}]
JSON_ONLY = ("POST", "PUT", "PATCH")


@blp.before_request
def _json_only() -> Response | None:
    if request.method in JSON_ONLY and request.mimetype != "application/json":
        return problem(
            415,
            "Unsupported media type",
            "Send the body as JSON with 'Content-Type: application/json'.",
        )
    return None


def _documented(*statuses: int) -> Any:
    """alt_response decorators for the problem answers a view can give."""

    def decorate(view: Any) -> Any:
        for status in statuses:
            view = blp.alt_response(
                status, schema=ProblemSchema, content_type="application/problem+json"
            )(view)
        return view

    return decorate


def _receipt(receipt: Any) -> dict[str, Any]:
    return {"id": str(receipt.id), "recorded_at": receipt.recorded_at, "position": receipt.position}


def _scope_errors(facts: DisclosureFacts, prefix: str = "") -> dict[str, str]:
    """What a source key may not post: another controller, or another system's references."""
    key = current_key()
    errors = {}
    if not key.may_post_for(facts.controller):
        errors[f"{prefix}controller"] = f"this key may post for {', '.join(key.controllers)} only"
    if facts.source.system != key.system:
        errors[f"{prefix}source.system"] = f"this key posts as system '{key.system}' only"
    return errors


def _forbidden(errors: Mapping[str, str]) -> Response:
    return problem(403, "This key may not post this", "See errors.", errors=errors)


def _may_amend(disclosure_id: UUID) -> Response | None:
    key = current_key()
    if key.role != "source":
        return None
    system, controller = current_ledger().provenance(disclosure_id)
    if system != key.system or not key.may_post_for(controller):
        return problem(
            403,
            "This key may not amend this disclosure",
            "A source key amends only what its own system recorded.",
        )
    return None


def _log(*, subject_id: str | None = None, tags: Iterable[str] = ()) -> None:
    key = current_key()
    current_ledger().log_access(
        actor=key.name,
        role=key.role,
        endpoint=f"{request.method} {request.path}",
        purpose=purpose(),
        subject_id=subject_id,
        subject_tags=tags,
    )


def _filters(query: Mapping[str, Any]) -> Filters:
    return Filters(
        since=query.get("from_"),
        until=query.get("to"),
        recipient_category=query.get("recipient_category"),
    )


def _page(page: Page) -> dict[str, Any]:
    return {"items": page.items, "next": page.next}


def _disclosure_id(value: str) -> UUID:
    try:
        return UUID(value)
    except ValueError:
        raise DisclosureNotFound(value) from None


@blp.route("/disclosures", methods=["POST"])
@requires("source")
@blp.arguments(DisclosureSchema)
@blp.response(201, ReceiptSchema)
@blp.alt_response(200, schema=ReceiptSchema, description="a replay of an earlier posting")
@_documented(401, 403, 409, 413, 415, 422, 503)
@blp.doc(security=SECURITY)
def record(facts: DisclosureFacts) -> Any:
    """Record one disclosure (idempotent on source.system + source.reference)."""
    if errors := _scope_errors(facts):
        return _forbidden(errors)
    receipt = current_ledger().record(facts, actor=current_key().name)
    return _receipt(receipt), 200 if receipt.replayed else 201


@blp.route("/disclosures/batch", methods=["POST"])
@requires("source")
@blp.arguments(BatchSchema)
@blp.response(201, BatchReceiptSchema)
@_documented(401, 403, 413, 415, 422, 503)
@blp.doc(security=SECURITY)
def record_batch(body: dict[str, Any]) -> Any:
    """Record up to 10,000 disclosures, all or nothing; answers in input order."""
    items: list[DisclosureFacts] = body["items"]
    errors: dict[str, str] = {}
    for index, facts in enumerate(items):
        errors.update(_scope_errors(facts, f"items.{index}."))
    if errors:
        return _forbidden(errors)
    receipts = current_ledger().record_batch(items, actor=current_key().name)
    return {"items": [{**_receipt(r), "replayed": r.replayed} for r in receipts]}


@blp.route("/disclosures/<disclosure_id>", methods=["GET"])
@requires("officer")
@blp.response(200, DisclosureWithHistorySchema)
@_documented(401, 403, 404, 503)
@blp.doc(security=SECURITY)
def get_disclosure(disclosure_id: str) -> Any:
    """One disclosure: current values and its history."""
    view = current_ledger().get_disclosure(_disclosure_id(disclosure_id))
    _log(tags=[view["subject_tag"]])
    return view


@blp.route("/disclosures/<disclosure_id>/corrections", methods=["POST"])
@requires("source", "officer")
@blp.arguments(CorrectionSchema)
@blp.response(201, ReceiptSchema)
@_documented(401, 403, 404, 409, 415, 422, 503)
@blp.doc(security=SECURITY)
def correct(body: dict[str, Any], disclosure_id: str) -> Any:
    """Correct a disclosure: new values and a reason; judged by the same rules."""
    target = _disclosure_id(disclosure_id)
    if refusal := _may_amend(target):
        return refusal
    receipt = current_ledger().correct(
        target, changes=body["changes"], reason=body["reason"], actor=current_key().name
    )
    return _receipt(receipt)


@blp.route("/disclosures/<disclosure_id>/retraction", methods=["POST"])
@requires("source", "officer")
@blp.arguments(RetractionSchema)
@blp.response(201, ReceiptSchema)
@_documented(401, 403, 404, 409, 415, 422, 503)
@blp.doc(security=SECURITY)
def retract(body: dict[str, Any], disclosure_id: str) -> Any:
    """Retract a disclosure recorded in error; it stays visible as retracted."""
    target = _disclosure_id(disclosure_id)
    if refusal := _may_amend(target):
        return refusal
    receipt = current_ledger().retract(target, reason=body["reason"], actor=current_key().name)
    return _receipt(receipt)


@blp.route("/subjects/<subject_id>/disclosures", methods=["GET"])
@requires("officer")
@blp.arguments(PageQuerySchema, location="query", unknown=RAISE)
@blp.response(200, DisclosurePageSchema)
@_documented(401, 403, 422, 503)
@blp.doc(security=SECURITY)
def subject_disclosures(query: dict[str, Any], subject_id: str) -> Any:
    """A subject's disclosures, newest first, a page at a time."""
    _log(subject_id=subject_id)
    page = current_ledger().disclosures_of(
        subject_id, filters=_filters(query), limit=query["limit"], cursor=query.get("next")
    )
    return _page(page)


@blp.route("/subjects/<subject_id>/recipients", methods=["GET"])
@requires("officer")
@blp.response(200, RecipientListSchema)
@_documented(401, 403, 503)
@blp.doc(security=SECURITY)
def subject_recipients(subject_id: str) -> Any:
    """The actual recipients of a subject's data (GDPR Art. 15(1)(c), Art. 19)."""
    _log(subject_id=subject_id)
    return {"subject_id": subject_id, "items": current_ledger().recipients_of(subject_id)}


@blp.route("/subjects/<subject_id>/access-log", methods=["GET"])
@requires("officer")
@blp.response(200, AccessLogSchema)
@_documented(401, 403, 503)
@blp.doc(security=SECURITY)
def subject_access_log(subject_id: str) -> Any:
    """Who read this subject's data, when, through which endpoint and why (newest first)."""
    _log(subject_id=subject_id)
    return {"subject_id": subject_id, "items": current_ledger().access_log(subject_id)}


@blp.route("/recipients/<category>/disclosures", methods=["GET"])
@requires("officer")
@blp.arguments(CategoryPageQuerySchema, location="query", unknown=RAISE)
@blp.response(200, DisclosurePageSchema)
@_documented(401, 403, 404, 422, 503)
@blp.doc(security=SECURITY)
def category_disclosures(query: dict[str, Any], category: str) -> Any:
    """Disclosures to one recipient category, newest first."""
    ledger = current_ledger()
    if category not in ledger.vocabulary.recipient_categories:
        return problem(404, "No such recipient category", f"'{category}' is not in the vocabulary.")
    page = ledger.disclosures_to(
        category, filters=_filters(query), limit=query["limit"], cursor=query.get("next")
    )
    _log(tags={item["subject_tag"] for item in page.items})
    return _page(page)


@blp.route("/stats", methods=["GET"])
@requires("officer", "auditor")
@blp.arguments(StatsQuerySchema, location="query", unknown=RAISE)
@blp.response(200, StatsSchema)
@_documented(401, 403, 422, 503)
@blp.doc(security=SECURITY)
def stats(query: dict[str, Any]) -> Any:
    """Counts by month x controller x recipient category x legal basis; no personal data."""
    rows = current_ledger().statistics(
        controller=query.get("controller"),
        since_month=query.get("from_"),
        until_month=query.get("to"),
    )
    return {"items": rows}


@blp.route("/health", methods=["GET"])
@blp.response(200, HealthSchema)
@_documented(503)
def health() -> Any:
    """200 when the database answers, 503 otherwise."""
    try:
        current_ledger().database.ping()
    except Exception:  # any failure to reach the database means "not healthy"
        return problem(
            503,
            "The ledger's database is unavailable",
            headers={"Retry-After": "5"},
        )
    return {"status": "ok"}
