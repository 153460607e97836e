"""Employment ends and the retention report through the API, the CLI and the officer's page, on
a real database with the real Flask app."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from click.testing import CliRunner, Result
from flask.testing import FlaskClient

from ledger.app import Ledger
from ledger.bootstrap import build_ledger
from ledger.cli import main
from ledger.settings import Settings
from tests.builders import AMSTERDAM, a_disclosure, accesses_of
from tests.conftest import TEST_MASTER_KEY
from tests.integration.officer_pages import csrf, login

SOON = datetime(2026, 10, 20, 9, 0, tzinfo=AMSTERDAM)  # camera images: kept until 2026-11-17
OLD = datetime(2019, 5, 1, 9, 0, tzinfo=AMSTERDAM)


def record(ledger: Ledger, number: int, on: datetime, *categories: str) -> None:
    facts = a_disclosure(
        number,
        data_categories=categories,
        occurred_at=on,
        source=dataclasses.replace(a_disclosure(number).source, reference=f"r-{number}-{on}"),
    )
    ledger.recording.record(facts, actor="payroll")


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def end(client: FlaskClient, headers: dict[str, str], subject: str = "E-00001", **body: Any) -> Any:
    return client.post(
        f"/api/v1/subjects/{subject}/employment-end",
        json={"ended_on": "2026-10-31", **body},
        headers=headers,
    )


def test_an_officer_records_an_employment_end_and_recording_again_corrects_it(
    client: FlaskClient, officer: str
) -> None:
    first = end(client, bearer(officer))
    assert first.status_code == 201, first.get_json()
    assert first.get_json()["ended_on"] == "2026-10-31"
    assert first.get_json()["actor"] == "fg"
    assert end(client, bearer(officer), ended_on="2026-09-30").status_code == 201
    listed = client.get("/api/v1/subjects/E-00001/employment-end", headers=bearer(officer))
    assert listed.status_code == 200
    body = listed.get_json()
    assert body["ended_on"] == "2026-09-30"
    assert [item["ended_on"] for item in body["items"]] == ["2026-10-31", "2026-09-30"]


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"ended_on": "2026-13-01"}, "ended_on", "date"),
        ({"ended_on": "1899-12-31"}, "ended_on", "may not be before 1900-01-01"),
        ({"ended_on": "2027-11-03"}, "ended_on", "at most 1 year ahead"),
        ({"ended_on": None}, "ended_on", ""),
        ({"ended_on": "2026-10-31", "why": "x"}, "why", ""),
    ],
)
def test_a_bad_employment_end_is_refused_naming_the_field(
    client: FlaskClient, officer: str, body: dict[str, Any], field: str, message: str
) -> None:
    refused = client.post(
        "/api/v1/subjects/E-00001/employment-end", json=body, headers=bearer(officer)
    )
    assert refused.status_code == 422
    assert message in refused.get_json()["errors"][field]


def test_a_source_key_records_an_end_only_for_people_its_controllers_disclosed(
    client: FlaskClient, ledger: Ledger
) -> None:
    record(ledger, 1, SOON, "naam")  # controller 12345678
    hr = ledger.api_keys.create(name="hr", role="source", controllers=["12345678"])[1]
    other = ledger.api_keys.create(name="elsewhere", role="source", controllers=["87654321"])[1]
    assert end(client, bearer(hr)).status_code == 201
    assert end(client, bearer(other)).status_code == 404
    assert end(client, bearer(hr), subject="E-00002").status_code == 404
    # Reading them back is the officer's.
    read = client.get("/api/v1/subjects/E-00001/employment-end", headers=bearer(hr))
    assert read.status_code == 403


def test_the_report_lists_who_expires_soon_and_who_lacks_an_employment_end_each_read_logged(
    client: FlaskClient, ledger: Ledger, officer: str
) -> None:
    record(ledger, 1, SOON, "camerabeelden")
    record(ledger, 2, OLD, "kopie_id")
    record(ledger, 3, OLD, "naam")  # expired long ago
    record(ledger, 4, SOON, "salaris")  # kept until 2034
    answer = client.get("/api/v1/retention/report?months=1", headers=bearer(officer))
    assert answer.status_code == 200, answer.get_json()
    report = answer.get_json()
    assert (report["today"], report["months"], report["horizon"]) == (
        "2026-11-02",
        1,
        "2026-12-02",
    )
    assert [
        (p["subject_id"], p["ends"], p["expired"], p["disclosures"]) for p in report["expiring"]
    ] == [("E-00003", "2022-01-01", True, 1), ("E-00001", "2026-11-17", False, 1)]
    assert report["expiring"][1]["rules"] == [
        {
            "code": "camera",
            "label": "Camera images",
            "period": "4 weeks",
            "counts_from": "disclosure",
            "law": None,
            "until": "2026-11-17",
        }
    ]
    held = report["held_indefinitely"]
    assert held["count"] == 1
    assert held["items"][0]["subject_id"] == "E-00002"
    assert held["items"][0]["rules"][0]["until"] is None
    assert [a.endpoint for a in accesses_of(ledger, "E-00001")] == ["GET /api/v1/retention/report"]
    assert accesses_of(ledger, "E-00004") == []


def test_the_report_refuses_a_month_count_out_of_range_and_other_roles(
    client: FlaskClient, ledger: Ledger, officer: str
) -> None:
    refused = client.get("/api/v1/retention/report?months=0", headers=bearer(officer))
    assert refused.status_code == 422
    assert "months" in refused.get_json()["errors"]
    unknown = client.get("/api/v1/retention/report?weeks=2", headers=bearer(officer))
    assert unknown.status_code == 422
    auditor = ledger.api_keys.create(name="audit", role="auditor")[1]
    assert client.get("/api/v1/retention/report", headers=bearer(auditor)).status_code == 403


def test_the_officer_page_shows_the_report_and_records_a_missing_employment_end(
    client: FlaskClient, ledger: Ledger, officer: str
) -> None:
    record(ledger, 1, SOON, "camerabeelden")
    record(ledger, 2, OLD, "kopie_id")
    assert client.get("/officer/retention").status_code == 302
    login(client, officer)
    shown = client.get("/officer/retention")
    html = shown.get_data(as_text=True)
    assert shown.status_code == 200
    assert "Bewaartermijnen</a>" in html  # in the menu
    assert "E-00001" in html
    assert "2026-11-17" in html
    assert 'id="indefinite"' in html
    assert "E-00002" in html
    assert "AWR art. 52 lid 4" in html
    bad = client.post(
        "/officer/retention/employment-end",
        data={"csrf_token": csrf(html), "subject_id": "E-00002", "ended_on": "gisteren"},
    )
    assert bad.status_code == 422
    assert "Einde dienstverband: geef een datum" in bad.get_data(as_text=True)
    no_token = client.post(
        "/officer/retention/employment-end",
        data={"subject_id": "E-00002", "ended_on": "2020-01-31"},
    )
    assert no_token.status_code in (400, 403)
    done = client.post(
        "/officer/retention/employment-end",
        data={"csrf_token": csrf(html), "subject_id": "E-00002", "ended_on": "2020-01-31"},
    )
    assert done.status_code == 303
    after = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Einde dienstverband vastgelegd." in after
    assert "Niemand." in after  # no one is held without end any more
    # The end makes E-00002's ID copy expire on 2025-01-31: they are due now.
    assert "2025-01-31" in after
    assert client.get("/officer/retention?months=500").status_code == 422


def test_the_cli_records_an_employment_end_and_prints_the_report_as_text_and_json(
    settings: Settings,
) -> None:
    env = {
        "LEDGER_DATABASE_URL": settings.database_url,
        "LEDGER_MASTER_KEY": TEST_MASTER_KEY,
        "LEDGER_VAR_DIR": str(settings.var_dir),
    }

    def run(*args: str) -> Result:
        return CliRunner(env=env).invoke(main, list(args), catch_exceptions=False)

    # The CLI runs on the real clock.
    ledger = build_ledger(Settings.from_env(env))
    try:
        record(ledger, 1, datetime.now(UTC) - timedelta(days=3), "camerabeelden")
        record(ledger, 2, OLD, "kopie_id")
    finally:
        ledger.close()
    text = run("retention", "report")
    assert text.exit_code == 0, text.output
    assert "E-00001" in text.output
    assert "camera (" in text.output
    assert "employment end is missing: 1 person(s)" in text.output
    assert "E-00002" in text.output
    as_json = run("retention", "report", "--months", "1", "--format", "json")
    assert as_json.exit_code == 0, as_json.output
    report = json.loads(as_json.output)
    assert [p["subject_id"] for p in report["expiring"]] == ["E-00001"]
    assert report["held_indefinitely"]["count"] == 1
    assert run("retention", "report", "--months", "0").exit_code == 2

    recorded = run("subjects", "employment-ended", "E-00002", "--on", "2020-01-31")
    assert recorded.exit_code == 0, recorded.output
    assert "2020-01-31" in recorded.output
    assert (
        json.loads(run("retention", "report", "--format", "json").output)["held_indefinitely"][
            "count"
        ]
        == 0
    )
    bad_date = run("subjects", "employment-ended", "E-00002", "--on", "31-01-2020")
    assert bad_date.exit_code == 2
    assert "YYYY-MM-DD" in bad_date.output
    future = (date.today() + timedelta(days=800)).isoformat()
    too_late = run("subjects", "employment-ended", "E-00002", "--on", future)
    assert too_late.exit_code == 1
    assert "ended_on: may be at most 1 year ahead" in too_late.output
