"""The register's API on a real database through the Flask test client: who may do what, the
answers for a new activity, a new version and the same content again, and the refusals."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openapi_spec_validator import validate

from ledger.app import Ledger
from ledger.settings import Settings
from ledger.web import create_app
from tests.activities import an_activity


def bearer(ledger: Ledger, role: str, name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {ledger.api_keys.create(name=name, role=role)[1]}"}


@pytest.fixture
def officer_headers(ledger: Ledger) -> dict[str, str]:
    return bearer(ledger, "officer", "fg")


def post(client: FlaskClient, headers: dict[str, str], body: dict[str, Any]) -> Any:
    return client.post("/api/v1/activities", json=body, headers=headers)


def test_an_activity_is_posted_revised_and_posted_again_without_a_new_version(
    client: FlaskClient, officer_headers: dict[str, str]
) -> None:
    created = post(client, officer_headers, an_activity())
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["version"] == 1
    assert body["uri"] == "urn:disclosure-ledger:register:loonaangifte/v1"
    assert body["activity_uri"] == "urn:disclosure-ledger:register:loonaangifte"
    assert body["reason"] == "first version"
    assert body["valid_from"] == "2026-01-01"
    assert body["valid_until"] is None

    no_reason = post(client, officer_headers, an_activity(retention="fiscal"))
    assert no_reason.status_code == 422
    assert "reason" in no_reason.get_json()["errors"]

    revised = post(client, officer_headers, an_activity(retention="fiscal", reason="7 years"))
    assert revised.status_code == 201, revised.get_json()
    assert revised.get_json()["version"] == 2
    assert revised.get_json()["reason"] == "7 years"

    same = post(client, officer_headers, an_activity(retention="fiscal", reason="again"))
    assert same.status_code == 200
    assert same.get_json()["version"] == 2

    versions = client.get("/api/v1/activities/loonaangifte", headers=officer_headers)
    assert versions.status_code == 200
    listed = versions.get_json()
    assert listed["uri"] == "urn:disclosure-ledger:register:loonaangifte"
    assert [(v["version"], v["uri"]) for v in listed["items"]] == [
        (2, "urn:disclosure-ledger:register:loonaangifte/v2"),
        (1, "urn:disclosure-ledger:register:loonaangifte/v1"),
    ]


def test_the_auditor_reads_the_register_but_may_not_write_it(
    client: FlaskClient, ledger: Ledger, officer_headers: dict[str, str]
) -> None:
    post(client, officer_headers, an_activity())
    post(client, officer_headers, an_activity("pensioenaangifte"))
    auditor = bearer(ledger, "auditor", "audit")
    source = {
        "Authorization": "Bearer "
        + ledger.api_keys.create(name="payroll", role="source", system="payroll")[1]
    }

    listed = client.get("/api/v1/activities", headers=auditor)
    assert listed.status_code == 200
    assert [item["code"] for item in listed.get_json()["items"]] == [
        "loonaangifte",
        "pensioenaangifte",
    ]
    assert client.get("/api/v1/activities/loonaangifte", headers=auditor).status_code == 200
    assert post(client, auditor, an_activity("x_y")).status_code == 403
    assert client.get("/api/v1/activities", headers=source).status_code == 403
    assert client.get("/api/v1/activities").status_code == 401


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"purpose": {"nl": "Alleen Nederlands"}}, "purpose.en"),
        ({"controllers": ["123"]}, "controllers.0"),
        ({"data_categories": ["naam", "verzuim"]}, "special_category_condition"),
        ({"valid_until": "2025-01-01"}, "valid_until"),
        ({"valid_from": "tomorrow"}, "valid_from"),
        ({"transfers": [{"country": "US"}]}, "transfers.0.safeguard"),
        ({"colour": "blue"}, "colour"),
        ({"code": None}, "code"),
    ],
)
def test_a_bad_activity_is_refused_naming_the_field(
    client: FlaskClient, officer_headers: dict[str, str], change: dict[str, Any], field: str
) -> None:
    response = post(client, officer_headers, {**an_activity(), **change})
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]


def test_an_unknown_activity_is_not_found(
    client: FlaskClient, officer_headers: dict[str, str]
) -> None:
    response = client.get("/api/v1/activities/nope", headers=officer_headers)
    assert response.status_code == 404
    assert response.get_json()["title"] == "No such activity"


def test_the_uri_base_is_the_deployments_and_the_openapi_document_stays_valid(
    settings: Settings, ledger: Ledger, officer_headers: dict[str, str]
) -> None:
    base = "https://privacy.example.nl/register/"
    ledger.register.base_uri = base
    app: Flask = create_app(settings, ledger=ledger)
    client = app.test_client()
    created = post(client, officer_headers, an_activity())
    assert created.get_json()["uri"] == f"{base}loonaangifte/v1"

    spec = client.get("/api/v1/openapi.json").get_json()
    validate(spec)
    assert {"/api/v1/activities", "/api/v1/activities/{code}"} <= set(spec["paths"])


def test_a_new_activity_posted_with_a_reason_keeps_it(
    client: FlaskClient, officer_headers: dict[str, str]
) -> None:
    created = post(client, officer_headers, an_activity(reason="register 2026"))
    assert created.status_code == 201
    assert created.get_json()["reason"] == "register 2026"
    same_code = post(client, officer_headers, an_activity(valid_from="2026-02-01"))
    assert same_code.status_code == 422
    assert "changed (valid_from)" in same_code.get_json()["errors"]["reason"]
