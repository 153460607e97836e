"""The register in W3C DPV terms: `GET /api/v1/activities.jsonld`, JSON-LD with its context
inline (`ledger.app.register_export`). It names no person, so the auditor may read it."""

from __future__ import annotations

from typing import Any

from flask import Response
from marshmallow import Schema, fields

from ledger.adapters.fast_json import indented
from ledger.web.api.common import SECURITY, api_blueprint, documented
from ledger.web.auth import requires
from ledger.web.context import current_ledger

JSON_LD = "application/ld+json"

blp = api_blueprint(
    "register-export",
    "The register of processing activities as JSON-LD in W3C DPV terms (dpv:Process).",
)


class JsonLdSchema(Schema):
    context = fields.Dict(
        data_key="@context",
        metadata={"description": "the prefixes: dpv, pd, eu-gdpr, loc, dct, dcat, rdfs, xsd"},
    )
    graph = fields.List(
        fields.Dict(),
        data_key="@graph",
        metadata={
            "description": "one dpv:Process per activity (its current version), @id its URI,"
            " with dpv:hasPurpose, dpv:hasLegalBasis, dpv:hasPersonalData, dpv:hasRecipient,"
            " dpv:hasDataController, dpv:hasStorageCondition and dpv:hasDataRetentionPeriod"
        },
    )


@blp.route("/activities.jsonld", methods=["GET"])
@requires("officer", "auditor")
@blp.response(200, JsonLdSchema, content_type=JSON_LD)
@documented(blp, 503)
@blp.doc(security=SECURITY)
def register_jsonld() -> Any:
    """The register's current versions as JSON-LD (W3C Data Privacy Vocabulary)."""
    document = current_ledger().register_reports.jsonld()
    return Response(indented(document) + "\n", mimetype=JSON_LD)
