"""Erasure (Art. 17) on a real database: erased at once when no retention rule holds, scheduled
while one does, the person's rows removed and statistics kept, the log still verifying, a
rebuild giving the same rows, retention runs, and the list of shredded tags re-applied."""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from datetime import date, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from ledger.app import Ledger
from ledger.domain.errors import ErasureConflict, InvalidChange
from ledger.projections.tables import (
    READ_MODELS,
    consents,
    disclosures,
    recipient_notifications,
    statistics,
)
from tests.builders import AMSTERDAM, READER, a_disclosure, to_inlener


def old(day: int, month: int, year: int = 2022) -> datetime:
    return datetime(year, month, day, 12, 0, tzinfo=AMSTERDAM)


def past_history(ledger: Ledger, number: int = 1) -> None:
    """Planning data (default rule: two years from the end of the year) sent in 2022 to a
    hirer, twice, and once to a second hirer: nothing holds it in November 2026."""
    for reference, day in (("a", old(1, 3)), ("b", old(1, 6))):
        ledger.recording.record(
            to_inlener(
                number,
                occurred_at=day,
                source=replace(to_inlener(number).source, reference=f"p{number}-{reference}"),
            ),
            actor="planning",
        )
    ledger.recording.record(
        to_inlener(
            number,
            data_categories=("naam",),
            occurred_at=old(1, 9),
            source=replace(to_inlener(number).source, reference=f"p{number}-c"),
        ),
        actor="planning",
    )


def rows(ledger: Ledger, table: sa.Table) -> list[dict[str, Any]]:
    with ledger.uow.read() as connection:
        return [dict(row) for row in connection.execute(sa.select(table)).mappings()]


def snapshot(ledger: Ledger) -> dict[str, list[tuple[Any, ...]]]:
    with ledger.uow.read() as connection:
        return {
            table.name: sorted(
                (
                    tuple(str(value) for value in row)
                    for row in connection.execute(sa.select(table))
                ),
            )
            for table in READ_MODELS
        }


def tag_of(ledger: Ledger, subject_id: str) -> str:
    with ledger.uow.read() as connection:
        key = ledger.vault.find(connection, subject_id)
    assert key is not None
    return key.tag


def erased_facts(ledger: Ledger) -> list[str]:
    with ledger.uow.read() as connection:
        return list(
            connection.execute(
                sa.text("SELECT topic FROM ledger_events WHERE topic LIKE '%SubjectErased'")
            ).scalars()
        )


def test_a_person_no_rule_holds_is_erased_at_once_and_the_recipients_to_tell_are_listed(
    ledger: Ledger,
) -> None:
    past_history(ledger, 1)
    past_history(ledger, 2)
    tag = tag_of(ledger, "E-00001")
    stats_before = rows(ledger, statistics)

    outcome = ledger.erasures.request(
        subject_id="E-00001", reason="Verzoek per brief", requested_on=None, actor="fg"
    )

    assert outcome.state == "erased"
    assert outcome.notice_id is not None
    assert [n["recipient"]["name"] for n in outcome.notifications] == ["Bouwbedrijf De Vries B.V."]
    assert outcome.notifications[0]["first_on"] == date(2022, 3, 1)
    assert outcome.notifications[0]["last_on"] == date(2022, 9, 1)
    with ledger.uow.read() as connection:
        assert ledger.vault.find(connection, "E-00001") is None
        assert ledger.vault.find(connection, "E-00002") is not None
    assert all(row["subject_tag"] != tag for row in rows(ledger, disclosures))
    assert len(rows(ledger, disclosures)) == 3  # E-00002's
    assert rows(ledger, statistics) == stats_before
    # The erasure's own notice stays, so the officer can tell the recipients and mark it.
    assert {row["notice_id"] for row in rows(ledger, recipient_notifications)} == {
        outcome.notice_id.hex
    }
    assert len(erased_facts(ledger)) == 1
    assert tag in ledger.erasures.erased_tags.path.read_text()
    report = ledger.integrity.verify()
    assert report.ok, report.problems
    done = ledger.erasures.in_state(state="done")
    assert [(item["subject_tag"], item["basis"], item["disclosures"]) for item in done] == [
        (tag, "request", 3)
    ]
    assert ledger.reading.person(READER, subject_id="E-00001") is None


def test_a_rebuild_after_an_erasure_gives_the_same_rows_and_statistics(ledger: Ledger) -> None:
    past_history(ledger, 1)
    past_history(ledger, 2)
    ledger.consents.give(
        subject_id="E-00001",
        consent_reference="F-1",
        purpose="Nieuwsbrief",
        given_at=old(1, 1),
        actor="fg",
    )
    ledger.erasures.request(subject_id="E-00001", reason="Verzoek", requested_on=None, actor="fg")
    before = snapshot(ledger)
    assert before["read_consents"] == []

    ledger.maintenance.rebuild_projections()

    assert snapshot(ledger) == before
    assert rows(ledger, consents) == []


