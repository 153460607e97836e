"""The API reference page at /api/docs, rendered on the server from the OpenAPI document.

No script or stylesheet from a CDN: the page is plain HTML and works offline.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template

from ledger.web.context import current_ledger
from ledger.web.pages.common import security_headers

bp = Blueprint("docs", __name__)
bp.after_request(security_headers)


def _resolve(spec: dict[str, Any], schema: dict[str, Any] | None) -> dict[str, Any] | None:
    if schema and "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        resolved: dict[str, Any] = spec["components"]["schemas"][name]
        return {"name": name, **resolved}
    return schema


@bp.get("/api/docs")
def api_docs() -> str:
    spec = current_app.extensions["flask-smorest"]["apis"][""]["ext_obj"].spec.to_dict()
    operations = []
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            if method == "parameters":
                continue
            body = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
            operations.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": operation.get("summary", ""),
                    "description": operation.get("description", ""),
                    "secured": bool(operation.get("security")),
                    "parameters": operation.get("parameters", []),
                    "body": _resolve(spec, body.get("schema")),
                    "responses": operation.get("responses", {}),
                }
            )
    settings = current_ledger().settings
    return render_template(
        "api_docs.html",
        failure_limit=settings.auth_failure_limit,
        failure_window=settings.auth_failure_window_seconds,
        spec=spec,
        operations=operations,
        schemas=spec.get("components", {}).get("schemas", {}),
    )
