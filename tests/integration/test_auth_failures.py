"""Failed authentications are logged and counted per client address in the database: past 20
in 60 seconds a wrong key gets 429 with Retry-After, on the API and the officer's sign-in
alike, across app instances (workers); a valid key from the same address is still admitted."""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient

from ledger.app import Ledger
from ledger.bootstrap import build_ledger
from ledger.settings import Settings
from ledger.web import create_app
from tests.builders import a_disclosure
from tests.conftest import FixedClock

LIMIT = 20
WINDOW = 60
LOGGER = "ledger.app.authentication"
GOOD = {
    "controller": "12345678",
    "subject": {"id": "E-00001"},
    "recipient": {"category": "belastingdienst", "name": "Belastingdienst"},
    "data_categories": ["naam", "salaris"],
    "legal_basis": "legal_obligation",
    "legal_provision": "Wet op de loonbelasting 1964, art. 28",
    "purpose": "Loonaangifte oktober 2026",
    "occurred_at": "2026-10-31T12:00:00+01:00",
    "source": {"system": "payroll", "reference": "run-2026-10/1"},
}


@pytest.fixture
def keys(ledger: Ledger) -> dict[str, str]:
    return {
        "officer": ledger.api_keys.create(name="fg", role="officer")[1],
        "source": ledger.api_keys.create(name="payroll", role="source")[1],
    }


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def wrong(number: int) -> str:
    return f"ldg_not-a-key-{number:04d}-{'x' * 30}"


def from_address(address: str) -> dict[str, Any]:
    return {"environ_base": {"REMOTE_ADDR": address}}


def fail(client: FlaskClient, count: int, *, start: int = 0, **options: Any) -> list[int]:
    return [
        client.get("/api/v1/stats", headers=bearer(wrong(start + n)), **options).status_code
        for n in range(count)
    ]


def failure_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == LOGGER]


def test_past_20_failures_a_minute_a_wrong_key_gets_429_and_each_failure_is_logged(
    client: FlaskClient, keys: dict[str, str], clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger=LOGGER)
    assert fail(client, LIMIT) == [401] * LIMIT

    refused = client.get("/api/v1/stats", headers=bearer(wrong(LIMIT)))

    assert refused.status_code == 429
    assert refused.mimetype == "application/problem+json"
    body = refused.get_json()
    assert body["status"] == 429
    assert body["type"] == "/api/docs#problem-too-many-requests"
    assert refused.headers["Retry-After"] == str(WINDOW)  # all failed at this same instant
    # Each failure is one log line, with the address, the route and a hash prefix, never the
    # secret; the refused one says so.
    lines = failure_lines(caplog)
    assert len(lines) == LIMIT + 1
    for number, line in enumerate(lines):
        assert wrong(number) not in line
        assert "127.0.0.1" in line
        assert "GET /api/v1/stats" in line
        assert hashlib.sha256(wrong(number).encode()).hexdigest()[:8] in line
    assert f"{LIMIT} failed in the last {WINDOW} s (limit {LIMIT})" in lines[LIMIT - 1]
    assert "answered 429, retry after 60 s" in lines[-1]
    assert "429" not in lines[LIMIT - 1]

    clock.now += timedelta(seconds=WINDOW - 1)
    later = client.get("/api/v1/stats", headers=bearer(wrong(99)))
    assert later.status_code == 429
    assert later.headers["Retry-After"] == "1"
    clock.now += timedelta(seconds=1)
    assert client.get("/api/v1/stats", headers=bearer(wrong(99))).status_code == 401


