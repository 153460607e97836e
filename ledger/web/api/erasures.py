"""Erasure (Art. 17): a person's request, carried out at once or scheduled while a retention
rule holds their data, and the officer's list of erasures (see the README, "Erasure")."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from marshmallow import Schema, fields, validate

from ledger.domain.access_request import MAX_REASON
from ledger.domain.erasure import STATES
from ledger.schemas import StrictSchema, Text
from ledger.web.api.common import SECURITY, api_blueprint, documented
from ledger.web.auth import current_key, requires
from ledger.web.context import current_ledger

blp = api_blueprint("erasures", "Erasure by crypto-shredding (Art. 17), now or when due.")


class EraseSchema(StrictSchema):
    reason = Text(
        required=True,
        validate=validate.Length(min=1, max=MAX_REASON),
        metadata={"description": "why; stored sealed with the person's key, so it goes with it"},
    )
    requested_at = fields.Date(
        load_default=None,
        allow_none=True,
        metadata={
            "description": "the Dutch date the person asked (default today); not in the future,"
            " not before 2018-05-25"
        },
    )


class HoldSchema(Schema):
    rule = fields.String()
    label = fields.Dict(keys=fields.String(), values=fields.String())
    law = fields.String(allow_none=True)
    until = fields.Date(
        allow_none=True, metadata={"description": "the first day it no longer holds; null: unknown"}
    )
    disclosures = fields.List(fields.String())


class ErasureRecipientSchema(Schema):
    category = fields.String()
    name = fields.String()
    id = fields.String(allow_none=True)


class ToNotifySchema(Schema):
    id = fields.String(metadata={"description": "the notification's id, to mark it"})
    recipient = fields.Nested(ErasureRecipientSchema)
    data_categories = fields.List(fields.String())
    first_on = fields.Date()
    last_on = fields.Date()


class OutcomeSchema(Schema):
    state = fields.String(
        metadata={"description": "`erased` (201), `scheduled` (202) or `nothing_held` (200)"}
    )
    erasure_id = fields.String(allow_none=True)
    erasable_from = fields.Date(
        allow_none=True,
        metadata={"description": "when scheduled: the day the last hold ends; null: not known"},
    )
    holds = fields.List(fields.Nested(HoldSchema))
    notice_id = fields.String(allow_none=True, metadata={"description": "the Art. 19 notice"})
    notifications = fields.List(
        fields.Nested(ToNotifySchema), metadata={"description": "the recipients to tell"}
    )


class StoredHoldSchema(Schema):
    rule = fields.String()
    until = fields.Date(allow_none=True)
    disclosures = fields.List(fields.String())


class ErasureOutSchema(Schema):
    id = fields.String()
    subject_tag = fields.String()
    state = fields.String(metadata={"description": "requested, scheduled, done or cancelled"})
    requested_on = fields.Date(allow_none=True)
    erasable_from = fields.Date(allow_none=True)
    holds = fields.List(fields.Nested(StoredHoldSchema))
    erased_at = fields.AwareDateTime(format="iso", allow_none=True)
    basis = fields.String(allow_none=True, metadata={"description": "request or retention"})
    disclosures = fields.Integer(allow_none=True)
    notice_id = fields.String(allow_none=True)
    actor = fields.String()
    recorded_at = fields.AwareDateTime(format="iso")


class ErasureListSchema(Schema):
    items = fields.List(fields.Nested(ErasureOutSchema))


class CancelSchema(StrictSchema):
    reason = Text(
        required=True,
        validate=validate.Length(min=1, max=MAX_REASON),
        metadata={"description": "why (the person withdrew the request); sealed with their key"},
    )


class ListQuerySchema(StrictSchema):
    state = Text(validate=validate.OneOf(STATES))


STATUS = {"erased": 201, "scheduled": 202, "nothing_held": 200}


@blp.route("/subjects/<subject_id>/erasure", methods=["POST"])
@requires("officer")
@blp.arguments(EraseSchema)
@blp.response(201, OutcomeSchema, description="erased: the recipients to tell are listed")
@blp.alt_response(202, schema=OutcomeSchema, description="scheduled: a retention rule holds")
@blp.alt_response(200, schema=OutcomeSchema, description="nothing held on this person")
@documented(blp, 400, 409, 413, 415, 422, 503)
@blp.doc(security=SECURITY)
def erase(body: dict[str, Any], subject_id: str) -> Any:
    """Erase the person now (201), or schedule it while a retention rule holds (202); 409
    when an erasure of theirs is already scheduled."""
    ledger = current_ledger()
    outcome = ledger.erasures.request(
        subject_id=subject_id,
        reason=body["reason"],
        requested_on=body["requested_at"],
        actor=current_key().name,
    )
    return ledger.erasures.outcome_shown(outcome), STATUS[outcome.state]


@blp.route("/erasures", methods=["GET"])
@requires("officer")
@blp.arguments(ListQuerySchema, location="query")
@blp.response(200, ErasureListSchema)
@documented(blp, 422, 503)
@blp.doc(security=SECURITY)
def erasures(query: dict[str, Any]) -> Any:
    """Erasures oldest first; `state` picks requested, scheduled, done or cancelled."""
    return {"items": current_ledger().erasures.in_state(state=query.get("state"))}


@blp.route("/erasures/<uuid:erasure_id>", methods=["GET"])
@requires("officer")
@blp.response(200, ErasureOutSchema)
@documented(blp, 404, 503)
@blp.doc(security=SECURITY)
def erasure(erasure_id: UUID) -> Any:
    return current_ledger().erasures.get(erasure_id)


@blp.route("/erasures/<uuid:erasure_id>/cancellation", methods=["POST"])
@requires("officer")
@blp.arguments(CancelSchema)
@blp.response(200, ErasureOutSchema)
@documented(blp, 400, 404, 409, 413, 415, 422, 503)
@blp.doc(security=SECURITY)
def cancel(body: dict[str, Any], erasure_id: UUID) -> Any:
    """The person withdrew their request before it was carried out; 409 once it was."""
    ledger = current_ledger()
    ledger.erasures.cancel(erasure_id, reason=body["reason"], actor=current_key().name)
    return ledger.erasures.get(erasure_id)
