"""Retention: the end of a person's employment (retention periods count from it) and what
expires in the coming months (see the README, "Retention")."""

from __future__ import annotations

from typing import Any

from marshmallow import RAISE, Schema, fields, validate

from ledger.app.retention import DEFAULT_MONTHS, MAX_MONTHS
from ledger.schemas import StrictSchema
from ledger.web.api.common import SECURITY, api_blueprint, documented
from ledger.web.auth import api_reader, current_key, requires
from ledger.web.context import current_ledger

blp = api_blueprint(
    "retention", "Employment ends and the retention report (how long data is kept)."
)


class EmploymentEndSchema(StrictSchema):
    ended_on = fields.Date(
        required=True,
        metadata={
            "description": "the last day of employment (YYYY-MM-DD), from 1900 up to one year"
            " ahead; recording again corrects an earlier date"
        },
    )


class EmploymentEndOutSchema(Schema):
    id = fields.String()
    ended_on = fields.Date()
    actor = fields.String()
    recorded_at = fields.AwareDateTime(format="iso")


class EmploymentEndListSchema(Schema):
    subject_id = fields.String()
    ended_on = fields.Date(
        allow_none=True, metadata={"description": "the end that counts: the latest recorded"}
    )
    items = fields.List(fields.Nested(EmploymentEndOutSchema))


class ReportQuerySchema(Schema):
    months = fields.Integer(
        load_default=DEFAULT_MONTHS,
        validate=validate.Range(min=1, max=MAX_MONTHS),
        metadata={"description": "how many months ahead to look"},
    )


class HeldRuleSchema(Schema):
    code = fields.String()
    label = fields.String()
    period = fields.String(metadata={"description": "e.g. '7 years'"})
    counts_from = fields.String(
        metadata={"description": "disclosure, end_of_year or employment_ended"}
    )
    law = fields.String(allow_none=True)
    until = fields.Date(
        allow_none=True,
        metadata={
            "description": "the first day the rule no longer keeps the data; null: never"
            " while the employment end is missing"
        },
    )


class PersonRetentionSchema(Schema):
    subject_id = fields.String(allow_none=True)
    subject_tag = fields.String()
    name = fields.String(allow_none=True)
    disclosures = fields.Integer(metadata={"description": "live disclosures"})
    ends = fields.Date(
        allow_none=True, metadata={"description": "the first day no rule keeps their data"}
    )
    expired = fields.Boolean(metadata={"description": "the next retention run erases them"})
    employment_ended = fields.Date(allow_none=True)
    rules = fields.List(fields.Nested(HeldRuleSchema))


class HeldIndefinitelySchema(Schema):
    count = fields.Integer()
    items = fields.List(fields.Nested(PersonRetentionSchema))


class RetentionReportSchema(Schema):
    today = fields.Date()
    months = fields.Integer()
    horizon = fields.Date()
    expiring = fields.List(fields.Nested(PersonRetentionSchema))
    held_indefinitely = fields.Nested(HeldIndefinitelySchema)


@blp.route("/subjects/<subject_id>/employment-end", methods=["POST"])
@requires("officer", "source")
@blp.arguments(EmploymentEndSchema)
@blp.response(201, EmploymentEndOutSchema)
@documented(blp, 400, 404, 413, 415, 422, 503)
@blp.doc(security=SECURITY)
def record_end(body: dict[str, Any], subject_id: str) -> Any:
    """Record the day a person's employment ended. A source key (the HR system) may do so only
    for a person it recorded a disclosure of, under one of its controllers (404 otherwise)."""
    key = current_key()
    return current_ledger().employment_ends.record(
        subject_id=subject_id,
        ended_on=body["ended_on"],
        actor=key.name,
        source_controllers=key.controllers if key.role == "source" else None,
    )


@blp.route("/subjects/<subject_id>/employment-end", methods=["GET"])
@requires("officer")
@blp.response(200, EmploymentEndListSchema)
@documented(blp, 404, 422, 503)
@blp.doc(security=SECURITY)
def ends_of(subject_id: str) -> Any:
    """A person's recorded employment ends, oldest recording first; the latest counts."""
    items = current_ledger().employment_ends.of_subject(subject_id, reader=api_reader())
    return {
        "subject_id": subject_id,
        "ended_on": items[-1]["ended_on"] if items else None,
        "items": items,
    }


@blp.route("/retention/report", methods=["GET"])
@requires("officer")
@blp.arguments(ReportQuerySchema, location="query", unknown=RAISE)
@blp.response(200, RetentionReportSchema)
@documented(blp, 422, 503)
@blp.doc(security=SECURITY)
def report(query: dict[str, Any]) -> Any:
    """Whose data expires within `months` months (or has expired: the next retention run erases
    them), and who is kept without end because an employment end is missing. Every person
    listed is a logged read."""
    return current_ledger().retention.report(reader=api_reader(), months=query["months"]).as_dict()
