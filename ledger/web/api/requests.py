"""Access requests (GDPR Art. 15): open one, the officer's queue, a request with its timeline,
and its steps (identity, extension, the notice of it, answer, withdrawal, refusal) with their
legal deadlines as plain dates, `due` and `due_extended`."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from marshmallow import Schema, fields, validate

from ledger.domain.access_request import CHANNELS, MAX_REASON, STATES
from ledger.schemas import StrictSchema, SubjectId, Text
from ledger.web.api.common import SECURITY, api_blueprint, documented
from ledger.web.auth import api_reader, current_key, requires
from ledger.web.context import current_ledger
from ledger.web.problems import problem

blp = api_blueprint(
    "access-requests",
    "Access requests with their legal deadlines (Art. 12(3)): the officer's caseload.",
    body_optional=True,
)

PATH = "/access-requests/<uuid:request_id>"


def _reason(description: str) -> Text:
    return Text(
        required=True,
        validate=validate.Length(min=1, max=MAX_REASON),
        metadata={"description": description},
    )


class OpenRequestSchema(StrictSchema):
    subject_id = SubjectId(required=True, validate=validate.Length(min=1, max=64))
    received_at = fields.Date(
        required=True,
        metadata={"description": "the Dutch date the request arrived; not in the future"},
    )
    channel = Text(required=True, validate=validate.OneOf(CHANNELS))
    reference = Text(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=200),
        metadata={"description": "the case reference; stored sealed with the person's key"},
    )


class HowSchema(StrictSchema):
    how = _reason("how the identity was checked (Art. 12(6))")


class ReasonSchema(StrictSchema):
    reason = _reason("why; for a refusal, why it is manifestly unfounded or excessive")


class NoticeSchema(StrictSchema):
    told_on = fields.Date(
        required=True,
        metadata={"description": "when the person was told; by the first deadline"},
    )


class QueueQuerySchema(StrictSchema):
    state = Text(validate=validate.OneOf(STATES))


class RequestOutSchema(Schema):
    id = fields.String()
    subject_tag = fields.String()
    received_on = fields.Date()
    channel = fields.String()
    reference = fields.String(allow_none=True)
    state = fields.String()
    due = fields.Date(metadata={"description": "one month after receipt (YYYY-MM-DD)"})
    due_extended = fields.Date(
        allow_none=True, metadata={"description": "three months after receipt, once extended"}
    )
    extension_reason = fields.String(allow_none=True)
    told_on = fields.Date(allow_none=True)
    identity_verified_at = fields.AwareDateTime(format="iso", allow_none=True)
    opened_at = fields.AwareDateTime(format="iso")
    closed_at = fields.AwareDateTime(format="iso", allow_none=True)
    days_left = fields.Integer(
        allow_none=True, metadata={"description": "days to the deadline that applies, today"}
    )
    overdue = fields.Boolean()


class TimelineEntrySchema(Schema):
    type = fields.String()
    at = fields.AwareDateTime(format="iso")
    actor = fields.String()
    how = fields.String()
    reason = fields.String()
    due_extended = fields.String()
    told_on = fields.String()
    overview_sha256 = fields.String()
    tree_size = fields.Integer()
    withheld = fields.List(fields.String())


class RequestWithTimelineSchema(RequestOutSchema):
    timeline = fields.List(fields.Nested(TimelineEntrySchema))


class QueueSchema(Schema):
    items = fields.List(fields.Nested(RequestOutSchema))


class AnswerOutSchema(Schema):
    id = fields.String()
    sha256 = fields.String(metadata={"description": "SHA-256 of `overview_json`, as sent"})
    tree_size = fields.Integer(metadata={"description": "the checkpoint that covers it"})
    root_hash = fields.String()
    overview_json = fields.String(metadata={"description": "the person's overview as it stood"})


def _shown(request_id: UUID) -> dict[str, Any]:
    return current_ledger().requests.get(request_id, reader=api_reader())


@blp.route("/access-requests", methods=["POST"])
@requires("officer")
@blp.arguments(OpenRequestSchema)
@blp.response(201, RequestWithTimelineSchema)
@documented(blp, 400, 413, 415, 422, 503)
@blp.doc(security=SECURITY)
def open_request(body: dict[str, Any]) -> Any:
    """Open a request received on `received_at`; the answer holds its `due` date."""
    request_id = current_ledger().requests.open(
        subject_id=body["subject_id"],
        received_on=body["received_at"],
        channel=body["channel"],
        reference=body["reference"],
        actor=current_key().name,
    )
    return _shown(request_id)


@blp.route("/access-requests", methods=["GET"])
@requires("officer")
@blp.arguments(QueueQuerySchema, location="query")
@blp.response(200, QueueSchema)
@documented(blp, 422, 503)
@blp.doc(security=SECURITY)
def queue(query: dict[str, Any]) -> Any:
    """The queue: open requests first by the deadline that applies, overdue ones marked."""
    return {"items": current_ledger().requests.queue(reader=api_reader(), state=query.get("state"))}


@blp.route(PATH, methods=["GET"])
@requires("officer")
@blp.response(200, RequestWithTimelineSchema)
@documented(blp, 404, 503)
@blp.doc(security=SECURITY)
def show(request_id: UUID) -> Any:
    """One request with its timeline."""
    return _shown(request_id)


@blp.route(PATH + "/identity", methods=["POST"])
@requires("officer")
@blp.arguments(HowSchema)
@blp.response(200, RequestWithTimelineSchema)
@documented(blp, 400, 404, 409, 413, 415, 422, 503)
@blp.doc(security=SECURITY)
def verify_identity(body: dict[str, Any], request_id: UUID) -> Any:
    """Record how the person's identity was verified."""
    current_ledger().requests.verify_identity(request_id, how=body["how"], actor=current_key().name)
    return _shown(request_id)