def test_a_fiscal_hold_schedules_the_erasure_and_names_the_rule_and_disclosures(
    ledger: Ledger,
) -> None:
    receipt = ledger.recording.record(a_disclosure(1), actor="payroll")  # October 2026: fiscal

    outcome = ledger.erasures.request(
        subject_id="E-00001", reason="Verzoek", requested_on=date(2026, 11, 1), actor="fg"
    )

    assert outcome.state == "scheduled"
    assert outcome.erasable_from == date(2034, 1, 1)  # 7 years from the end of 2026
    fiscal = next(hold for hold in outcome.holds if hold["rule"] == "fiscal")
    assert fiscal["disclosures"] == [str(receipt.id)]
    assert fiscal["law"]
    assert "AWR" in fiscal["law"]
    with ledger.uow.read() as connection:
        assert ledger.vault.find(connection, "E-00001") is not None
    assert erased_facts(ledger) == []
    scheduled = ledger.erasures.in_state(state="scheduled")
    assert [item["id"] for item in scheduled] == [str(outcome.erasure_id)]
    with pytest.raises(ErasureConflict) as caught:
        ledger.erasures.request(
            subject_id="E-00001", reason="Nog eens", requested_on=None, actor="fg"
        )
    assert caught.value.erasure_id == outcome.erasure_id
    assert ledger.integrity.verify().ok
    # The person's bundle still verifies with the erasure's events in their chain.
    bundle = ledger.reading.proof_bundle(reader=READER, subject_id="E-00001")
    assert bundle is not None
    from ledger.integrity.bundle import verify_bundle

    assert verify_bundle(json.loads(json.dumps(bundle)), ledger.integrity.verifier_key()) == []


def test_an_unknown_person_has_nothing_held_and_nothing_is_recorded(ledger: Ledger) -> None:
    outcome = ledger.erasures.request(
        subject_id="E-99999", reason="Verzoek", requested_on=None, actor="fg"
    )
    assert outcome.state == "nothing_held"
    assert ledger.erasures.in_state() == []


@pytest.mark.parametrize(
    ("reason", "requested_on", "field"),
    [
        ("", None, "reason"),
        ("Verzoek", date(2026, 11, 3), "requested_at"),
        ("Verzoek", date(2018, 5, 24), "requested_at"),
    ],
)
def test_a_request_without_reason_or_with_an_impossible_date_is_refused_naming_the_field(
    ledger: Ledger, reason: str, requested_on: date, field: str
) -> None:
    past_history(ledger)
    with pytest.raises(InvalidChange) as caught:
        ledger.erasures.request(
            subject_id="E-00001", reason=reason, requested_on=requested_on, actor="fg"
        )
    assert field in caught.value.errors


def test_a_retention_run_carries_out_due_erasures_and_erases_expired_people_once(
    ledger: Ledger,
) -> None:
    ledger.recording.record(a_disclosure(1), actor="payroll")  # fiscal until 2034
    past_history(ledger, 2)  # expired already
    scheduled = ledger.erasures.request(
        subject_id="E-00001", reason="Verzoek", requested_on=None, actor="fg"
    )
    assert scheduled.state == "scheduled"

    dry = ledger.erasures.apply_retention(dry_run=True).lines
    assert [(line.action, line.basis) for line in dry] == [("erased", "retention")]
    assert erased_facts(ledger) == []

    first = ledger.erasures.apply_retention().lines
    assert [(line.action, line.basis) for line in first] == [("erased", "retention")]
    assert ledger.erasures.apply_retention().lines == []

    later = ledger.erasures.apply_retention(today=date(2034, 1, 1)).lines
    assert [(line.action, line.basis) for line in later] == [("erased", "request")]
    assert ledger.erasures.apply_retention(today=date(2034, 1, 1)).lines == []
    assert len(erased_facts(ledger)) == 2
    assert next(item["id"] for item in ledger.erasures.in_state(state="done")) == str(
        scheduled.erasure_id
    )
    assert ledger.integrity.verify().ok


