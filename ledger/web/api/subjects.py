"""A person's data: their disclosures, their recipients, and who read them."""

from __future__ import annotations

from typing import Any

from marshmallow import RAISE

from ledger.web.api.common import SECURITY, api_blueprint, documented, filters_of, page_of
from ledger.web.auth import api_reader, requires
from ledger.web.context import current_ledger
from ledger.web.schemas import (
    AccessLogSchema,
    DisclosurePageSchema,
    PageQuerySchema,
    RecipientListSchema,
)

blp = api_blueprint("subjects", "Who received a person's data, when, what and why.")


@blp.route("/subjects/<subject_id>/disclosures", methods=["GET"])
@requires("officer")
@blp.arguments(PageQuerySchema, location="query", unknown=RAISE)
@blp.response(200, DisclosurePageSchema)
@documented(blp, 401, 403, 404, 422, 503)
@blp.doc(security=SECURITY)
def subject_disclosures(query: dict[str, Any], subject_id: str) -> Any:
    """A subject's disclosures, newest first, a page at a time."""
    page = current_ledger().reading.disclosures_of(
        subject_id,
        reader=api_reader(),
        filters=filters_of(query),
        limit=query["limit"],
        cursor=query.get("next"),
    )
    return page_of(page)


@blp.route("/subjects/<subject_id>/recipients", methods=["GET"])
@requires("officer")
@blp.response(200, RecipientListSchema)
@documented(blp, 401, 403, 404, 422, 503)
@blp.doc(security=SECURITY)
def subject_recipients(subject_id: str) -> Any:
    """The actual recipients of a subject's data (GDPR Art. 15(1)(c), Art. 19)."""
    items = current_ledger().reading.recipients_of(subject_id, reader=api_reader())
    return {"subject_id": subject_id, "items": items}


@blp.route("/subjects/<subject_id>/access-log", methods=["GET"])
@requires("officer")
@blp.response(200, AccessLogSchema)
@documented(blp, 401, 403, 404, 422, 503)
@blp.doc(security=SECURITY)
def subject_access_log(subject_id: str) -> Any:
    """Who read this subject's data, when, through which endpoint and why (newest first)."""
    items = current_ledger().reading.access_log(subject_id, reader=api_reader())
    return {"subject_id": subject_id, "items": items}
