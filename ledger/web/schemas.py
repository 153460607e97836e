"""Request and response schemas of the HTTP API; they validate and generate the OpenAPI document."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from marshmallow import Schema, ValidationError, fields, post_load, validate

from ledger.app.recording import MAX_BATCH
from ledger.domain.activity import ACTIVITY_CODE
from ledger.domain.patterns import KVK_NUMBER, MONTH
from ledger.domain.values import Recipient, Transfer
from ledger.domain.vocabulary import CODE_PATTERN
from ledger.projections.queries import MAX_LIMIT
from ledger.schemas import (
    DisclosureSchema,
    Matches,
    RecipientSchema,
    SourceSchema,
    StrictSchema,
    Text,
    TransferSchema,
)

LOCAL = ZoneInfo("Europe/Amsterdam")


# -- requests ---------------------------------------------------------------------------------


class BatchSchema(StrictSchema):
    items = fields.List(
        fields.Nested(DisclosureSchema),
        required=True,
        validate=validate.Length(min=1, max=MAX_BATCH),
        metadata={"description": f"1 to {MAX_BATCH} disclosures, recorded all or nothing"},
    )


class SubjectChangesSchema(StrictSchema):
    id = Text(metadata={"description": "cannot be corrected; present to say so"})
    kind = Text()
    name = Text(allow_none=True)
    email = Text(allow_none=True)


class ChangesSchema(StrictSchema):
    """New values for some fields of a disclosure; the result is judged like a new one."""

    controller = fields.Raw(metadata={"description": "cannot be corrected"})
    source = fields.Raw(metadata={"description": "cannot be corrected"})
    subject = fields.Nested(SubjectChangesSchema)
    recipient = fields.Nested(RecipientSchema)
    data_categories = fields.List(Text())
    legal_basis = Text()
    special_category_condition = Text(allow_none=True)
    legal_provision = Text(allow_none=True)
    consent_reference = Text(allow_none=True)
    purpose = Text()
    occurred_at = fields.AwareDateTime(format="iso")
    transfer = fields.Nested(TransferSchema, allow_none=True)
    suppressed_until = fields.Date(allow_none=True)
    suppression_authority = Text(allow_none=True)
    restriction_ground = Text(
        allow_none=True, metadata={"description": "a ground of GDPR Art. 18(2), or null"}
    )
    activity = Text(
        allow_none=True,
        validate=Matches(ACTIVITY_CODE, error="must be an activity code, e.g. 'loonaangifte'"),
        metadata={
            "description": "put the disclosure under this activity of the register (null: under"
            " none); the fields it defines that the correction does not name are taken from its"
            " version in force on the disclosure's date"
        },
    )

    @post_load
    def _values(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        if isinstance(data.get("recipient"), dict):
            data["recipient"] = Recipient(**data["recipient"])
        if isinstance(data.get("transfer"), dict):
            data["transfer"] = Transfer(**data["transfer"])
        if "data_categories" in data:
            data["data_categories"] = tuple(data["data_categories"])
        return data


class CorrectionSchema(StrictSchema):
    changes = fields.Nested(ChangesSchema, required=True)
    reason = Text(required=True, metadata={"description": "why, for person and auditor"})


class RetractionSchema(StrictSchema):
    reason = Text(required=True, metadata={"description": "why it was recorded in error"})


class DateOrDateTime(fields.Field):  # type: ignore[type-arg]
    """YYYY-MM-DD (midnight in the Netherlands) or an ISO 8601 date-time with offset."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> datetime:
        if not isinstance(value, str):
            raise ValidationError("must be a date (YYYY-MM-DD) or a date-time with offset")
        try:
            if len(value) == 10:
                parsed = datetime.combine(date.fromisoformat(value), time(), LOCAL)
            else:
                parsed = datetime.fromisoformat(value)
        except ValueError:
            raise ValidationError(
                "must be a date (YYYY-MM-DD) or a date-time with offset"
            ) from None
        if parsed.tzinfo is None:
            raise ValidationError("a date-time must carry a UTC offset, e.g. +01:00")
        try:
            return parsed.astimezone(UTC)
        except OverflowError:
            # A bound before (or after) every moment the ledger can hold bounds nothing.
            return (datetime.min if parsed.year == 1 else datetime.max).replace(tzinfo=UTC)


# Documented as what it takes: a date or a date-time with its offset.
MOMENT = {"type": "string", "anyOf": [{"format": "date"}, {"format": "date-time"}]}


class PageQuerySchema(StrictSchema):
    from_ = DateOrDateTime(
        data_key="from",
        metadata={**MOMENT, "description": "inclusive; a date is midnight in the Netherlands"},
    )
    to = DateOrDateTime(metadata={**MOMENT, "description": "exclusive"})
    recipient_category = Text(
        validate=Matches(CODE_PATTERN, error="must be a recipient category code, e.g. 'uwv'")
    )
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=MAX_LIMIT))
    next = Text(metadata={"description": "the cursor of the previous page"})