def test_the_api_answers_201_202_200_and_409_as_the_request_comes_out(
    ledger: Ledger, client: FlaskClient, officer: str
) -> None:
    past_history(ledger, 1)
    ledger.recording.record(a_disclosure(2), actor="payroll")
    headers = {"Authorization": f"Bearer {officer}"}

    erased = client.post(
        "/api/v1/subjects/E-00001/erasure",
        json={"reason": "Verzoek per e-mail", "requested_at": "2026-11-01"},
        headers=headers,
    )
    scheduled = client.post(
        "/api/v1/subjects/E-00002/erasure", json={"reason": "Verzoek"}, headers=headers
    )
    again = client.post(
        "/api/v1/subjects/E-00002/erasure", json={"reason": "Verzoek"}, headers=headers
    )
    nothing = client.post(
        "/api/v1/subjects/E-77777/erasure", json={"reason": "Verzoek"}, headers=headers
    )
    invalid = client.post(
        "/api/v1/subjects/E-00003/erasure",
        json={"reason": "x", "requested_at": "2030-01-01"},
        headers=headers,
    )

    assert erased.status_code == 201, erased.get_json()
    assert erased.get_json()["state"] == "erased"
    assert erased.get_json()["notifications"][0]["recipient"]["category"] == "inlener"
    assert scheduled.status_code == 202, scheduled.get_json()
    body = scheduled.get_json()
    assert body["state"] == "scheduled"
    assert body["erasable_from"] == "2034-01-01"
    assert body["holds"][0]["rule"] == "fiscal"
    assert body["holds"][0]["label"]["en"]
    assert again.status_code == 409
    assert again.get_json()["erasure_id"] == body["erasure_id"]
    assert nothing.status_code == 200
    assert nothing.get_json()["state"] == "nothing_held"
    assert invalid.status_code == 422
    assert "requested_at" in invalid.get_json()["errors"]
    listed = client.get("/api/v1/erasures?state=scheduled", headers=headers).get_json()
    assert [item["id"] for item in listed["items"]] == [body["erasure_id"]]
    one = client.get(f"/api/v1/erasures/{erased.get_json()['erasure_id']}", headers=headers)
    assert one.status_code == 200
    assert one.get_json()["basis"] == "request"
    missing = client.get(f"/api/v1/erasures/{uuid.uuid4()}", headers=headers)
    assert missing.status_code == 404
    assert client.get("/api/v1/erasures?state=nonsense", headers=headers).status_code == 422


def test_a_listed_erasure_undone_by_a_crash_before_the_commit_is_carried_out_on_start(
    ledger: Ledger, settings: Any, clock: Any
) -> None:
    from ledger.adapters.erased_tags import ErasedTag
    from ledger.bootstrap import build_ledger

    past_history(ledger, 1)
    tag = tag_of(ledger, "E-00001")
    # What a crash between the fsync of the list and the commit leaves.
    ledger.erasures.erased_tags.append(ErasedTag(tag, "2026-11-02T09:00:00+00:00", "request"))
    with ledger.erasures.erased_tags.path.open("ab") as file:
        file.write(b"0123")  # and a line the next crash cut short

    again = build_ledger(settings)
    try:
        again.clock = clock
        with again.uow.read() as connection:
            assert again.vault.find(connection, "E-00001") is None
        assert len(erased_facts(again)) == 1
        assert again.integrity.verify().ok
        assert again.erasures.reapply() == 0
    finally:
        again.close()


def test_the_erasures_notifications_are_still_marked_after_the_person_is_gone(
    ledger: Ledger,
) -> None:
    past_history(ledger, 1)
    ledger.recording.record(
        to_inlener(
            1,
            recipient=replace(to_inlener(1).recipient, name="Kassenbouw B.V.", id="11223344"),
            occurred_at=old(1, 10),
            source=replace(to_inlener(1).source, reference="p1-d"),
        ),
        actor="planning",
    )
    outcome = ledger.erasures.request(
        subject_id="E-00001", reason="Verzoek", requested_on=None, actor="fg"
    )
    first, second = (uuid.UUID(item["id"]) for item in outcome.notifications)

    ledger.notifications.mark_sent(first, sent_on=date(2026, 11, 2), channel="email", actor="fg")
    ledger.notifications.mark_not_sent(
        second, why="impossible", reason="the company was dissolved", actor="fg"
    )

    shown = {item["id"]: item for item in ledger.notifications.notifications(reader=READER)}
    assert shown[str(first)]["state"] == "sent"
    assert shown[str(second)]["state"] == "impossible"
    assert shown[str(second)]["reason"] == "the company was dissolved"
    assert shown[str(second)]["notice"]["cause"] == "erasure"
    report = ledger.integrity.verify()
    assert report.ok, report.problems
    before = snapshot(ledger)
    ledger.maintenance.rebuild_projections()
    assert snapshot(ledger) == before


