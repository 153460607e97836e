"""What every API blueprint shares: the security scheme, the JSON-only guard, documented problem
answers, and the page and filter shapes."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask import Response, request
from flask_smorest import Blueprint

from ledger.projections.queries import Filters, Page
from ledger.web.bodies import LedgerParser
from ledger.web.problems import problem
from ledger.web.schemas import ProblemSchema

SECURITY: list[dict[str, list[str]]] = [{"bearerAuth": []}]
PROBLEM = {"schema": ProblemSchema, "content_type": "application/problem+json"}
JSON_ONLY = ("POST", "PUT", "PATCH")


class ApiBlueprint(Blueprint):  # type: ignore[misc]
    """flask-smorest's blueprint; its arguments are parsed from JSON by `ledger.json_input`."""

    ARGUMENTS_PARSER = LedgerParser()


def api_blueprint(
    name: str, description: str, *, url_prefix: str = "/api/v1", body_optional: bool = False
) -> Blueprint:
    """A blueprint whose bodies must be JSON (`body_optional`: a POST may also have none)."""
    blp = ApiBlueprint(name, name, url_prefix=url_prefix, description=description)

    @blp.before_request
    def _json_only() -> Response | None:
        if request.method not in JSON_ONLY or request.mimetype == "application/json":
            return None
        if body_optional and not request.content_length:
            return None
        return problem(
            415,
            "Unsupported media type",
            "Send the body as JSON with 'Content-Type: application/json'.",
        )

    return blp


def documented(blp: Blueprint, *statuses: int) -> Callable[[Any], Any]:
    """alt_response decorators for the problem answers a view can give."""

    def decorate(view: Any) -> Any:
        for status in statuses:
            view = blp.alt_response(status, **PROBLEM)(view)
        return view

    return decorate


def filters_of(query: Mapping[str, Any]) -> Filters:
    return Filters(
        since=query.get("from_"),
        until=query.get("to"),
        recipient_category=query.get("recipient_category"),
    )


def page_of(page: Page) -> dict[str, Any]:
    return {"items": page.items, "next": page.next}
