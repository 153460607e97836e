"""Consents: given for a person and purpose, withdrawn, and listed per person; a disclosure on
a consent basis is judged against them (see the README, "Consent")."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from marshmallow import Schema, fields, validate

from ledger.domain.consent import MAX_PURPOSE, MAX_REASON, MAX_REFERENCE
from ledger.schemas import StrictSchema, Text
from ledger.web.api.common import SECURITY, api_blueprint, documented
from ledger.web.auth import api_reader, current_key, requires
from ledger.web.context import current_ledger

blp = api_blueprint("consents", "Consent given and withdrawn per person and purpose (Art. 7).")


class GiveSchema(StrictSchema):
    consent_reference = Text(
        required=True,
        validate=validate.Length(min=1, max=MAX_REFERENCE),
        metadata={"description": "e.g. the signed form's reference; stored sealed"},
    )
    purpose = Text(required=True, validate=validate.Length(min=1, max=MAX_PURPOSE))
    given_at = fields.AwareDateTime(
        required=True, format="iso", metadata={"description": "with a UTC offset; not future"}
    )


class WithdrawSchema(StrictSchema):
    withdrawn_at = fields.AwareDateTime(
        required=True,
        format="iso",
        metadata={"description": "from this moment no disclosure may rest on the consent"},
    )
    reason = Text(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=MAX_REASON),
        metadata={"description": "stored sealed with the person's key"},
    )


class ConsentOutSchema(Schema):
    id = fields.String()
    subject_tag = fields.String()
    consent_reference = fields.String(allow_none=True)
    purpose = fields.String()
    given_at = fields.AwareDateTime(format="iso")
    withdrawn_at = fields.AwareDateTime(format="iso", allow_none=True)
    withdrawal_reason = fields.String(allow_none=True)
    recorded_at = fields.AwareDateTime(format="iso")


class ConsentListSchema(Schema):
    subject_id = fields.String()
    items = fields.List(fields.Nested(ConsentOutSchema))


@blp.route("/subjects/<subject_id>/consents", methods=["POST"])
@requires("officer")
@blp.arguments(GiveSchema)
@blp.response(201, ConsentOutSchema)
@documented(blp, 400, 404, 409, 413, 415, 422, 503)
@blp.doc(security=SECURITY)
def give(body: dict[str, Any], subject_id: str) -> Any:
    """Record a consent; 409 while the same reference is in force for this person."""
    ledger = current_ledger()
    consent_id = ledger.consents.give(
        subject_id=subject_id,
        consent_reference=body["consent_reference"],
        purpose=body["purpose"],
        given_at=body["given_at"],
        actor=current_key().name,
    )
    return ledger.consents.get(consent_id, reader=api_reader())


@blp.route("/subjects/<subject_id>/consents", methods=["GET"])
@requires("officer")
@blp.response(200, ConsentListSchema)
@documented(blp, 404, 422, 503)
@blp.doc(security=SECURITY)
def of_subject(subject_id: str) -> Any:
    """A person's consents, oldest first, with their references opened."""
    items = current_ledger().consents.of_subject(subject_id, reader=api_reader())
    return {"subject_id": subject_id, "items": items}


@blp.route("/consents/<uuid:consent_id>/withdrawal", methods=["POST"])
@requires("officer")
@blp.arguments(WithdrawSchema)
@blp.response(200, ConsentOutSchema)
@documented(blp, 400, 404, 409, 413, 415, 422, 503)
@blp.doc(security=SECURITY)
def withdraw(body: dict[str, Any], consent_id: UUID) -> Any:
    """Record that the person withdrew the consent (409 when withdrawn before)."""
    ledger = current_ledger()
    ledger.consents.withdraw(
        consent_id,
        withdrawn_at=body["withdrawn_at"],
        reason=body["reason"],
        actor=current_key().name,
    )
    return ledger.consents.get(consent_id, reader=api_reader())