@pytest.mark.parametrize(
    "reason", ["typo for E-00001", "Jan Jansen 1 asked", "mail JAN1@example.org", "Jan Jong"]
)
def test_a_correction_or_retraction_reason_that_names_the_person_is_refused(
    ledger: Ledger, reason: str
) -> None:
    """Such a reason is kept in clear and would outlive the person's erasure."""
    receipt = ledger.recording.record(a_disclosure(1), actor="payroll")
    with pytest.raises(InvalidChange) as corrected:
        ledger.recording.correct(
            receipt.id, changes={"subject": {"name": "Jan Jong"}}, reason=reason, actor="fg"
        )
    assert "must not name the person" in corrected.value.errors["reason"]
    if reason != "Jan Jong":  # only the correction knows the new name
        with pytest.raises(InvalidChange) as retracted:
            ledger.recording.retract(receipt.id, reason=reason, actor="fg")
        assert "must not name the person" in retracted.value.errors["reason"]
    ledger.recording.correct(
        receipt.id, changes={"subject": {"name": "Jan Jong"}}, reason="spelling", actor="fg"
    )


def test_a_scheduled_erasure_the_person_withdraws_is_cancelled_once_and_may_be_asked_again(
    ledger: Ledger, client: FlaskClient, officer: str
) -> None:
    ledger.recording.record(a_disclosure(1), actor="payroll")
    past_history(ledger, 2)
    headers = {"Authorization": f"Bearer {officer}"}
    scheduled = ledger.erasures.request(
        subject_id="E-00001", reason="Verzoek", requested_on=None, actor="fg"
    )
    erased = ledger.erasures.request(
        subject_id="E-00002", reason="Verzoek", requested_on=None, actor="fg"
    )

    cancelled = client.post(
        f"/api/v1/erasures/{scheduled.erasure_id}/cancellation",
        json={"reason": "Verzoek ingetrokken per e-mail"},
        headers=headers,
    )
    twice = client.post(
        f"/api/v1/erasures/{scheduled.erasure_id}/cancellation",
        json={"reason": "nog eens"},
        headers=headers,
    )
    done = client.post(
        f"/api/v1/erasures/{erased.erasure_id}/cancellation", json={"reason": "x"}, headers=headers
    )
    unknown = client.post(
        f"/api/v1/erasures/{uuid.uuid4()}/cancellation", json={"reason": "x"}, headers=headers
    )
    blank = client.post(
        f"/api/v1/erasures/{scheduled.erasure_id}/cancellation",
        json={"reason": ""},
        headers=headers,
    )

    assert cancelled.status_code == 200, cancelled.get_json()
    assert cancelled.get_json()["state"] == "cancelled"
    assert twice.status_code == 409
    assert twice.get_json()["erasure_id"] == str(scheduled.erasure_id)
    assert done.status_code == 409
    assert unknown.status_code == 404
    assert blank.status_code == 422
    assert ledger.erasures.in_state("scheduled") == []
    again = ledger.erasures.request(
        subject_id="E-00001", reason="Toch wel", requested_on=None, actor="fg"
    )
    assert again.state == "scheduled"
    assert ledger.integrity.verify().ok
    bundle = ledger.reading.proof_bundle(reader=READER, subject_id="E-00001")
    assert bundle is not None
    from ledger.integrity.bundle import verify_bundle

    assert verify_bundle(json.loads(json.dumps(bundle)), ledger.integrity.verifier_key()) == []
    # The disclosure; requested, scheduled, cancelled; requested and scheduled again.
    assert len(bundle["events"]) == 6


def test_a_due_erasure_meeting_a_new_hold_is_scheduled_again_with_the_new_date(
    ledger: Ledger,
) -> None:
    ledger.recording.record(a_disclosure(1), actor="payroll")  # fiscal until 2034-01-01
    scheduled = ledger.erasures.request(
        subject_id="E-00001", reason="Verzoek", requested_on=None, actor="fg"
    )
    # Then an ID copy: kept five years after an employment end nobody recorded yet.
    ledger.recording.record(
        a_disclosure(
            1,
            data_categories=("naam", "kopie_id"),
            source=replace(a_disclosure(1).source, reference="id-copy"),
        ),
        actor="payroll",
    )

    run = ledger.erasures.apply_retention(today=date(2034, 1, 1)).lines

    assert [(line.action, line.until) for line in run] == [("held", None)]
    (row,) = ledger.erasures.in_state("scheduled")
    assert row["id"] == str(scheduled.erasure_id)
    assert row["erasable_from"] is None
    assert {hold["rule"] for hold in row["holds"]} == {"wage_tax_declaration_and_id"}
    assert erased_facts(ledger) == []
