"""Recipient categories: what went to one kind of recipient, across people."""

from __future__ import annotations

from typing import Any

from marshmallow import RAISE

from ledger.web.api.common import SECURITY, api_blueprint, documented, filters_of, page_of
from ledger.web.auth import api_reader, requires
from ledger.web.context import current_ledger
from ledger.web.problems import problem
from ledger.web.schemas import CategoryPageQuerySchema, DisclosurePageSchema

blp = api_blueprint("recipients", "Disclosures to one recipient category.")


@blp.route("/recipients/<category>/disclosures", methods=["GET"])
@requires("officer")
@blp.arguments(CategoryPageQuerySchema, location="query", unknown=RAISE)
@blp.response(200, DisclosurePageSchema)
@documented(blp, 401, 403, 404, 422, 503)
@blp.doc(security=SECURITY)
def category_disclosures(query: dict[str, Any], category: str) -> Any:
    """Disclosures to one recipient category, newest first; every person on the page is
    logged as read, with this request's X-Ledger-Purpose."""
    ledger = current_ledger()
    if category not in ledger.vocabulary.recipient_categories:
        return problem(404, "No such recipient category", f"'{category}' is not in the vocabulary.")
    page = ledger.reading.disclosures_to(
        category,
        reader=api_reader(),
        filters=filters_of(query),
        limit=query["limit"],
        cursor=query.get("next"),
    )
    return page_of(page)
