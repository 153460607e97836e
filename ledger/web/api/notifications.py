"""Recipient notifications (GDPR Art. 19): record that a person's data was rectified, which
creates one notification per recipient that received the affected data; list a person's
rectifications and what remains to send; mark each notification sent, impossible or
disproportionate."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from marshmallow import Schema, fields, validate

from ledger.domain.recipient_notice import CHANNELS, MAX_REASON, STATES
from ledger.schemas import StrictSchema, Text
from ledger.web.api.common import SECURITY, api_blueprint, documented
from ledger.web.auth import api_reader, current_key, requires
from ledger.web.context import current_ledger

blp = api_blueprint(
    "notifications",
    "Recipient notifications (Art. 19) after a rectification: who to tell, and that they were.",
)

PATH = "/notifications/<uuid:notification_id>"


def _reason(description: str) -> Text:
    return Text(
        required=True,
        validate=validate.Length(min=1, max=MAX_REASON),
        metadata={"description": description},
    )


class RectificationSchema(StrictSchema):
    data_categories = fields.List(
        Text(validate=validate.Length(min=1, max=64)),
        required=True,
        validate=validate.Length(min=1, max=100),
        metadata={"description": "the data categories rectified (codes of the vocabulary)"},
    )
    since = fields.Date(
        load_default=None,
        allow_none=True,
        metadata={"description": "only recipients that received the data on or after this date"},
    )
    reason = _reason("what was rectified and why; stored sealed with the person's key")
    person_asked_for_recipients = fields.Boolean(
        load_default=False,
        metadata={
            "description": "the person asked to be told these recipients (Art. 19, last"
            " sentence): their overview then lists them"
        },
    )


class SentSchema(StrictSchema):
    sent_on = fields.Date(
        required=True, metadata={"description": "the Dutch date it was sent; not in the future"}
    )
    channel = Text(required=True, validate=validate.OneOf(CHANNELS))


class NotSentReasonSchema(StrictSchema):
    reason = _reason("why; stored sealed with the person's key")


class ListQuerySchema(StrictSchema):
    state = Text(
        validate=validate.OneOf(STATES),
        metadata={"description": "only these; `to_send` lists what remains to send"},
    )


class NotifiedRecipientSchema(Schema):
    category = fields.String()
    name = fields.String()
    id = fields.String(allow_none=True)


class NoticeOutSchema(Schema):
    id = fields.String()
    subject_tag = fields.String()
    subject_id = fields.String(allow_none=True)
    cause = fields.String(metadata={"description": "rectification, erasure or restriction"})
    data_categories = fields.List(fields.String())
    since = fields.Date(allow_none=True)
    reason = fields.String(allow_none=True)
    person_asked = fields.Boolean(
        data_key="person_asked_for_recipients",
        metadata={"description": "the person's overview lists these recipients"},
    )
    recorded_on = fields.Date()
    recorded_at = fields.AwareDateTime(format="iso")
    actor = fields.String()


class NotificationInNoticeSchema(Schema):
    id = fields.String()
    notice_id = fields.String(metadata={"description": "the rectification it belongs to"})
    recipient = fields.Nested(NotifiedRecipientSchema)
    data_categories = fields.List(
        fields.String(), metadata={"description": "the affected data this recipient received"}
    )
    first_on = fields.Date()
    last_on = fields.Date()
    state = fields.String(metadata={"description": ", ".join(STATES)})
    sent_on = fields.Date(allow_none=True)
    channel = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    marked_at = fields.AwareDateTime(format="iso", allow_none=True)
    marked_by = fields.String(allow_none=True)


class NotificationOutSchema(NotificationInNoticeSchema):
    notice = fields.Nested(NoticeOutSchema)


class NoticeWithNotificationsSchema(NoticeOutSchema):
    notifications = fields.List(fields.Nested(NotificationInNoticeSchema))


class NoticeListSchema(Schema):
    items = fields.List(fields.Nested(NoticeWithNotificationsSchema))


class NotificationListSchema(Schema):
    items = fields.List(fields.Nested(NotificationOutSchema))


@blp.route("/subjects/<subject_id>/rectifications", methods=["POST"])
@requires("officer")
@blp.arguments(RectificationSchema)
@blp.response(201, NoticeWithNotificationsSchema)
@documented(blp, 400, 404, 413, 415, 422, 503)
@blp.doc(security=SECURITY)
def rectify(body: dict[str, Any], subject_id: str) -> Any:
    """Record a rectification (Art. 16): one notification per recipient that received any of
    `data_categories` (since `since`); 404 when the ledger holds nothing on the person."""
    ledger = current_ledger()
    notice_id = ledger.notifications.record(
        subject_id=subject_id,
        cause="rectification",
        data_categories=body["data_categories"],
        since=body["since"],
        reason=body["reason"],
        person_asked=body["person_asked_for_recipients"],
        actor=current_key().name,
    )
    return ledger.notifications.notice(notice_id, reader=api_reader())


@blp.route("/subjects/<subject_id>/rectifications", methods=["GET"])
@requires("officer")
@blp.response(200, NoticeListSchema)
@documented(blp, 404, 503)
@blp.doc(security=SECURITY)
def rectifications(subject_id: str) -> Any:
    """A person's rectifications, oldest first, each with its notifications."""
    items = current_ledger().notifications.of_subject(
        subject_id, reader=api_reader(), cause="rectification"
    )
    return {"items": items}


