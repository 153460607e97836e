"""Statistics without personal data, and the service's health."""

from __future__ import annotations

from typing import Any

from marshmallow import RAISE

from ledger.web.api.common import SECURITY, api_blueprint, documented
from ledger.web.auth import requires
from ledger.web.context import current_ledger, health_check
from ledger.web.problems import unavailable
from ledger.web.schemas import HealthSchema, StatsQuerySchema, StatsSchema

blp = api_blueprint("statistics", "Counts without personal data; the service's health.")


@blp.route("/stats", methods=["GET"])
@requires("officer", "auditor")
@blp.arguments(StatsQuerySchema, location="query", unknown=RAISE)
@blp.response(200, StatsSchema)
@documented(blp, 401, 403, 422, 503)
@blp.doc(security=SECURITY)
def stats(query: dict[str, Any]) -> Any:
    """Counts by month x controller x recipient category x legal basis; no personal data."""
    rows = current_ledger().reading.statistics(
        controller=query.get("controller"),
        since_month=query.get("from_"),
        until_month=query.get("to"),
    )
    return {"items": rows}


@blp.route("/health", methods=["GET"])
@blp.response(200, HealthSchema)
@documented(blp, 503)
def health() -> Any:
    """200 when the database answers, 503 otherwise; answered within a second either way."""
    if not health_check().healthy():
        return unavailable()
    return {"status": "ok"}