def test_a_valid_key_from_the_same_address_still_reads_and_writes_during_the_penalty(
    client: FlaskClient, keys: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger=LOGGER)
    fail(client, LIMIT + 5)
    assert client.get("/api/v1/stats", headers=bearer(wrong(999))).status_code == 429
    logged = len(failure_lines(caplog))

    read = client.get("/api/v1/stats", headers=bearer(keys["officer"]))
    written = client.post("/api/v1/disclosures", json=GOOD, headers=bearer(keys["source"]))
    read_back = client.get(
        "/api/v1/subjects/E-00001/disclosures",
        headers={**bearer(keys["officer"]), "X-Ledger-Purpose": "test"},
    )

    assert read.status_code == 200
    assert written.status_code == 201, written.get_json()
    assert read_back.status_code == 200
    assert len(read_back.get_json()["items"]) == 1
    assert len(failure_lines(caplog)) == logged  # successes are neither counted nor logged
    # A wrong role is not a failed authentication: 403, as always.
    assert (
        client.post("/api/v1/disclosures", json=GOOD, headers=bearer(keys["officer"])).status_code
        == 403
    )


def test_a_revoked_key_counts_as_a_failure_and_the_log_names_it(
    client: FlaskClient, ledger: Ledger, keys: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger=LOGGER)
    ledger.api_keys.revoke("payroll")

    answer = client.post("/api/v1/disclosures", json=GOOD, headers=bearer(keys["source"]))

    assert answer.status_code == 401
    [line] = failure_lines(caplog)
    assert "revoked key 'payroll'" in line
    assert keys["source"] not in line
    assert "POST /api/v1/disclosures" in line


def test_failures_are_counted_per_address(client: FlaskClient, keys: dict[str, str]) -> None:
    fail(client, LIMIT + 1, **from_address("192.0.2.10"))
    assert fail(client, 1, **from_address("192.0.2.10")) == [429]

    assert fail(client, 1, **from_address("192.0.2.11")) == [401]
    assert fail(client, 1) == [401]  # 127.0.0.1


def test_ipv6_addresses_of_one_64_network_share_a_count(
    client: FlaskClient, keys: dict[str, str]
) -> None:
    for host in range(LIMIT):
        assert fail(client, 1, start=host, **from_address(f"2001:db8:1:2::{host + 1:x}")) == [401]

    assert fail(client, 1, **from_address("2001:db8:1:2:ffff::1")) == [429]
    assert fail(client, 1, **from_address("2001:db8:1:3::1")) == [401]


def test_no_key_at_all_is_not_a_failed_authentication(
    client: FlaskClient, keys: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger=LOGGER)
    for _ in range(LIMIT + 1):
        assert client.get("/api/v1/stats").status_code == 401
    assert failure_lines(caplog) == []
    assert fail(client, 1) == [401]


def csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found
    return found.group(1)


def test_officer_sign_in_failures_count_with_the_api_and_a_valid_key_still_signs_in(
    client: FlaskClient, keys: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger=LOGGER)
    token = csrf(client.get("/officer/login").get_data(as_text=True))
    for number in range(LIMIT - 1):
        answer = client.post("/officer/login", data={"api_key": wrong(number), "csrf_token": token})
        assert answer.status_code == 401
    assert fail(client, 1) == [401]  # the 20th, through the API

    page = client.post("/officer/login", data={"api_key": wrong(50), "csrf_token": token})
    assert page.status_code == 429
    assert page.mimetype == "text/html"
    assert page.headers["Retry-After"] == str(WINDOW)
    assert "Te veel mislukte pogingen" in page.get_data(as_text=True)
    assert fail(client, 1) == [429]
    assert all("POST /officer/login" in line for line in failure_lines(caplog)[: LIMIT - 1])
    # A source key is a valid key with the wrong role: refused, but not a failure to count.
    wrong_role = client.post(
        "/officer/login", data={"api_key": keys["source"], "csrf_token": token}
    )
    assert wrong_role.status_code == 401

    signed_in = client.post(
        "/officer/login", data={"api_key": keys["officer"], "csrf_token": token}
    )
    assert signed_in.status_code == 302
    assert client.get("/officer/").status_code == 200


@pytest.fixture
def second_worker(settings: Settings, clock: FixedClock) -> Iterator[FlaskClient]:
    """Another app with a Ledger of its own on the same database, as another server worker."""
    other = build_ledger(settings)
    other.clock = clock
    try:
        yield create_app(settings, ledger=other).test_client()
    finally:
        other.close()


