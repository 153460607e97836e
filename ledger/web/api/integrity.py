"""The verifiable log: signed checkpoints, RFC 9162 proofs and the public leaves."""

from __future__ import annotations

import base64
from typing import Any

from marshmallow import RAISE, Schema, fields, validate

from ledger.integrity.log import LogError
from ledger.web.api.common import PROBLEM, SECURITY, api_blueprint
from ledger.web.auth import requires
from ledger.web.context import current_ledger
from ledger.web.problems import problem

blp = api_blueprint(
    "integrity",
    "Verify that the ledger is complete and unaltered (RFC 9162, C2SP checkpoints).",
    url_prefix="/api/v1/ledger",
    body_optional=True,
)

MAX_LEAVES = 1_000


# The largest index either database stores (a signed 64-bit integer): past it, 422 naming the
# field, not an overflow in the driver.
LARGEST = 2**63 - 1


class CheckpointSchema(Schema):
    note = fields.String(metadata={"description": "the C2SP signed note"})
    tree_size = fields.Integer()
    root_hash = fields.String(metadata={"description": "base64"})


class InclusionQuery(Schema):
    index = fields.Integer(required=True, validate=validate.Range(min=0, max=LARGEST))
    tree_size = fields.Integer(required=True, validate=validate.Range(min=1, max=LARGEST))


class ConsistencyQuery(Schema):
    first = fields.Integer(required=True, validate=validate.Range(min=1, max=LARGEST))
    second = fields.Integer(required=True, validate=validate.Range(min=1, max=LARGEST))


class LeavesQuery(Schema):
    start = fields.Integer(required=True, validate=validate.Range(min=0, max=LARGEST))
    end = fields.Integer(required=True, validate=validate.Range(min=1, max=LARGEST))


class ProofSchema(Schema):
    proof = fields.List(fields.String(), metadata={"description": "base64 hashes, RFC 9162 order"})


class LeafSchema(Schema):
    index = fields.Integer()
    leaf = fields.String(metadata={"description": "base64; its hash is SHA-256(0x00 || leaf)"})


class LeavesSchema(Schema):
    items = fields.List(fields.Nested(LeafSchema))


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def _unanswerable(error: LogError) -> Any:
    """A proof of a tree or leaf the log does not hold (yet): not found, saying why."""
    return problem(404, "No such tree or leaf in the log", str(error))


@blp.route("/checkpoint", methods=["GET"])
@requires("auditor", "officer")
@blp.response(200, CheckpointSchema)
@blp.alt_response(404, **PROBLEM)
@blp.doc(security=SECURITY)
def latest_checkpoint() -> Any:
    """The latest signed checkpoint."""
    checkpoint = current_ledger().integrity.latest_checkpoint()
    if checkpoint is None:
        return problem(404, "No checkpoint yet", "Nothing has been recorded, or none published.")
    return checkpoint.as_json()


@blp.route("/checkpoint", methods=["POST"])
@requires("auditor", "officer")
@blp.response(201, CheckpointSchema)
@blp.doc(security=SECURITY)
def publish_checkpoint() -> Any:
    """Publish a signed checkpoint of the log as it is now."""
    return current_ledger().integrity.publish_checkpoint().as_json()


@blp.route("/proofs/inclusion", methods=["GET"])
@requires("auditor", "officer")
@blp.arguments(InclusionQuery, location="query", unknown=RAISE)
@blp.response(200, ProofSchema)
@blp.alt_response(404, **PROBLEM)
@blp.alt_response(422, **PROBLEM)
@blp.doc(security=SECURITY)
def inclusion(query: dict[str, int]) -> Any:
    """The inclusion proof of leaf `index` in the tree of `tree_size` leaves."""
    try:
        proof = current_ledger().integrity.inclusion_proof(query["index"], query["tree_size"])
    except LogError as error:
        return _unanswerable(error)
    return {"proof": [_b64(node) for node in proof]}


@blp.route("/proofs/consistency", methods=["GET"])
@requires("auditor", "officer")
@blp.arguments(ConsistencyQuery, location="query", unknown=RAISE)
@blp.response(200, ProofSchema)
@blp.alt_response(404, **PROBLEM)
@blp.alt_response(422, **PROBLEM)
@blp.doc(security=SECURITY)
def consistency(query: dict[str, int]) -> Any:
    """The consistency proof between the trees of `first` and `second` leaves."""
    try:
        proof = current_ledger().integrity.consistency_proof(query["first"], query["second"])
    except LogError as error:
        return _unanswerable(error)
    return {"proof": [_b64(node) for node in proof]}


@blp.route("/leaves", methods=["GET"])
@requires("auditor", "officer")
@blp.arguments(LeavesQuery, location="query", unknown=RAISE)
@blp.response(200, LeavesSchema)
@blp.alt_response(422, **PROBLEM)
@blp.doc(security=SECURITY)
def leaf_page(query: dict[str, int]) -> Any:
    """Leaves [start, end), at most 1,000 at a time; they hold no personal data."""
    start, end = query["start"], query["end"]
    # As RFC 6962's get-entries: at most MAX_LEAVES at a time, fewer than asked when the log
    # is shorter; an empty range is an empty answer.
    end = min(end, start + MAX_LEAVES)
    return {
        "items": [
            {"index": index, "leaf": _b64(leaf)}
            for index, leaf in current_ledger().integrity.leaves(start, end)
        ]
    }