@blp.route("/notifications", methods=["GET"])
@requires("officer")
@blp.arguments(ListQuerySchema, location="query")
@blp.response(200, NotificationListSchema)
@documented(blp, 422, 503)
@blp.doc(security=SECURITY)
def notification_list(query: dict[str, Any]) -> Any:
    """Notifications, oldest rectification first; `?state=to_send` is what remains to send."""
    items = current_ledger().notifications.notifications(
        reader=api_reader(), state=query.get("state")
    )
    return {"items": items}


@blp.route(PATH, methods=["GET"])
@requires("officer")
@blp.response(200, NotificationOutSchema)
@documented(blp, 404, 503)
@blp.doc(security=SECURITY)
def show(notification_id: UUID) -> Any:
    """One notification with its rectification."""
    return current_ledger().notifications.notification(notification_id, reader=api_reader())


@blp.route(PATH + "/sent", methods=["POST"])
@requires("officer")
@blp.arguments(SentSchema)
@blp.response(200, NotificationOutSchema)
@documented(blp, 400, 404, 409, 413, 415, 422, 503)
@blp.doc(security=SECURITY)
def sent(body: dict[str, Any], notification_id: UUID) -> Any:
    """Mark it sent on `sent_on` through `channel`; 409 when it was marked before (once
    only), 422 for a date in the future or before the rectification was recorded."""
    ledger = current_ledger()
    ledger.notifications.mark_sent(
        notification_id, sent_on=body["sent_on"], channel=body["channel"], actor=current_key().name
    )
    return ledger.notifications.notification(notification_id, reader=api_reader())


def _not_sent(why: str, body: dict[str, Any], notification_id: UUID) -> Any:
    ledger = current_ledger()
    ledger.notifications.mark_not_sent(
        notification_id, why=why, reason=body["reason"], actor=current_key().name
    )
    return ledger.notifications.notification(notification_id, reader=api_reader())


@blp.route(PATH + "/impossible", methods=["POST"])
@requires("officer")
@blp.arguments(NotSentReasonSchema)
@blp.response(200, NotificationOutSchema)
@documented(blp, 400, 404, 409, 413, 415, 422, 503)
@blp.doc(security=SECURITY)
def impossible(body: dict[str, Any], notification_id: UUID) -> Any:
    """Telling this recipient proves impossible (Art. 19), with the reason; 409 when it was
    marked before."""
    return _not_sent("impossible", body, notification_id)


@blp.route(PATH + "/disproportionate", methods=["POST"])
@requires("officer")
@blp.arguments(NotSentReasonSchema)
@blp.response(200, NotificationOutSchema)
@documented(blp, 400, 404, 409, 413, 415, 422, 503)
@blp.doc(security=SECURITY)
def disproportionate(body: dict[str, Any], notification_id: UUID) -> Any:
    """Telling this recipient would take disproportionate effort (Art. 19), with the reason;
    409 when it was marked before."""
    return _not_sent("disproportionate", body, notification_id)
