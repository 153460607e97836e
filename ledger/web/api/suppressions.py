"""Suppressions managed, never silent: a public authority's order to withhold a disclosure from
the person until a date, or to lift that now, each recorded with authority and reason."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from marshmallow import Schema, fields, validate

from ledger.domain.policy import MAX_SUPPRESSION_AUTHORITY
from ledger.domain.suppression_orders import MAX_REASON
from ledger.schemas import StrictSchema, Text
from ledger.web.api.common import SECURITY, api_blueprint, documented
from ledger.web.auth import current_key, requires
from ledger.web.context import current_ledger

blp = api_blueprint("suppressions", "Orders to withhold a disclosure from the person, and lifting.")

PATH = "/disclosures/<uuid:disclosure_id>/suppression"


def _authority() -> Text:
    return Text(
        required=True,
        validate=validate.Length(min=1, max=MAX_SUPPRESSION_AUTHORITY),
        metadata={"description": "who ordered it, e.g. 'Politie Midden-Nederland, zaak 2026/4711'"},
    )


def _reason() -> Text:
    return Text(
        required=True,
        validate=validate.Length(min=1, max=MAX_REASON),
        metadata={"description": "why; stored sealed with the person's key"},
    )


class ExtendSchema(StrictSchema):
    until = fields.Date(
        required=True,
        metadata={"description": "withheld until this Dutch date (shown from it on); after today"},
    )
    authority = _authority()
    reason = _reason()


class LiftSchema(StrictSchema):
    authority = _authority()
    reason = _reason()


class SuppressionReceiptSchema(Schema):
    id = fields.String()
    recorded_at = fields.AwareDateTime(format="iso")
    position = fields.Integer()


class SuppressionSchema(Schema):
    disclosure_id = fields.String()
    subject_tag = fields.String()
    suppressed_until = fields.Date()
    suppression_authority = fields.String(allow_none=True)
    withheld = fields.Boolean()
    days_left = fields.Integer()
    retracted = fields.Boolean()


class SuppressionListSchema(Schema):
    items = fields.List(fields.Nested(SuppressionSchema))


class ListQuerySchema(StrictSchema):
    all = fields.Boolean(
        load_default=False,
        metadata={"description": "also those no longer withheld (ended or lifted)"},
    )


def _receipt(receipt: Any) -> dict[str, Any]:
    return {"id": str(receipt.id), "recorded_at": receipt.recorded_at, "position": receipt.position}


@blp.route(PATH, methods=["POST"])
@requires("officer")
@blp.arguments(ExtendSchema)
@blp.response(200, SuppressionReceiptSchema)
@documented(blp, 400, 404, 409, 413, 415, 422, 503)
@blp.doc(security=SECURITY)
def extend(body: dict[str, Any], disclosure_id: UUID) -> Any:
    """Withhold the disclosure until `until` (a new or a later date; 409 for an earlier one
    while withheld, or for a retracted disclosure)."""
    receipt = current_ledger().suppressions.extend(
        disclosure_id,
        until=body["until"],
        authority=body["authority"],
        reason=body["reason"],
        actor=current_key().name,
    )
    return _receipt(receipt)


@blp.route(PATH + "/lifting", methods=["POST"])
@requires("officer")
@blp.arguments(LiftSchema)
@blp.response(200, SuppressionReceiptSchema)
@documented(blp, 400, 404, 409, 413, 415, 422, 503)
@blp.doc(security=SECURITY)
def lift(body: dict[str, Any], disclosure_id: UUID) -> Any:
    """Show the disclosure to the person from today (409 when it is not withheld)."""
    receipt = current_ledger().suppressions.lift(
        disclosure_id, authority=body["authority"], reason=body["reason"], actor=current_key().name
    )
    return _receipt(receipt)


@blp.route("/suppressions", methods=["GET"])
@requires("officer")
@blp.arguments(ListQuerySchema, location="query")
@blp.response(200, SuppressionListSchema)
@documented(blp, 422, 503)
@blp.doc(security=SECURITY)
def listing(query: dict[str, Any]) -> Any:
    """Suppressions by the date they end: those withheld today, or (`all`) every one."""
    return {"items": current_ledger().suppressions.listing(current_only=not query["all"])}