class CategoryPageQuerySchema(PageQuerySchema):
    class Meta:
        exclude = ("recipient_category",)


class StatsQuerySchema(StrictSchema):
    controller = Text(
        validate=Matches(KVK_NUMBER), metadata={"description": "a KvK number, 8 digits"}
    )
    from_ = Text(
        data_key="from", validate=Matches(MONTH), metadata={"description": "a month, YYYY-MM"}
    )
    to = Text(validate=Matches(MONTH), metadata={"description": "a month, YYYY-MM"})


# -- responses --------------------------------------------------------------------------------


class ReceiptSchema(Schema):
    id = fields.String(required=True)
    recorded_at = fields.DateTime(required=True)
    position = fields.Integer(required=True, metadata={"description": "place in the ledger's log"})
    activity_version = fields.Integer(
        metadata={
            "description": "for a disclosure posted by activity: the version it followed"
            " (absent otherwise)"
        }
    )


class BatchItemSchema(ReceiptSchema):
    replayed = fields.Boolean(metadata={"description": "true when it was recorded before"})


class BatchReceiptSchema(Schema):
    items = fields.List(fields.Nested(BatchItemSchema))


class SubjectOutSchema(Schema):
    id = fields.String(allow_none=True)
    kind = fields.String()
    name = fields.String(allow_none=True)
    email = fields.String(allow_none=True)


class RecipientOutSchema(Schema):
    category = fields.String()
    name = fields.String()
    id = fields.String(allow_none=True)
    country = fields.String(allow_none=True)


class HistoryEntrySchema(Schema):
    type = fields.String()
    position = fields.Integer()
    at = fields.DateTime()
    actor = fields.String()
    reason = fields.String()
    changed = fields.List(fields.String())


class DisclosureOutSchema(Schema):
    id = fields.String()
    position = fields.Integer()
    controller = fields.String()
    subject = fields.Nested(SubjectOutSchema)
    recipient = fields.Nested(RecipientOutSchema)
    data_categories = fields.List(fields.String())
    legal_basis = fields.String()
    special_category_condition = fields.String(allow_none=True)
    legal_provision = fields.String(allow_none=True)
    consent_reference = fields.String(allow_none=True)
    purpose = fields.String()
    occurred_at = fields.String(metadata={"description": "as posted, with its offset"})
    transfer = fields.Nested(TransferSchema, allow_none=True)
    source = fields.Nested(SourceSchema)
    suppressed_until = fields.Date(allow_none=True)
    suppression_authority = fields.String(allow_none=True)
    restriction_ground = fields.String(allow_none=True)
    recorded_at = fields.DateTime()
    updated_at = fields.DateTime()
    version = fields.Integer()
    corrections = fields.Integer()
    retracted = fields.Boolean()
    retraction_reason = fields.String(allow_none=True)
    activity = fields.String(
        allow_none=True, metadata={"description": "the register's activity it was recorded by"}
    )
    activity_version = fields.Integer(
        allow_none=True, metadata={"description": "the version of the activity it followed"}
    )
    activity_uri = fields.String(
        allow_none=True,
        metadata={
            "description": "the activity's URI (the logging standard's processing_activity_id)"
        },
    )


class DisclosureWithHistorySchema(DisclosureOutSchema):
    history = fields.List(fields.Nested(HistoryEntrySchema))


class DisclosurePageSchema(Schema):
    items = fields.List(fields.Nested(DisclosureOutSchema))
    next = fields.String(allow_none=True, metadata={"description": "cursor of the next page"})


class RecipientSummarySchema(Schema):
    recipient = fields.Nested(RecipientOutSchema)
    first_at = fields.DateTime()
    last_at = fields.DateTime()
    count = fields.Integer()
    data_categories = fields.List(fields.String())
    legal_bases = fields.List(fields.String())


class RecipientListSchema(Schema):
    subject_id = fields.String()
    items = fields.List(fields.Nested(RecipientSummarySchema))


class StatsRowSchema(Schema):
    month = fields.String()
    controller = fields.String()
    recipient_category = fields.String()
    legal_basis = fields.String()
    count = fields.Integer()


class StatsSchema(Schema):
    items = fields.List(fields.Nested(StatsRowSchema))


class AccessEntrySchema(Schema):
    at = fields.DateTime()
    actor = fields.String()
    role = fields.String()
    endpoint = fields.String()
    purpose = fields.String(allow_none=True)


class AccessLogSchema(Schema):
    subject_id = fields.String()
    items = fields.List(fields.Nested(AccessEntrySchema))


class HealthSchema(Schema):
    status = fields.String()


class ProblemSchema(Schema):
    """RFC 9457 problem details."""

    type = fields.String()
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        metadata={"description": "messages by field path, e.g. items.12.legal_provision"},
    )
    erasure_id = fields.String(
        metadata={"description": "a 409 of an erasure: the erasure in the way (the one waiting)"}
    )
