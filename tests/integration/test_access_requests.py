"""Access requests on a real database, through the Flask test client and the service: the
deadlines as the API answers them, the refusals, the queue, the answer as evidence, the log."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from ledger.app import Ledger
from ledger.integrity.bundle import verify_bundle
from ledger.projections.tables import access_requests
from ledger.settings import Settings
from ledger.web import create_app
from tests.builders import READER, a_disclosure
from tests.conftest import FixedClock


def at(day: int, month: int, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def test_a_request_runs_from_receipt_to_answer_and_stays_in_the_persons_chain(
    ledger: Ledger, clock: FixedClock
) -> None:
    from datetime import date

    ledger.recording.record(a_disclosure(1), actor="payroll")
    clock.now = at(2, 2)
    request_id = ledger.requests.open(
        subject_id="E-00001",
        received_on=date(2026, 1, 31),
        channel="email",
        reference="AVG-2026-017",
        actor="fg",
    )
    ledger.requests.verify_identity(request_id, how="passport at the desk", actor="fg")
    assert ledger.requests.extend(request_id, reason="many systems", actor="fg") == date(
        2026, 4, 30
    )
    ledger.requests.tell_of_extension(request_id, told_on=date(2026, 2, 2), actor="fg")
    answer = ledger.requests.answer(request_id, reader=READER)
    shown = ledger.requests.get(request_id, reader=READER)
    assert (shown["state"], shown["reference"]) == ("answered", "AVG-2026-017")
    assert [entry["type"] for entry in shown["timeline"]] == [
        "AccessRequestOpened",
        "IdentityVerified",
        "DeadlineExtended",
        "PersonToldOfExtension",
        "AccessRequestAnswered",
    ]
    frozen = ledger.requests.frozen_answer(request_id, reader=READER)
    assert frozen is not None
    assert frozen.overview_json == answer.overview_json
    assert json.loads(frozen.overview_json)["proof"]["checkpoint"]["tree_size"] == answer.tree_size
    # The person's bundle now proves the answer event, and their chain has no gap.
    bundle = ledger.reading.proof_bundle(reader=READER, subject_id="E-00001")
    assert bundle is not None
    assert verify_bundle(bundle, ledger.integrity.verifier_key()) == []
    answered = [e for e in bundle["events"] if '"AccessRequestAnswered"' in e["plaintext"]]
    assert answered
    assert answer.sha256 in answered[0]["plaintext"]
    assert len(bundle["events"]) == 6
    assert ledger.integrity.verify().ok


def test_a_person_with_no_disclosures_can_ask_and_the_rebuild_keeps_the_queue(
    ledger: Ledger, clock: FixedClock
) -> None:
    from datetime import date

    clock.now = at(2, 2)
    first = ledger.requests.open(
        subject_id="NEW-1",
        received_on=date(2026, 1, 31),
        channel="letter",
        reference=None,
        actor="fg",
    )
    ledger.requests.open(
        subject_id="NEW-2",
        received_on=date(2026, 1, 20),
        channel="web_form",
        reference=None,
        actor="fg",
    )
    ledger.requests.withdraw(first, reason="the person withdrew by phone", actor="fg")

    def rows() -> list[dict[str, Any]]:
        with ledger.uow.read() as connection:
            return [
                dict(r)
                for r in connection.execute(
                    access_requests.select().order_by(access_requests.c.request_id)
                ).mappings()
            ]

    before = rows()
    ledger.maintenance.rebuild_projections()
    assert rows() == before
    assert len(before) == 2
    bundle = ledger.reading.proof_bundle(reader=READER, subject_id="NEW-1")
    assert bundle is not None
    assert verify_bundle(bundle, ledger.integrity.verifier_key()) == []
    assert ledger.integrity.verify().ok


# -- through the API --------------------------------------------------------------------------


@pytest.fixture
def client(settings: Settings, ledger: Ledger) -> FlaskClient:
    return create_app(settings, ledger=ledger).test_client()


@pytest.fixture
def officer(ledger: Ledger) -> dict[str, str]:
    return {"Authorization": f"Bearer {ledger.api_keys.create(name='fg', role='officer')[1]}"}


def post(client: FlaskClient, headers: dict[str, str], path: str, body: Any = None) -> Any:
    return client.post(f"/api/v1/access-requests{path}", json=body, headers=headers)


def opened(client: FlaskClient, officer: dict[str, str], received: str = "2026-01-31") -> str:
    response = post(
        client, officer, "", {"subject_id": "E-00001", "received_at": received, "channel": "email"}
    )
    assert response.status_code == 201, response.get_json()
    request_id: str = response.get_json()["id"]
    return request_id


def test_the_api_runs_a_request_with_the_deadlines_as_the_law_counts(
    client: FlaskClient, officer: dict[str, str], ledger: Ledger, clock: FixedClock
) -> None:
    ledger.recording.record(a_disclosure(1), actor="payroll")
    clock.now = at(10, 2)
    response = post(
        client,
        officer,
        "",
        {
            "subject_id": "E-00001",
            "received_at": "2026-01-31",
            "channel": "letter",
            "reference": "AVG-2026-017",
        },
    )
    assert response.status_code == 201
    body = response.get_json()
    assert (body["due"], body["due_extended"], body["days_left"]) == ("2026-03-02", None, 20)
    path = f"/{body['id']}"
    assert post(client, officer, path + "/identity", {"how": "passport"}).status_code == 200
    extended = post(client, officer, path + "/extension", {"reason": "twelve systems"})
    assert extended.get_json()["due_extended"] == "2026-04-30"
    told = post(client, officer, path + "/extension-notice", {"told_on": "2026-02-10"})
    assert told.get_json()["told_on"] == "2026-02-10"
    answered = post(client, officer, path + "/answer")
    assert answered.status_code == 200
    assert answered.get_json()["state"] == "answered"
    frozen = client.get(f"/api/v1/access-requests{path}/answer", headers=officer).get_json()
    assert hashlib.sha256(frozen["overview_json"].encode()).hexdigest() == frozen["sha256"]
    shown = client.get(f"/api/v1/access-requests{path}", headers=officer).get_json()
    assert [entry["type"] for entry in shown["timeline"]][-1] == "AccessRequestAnswered"
    assert shown["reference"] == "AVG-2026-017"
    assert ledger.integrity.verify().ok


@pytest.mark.parametrize(
    ("steps", "now", "last", "status", "errors"),
    [
        (
            [],
            at(3, 3),
            ("/extension", {"reason": "too late"}),
            409,
            {"due": "an extension is allowed only until the first deadline, 2026-03-02"},
        ),
        (
            [("/extension", {"reason": "busy"})],
            at(1, 3),
            ("/extension", {"reason": "again"}),
            409,
            {"due_extended": "the deadline was extended before: once only"},
        ),
        (
            [("/answer", None)],
            at(1, 3),
            ("/answer", None),
            409,
            {"state": "the request is answered, no longer open"},
        ),
        (
            [("/extension", {"reason": "busy"})],
            at(5, 3),
            ("/extension-notice", {"told_on": "2026-03-03"}),
            409,
            {"told_on": "the person must be told within the first month, by 2026-03-02"},
        ),
        (
            [("/refusal", {"reason": "manifestly excessive: the fifth this month"})],
            at(1, 3),
            ("/withdrawal", {"reason": "withdrawn"}),
            409,
            {"state": "the request is refused, no longer open"},
        ),
        (
            [],
            at(1, 3),
            ("/extension", {"reason": ""}),
            422,
            {"reason": "Length must be between 1 and 1000."},
        ),
    ],
)
def test_the_api_refuses_what_the_rules_do_not_allow(
    client: FlaskClient,
    officer: dict[str, str],
    clock: FixedClock,
    steps: list[tuple[str, Any]],
    now: datetime,
    last: tuple[str, Any],
    status: int,
    errors: dict[str, Any],
) -> None:
    clock.now = at(10, 2)
    path = "/" + opened(client, officer)
    for step, body in steps:
        assert post(client, officer, path + step, body).status_code == 200
    clock.now = now
    response = post(client, officer, path + last[0], last[1])
    assert response.status_code == status
    assert response.get_json()["errors"] == errors


def test_opening_refuses_a_date_in_the_future_or_before_the_gdpr_naming_the_field(
    client: FlaskClient, officer: dict[str, str], clock: FixedClock
) -> None:
    clock.now = at(28, 2, hour=23)  # 1 March in Amsterdam
    assert opened(client, officer, "2026-03-01")
    for day, message in [
        ("2026-03-02", "may not be in the future (Dutch date)"),
        ("2018-05-24", "may not be before 2018-05-25 (the GDPR's application)"),
    ]:
        response = post(
            client, officer, "", {"subject_id": "E-1", "received_at": day, "channel": "email"}
        )
        assert response.status_code == 422
        assert response.get_json()["errors"] == {"received_at": message}
    unknown = client.get(f"/api/v1/access-requests/{uuid.uuid4()}", headers=officer)
    assert unknown.status_code == 404


def test_the_queue_lists_open_requests_first_by_deadline_with_days_left_and_overdue_marked(
    client: FlaskClient, officer: dict[str, str], clock: FixedClock
) -> None:
    clock.now = at(10, 2)
    late = opened(client, officer, "2026-01-05")  # due 2026-02-05: overdue by now
    soon = opened(client, officer, "2026-02-02")  # due 2026-03-02
    extended = opened(client, officer, "2026-01-20")  # due 2026-02-20, extended to 2026-04-20
    post(client, officer, f"/{extended}/extension", {"reason": "busy"})
    closed = opened(client, officer, "2026-01-06")
    post(client, officer, f"/{closed}/withdrawal", {"reason": "withdrawn by phone"})
    items = client.get("/api/v1/access-requests", headers=officer).get_json()["items"]
    assert [(i["id"], i["days_left"], i["overdue"]) for i in items] == [
        (late, -5, True),
        (soon, 20, False),
        (extended, 69, False),
        (closed, None, False),
    ]
    only_open = client.get("/api/v1/access-requests?state=open", headers=officer).get_json()
    assert len(only_open["items"]) == 3


# -- the person's free text, sealed ------------------------------------------------------------

HOW = "paspoort NL-XK4471 aan de balie"
EXTENSION = "dossier bij de bedrijfsarts Jansen"
WITHDRAWAL = "belde op vanuit ziekenhuis Rijnstate"
REFUSAL = "vijfde verzoek van mevrouw De Vries deze maand"


def stored_text(ledger: Ledger) -> str:
    """Every row of every table of the database (events, read models, log, vault), as text."""
    dumped = []
    with ledger.database.read_engine.connect() as connection:
        for name in sa.inspect(connection).get_table_names():
            for row in connection.execute(sa.text(f'SELECT * FROM "{name}"')):  # noqa: S608
                for value in row:
                    if isinstance(value, bytes | memoryview):
                        dumped.append(bytes(value).decode("utf-8", "replace"))
                    else:
                        dumped.append(str(value))
    return "\n".join(dumped)


def test_how_and_every_reason_of_a_request_are_stored_only_sealed_and_shown_opened(
    client: FlaskClient, officer: dict[str, str], ledger: Ledger, clock: FixedClock
) -> None:
    ledger.recording.record(a_disclosure(1), actor="payroll")
    clock.now = at(10, 2)
    first, second, third = (opened(client, officer) for _ in range(3))
    assert post(client, officer, f"/{first}/identity", {"how": f"  {HOW} "}).status_code == 200
    extended = post(client, officer, f"/{first}/extension", {"reason": EXTENSION})
    assert extended.get_json()["extension_reason"] == EXTENSION
    assert post(client, officer, f"/{second}/withdrawal", {"reason": WITHDRAWAL}).status_code == 200
    assert post(client, officer, f"/{third}/refusal", {"reason": REFUSAL}).status_code == 200

    # Stored: nowhere in clear, in any table, on either backend; the clear fields are there.
    stored = stored_text(ledger)
    for text in (HOW, EXTENSION, WITHDRAWAL, REFUSAL):
        assert text not in stored
    for fragment in ("NL-XK4471", "Jansen", "Rijnstate", "De Vries"):
        assert fragment not in stored
    assert "2026-04-30" in stored  # the extended deadline is clear: the search can find text

    # Shown: opened in the API's answers, the queue and the person's overview.
    shown = client.get(f"/api/v1/access-requests/{first}", headers=officer).get_json()
    assert shown["extension_reason"] == EXTENSION
    details = {entry["type"]: entry for entry in shown["timeline"]}
    assert details["IdentityVerified"]["how"] == HOW
    assert details["DeadlineExtended"]["reason"] == EXTENSION
    for request_id, step, reason in (
        (second, "AccessRequestWithdrawn", WITHDRAWAL),
        (third, "AccessRequestRefused", REFUSAL),
    ):
        timeline = client.get(f"/api/v1/access-requests/{request_id}", headers=officer).get_json()
        assert timeline["timeline"][-1] == {
            **timeline["timeline"][-1],
            "type": step,
            "reason": reason,
        }
    queue = client.get("/api/v1/access-requests", headers=officer).get_json()["items"]
    assert [item["extension_reason"] for item in queue if item["id"] == first] == [EXTENSION]
    overview = ledger.reading.overview(reader=READER, subject_id="E-00001")
    assert [extension.reason for extension in overview.extensions] == [EXTENSION]

    # The person's bundle opens each text where its commitment binds it, and still verifies.
    bundle = ledger.reading.proof_bundle(reader=READER, subject_id="E-00001")
    assert bundle is not None
    assert verify_bundle(bundle, ledger.integrity.verifier_key()) == []
    steps = [json.loads(e["plaintext"]) for e in bundle["events"] if '"request"' in e["plaintext"]]
    secrets = {step["event"]: step["secret"] for step in steps}
    assert secrets["IdentityVerified"] == {"how": HOW}
    assert secrets["DeadlineExtended"] == {"reason": EXTENSION}
    assert secrets["AccessRequestWithdrawn"] == {"reason": WITHDRAWAL}
    assert secrets["AccessRequestRefused"] == {"reason": REFUSAL}
    assert not any({"how", "reason"} & set(step["fields"]) for step in steps)
    assert ledger.integrity.verify().ok

    # A rebuild gives the same sealed rows; erasing the person leaves nothing to open.
    with ledger.uow.read() as connection:
        before = connection.execute(access_requests.select()).all()
    ledger.maintenance.rebuild_projections()
    with ledger.uow.read() as connection:
        assert sorted(connection.execute(access_requests.select()).all()) == sorted(before)
    with ledger.database.write_engine.begin() as connection:
        key = ledger.vault.find(connection, "E-00001")
        assert key is not None
        assert ledger.vault.shred(connection, key.tag)  # crypto-shredding, as erasure does
    erased = ledger.requests.get(uuid.UUID(first), reader=READER)
    assert erased["extension_reason"] is None
    assert not any("how" in entry or "reason" in entry for entry in erased["timeline"])
