"""The access log names a person by their vault tag and a channel by its route pattern: no
subject id is ever stored there in clear, and a log of the first version is upgraded in place."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from flask.testing import FlaskClient

from ledger.adapters.access_log import access_log
from ledger.app import Ledger
from ledger.bootstrap import build_ledger
from ledger.settings import Settings
from ledger.web import create_app
from tests.builders import a_disclosure, accesses_of


def test_api_reads_leave_no_subject_id_in_the_access_log(
    settings: Settings, ledger: Ledger
) -> None:
    ledger.recording.record(a_disclosure(1, subject=a_disclosure(1).subject), actor="payroll")
    officer = ledger.api_keys.create(name="fg", role="officer")[1]
    client: FlaskClient = create_app(settings, ledger=ledger).test_client()
    headers = {"Authorization": f"Bearer {officer}", "X-Ledger-Purpose": "AVG-verzoek 7"}
    for path in ("recipients", "disclosures", "access-log", "overview-links"):
        assert client.get(f"/api/v1/subjects/E-00001/{path}", headers=headers).status_code == 200
    assert (
        client.post("/api/v1/subjects/E-00001/overview-links", json={}, headers=headers).status_code
        == 201
    )

    with ledger.database.read_engine.connect() as connection:
        rows = connection.execute(sa.select(access_log)).all()
    assert len(rows) == 5
    assert all("E-00001" not in " ".join(str(value) for value in row) for row in rows)
    assert {row.endpoint for row in rows} == {
        "GET /api/v1/subjects/{subject_id}/recipients",
        "GET /api/v1/subjects/{subject_id}/disclosures",
        "GET /api/v1/subjects/{subject_id}/access-log",
        "GET /api/v1/subjects/{subject_id}/overview-links",
        "POST /api/v1/subjects/{subject_id}/overview-links",
    }


def test_a_first_version_access_log_is_upgraded_to_tags_and_route_patterns(
    settings: Settings,
) -> None:
    ledger = build_ledger(settings)
    try:
        ledger.recording.record(a_disclosure(1), actor="payroll")
        lookup = ledger.keys.subject_lookup("E-00001")
        with ledger.database.write_engine.begin() as connection:
            # The table as the first version made it, with two of its rows.
            connection.execute(sa.text("DROP TABLE access_log"))
            connection.execute(
                sa.text(
                    "CREATE TABLE access_log (id INTEGER PRIMARY KEY, subject_lookup BYTEA,"
                    " at TIMESTAMP, actor VARCHAR(64), role VARCHAR(16), endpoint VARCHAR(200),"
                    " purpose VARCHAR(200))".replace(
                        "BYTEA", "BLOB" if ledger.database.is_sqlite else "BYTEA"
                    )
                )
            )
            old = sa.table(
                "access_log",
                sa.column("id"),
                sa.column("subject_lookup"),
                sa.column("at"),
                sa.column("actor"),
                sa.column("role"),
                sa.column("endpoint"),
                sa.column("purpose"),
            )
            connection.execute(
                old.insert(),
                [
                    {
                        "id": 1,
                        "subject_lookup": lookup,
                        "at": datetime(2026, 11, 1, 9, 0),
                        "actor": "fg",
                        "role": "officer",
                        "endpoint": "GET /api/v1/subjects/E-00001/recipients",
                        "purpose": "AVG-verzoek 1",
                    },
                    {
                        "id": 2,
                        "subject_lookup": ledger.keys.subject_lookup("E-GONE"),
                        "at": datetime(2026, 11, 1, 9, 5),
                        "actor": "fg",
                        "role": "officer",
                        "endpoint": "GET /api/v1/subjects/E-GONE/recipients",
                        "purpose": None,
                    },
                ],
            )
    finally:
        ledger.close()

    upgraded = build_ledger(settings)
    try:
        entries = accesses_of(upgraded, "E-00001")
        with upgraded.database.read_engine.connect() as connection:
            count = connection.execute(sa.select(sa.func.count()).select_from(access_log))
            total = count.scalar()
    finally:
        upgraded.close()
    assert [(e.endpoint, e.purpose, e.at) for e in entries] == [
        (
            "GET /api/v1/subjects/{subject_id}/recipients",
            "AVG-verzoek 1",
            datetime(2026, 11, 1, 9, 0, tzinfo=UTC),
        )
    ]
    assert total == 1  # the row of a person not in the vault ties to no one: dropped


def test_api_answers_are_never_cached_and_the_reference_page_has_the_pages_headers(
    settings: Settings, ledger: Ledger
) -> None:
    ledger.recording.record(a_disclosure(1), actor="payroll")
    officer = ledger.api_keys.create(name="fg", role="officer")[1]
    client: FlaskClient = create_app(settings, ledger=ledger).test_client()
    headers = {"Authorization": f"Bearer {officer}"}
    for path in (
        "/api/v1/subjects/E-00001/recipients",
        "/api/v1/subjects/E-00001/disclosures",
        "/api/v1/subjects/E-00001/overview-links",
        "/api/v1/subjects/E-00001/nothing-here",
    ):
        answer = client.get(path, headers=headers)
        assert answer.headers["Cache-Control"] == "no-store", path
    made = client.post("/api/v1/subjects/E-00001/overview-links", json={}, headers=headers)
    assert made.headers["Cache-Control"] == "no-store"
    unauthorised = client.get("/api/v1/subjects/E-00001/recipients")
    assert unauthorised.headers["Cache-Control"] == "no-store"
    docs = client.get("/api/docs")
    assert "default-src 'none'" in docs.headers["Content-Security-Policy"]
    assert docs.headers["X-Frame-Options"] == "DENY"
    assert "<style>" not in docs.get_data(as_text=True)
