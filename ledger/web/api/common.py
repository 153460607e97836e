"""What every API blueprint shares: the security scheme, the JSON-only guard, documented problem
answers (those of any keyed request added to every secured operation), and the page and filter
shapes."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from apispec import BasePlugin
from flask import Response, request
from flask_smorest import Blueprint

from ledger.projections.queries import Filters, Page
from ledger.web.bodies import LedgerParser
from ledger.web.problems import PROBLEM_JSON, problem
from ledger.web.schemas import ProblemSchema

SECURITY: list[dict[str, list[str]]] = [{"bearerAuth": []}]
PROBLEM = {"schema": ProblemSchema, "content_type": PROBLEM_JSON}
JSON_ONLY = ("POST", "PUT", "PATCH")


# What any request with a key can be answered, whatever the operation.
KEY_PROBLEMS = {
    "401": "no API key, or an unknown or revoked one",
    "403": "the key's role may not do this",
    "429": (
        "too many failed authentications from this address; see Retry-After (a valid key is"
        " still admitted)"
    ),
}


class SecuredProblems(BasePlugin):
    """Documents 401, 403 and 429 on every operation that takes a key, in one place, so no
    secured operation can leave them out; and adds a schema's `JSON_SCHEMA_EXTRA` (rules
    across fields, such as "not both") to its definition."""

    def schema_helper(
        self, name: str, definition: dict[str, Any], **kwargs: Any
    ) -> dict[str, Any] | None:
        schema = kwargs.get("schema")
        extra = getattr(schema, "JSON_SCHEMA_EXTRA", None)
        return dict(extra) if extra else None

    def operation_helper(
        self, path: str | None = None, operations: dict[str, Any] | None = None, **kwargs: Any
    ) -> None:
        for operation in (operations or {}).values():
            if not isinstance(operation, dict) or not operation.get("security"):
                continue
            responses = operation.setdefault("responses", {})
            documented = {str(code) for code in responses}
            for status, description in KEY_PROBLEMS.items():
                if status in documented:
                    continue
                response: dict[str, Any] = {
                    "description": description,
                    "content": {PROBLEM_JSON: {"schema": "Problem"}},
                }
                if status == "429":
                    response["headers"] = {
                        "Retry-After": {
                            "description": "seconds until a wrong key is answered 401 again",
                            "schema": {"type": "integer", "minimum": 1},
                        }
                    }
                responses[status] = response


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


def no_store(response: Response) -> Response:
    """API answers carry personal data or secrets (a link's URL): no cache may keep them."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


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