def test_workers_share_the_count(
    client: FlaskClient, second_worker: FlaskClient, keys: dict[str, str]
) -> None:
    assert fail(client, LIMIT // 2) == [401] * (LIMIT // 2)
    assert fail(second_worker, LIMIT // 2, start=100) == [401] * (LIMIT // 2)

    assert fail(client, 1) == [429]
    assert fail(second_worker, 1) == [429]
    assert second_worker.get("/api/v1/stats", headers=bearer(keys["officer"])).status_code == 200


def test_x_forwarded_for_is_ignored_unless_the_proxy_is_trusted(
    settings: Settings, ledger: Ledger, keys: dict[str, str]
) -> None:
    direct = create_app(settings, ledger=ledger).test_client()
    for number in range(LIMIT):
        spoofed = {**bearer(wrong(number)), "X-Forwarded-For": f"198.51.100.{number}"}
        assert direct.get("/api/v1/stats", headers=spoofed).status_code == 401
    spoofed = {**bearer(wrong(99)), "X-Forwarded-For": "198.51.100.200"}
    assert direct.get("/api/v1/stats", headers=spoofed).status_code == 429

    behind_proxy = create_app(replace(settings, trusted_proxies=1), ledger=ledger).test_client()
    proxy = from_address("10.0.0.1")  # a new address: nothing counted against it yet
    for number in range(LIMIT):
        sent = {**bearer(wrong(number)), "X-Forwarded-For": "203.0.113.5"}
        assert behind_proxy.get("/api/v1/stats", headers=sent, **proxy).status_code == 401
    sent = {**bearer(wrong(99)), "X-Forwarded-For": "203.0.113.5"}
    assert behind_proxy.get("/api/v1/stats", headers=sent, **proxy).status_code == 429
    # Only the entry the trusted proxy added counts: one a client put before it is ignored.
    sent = {**bearer(wrong(99)), "X-Forwarded-For": "203.0.113.5, 203.0.113.6"}
    assert behind_proxy.get("/api/v1/stats", headers=sent, **proxy).status_code == 401


def test_the_limit_is_a_setting(settings: Settings, ledger: Ledger, keys: dict[str, str]) -> None:
    strict = replace(settings, auth_failure_limit=3, auth_failure_window_seconds=600)
    other = build_ledger(strict)
    other.clock = ledger.clock
    try:
        client = create_app(strict, ledger=other).test_client()
        assert fail(client, 4) == [401, 401, 401, 429]
        assert client.get("/api/v1/stats", headers=bearer(wrong(9))).headers["Retry-After"] == "600"
    finally:
        other.close()


def test_every_secured_operation_documents_429_with_retry_after(client: FlaskClient) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    secured = 0
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method == "parameters" or not operation.get("security"):
                continue
            secured += 1
            for status in ("401", "403", "429"):
                response = operation["responses"].get(status)
                assert response, f"{method} {path} does not document {status}"
                schema = response["content"]["application/problem+json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/Problem"}
            assert "Retry-After" in operation["responses"]["429"]["headers"]
    assert secured >= 18
    assert "429" not in spec["paths"]["/api/v1/health"]["get"]["responses"]
    docs = client.get("/api/docs").get_data(as_text=True)
    assert 'id="problem-too-many-requests"' in docs


def test_the_openapi_document_stays_valid(client: FlaskClient) -> None:
    from openapi_spec_validator import validate

    validate(client.get("/api/v1/openapi.json").get_json())


def test_an_erroneous_record_is_still_a_422_not_a_failure(
    client: FlaskClient, ledger: Ledger, keys: dict[str, str]
) -> None:
    ledger.recording.record(a_disclosure(1), actor="payroll")
    bad = {**GOOD, "legal_basis": "vibes"}
    for _ in range(LIMIT + 1):
        answer = client.post("/api/v1/disclosures", json=bad, headers=bearer(keys["source"]))
        assert answer.status_code == 422
    assert fail(client, 1) == [401]
