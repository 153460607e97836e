"""The request's view of the application: the one `Ledger` the app was made with, and its
health check."""

from __future__ import annotations

from flask import current_app

from ledger.app import Ledger
from ledger.overview import OverviewConfig
from ledger.web.health import HealthCheck


def current_ledger() -> Ledger:
    ledger: Ledger = current_app.extensions["ledger"]
    return ledger


def overview_config() -> OverviewConfig:
    return current_ledger().reading.overview_config


def health_check() -> HealthCheck:
    check: HealthCheck = current_app.extensions["ledger_health"]
    return check
