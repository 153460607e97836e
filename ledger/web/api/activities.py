"""The register of processing activities (GDPR Art. 30): list it, post an activity or a new
version of one, and read an activity's versions. It names no person, so the auditor may read it.

Posting the content of the current version again records nothing and answers 200 with that
version (as a replayed disclosure does); a new code answers 201 with version 1, and changed
content of an existing code 201 with the new version, which needs a `reason`.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from ledger.app.register import Register
from ledger.domain.activity import ACTIVITY_CODE, CODE_RULE, MAX_REASON, ActivityVersion
from ledger.domain.patterns import KVK_NUMBER
from ledger.schemas import Matches, StrictSchema, Text
from ledger.web.api.common import SECURITY, api_blueprint, documented
from ledger.web.auth import current_key, requires
from ledger.web.context import current_ledger

blp = api_blueprint(
    "activities",
    "The register of processing activities (Art. 30): versioned, each with a stable URI.",
)

TEXTS = "a text per language code: nl and en required, further 2-3 letter codes allowed"


def _texts(description: str, *, required: bool = False) -> fields.Dict:
    return fields.Dict(
        keys=Text(),
        values=Text(),
        required=required,
        metadata={"description": f"{description}; {TEXTS}"},
    )


def _codes(description: str, item: Text | None = None) -> fields.List[Any]:
    return fields.List(item or Text(), required=True, metadata={"description": description})


class ActivityTransferSchema(StrictSchema):
    country = Text(required=True, metadata={"description": "ISO 3166-1 alpha-2, outside the EEA"})
    safeguard = Text(required=True, metadata={"description": "a safeguard code, GDPR Art. 44-49"})


class ActivityInSchema(StrictSchema):
    code = Text(
        required=True,
        validate=Matches(ACTIVITY_CODE, error=CODE_RULE),
        metadata={"description": "stable code, e.g. loonaangifte; it never changes"},
    )
    name = _texts("the activity's name", required=True)
    purpose = _texts("the purpose in plain language", required=True)
    controllers = _codes(
        "KvK numbers of the controllers",
        Text(validate=Matches(KVK_NUMBER, error="must be a KvK number of exactly 8 digits")),
    )
    legal_basis = Text(required=True, metadata={"description": "GDPR Art. 6(1) code"})
    legal_provision = Text(
        allow_none=True, metadata={"description": "the law and article, where one applies"}
    )
    special_category_condition = Text(
        allow_none=True,
        metadata={"description": "GDPR Art. 9(2) code; required with special-category data"},
    )
    data_categories = _codes("data category codes of the vocabulary")
    recipient_categories = _codes("recipient category codes of the vocabulary")
    retention = Text(
        allow_none=True,
        metadata={"description": "a retention rule's code; none: the data categories' own rules"},
    )
    transfers = fields.List(
        fields.Nested(ActivityTransferSchema),
        metadata={"description": "the transfers outside the EEA the activity allows"},
    )
    security_measures = _texts("the security measures, in words")
    valid_from = fields.Date(required=True, metadata={"description": "first day in force"})
    valid_until = fields.Date(
        allow_none=True, metadata={"description": "last day in force; none: open"}
    )
    reason = Text(
        allow_none=True,
        validate=validate.Length(max=MAX_REASON),
        metadata={"description": "why this version; required when an existing code changes"},
    )


class ActivityTransferOutSchema(Schema):
    country = fields.String(metadata={"description": "ISO 3166-1 alpha-2, outside the EEA"})
    safeguard = fields.String(metadata={"description": "the safeguard's code (Art. 44-49)"})


def _out_texts(description: str) -> fields.Dict:
    return fields.Dict(
        keys=fields.String(), values=fields.String(), metadata={"description": description}
    )


class ActivityOutSchema(Schema):
    code = fields.String(metadata={"description": "the activity's stable code"})
    version = fields.Integer(metadata={"description": "1 for the first version, then 2, 3, ..."})
    uri = fields.String(metadata={"description": "this version's stable URI (<activity>/v<n>)"})
    activity_uri = fields.String(metadata={"description": "the activity's stable URI"})
    name = _out_texts("the name per language code")
    purpose = _out_texts("the purpose per language code")
    controllers = fields.List(fields.String(), metadata={"description": "KvK numbers"})
    legal_basis = fields.String(metadata={"description": "GDPR Art. 6(1) code"})
    legal_provision = fields.String(allow_none=True, metadata={"description": "law and article"})
    special_category_condition = fields.String(
        allow_none=True, metadata={"description": "GDPR Art. 9(2) code"}
    )
    data_categories = fields.List(fields.String(), metadata={"description": "data categories"})
    recipient_categories = fields.List(
        fields.String(), metadata={"description": "recipient categories"}
    )
    retention = fields.String(
        allow_none=True,
        metadata={"description": "a retention rule's code; null: the data categories' own"},
    )
    transfers = fields.List(
        fields.Nested(ActivityTransferOutSchema),
        metadata={"description": "the transfers outside the EEA the activity allows"},
    )
    security_measures = _out_texts("the security measures per language code")
    valid_from = fields.Date(metadata={"description": "first day in force"})
    valid_until = fields.Date(
        allow_none=True, metadata={"description": "last day in force (inclusive); null: open"}
    )
    reason = fields.String(metadata={"description": "why this version"})
    recorded_at = fields.AwareDateTime(
        format="iso", metadata={"description": "when this version was recorded"}
    )


class ActivityListSchema(Schema):
    items = fields.List(
        fields.Nested(ActivityOutSchema), metadata={"description": "current versions, by code"}
    )


class ActivityVersionsSchema(Schema):
    code = fields.String()
    uri = fields.String(metadata={"description": "the activity's stable URI"})
    items = fields.List(
        fields.Nested(ActivityOutSchema), metadata={"description": "every version, newest first"}
    )


def shown(version: ActivityVersion, register: Register) -> dict[str, Any]:
    return {
        **version.content,
        "valid_from": version.valid_from,
        "valid_until": version.valid_until,
        "version": version.version,
        "uri": register.version_uri(version.code, version.version),
        "activity_uri": register.uri(version.code),
        "reason": version.reason,
        "recorded_at": version.recorded_at,
    }


@blp.route("/activities", methods=["GET"])
@requires("officer", "auditor")
@blp.response(200, ActivityListSchema)
@documented(blp, 503)
@blp.doc(security=SECURITY)
def list_activities() -> Any:
    """Every activity of the register with its current version."""
    register = current_ledger().register
    return {"items": [shown(version, register) for version in register.list()]}


@blp.route("/activities", methods=["POST"])
@requires("officer")
@blp.arguments(ActivityInSchema)
@blp.response(201, ActivityOutSchema)
@blp.alt_response(
    200, schema=ActivityOutSchema, description="the content equals the current version's"
)
@documented(blp, 400, 413, 415, 422, 503)
@blp.doc(security=SECURITY)
def post_activity(body: dict[str, Any]) -> Any:
    """A new activity (201, version 1), or a new version of an existing code (201; `reason`
    required); the current version's content again records nothing (200, that version)."""
    register = current_ledger().register
    raw = {name: value for name, value in body.items() if name != "reason"}
    change = register.put(raw, actor=current_key().name, reason=body.get("reason"))
    return shown(change.version, register), 200 if change.kind == "unchanged" else 201


@blp.route("/activities/<code>", methods=["GET"])
@requires("officer", "auditor")
@blp.response(200, ActivityVersionsSchema)
@documented(blp, 404, 503)
@blp.doc(security=SECURITY)
def activity_versions(code: str) -> Any:
    """An activity's versions, newest first, each with its URI."""
    register = current_ledger().register
    versions = register.versions(code)
    return {
        "code": code,
        "uri": register.uri(code),
        "items": [shown(version, register) for version in reversed(versions)],
    }
