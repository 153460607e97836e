"""Overview links: time-limited, revocable links that let a person open their own overview."""

from __future__ import annotations

from typing import Any

from flask import url_for
from marshmallow import Schema, fields, validate

from ledger.app.links import DEFAULT_DAYS, MAX_DAYS, LinkError, NoOverview
from ledger.overview import LANGUAGES
from ledger.schemas import StrictSchema, Text
from ledger.web.api.common import SECURITY, api_blueprint, documented
from ledger.web.auth import api_reader, current_key, requires
from ledger.web.context import current_ledger
from ledger.web.problems import problem

blp = api_blueprint(
    "links", "Time-limited links that let a person open their own overview.", body_optional=True
)


class LinkRequestSchema(StrictSchema):
    # Not both: one way to say when the link stops working.
    JSON_SCHEMA_EXTRA = {"not": {"required": ["expires_at", "expires_in_days"]}}

    expires_in_days = fields.Integer(
        validate=validate.Range(1, MAX_DAYS),
        metadata={"description": f"default {DEFAULT_DAYS}"},
    )
    expires_at = fields.AwareDateTime(
        format="iso",
        metadata={
            "description": (
                "instead of expires_in_days: an exact moment, in the future and at most"
                f" {MAX_DAYS} days from now"
            )
        },
    )
    lang = Text(
        validate=validate.OneOf(LANGUAGES),
        metadata={"description": "the overview's language when opened; default nl"},
    )


class LinkSchema(Schema):
    id = fields.String(metadata={"description": "to revoke the link"})
    url = fields.String(metadata={"description": "give this to the person; shown only now"})
    expires_at = fields.AwareDateTime(format="iso")
    lang = fields.String()


class LinkInfoSchema(Schema):
    id = fields.String()
    lang = fields.String()
    created_at = fields.AwareDateTime(format="iso")
    created_by = fields.String()
    expires_at = fields.AwareDateTime(format="iso")
    revoked_at = fields.AwareDateTime(format="iso", allow_none=True)
    state = fields.String(metadata={"description": "active, expired or revoked"})


class LinkListSchema(Schema):
    items = fields.List(fields.Nested(LinkInfoSchema))


@blp.route("/subjects/<subject_id>/overview-links", methods=["POST"])
@requires("officer")
@blp.arguments(LinkRequestSchema, required=False)
@blp.response(201, LinkSchema)
@documented(blp, 400, 401, 403, 404, 413, 415, 422, 503)
@blp.doc(security=SECURITY)
def create_overview_link(body: dict[str, Any] | None, subject_id: str) -> Any:
    """A signed link to the subject's overview, for the person: default 30 days, revocable."""
    body = body or {}
    if "expires_at" in body and "expires_in_days" in body:
        return problem(
            422,
            "The request has invalid fields",
            errors={"expires_at": "give expires_at or expires_in_days, not both"},
        )
    try:
        made = current_ledger().links.create(
            subject_id,
            reader=api_reader(),
            lang=body.get("lang", "nl"),
            days=body.get("expires_in_days"),
            expires_at=body.get("expires_at"),
        )
    except NoOverview as error:
        return problem(404, "No such subject", str(error))
    except LinkError as error:
        field = "expires_at" if "expires_at" in body else "expires_in_days"
        return problem(422, "The request has invalid fields", errors={field: str(error)})
    return {
        "id": made.link.id,
        "url": url_for("person.overview", token=made.token, _external=True),
        "expires_at": made.link.expires_at,
        "lang": made.link.lang,
    }


@blp.route("/subjects/<subject_id>/overview-links", methods=["GET"])
@requires("officer")
@blp.response(200, LinkListSchema)
@documented(blp, 401, 403, 404, 422, 503)
@blp.doc(security=SECURITY)
def list_overview_links(subject_id: str) -> Any:
    """The subject's links, newest first (never their URLs)."""
    ledger = current_ledger()
    made = ledger.links.of_subject(subject_id, reader=api_reader())
    now = ledger.clock()
    return {
        "items": [
            {
                "id": link.id,
                "lang": link.lang,
                "created_at": link.created_at,
                "created_by": link.created_by,
                "expires_at": link.expires_at,
                "revoked_at": link.revoked_at,
                "state": link.state(now),
            }
            for link in made
        ]
    }


@blp.route("/overview-links/<link_id>", methods=["DELETE"])
@requires("officer")
@blp.response(204)
@documented(blp, 401, 403, 404, 503)
@blp.doc(security=SECURITY)
def revoke_overview_link(link_id: str) -> Any:
    """Revoke a link at once: opening it shows that it was revoked (410)."""
    link = current_ledger().links.revoke(link_id, actor=current_key().name)
    if link is None:
        return problem(404, "No such link", f"'{link_id}' is not a link of this ledger.")
    return ""
