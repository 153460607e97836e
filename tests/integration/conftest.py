"""Fixtures of the Flask app on the test's own ledger, shared by the integration tests."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ledger.app import Ledger
from ledger.settings import Settings
from ledger.web import create_app


@pytest.fixture
def app(settings: Settings, ledger: Ledger) -> Flask:
    return create_app(settings, ledger=ledger)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def officer(ledger: Ledger) -> str:
    """The secret of an officer key named `fg`."""
    return ledger.api_keys.create(name="fg", role="officer")[1]