@blp.route(PATH + "/extension", methods=["POST"])
@requires("officer")
@blp.arguments(ReasonSchema)
@blp.response(200, RequestWithTimelineSchema)
@documented(blp, 400, 404, 409, 413, 415, 422, 503)
@blp.doc(security=SECURITY)
def extend(body: dict[str, Any], request_id: UUID) -> Any:
    """Extend once, before the first deadline: `due_extended` is three months after receipt."""
    current_ledger().requests.extend(request_id, reason=body["reason"], actor=current_key().name)
    return _shown(request_id)


@blp.route(PATH + "/extension-notice", methods=["POST"])
@requires("officer")
@blp.arguments(NoticeSchema)
@blp.response(200, RequestWithTimelineSchema)
@documented(blp, 400, 404, 409, 413, 415, 422, 503)
@blp.doc(security=SECURITY)
def tell(body: dict[str, Any], request_id: UUID) -> Any:
    """Record when the person was told of the extension (by the first deadline)."""
    current_ledger().requests.tell_of_extension(
        request_id, told_on=body["told_on"], actor=current_key().name
    )
    return _shown(request_id)


@blp.route(PATH + "/answer", methods=["POST"])
@requires("officer")
@blp.response(200, RequestWithTimelineSchema)
@documented(blp, 404, 409, 415, 422, 503)
@blp.doc(security=SECURITY)
def answer(request_id: UUID) -> Any:
    """Answer: the person's overview is frozen as it stands and kept as evidence."""
    current_ledger().requests.answer(request_id, reader=api_reader())
    return _shown(request_id)


@blp.route(PATH + "/answer", methods=["GET"])
@requires("officer")
@blp.response(200, AnswerOutSchema)
@documented(blp, 404, 422, 503)
@blp.doc(security=SECURITY)
def frozen_answer(request_id: UUID) -> Any:
    """What was sent: the frozen overview JSON and its SHA-256 (404 before an answer)."""
    frozen = current_ledger().requests.frozen_answer(request_id, reader=api_reader())
    if frozen is None:
        return problem(404, "Not answered", "This request has no answer yet.")
    return {
        "id": str(frozen.request_id),
        "sha256": frozen.sha256,
        "tree_size": frozen.tree_size,
        "root_hash": frozen.root_hash,
        "overview_json": frozen.overview_json,
    }


@blp.route(PATH + "/withdrawal", methods=["POST"])
@requires("officer")
@blp.arguments(ReasonSchema)
@blp.response(200, RequestWithTimelineSchema)
@documented(blp, 400, 404, 409, 413, 415, 422, 503)
@blp.doc(security=SECURITY)
def withdraw(body: dict[str, Any], request_id: UUID) -> Any:
    """The person withdrew the request."""
    current_ledger().requests.withdraw(request_id, reason=body["reason"], actor=current_key().name)
    return _shown(request_id)


@blp.route(PATH + "/refusal", methods=["POST"])
@requires("officer")
@blp.arguments(ReasonSchema)
@blp.response(200, RequestWithTimelineSchema)
@documented(blp, 400, 404, 409, 413, 415, 422, 503)
@blp.doc(security=SECURITY)
def refuse(body: dict[str, Any], request_id: UUID) -> Any:
    """Refuse a manifestly unfounded or excessive request (Art. 12(5)), with the reason."""
    current_ledger().requests.refuse(request_id, reason=body["reason"], actor=current_key().name)
    return _shown(request_id)
