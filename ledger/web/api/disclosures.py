"""Disclosures: record one or a batch, read one with its history, correct, retract."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from flask import Response

from ledger.app import Receipt
from ledger.domain.values import DisclosureFacts
from ledger.schemas import DisclosureSchema
from ledger.web.api.common import SECURITY, api_blueprint, documented
from ledger.web.auth import api_reader, current_key, requires
from ledger.web.context import current_ledger
from ledger.web.problems import problem
from ledger.web.schemas import (
    BatchReceiptSchema,
    BatchSchema,
    CorrectionSchema,
    DisclosureWithHistorySchema,
    ReceiptSchema,
    RetractionSchema,
)

blp = api_blueprint("disclosures", "Record disclosures, read one, correct and retract them.")


def _receipt(receipt: Receipt) -> dict[str, Any]:
    answer = {
        "id": str(receipt.id),
        "recorded_at": receipt.recorded_at,
        "position": receipt.position,
    }
    if receipt.activity_version is not None:
        answer["activity_version"] = receipt.activity_version
    return answer


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
    system, controller = current_ledger().reading.provenance(disclosure_id)
    if system != key.system or not key.may_post_for(controller):
        return problem(
            403,
            "This key may not amend this disclosure",
            "A source key amends only what its own system recorded.",
        )
    return None


@blp.route("/disclosures", methods=["POST"])
@requires("source")
@blp.arguments(DisclosureSchema)
@blp.response(201, ReceiptSchema)
@blp.alt_response(200, schema=ReceiptSchema, description="a replay of an earlier posting")
@documented(blp, 400, 401, 403, 409, 413, 415, 422, 503)
@blp.doc(security=SECURITY)
def record(facts: DisclosureFacts) -> Any:
    """Record one disclosure (idempotent on source.system + source.reference)."""
    if errors := _scope_errors(facts):
        return _forbidden(errors)
    receipt = current_ledger().recording.record(facts, actor=current_key().name)
    return _receipt(receipt), 200 if receipt.replayed else 201


@blp.route("/disclosures/batch", methods=["POST"])
@requires("source")
@blp.arguments(BatchSchema)
@blp.response(201, BatchReceiptSchema)
@documented(blp, 400, 401, 403, 413, 415, 422, 503)
@blp.doc(security=SECURITY)
def record_batch(body: dict[str, Any]) -> Any:
    """Record up to 10,000 disclosures, all or nothing; answers in input order."""
    items: list[DisclosureFacts] = body["items"]
    errors: dict[str, str] = {}
    for index, facts in enumerate(items):
        errors.update(_scope_errors(facts, f"items.{index}."))
    if errors:
        return _forbidden(errors)
    receipts = current_ledger().recording.record_batch(items, actor=current_key().name)
    return {"items": [{**_receipt(r), "replayed": r.replayed} for r in receipts]}


@blp.route("/disclosures/<uuid:disclosure_id>", methods=["GET"])
@requires("officer")
@blp.response(200, DisclosureWithHistorySchema)
@documented(blp, 401, 403, 404, 503)
@blp.doc(security=SECURITY)
def get_disclosure(disclosure_id: UUID) -> Any:
    """One disclosure: current values and its history."""
    return current_ledger().reading.disclosure(disclosure_id, reader=api_reader())


@blp.route("/disclosures/<uuid:disclosure_id>/corrections", methods=["POST"])
@requires("source", "officer")
@blp.arguments(CorrectionSchema)
@blp.response(201, ReceiptSchema)
@documented(blp, 400, 401, 403, 404, 409, 413, 415, 422, 503)
@blp.doc(security=SECURITY)
def correct(body: dict[str, Any], disclosure_id: UUID) -> Any:
    """Correct a disclosure: new values and a reason; judged by the same rules."""
    target = disclosure_id
    if refusal := _may_amend(target):
        return refusal
    receipt = current_ledger().recording.correct(
        target, changes=body["changes"], reason=body["reason"], actor=current_key().name
    )
    return _receipt(receipt)


@blp.route("/disclosures/<uuid:disclosure_id>/retraction", methods=["POST"])
@requires("source", "officer")
@blp.arguments(RetractionSchema)
@blp.response(201, ReceiptSchema)
@documented(blp, 400, 401, 403, 404, 409, 413, 415, 422, 503)
@blp.doc(security=SECURITY)
def retract(body: dict[str, Any], disclosure_id: UUID) -> Any:
    """Retract a disclosure recorded in error; it stays visible as retracted."""
    target = disclosure_id
    if refusal := _may_amend(target):
        return refusal
    receipt = current_ledger().recording.retract(
        target, reason=body["reason"], actor=current_key().name
    )
    return _receipt(receipt)
