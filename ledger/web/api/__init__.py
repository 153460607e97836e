"""The HTTP API under /api/v1: one module per resource, each a flask-smorest blueprint whose
views parse, make one application call and answer."""

from __future__ import annotations

from flask_smorest import Blueprint

from ledger.web.api import (
    activities,
    consents,
    disclosures,
    erasures,
    integrity,
    links,
    notifications,
    recipients,
    register_export,
    requests,
    restrictions,
    retention,
    statistics,
    subjects,
    suppressions,
)

BLUEPRINTS: tuple[Blueprint, ...] = (
    disclosures.blp,
    subjects.blp,
    links.blp,
    recipients.blp,
    statistics.blp,
    integrity.blp,
    requests.blp,
    consents.blp,
    suppressions.blp,
    notifications.blp,
    restrictions.blp,
    erasures.blp,
    retention.blp,
    activities.blp,
    register_export.blp,
)
