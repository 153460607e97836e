"""The HTTP API through Flask's test client: status codes, roles, problems, access log."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from flask.testing import FlaskClient
from openapi_spec_validator import validate

from ledger.app import Ledger
from ledger.settings import Settings
from ledger.web import create_app

BODY: dict[str, Any] = {
    "controller": "12345678",
    "subject": {"id": "E-00001", "name": "Jan Jansen", "email": "jan@example.org"},
    "recipient": {"category": "belastingdienst", "name": "Belastingdienst", "country": "NL"},
    "data_categories": ["naam", "bsn", "salaris"],
    "legal_basis": "legal_obligation",
    "legal_provision": "Wet op de loonbelasting 1964, art. 28",
    "purpose": "Loonaangifte oktober 2026",
    "occurred_at": "2026-10-31T12:00:00+01:00",
    "source": {"system": "payroll", "reference": "run-2026-10/E-00001"},
}


def body(number: int = 1, **changes: Any) -> dict[str, Any]:
    result = copy.deepcopy(BODY)
    result["subject"]["id"] = f"E-{number:05d}"
    result["source"]["reference"] = f"run-2026-10/E-{number:05d}"
    result.update(changes)
    return result


class Keys:
    def __init__(self, ledger: Ledger) -> None:
        self.source = ledger.api_keys.create(
            name="payroll", role="source", controllers=["12345678"], system="payroll"
        )[1]
        self.other_source = ledger.api_keys.create(
            name="planning", role="source", controllers=["12345678"], system="planning"
        )[1]
        self.officer = ledger.api_keys.create(name="fg", role="officer")[1]
        self.auditor = ledger.api_keys.create(name="sna", role="auditor")[1]


@pytest.fixture
def keys(ledger: Ledger) -> Keys:
    return Keys(ledger)


def auth(key: str, **headers: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}", **headers}


def test_posting_a_disclosure_answers_201_and_a_replay_200_with_the_same_body(
    client: FlaskClient, keys: Keys
) -> None:
    first = client.post("/api/v1/disclosures", json=body(), headers=auth(keys.source))
    again = client.post("/api/v1/disclosures", json=body(), headers=auth(keys.source))

    assert first.status_code == 201
    assert again.status_code == 200
    assert again.get_json() == first.get_json()
    assert set(first.get_json()) == {"id", "recorded_at", "position"}


def test_the_same_source_with_other_content_is_409(client: FlaskClient, keys: Keys) -> None:
    client.post("/api/v1/disclosures", json=body(), headers=auth(keys.source))
    response = client.post(
        "/api/v1/disclosures", json=body(purpose="Iets anders"), headers=auth(keys.source)
    )
    assert response.status_code == 409
    assert response.mimetype == "application/problem+json"
    assert "source.reference" in response.get_json()["errors"]


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"legal_provision": None}, "legal_provision"),
        ({"colour": "blue"}, "colour"),
        ({"recipient": {"category": "astrologer", "name": "X"}}, "recipient.category"),
        ({"recipient": {"name": "X"}}, "recipient.category"),
        ({"occurred_at": "31-10-2026"}, "occurred_at"),
        ({"occurred_at": "2026-10-31T12:00:00"}, "occurred_at"),
        ({"data_categories": "naam"}, "data_categories"),
        ({"data_categories": ["naam", "medisch"]}, "special_category_condition"),
        ({"subject": {"id": "111222333"}}, "subject.id"),
    ],
)
def test_a_bad_disclosure_is_422_naming_the_field(
    client: FlaskClient, keys: Keys, change: dict[str, Any], path: str
) -> None:
    response = client.post("/api/v1/disclosures", json=body(**change), headers=auth(keys.source))
    assert response.status_code == 422
    problem = response.get_json()
    assert response.mimetype == "application/problem+json"
    assert path in problem["errors"], problem
    assert {"type", "title", "status", "errors"} <= set(problem)


def test_a_batch_is_all_or_nothing_with_errors_by_index(
    client: FlaskClient, keys: Keys, ledger: Ledger
) -> None:
    items = [body(n) for n in range(1, 6)]
    items[3]["legal_provision"] = None
    items[4]["unknown"] = 1
    response = client.post(
        "/api/v1/disclosures/batch", json={"items": items}, headers=auth(keys.source)
    )
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"items.4.unknown"}

    del items[4]["unknown"]
    response = client.post(
        "/api/v1/disclosures/batch", json={"items": items}, headers=auth(keys.source)
    )
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"items.3.legal_provision"}
    assert ledger.reading.statistics() == []

    items[3]["legal_provision"] = "Wet op de loonbelasting 1964, art. 28"
    response = client.post(
        "/api/v1/disclosures/batch", json={"items": items}, headers=auth(keys.source)
    )
    assert response.status_code == 201
    receipts = response.get_json()["items"]
    assert len(receipts) == 5
    assert [r["position"] for r in receipts] == sorted(r["position"] for r in receipts)


def test_an_empty_batch_is_422(client: FlaskClient, keys: Keys) -> None:
    response = client.post(
        "/api/v1/disclosures/batch", json={"items": []}, headers=auth(keys.source)
    )
    assert response.status_code == 422
    assert "items" in response.get_json()["errors"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/v1/disclosures"),
        ("POST", "/api/v1/disclosures/batch"),
        ("GET", "/api/v1/subjects/E-00001/disclosures"),
        ("GET", "/api/v1/subjects/E-00001/recipients"),
        ("GET", "/api/v1/subjects/E-00001/access-log"),
        ("GET", "/api/v1/recipients/uwv/disclosures"),
        ("GET", "/api/v1/stats"),
    ],
)
def test_no_key_or_an_unknown_key_is_401(client: FlaskClient, method: str, path: str) -> None:
    for headers in ({}, auth("ldg_not-a-key"), {"Authorization": "Basic abc"}):
        response = client.open(path, method=method, json={}, headers=headers)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_key_is_401(client: FlaskClient, keys: Keys, ledger: Ledger) -> None:
    ledger.api_keys.revoke("fg")
    response = client.get("/api/v1/subjects/E-1/recipients", headers=auth(keys.officer))
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("role", "method", "path", "allowed"),
    [
        ("auditor", "GET", "/api/v1/subjects/E-00001/disclosures", False),
        ("auditor", "GET", "/api/v1/subjects/E-00001/recipients", False),
        ("auditor", "GET", "/api/v1/recipients/uwv/disclosures", False),
        ("auditor", "GET", "/api/v1/stats", True),
        ("auditor", "POST", "/api/v1/disclosures", False),
        ("source", "GET", "/api/v1/subjects/E-00001/recipients", False),
        ("source", "GET", "/api/v1/stats", False),
        ("officer", "POST", "/api/v1/disclosures", False),
        ("officer", "GET", "/api/v1/subjects/E-00001/recipients", True),
        ("officer", "GET", "/api/v1/stats", True),
    ],
)
def test_roles_decide_what_a_key_may_do(
    client: FlaskClient, keys: Keys, role: str, method: str, path: str, allowed: bool
) -> None:
    response = client.open(path, method=method, json=body(), headers=auth(getattr(keys, role)))
    assert (response.status_code < 400) is allowed, response.get_json()
    if not allowed:
        assert response.status_code == 403


def test_a_source_key_posts_only_for_its_controllers_and_system(
    client: FlaskClient, keys: Keys
) -> None:
    response = client.post(
        "/api/v1/disclosures", json=body(controller="87654321"), headers=auth(keys.source)
    )
    assert response.status_code == 403
    assert "controller" in response.get_json()["errors"]

    other = body(source={"system": "hr", "reference": "x"})
    response = client.post("/api/v1/disclosures", json=other, headers=auth(keys.source))
    assert response.status_code == 403
    assert "source.system" in response.get_json()["errors"]

    batch = {"items": [body(1), body(2, controller="87654321")]}
    response = client.post("/api/v1/disclosures/batch", json=batch, headers=auth(keys.source))
    assert response.status_code == 403
    assert set(response.get_json()["errors"]) == {"items.1.controller"}


def test_only_the_recording_system_or_an_officer_amends_a_disclosure(
    client: FlaskClient, keys: Keys
) -> None:
    posted = client.post("/api/v1/disclosures", json=body(), headers=auth(keys.source)).get_json()
    path = f"/api/v1/disclosures/{posted['id']}"
    correction = {"changes": {"purpose": "Loonaangifte (gecorrigeerd)"}, "reason": "typo"}

    assert (
        client.post(f"{path}/corrections", json=correction, headers=auth(keys.other_source))
    ).status_code == 403
    corrected = client.post(f"{path}/corrections", json=correction, headers=auth(keys.source))
    assert corrected.status_code == 201
    assert corrected.get_json()["position"] > posted["position"]

    retracted = client.post(
        f"{path}/retraction", json={"reason": "in error"}, headers=auth(keys.officer)
    )
    assert retracted.status_code == 201
    again = client.post(f"{path}/retraction", json={"reason": "again"}, headers=auth(keys.officer))
    assert again.status_code == 409

    view = client.get(path, headers=auth(keys.officer)).get_json()
    assert view["retracted"] is True
    assert view["purpose"] == "Loonaangifte (gecorrigeerd)"
    assert [h["type"] for h in view["history"]] == [
        "DisclosureRecorded",
        "DisclosureCorrected",
        "DisclosureRetracted",
    ]
    assert view["history"][1]["actor"] == "payroll"
    assert view["history"][2]["actor"] == "fg"


def test_a_correction_is_judged_like_a_new_disclosure(client: FlaskClient, keys: Keys) -> None:
    posted = client.post("/api/v1/disclosures", json=body(), headers=auth(keys.source)).get_json()
    path = f"/api/v1/disclosures/{posted['id']}/corrections"
    for changes, field in (
        ({"legal_provision": None}, "legal_provision"),
        ({"source": {"system": "x", "reference": "y"}}, "changes.source"),
        ({"subject": {"id": "E-2"}}, "changes.subject.id"),
        ({"colour": "blue"}, "changes.colour"),
    ):
        response = client.post(
            path, json={"changes": changes, "reason": "try"}, headers=auth(keys.officer)
        )
        assert response.status_code == 422
        assert field in response.get_json()["errors"], response.get_json()
    missing_reason = client.post(
        path, json={"changes": {"purpose": "x"}}, headers=auth(keys.officer)
    )
    assert missing_reason.status_code == 422
    assert "reason" in missing_reason.get_json()["errors"]


def test_unknown_disclosures_are_404(client: FlaskClient, keys: Keys) -> None:
    for identifier in ("not-a-uuid", "6f1c8d7e-0000-4000-8000-000000000000"):
        response = client.get(f"/api/v1/disclosures/{identifier}", headers=auth(keys.officer))
        assert response.status_code == 404
        assert response.mimetype == "application/problem+json"
    response = client.get("/api/v1/recipients/astrologer/disclosures", headers=auth(keys.officer))
    assert response.status_code == 404


def test_subject_pages_follow_the_cursor_and_validate_filters(
    client: FlaskClient, keys: Keys
) -> None:
    items = []
    for day in range(1, 13):
        item = body(1, occurred_at=f"2026-10-{day:02d}T09:00:00+02:00")
        item["source"]["reference"] = f"day-{day}"
        items.append(item)
    client.post("/api/v1/disclosures/batch", json={"items": items}, headers=auth(keys.source))

    seen: list[str] = []
    url = "/api/v1/subjects/E-00001/disclosures?limit=5"
    while url:
        page = client.get(url, headers=auth(keys.officer)).get_json()
        seen += [item["occurred_at"] for item in page["items"]]
        cursor = page["next"]
        url = f"/api/v1/subjects/E-00001/disclosures?limit=5&next={cursor}" if cursor else ""
    assert len(seen) == 12
    assert seen == sorted(seen, reverse=True)

    filtered = client.get(
        "/api/v1/subjects/E-00001/disclosures?from=2026-10-10&to=2026-10-12",
        headers=auth(keys.officer),
    ).get_json()
    assert [i["occurred_at"][:10] for i in filtered["items"]] == ["2026-10-11", "2026-10-10"]

    for query, field in (
        ("from=yesterday", "from"),
        ("to=2026-13-01", "to"),
        ("limit=501", "limit"),
        ("limit=0", "limit"),
        ("colour=blue", "colour"),
    ):
        response = client.get(
            f"/api/v1/subjects/E-00001/disclosures?{query}", headers=auth(keys.officer)
        )
        assert response.status_code == 422, query
        assert field in response.get_json()["errors"], (query, response.get_json())
    # A cursor this ledger never handed out names no page: not found, saying which field.
    garbage = client.get(
        "/api/v1/subjects/E-00001/disclosures?next=garbage", headers=auth(keys.officer)
    )
    assert garbage.status_code == 404
    assert "next" in garbage.get_json()["errors"]


def test_recipients_answer_who_received_the_data(client: FlaskClient, keys: Keys) -> None:
    client.post("/api/v1/disclosures", json=body(), headers=auth(keys.source))
    response = client.get("/api/v1/subjects/E-00001/recipients", headers=auth(keys.officer))
    assert response.status_code == 200
    (item,) = response.get_json()["items"]
    assert item["recipient"]["name"] == "Belastingdienst"
    assert item["count"] == 1
    assert item["legal_bases"] == ["legal_obligation"]


def test_statistics_carry_no_personal_data(client: FlaskClient, keys: Keys) -> None:
    client.post("/api/v1/disclosures", json=body(), headers=auth(keys.source))
    response = client.get("/api/v1/stats?from=2026-01&to=2026-12", headers=auth(keys.auditor))
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "E-00001" not in text
    assert "Jan" not in text
    assert response.get_json()["items"][0]["count"] == 1
    assert client.get("/api/v1/stats?from=2026", headers=auth(keys.auditor)).status_code == 422


def test_every_read_of_a_subject_is_in_its_access_log(client: FlaskClient, keys: Keys) -> None:
    posted = client.post("/api/v1/disclosures", json=body(), headers=auth(keys.source)).get_json()
    purpose = {"X-Ledger-Purpose": "AVG-verzoek 2026-117"}
    client.get("/api/v1/subjects/E-00001/recipients", headers=auth(keys.officer, **purpose))
    client.get(f"/api/v1/disclosures/{posted['id']}", headers=auth(keys.officer))
    client.get("/api/v1/recipients/belastingdienst/disclosures", headers=auth(keys.officer))
    client.get("/api/v1/subjects/E-00002/recipients", headers=auth(keys.officer))

    log = client.get("/api/v1/subjects/E-00001/access-log", headers=auth(keys.officer)).get_json()

    endpoints = [entry["endpoint"] for entry in log["items"]]
    # Route patterns, never request paths: no subject or disclosure id sits in the log in clear.
    assert endpoints == [
        "GET /api/v1/subjects/{subject_id}/access-log",
        "GET /api/v1/recipients/{category}/disclosures",
        "GET /api/v1/disclosures/{disclosure_id}",
        "GET /api/v1/subjects/{subject_id}/recipients",
    ]
    assert log["items"][-1]["purpose"] == "AVG-verzoek 2026-117"
    assert {entry["actor"] for entry in log["items"]} == {"fg"}


def test_bodies_that_are_not_json_or_too_large_are_refused(client: FlaskClient, keys: Keys) -> None:
    as_text = client.post(
        "/api/v1/disclosures",
        data=json.dumps(body()),
        headers=auth(keys.source, **{"Content-Type": "text/plain"}),
    )
    assert as_text.status_code == 415
    broken = client.post(
        "/api/v1/disclosures",
        data="{not json",
        headers=auth(keys.source, **{"Content-Type": "application/json"}),
    )
    assert broken.status_code == 400
    assert broken.mimetype == "application/problem+json"
    huge = client.post(
        "/api/v1/disclosures/batch",
        data=b'{"items": [' + b" " * (10 * 1024 * 1024) + b"]}",
        headers=auth(keys.source, **{"Content-Type": "application/json"}),
    )
    assert huge.status_code == 413
    assert huge.mimetype == "application/problem+json"


def test_health_answers_200(client: FlaskClient) -> None:
    assert client.get("/api/v1/health").get_json() == {"status": "ok"}


def test_the_openapi_document_is_valid_and_the_reference_page_needs_no_cdn(
    client: FlaskClient,
) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    validate(document)
    assert "/api/v1/disclosures/batch" in document["paths"]
    page = client.get("/api/docs").get_data(as_text=True)
    assert "POST" in page
    assert "/api/v1/disclosures/batch" in page
    assert "https://" not in page.replace("https://w3id", "")
    assert "<script" not in page


def test_an_unreachable_database_is_503_with_retry_after(
    settings: Settings, ledger: Ledger, keys: Keys
) -> None:
    broken = Settings(
        database_url="postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1",
        var_dir=settings.var_dir,
        master_key=settings.master_key,
    )
    from ledger.adapters.database import Database

    ledger.database.dispose()
    unreachable = Database(broken.database_url)
    ledger.database.read_engine = ledger.database.write_engine = unreachable.read_engine
    ledger.database.probe_engine = unreachable.probe_engine
    client = create_app(settings, ledger=ledger).test_client()

    assert client.get("/api/v1/health").status_code == 503
    response = client.get("/api/v1/subjects/E-1/recipients", headers=auth(keys.officer))
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "Traceback" not in response.get_data(as_text=True)
