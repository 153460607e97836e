"""Restrictions of processing (GDPR Art. 18): imposed on a person by the privacy officer with a
reason and an end date, listed, and lifted; while one holds, a disclosure of the person must
name a ground of Art. 18(2) (see the README, "Restriction (Art. 18)")."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from marshmallow import Schema, fields, validate

from ledger.domain.restriction import MAX_REASON
from ledger.schemas import StrictSchema, Text
from ledger.web.api.common import SECURITY, api_blueprint, documented
from ledger.web.auth import api_reader, current_key, requires
from ledger.web.context import current_ledger

blp = api_blueprint("restrictions", "Restriction of a person's processing (Art. 18).")


class RestrictionImposeSchema(StrictSchema):
    reason = Text(
        required=True,
        validate=validate.Length(min=1, max=MAX_REASON),
        metadata={"description": "why; stored sealed with the person's key, shown to them"},
    )
    until = fields.Date(
        required=True,
        metadata={
            "description": "the last day (Dutch date) the restriction holds; today or later,"
            " at most two years ahead"
        },
    )
    since = fields.AwareDateTime(
        load_default=None,
        format="iso",
        metadata={"description": "from when; with a UTC offset, not future; default now"},
    )


class RestrictionLiftSchema(StrictSchema):
    reason = Text(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=MAX_REASON),
        metadata={"description": "optional; stored sealed with the person's key"},
    )


class RestrictionOutSchema(Schema):
    id = fields.String()
    subject_tag = fields.String()
    subject_id = fields.String(allow_none=True, metadata={"description": "None once erased"})
    since = fields.AwareDateTime(format="iso")
    until = fields.Date()
    reason = fields.String(allow_none=True)
    actor = fields.String()
    notice_id = fields.String(
        allow_none=True,
        metadata={"description": "the Art. 19 notice telling the recipients (none: no recipient)"},
    )
    lifted_at = fields.AwareDateTime(format="iso", allow_none=True)
    lift_reason = fields.String(allow_none=True)
    lifted_by = fields.String(allow_none=True)
    recorded_at = fields.AwareDateTime(format="iso")
    in_force = fields.Boolean(metadata={"description": "neither lifted nor ended, and begun"})


class RestrictionListSchema(Schema):
    subject_id = fields.String()
    items = fields.List(fields.Nested(RestrictionOutSchema))


@blp.route("/subjects/<subject_id>/restrictions", methods=["POST"])
@requires("officer")
@blp.arguments(RestrictionImposeSchema)
@blp.response(201, RestrictionOutSchema)
@documented(blp, 400, 404, 413, 415, 422, 503)
@blp.doc(security=SECURITY)
def impose(body: dict[str, Any], subject_id: str) -> Any:
    """Restrict the person's processing until a date; records the Art. 19 notice to their
    recipients in the same step."""
    ledger = current_ledger()
    imposed = ledger.restrictions.impose(
        subject_id=subject_id,
        reason=body["reason"],
        until=body["until"],
        since=body["since"],
        actor=current_key().name,
    )
    return ledger.restrictions.get(imposed.restriction_id, reader=api_reader())


@blp.route("/subjects/<subject_id>/restrictions", methods=["GET"])
@requires("officer")
@blp.response(200, RestrictionListSchema)
@documented(blp, 404, 422, 503)
@blp.doc(security=SECURITY)
def of_subject(subject_id: str) -> Any:
    """A person's restrictions, oldest first, with their reasons opened."""
    items = current_ledger().restrictions.of_subject(subject_id, reader=api_reader())
    return {"subject_id": subject_id, "items": items}


@blp.route("/restrictions/<uuid:restriction_id>", methods=["GET"])
@requires("officer")
@blp.response(200, RestrictionOutSchema)
@documented(blp, 404, 503)
@blp.doc(security=SECURITY)
def get(restriction_id: UUID) -> Any:
    """One restriction."""
    return current_ledger().restrictions.get(restriction_id, reader=api_reader())


@blp.route("/restrictions/<uuid:restriction_id>/lift", methods=["POST"])
@requires("officer")
@blp.arguments(RestrictionLiftSchema)
@blp.response(200, RestrictionOutSchema)
@documented(blp, 400, 404, 409, 413, 415, 422, 503)
@blp.doc(security=SECURITY)
def lift(body: dict[str, Any], restriction_id: UUID) -> Any:
    """Lift the restriction now (409 when lifted before or already ended)."""
    ledger = current_ledger()
    ledger.restrictions.lift(restriction_id, reason=body["reason"], actor=current_key().name)
    return ledger.restrictions.get(restriction_id, reader=api_reader())
