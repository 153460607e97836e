"""Consents and suppression orders on a real database, through the Flask test client and the
services: the refusals a disclosure on consent gets, the orders' rules, what the person sees
before and after, the person's bundle, `ledger verify` and a rebuild."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from ledger.app import Ledger
from ledger.bootstrap import build_ledger
from ledger.domain.errors import BatchRefused, DisclosureRefused
from ledger.integrity.bundle import verify_bundle
from ledger.projections.tables import READ_MODELS, consents
from ledger.settings import Settings
from ledger.web import create_app
from tests.builders import READER, a_disclosure
from tests.conftest import FixedClock

OCCURRED = datetime(2026, 10, 31, 12, 0, tzinfo=UTC)


@pytest.fixture
def client(settings: Settings, ledger: Ledger) -> FlaskClient:
    return create_app(settings, ledger=ledger).test_client()


@pytest.fixture
def officer(ledger: Ledger) -> dict[str, str]:
    return {"Authorization": f"Bearer {ledger.api_keys.create(name='fg', role='officer')[1]}"}


@pytest.fixture
def strict(settings: Settings, clock: FixedClock) -> Iterator[Ledger]:
    ledger = build_ledger(dataclasses.replace(settings, strict_consent=True))
    ledger.clock = clock
    try:
        yield ledger
    finally:
        ledger.close()


def on_consent(number: int = 1, reference: str = "form 2026/0042", **changes: Any) -> Any:
    return a_disclosure(
        number,
        legal_basis="consent",
        legal_provision=None,
        data_categories=("naam", "salaris"),
        consent_reference=reference,
        **{"occurred_at": OCCURRED, **changes},
    )


def give(
    client: FlaskClient, officer: dict[str, str], subject: str = "E-00001", **body: Any
) -> Any:
    body = {
        "consent_reference": "form 2026/0042",
        "purpose": "Pensioenregeling",
        "given_at": "2026-01-05T10:00:00+01:00",
        **body,
    }
    return client.post(f"/api/v1/subjects/{subject}/consents", json=body, headers=officer)


def withdraw(client: FlaskClient, officer: dict[str, str], consent_id: str, at: str) -> Any:
    return client.post(
        f"/api/v1/consents/{consent_id}/withdrawal",
        json={"withdrawn_at": at, "reason": "belde op"},
        headers=officer,
    )


# -- consent -------------------------------------------------------------------------------


def test_a_consent_is_given_listed_and_withdrawn_once_and_stored_without_its_reference(
    ledger: Ledger, client: FlaskClient, officer: dict[str, str]
) -> None:
    given = give(client, officer)
    assert given.status_code == 201, given.get_json()
    shown = given.get_json()
    assert (shown["consent_reference"], shown["withdrawn_at"]) == ("form 2026/0042", None)
    assert give(client, officer).status_code == 409  # in force under the same reference
    assert give(client, officer, "E-00002").status_code == 201  # another person's own form
    withdrawn = withdraw(client, officer, shown["id"], "2026-10-01T09:00:00+02:00")
    assert withdrawn.status_code == 200, withdrawn.get_json()
    assert withdrawn.get_json()["withdrawal_reason"] == "belde op"
    again = withdraw(client, officer, shown["id"], "2026-10-02T09:00:00+02:00")
    assert (again.status_code, set(again.get_json()["errors"])) == (409, {"withdrawn_at"})
    unknown = withdraw(client, officer, "0" * 32, "2026-10-02T09:00:00+02:00")
    assert unknown.status_code == 404
    listed = client.get("/api/v1/subjects/E-00001/consents", headers=officer).get_json()
    assert [item["withdrawn_at"] for item in listed["items"]] == ["2026-10-01T07:00:00+00:00"]
    assert give(client, officer).status_code == 201  # given anew once withdrawn
    # Nothing in the table holds the reference or the reason in clear.
    with ledger.database.read_engine.connect() as connection:
        dumped = json.dumps(
            [list(map(str, row)) for row in connection.execute(sa.select(consents))]
        )
    assert "2026/0042" not in dumped
    assert "belde op" not in dumped


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"consent_reference": ""}, "consent_reference"),
        ({"purpose": "  "}, "purpose"),
        ({"given_at": "2026-01-05T10:00:00"}, "given_at"),
        ({"given_at": "2030-01-01T10:00:00+01:00"}, "given_at"),
    ],
)
def test_a_consent_without_its_fields_is_refused_naming_the_field(
    client: FlaskClient, officer: dict[str, str], body: dict[str, Any], field: str
) -> None:
    response = give(client, officer, **body)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]


def test_a_disclosure_after_the_withdrawal_is_refused_and_the_batch_with_it(
    ledger: Ledger, clock: FixedClock
) -> None:
    consent_id = ledger.consents.give(
        subject_id="E-00001",
        consent_reference="form 2026/0042",
        purpose="Pensioenregeling",
        given_at=datetime(2026, 1, 5, tzinfo=UTC),
        actor="fg",
    )
    # Before the withdrawal it is recorded; a reference never recorded passes (not strict).
    ledger.recording.record(on_consent(1, occurred_at=datetime(2026, 9, 1, tzinfo=UTC)), actor="p")
    ledger.recording.record(on_consent(3, reference="never given"), actor="p")
    ledger.consents.withdraw(
        consent_id, withdrawn_at=datetime(2026, 10, 1, tzinfo=UTC), reason=None, actor="fg"
    )
    with pytest.raises(DisclosureRefused) as refused:
        ledger.recording.record(on_consent(1), actor="p")
    assert set(refused.value.errors) == {"consent_reference"}
    assert "withdrawn" in refused.value.errors["consent_reference"]
    with pytest.raises(BatchRefused) as batch:
        ledger.recording.record_batch(
            [a_disclosure(2), on_consent(1, source=a_disclosure(9).source)], actor="p"
        )
    assert set(batch.value.errors) == {"items.1.consent_reference"}
    with ledger.uow.read() as connection:
        count = connection.execute(sa.text("SELECT count(*) FROM read_disclosures")).scalar()
    assert count == 2  # nothing of the batch


def test_strict_consent_refuses_a_reference_never_recorded_for_this_person(
    strict: Ledger,
) -> None:
    strict.consents.give(
        subject_id="E-00002",
        consent_reference="form 2026/0042",
        purpose="Pensioenregeling",
        given_at=datetime(2026, 1, 5, tzinfo=UTC),
        actor="fg",
    )
    with pytest.raises(BatchRefused) as refused:
        strict.recording.record_batch([on_consent(1), on_consent(2)], actor="p")
    # E-00002's form does not cover E-00001.
    assert set(refused.value.errors) == {"items.0.consent_reference"}
    assert "never recorded" in refused.value.errors["items.0.consent_reference"]
    strict.recording.record(on_consent(2), actor="p")


def correct(
    client: FlaskClient, officer: dict[str, str], disclosure_id: object, **changes: Any
) -> Any:
    return client.post(
        f"/api/v1/disclosures/{disclosure_id}/corrections",
        json={"changes": changes, "reason": "verkeerd overgenomen"},
        headers=officer,
    )


def history_of(client: FlaskClient, officer: dict[str, str], disclosure_id: object) -> list[str]:
    shown = client.get(f"/api/v1/disclosures/{disclosure_id}", headers=officer).get_json()
    return [step["type"] for step in shown["history"]]


def test_a_correction_onto_a_withdrawn_consent_is_refused_and_one_that_keeps_a_consent_passes(
    ledger: Ledger, client: FlaskClient, officer: dict[str, str]
) -> None:
    # 0042 is withdrawn on 1 October, 0007 was withdrawn in June, 0100 is in force.
    withdrawn_later = give(client, officer).get_json()["id"]
    withdrawn_before = give(client, officer, consent_reference="form 2025/0007").get_json()["id"]
    assert give(client, officer, consent_reference="form 2026/0100").status_code == 201
    for consent_id, at in ((withdrawn_later, "2026-10-01"), (withdrawn_before, "2026-06-01")):
        assert withdraw(client, officer, consent_id, f"{at}T00:00:00+00:00").status_code == 200
    receipt = ledger.recording.record(
        on_consent(1, occurred_at=datetime(2026, 9, 1, tzinfo=UTC)), actor="p"
    )
    on_contract = ledger.recording.record(
        dataclasses.replace(
            on_consent(1, reference="form 2025/0007", source=a_disclosure(2).source),
            legal_basis="contract",
            occurred_at=datetime(2026, 9, 1, tzinfo=UTC),
        ),
        actor="p",
    )
    for disclosure_id, changes, said in (
        (receipt.id, {"occurred_at": "2026-10-15T12:00:00+02:00"}, "withdrawn at 2026-10-01"),
        (receipt.id, {"consent_reference": "form 2025/0007"}, "withdrawn at 2026-06-01"),
        # 0007 was named all along; the correction puts the disclosure on it.
        (on_contract.id, {"legal_basis": "consent"}, "withdrawn at 2026-06-01"),
    ):
        refused = correct(client, officer, disclosure_id, **changes)
        assert refused.status_code == 422, refused.get_json()
        assert set(refused.get_json()["errors"]) == {"consent_reference"}, changes
        assert said in refused.get_json()["errors"]["consent_reference"]
    # Nothing of a refused correction was written.
    assert history_of(client, officer, receipt.id) == ["DisclosureRecorded"]
    assert history_of(client, officer, on_contract.id) == ["DisclosureRecorded"]
    # Still before the withdrawal, and onto a consent in force: both pass.
    moved = correct(client, officer, receipt.id, occurred_at="2026-09-30T12:00:00+02:00")
    assert moved.status_code == 201, moved.get_json()
    renamed = correct(
        client,
        officer,
        receipt.id,
        consent_reference="form 2026/0100",
        occurred_at="2026-10-15T12:00:00+02:00",
    )
    assert renamed.status_code == 201, renamed.get_json()
    assert history_of(client, officer, receipt.id) == [
        "DisclosureRecorded",
        "DisclosureCorrected",
        "DisclosureCorrected",
    ]


def test_strict_consent_refuses_a_correction_onto_a_reference_never_recorded(
    settings: Settings, strict: Ledger
) -> None:
    app = create_app(dataclasses.replace(settings, strict_consent=True), ledger=strict)
    test_client = app.test_client()
    officer = {"Authorization": f"Bearer {strict.api_keys.create(name='fg', role='officer')[1]}"}
    assert give(test_client, officer).status_code == 201
    receipt = strict.recording.record(on_consent(1), actor="p")
    refused = correct(test_client, officer, receipt.id, consent_reference="form 2026/9999")
    assert refused.status_code == 422, refused.get_json()
    assert set(refused.get_json()["errors"]) == {"consent_reference"}
    assert "never recorded" in refused.get_json()["errors"]["consent_reference"]
    # A correction the consent rule does not look at is not judged by it again.
    kept = correct(test_client, officer, receipt.id, purpose="Pensioenregeling 2027")
    assert kept.status_code == 201, kept.get_json()


def test_strict_consent_is_a_setting() -> None:
    assert Settings.from_env({"LEDGER_STRICT_CONSENT": "1"}).strict_consent
    assert not Settings.from_env({}).strict_consent


# -- suppressions --------------------------------------------------------------------------


def order(client: FlaskClient, officer: dict[str, str], disclosure_id: str, body: Any) -> Any:
    return client.post(
        f"/api/v1/disclosures/{disclosure_id}/suppression", json=body, headers=officer
    )


def lift(client: FlaskClient, officer: dict[str, str], disclosure_id: str, body: Any) -> Any:
    return client.post(
        f"/api/v1/disclosures/{disclosure_id}/suppression/lifting", json=body, headers=officer
    )


def person_sees(ledger: Ledger) -> list[Any]:
    overview = ledger.reading.overview(reader=READER, subject_id="E-00001", audience="subject")
    return [item for group in overview.groups for item in group.items]


def test_a_suppression_is_ordered_extended_and_lifted_and_the_person_sees_it_afterwards(
    ledger: Ledger, client: FlaskClient, officer: dict[str, str], clock: FixedClock
) -> None:
    receipt = ledger.recording.record(a_disclosure(1), actor="payroll")
    disclosure_id = str(receipt.id)
    police = {"until": "2026-12-01", "authority": "Politie Midden-Nederland", "reason": "onderzoek"}
    assert order(client, officer, disclosure_id, police).status_code == 200
    assert person_sees(ledger) == []
    earlier = order(client, officer, disclosure_id, {**police, "until": "2026-11-20"})
    assert (earlier.status_code, set(earlier.get_json()["errors"])) == (409, {"until"})
    missing = order(
        client, officer, disclosure_id, {"until": "2027-01-01", "authority": "", "reason": ""}
    )
    assert (missing.status_code, set(missing.get_json()["errors"])) == (
        422,
        {"authority", "reason"},
    )
    extended = order(
        client, officer, disclosure_id, {**police, "until": "2027-01-15", "authority": "OM"}
    )
    assert extended.status_code == 200, extended.get_json()
    listed = client.get("/api/v1/suppressions", headers=officer).get_json()["items"]
    assert [(i["suppressed_until"], i["suppression_authority"]) for i in listed] == [
        ("2027-01-15", "OM")
    ]
    assert person_sees(ledger) == []
    # The bundle for the person shows nothing of it yet, and still verifies.
    assert ledger.reading.proof_bundle(reader=READER, subject_id="E-00001") is None
    clock.now = datetime(2026, 12, 10, 9, tzinfo=UTC)
    lifted = lift(client, officer, disclosure_id, {"authority": "OM", "reason": "zaak gesloten"})
    assert lifted.status_code == 200, lifted.get_json()
    again = lift(client, officer, disclosure_id, {"authority": "OM", "reason": "nog eens"})
    assert (again.status_code, set(again.get_json()["errors"])) == (409, {"suppressed_until"})
    assert lift(client, officer, "0" * 32, {"authority": "OM", "reason": "r"}).status_code == 404
    seen = person_sees(ledger)
    assert len(seen) == 1
    assert seen[0].note == "Tot 10 december 2026 niet in uw overzicht getoond, op last van OM."
    assert client.get("/api/v1/suppressions", headers=officer).get_json()["items"] == []
    bundle = ledger.reading.proof_bundle(reader=READER, subject_id="E-00001")
    assert bundle is not None
    assert verify_bundle(bundle, ledger.integrity.verifier_key()) == []
    kinds = [json.loads(event["plaintext"])["event"] for event in bundle["events"]]
    assert kinds == [
        "DisclosureRecorded",
        "SuppressionExtended",
        "SuppressionExtended",
        "SuppressionLifted",
    ]
    assert "zaak gesloten" in bundle["events"][-1]["plaintext"]
    assert ledger.integrity.verify().ok


def test_a_suppression_ended_by_its_date_shows_the_note_and_cannot_be_lifted(
    ledger: Ledger, clock: FixedClock
) -> None:
    from ledger.domain.errors import SuppressionConflict

    receipt = ledger.recording.record(a_disclosure(1), actor="payroll")
    ledger.suppressions.extend(
        receipt.id, until=date(2026, 11, 10), authority="Politie", reason="r", actor="fg"
    )
    assert person_sees(ledger) == []
    clock.now = datetime(2026, 11, 9, 23, 30, tzinfo=UTC)  # 10 November in Amsterdam
    [item] = person_sees(ledger)
    assert item.note == "Tot 10 november 2026 niet in uw overzicht getoond, op last van Politie."
    with pytest.raises(SuppressionConflict):
        ledger.suppressions.lift(receipt.id, authority="OM", reason="r", actor="fg")


def test_a_retracted_disclosure_takes_no_suppression_order(
    ledger: Ledger, client: FlaskClient, officer: dict[str, str]
) -> None:
    receipt = ledger.recording.record(a_disclosure(1), actor="payroll")
    ledger.recording.retract(receipt.id, reason="in error", actor="fg")
    body = {"until": "2027-01-01", "authority": "Politie", "reason": "r"}
    assert order(client, officer, str(receipt.id), body).status_code == 409


# -- the log and the read models -------------------------------------------------------------


def snapshot(ledger: Ledger) -> dict[str, list[tuple[object, ...]]]:
    with ledger.database.read_engine.connect() as connection:
        return {
            table.name: sorted(tuple(row) for row in connection.execute(sa.select(table)).all())
            for table in READ_MODELS
        }


def test_consents_and_orders_are_in_the_persons_chain_the_log_verifies_and_a_rebuild_agrees(
    ledger: Ledger, clock: FixedClock
) -> None:
    receipt = ledger.recording.record(a_disclosure(1), actor="payroll")
    consent_id = ledger.consents.give(
        subject_id="E-00001",
        consent_reference="form 7",
        purpose="Pensioen",
        given_at=datetime(2026, 1, 5, tzinfo=UTC),
        actor="fg",
    )
    ledger.consents.withdraw(
        consent_id, withdrawn_at=datetime(2026, 10, 1, tzinfo=UTC), reason="geen zin", actor="fg"
    )
    ledger.suppressions.extend(
        receipt.id, until=date(2026, 12, 1), authority="Politie", reason="r", actor="fg"
    )
    ledger.suppressions.lift(receipt.id, authority="Politie", reason="klaar", actor="fg")
    bundle = ledger.reading.proof_bundle(reader=READER, subject_id="E-00001")
    assert bundle is not None
    assert verify_bundle(bundle, ledger.integrity.verifier_key()) == []
    kinds = sorted(json.loads(event["plaintext"])["event"] for event in bundle["events"])
    assert kinds == [
        "ConsentGiven",
        "ConsentWithdrawn",
        "DisclosureRecorded",
        "SuppressionExtended",
        "SuppressionLifted",
    ]
    assert any("form 7" in event["plaintext"] for event in bundle["events"])
    assert ledger.integrity.verify().ok
    before = snapshot(ledger)
    assert ledger.maintenance.rebuild_projections() == 5
    assert snapshot(ledger) == before
