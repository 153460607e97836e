"""A person's bundle replays every event's opening the quick way (the event store's quick
decoder, orjson for JSON, a recorded disclosure's opening joined from its parts) and is still
the very bundle that eventsourcing's mapper and the standard library's JSON give, for a person
with an event of every kind a bundle holds and for values that need escaping."""

from __future__ import annotations

import gc
import json
import uuid
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from eventsourcing.persistence import StoredEvent

from ledger.adapters import fast_json, state_codec
from ledger.adapters.driver_reads import driver_rows
from ledger.adapters.event_store import event_rows
from ledger.app import Ledger
from ledger.app import integrity as integrity_service
from ledger.app.openings import recorded_opening
from ledger.domain.access_request import EVENTS as REQUEST_EVENTS
from ledger.domain.consent import EVENTS as CONSENT_EVENTS
from ledger.domain.disclosure import SUPPRESSION_EVENTS, Disclosure
from ledger.domain.employment import EVENTS as EMPLOYMENT_EVENTS
from ledger.domain.erasure import EVENTS as ERASURE_EVENTS
from ledger.domain.erasure import ErasedSubject
from ledger.domain.recipient_notice import EVENTS as NOTICE_EVENTS
from ledger.domain.restriction import EVENTS as RESTRICTION_EVENTS
from ledger.domain.values import Subject
from ledger.integrity.bundle import verify_bundle
from tests.builders import READER, a_disclosure
from tests.integration.test_recipient_notifications import history, on

SUBJECT = "E-00001"
# Every kind of event a person's bundle can hold (an erased person has no bundle).
BUNDLE_EVENTS = {
    cls.__name__
    for cls in (
        Disclosure.DisclosureRecorded,
        Disclosure.DisclosureCorrected,
        Disclosure.DisclosureRetracted,
        *SUPPRESSION_EVENTS,
        *REQUEST_EVENTS,
        *CONSENT_EVENTS,
        *NOTICE_EVENTS,
        *RESTRICTION_EVENTS,
        *EMPLOYMENT_EVENTS,
        *ERASURE_EVENTS,
    )
    if cls is not ErasedSubject.SubjectErased
}


def a_person_with_every_kind_of_event(ledger: Ledger) -> None:
    history(ledger)  # disclosures to three recipients, one of them retracted
    receipt = ledger.recording.record(
        a_disclosure(
            1, occurred_at=on(1, 10), source=replace(a_disclosure(1).source, reference="c-1")
        ),
        actor="payroll",
    )
    ledger.recording.correct(
        receipt.id,
        changes={"subject": {"name": "Jan Jansén"}},
        reason="spelling of the name",
        actor="fg",
    )
    ledger.recording.correct(
        receipt.id,
        changes={"purpose": 'Loonaangifte "oktober" — gecorrigeerd ☃'},
        reason="clearer",
        actor="fg",
    )
    ledger.suppressions.extend(
        receipt.id, until=date(2026, 12, 1), authority="Politie", reason="onderzoek", actor="fg"
    )
    ledger.suppressions.lift(receipt.id, authority="Politie", reason="klaar", actor="fg")
    for reason in ("geen zin", None):
        consent_id = ledger.consents.give(
            subject_id=SUBJECT,
            consent_reference=f"form {reason}",
            purpose="Pensioen",
            given_at=datetime(2026, 1, 5, tzinfo=UTC),
            actor="fg",
        )
        ledger.consents.withdraw(
            consent_id, withdrawn_at=datetime(2026, 10, 1, tzinfo=UTC), reason=reason, actor="fg"
        )
    answered, withdrawn, refused = (
        ledger.requests.open(
            subject_id=SUBJECT,
            received_on=date(2026, 11, 1),
            channel="email",
            reference=reference,
            actor="fg",
        )
        for reference in ("AVG-1", None, "AVG-3")
    )
    ledger.requests.verify_identity(answered, how="paspoort gezien", actor="fg")
    ledger.requests.extend(answered, reason="veel systemen", actor="fg")
    ledger.requests.tell_of_extension(answered, told_on=date(2026, 11, 2), actor="fg")
    ledger.requests.answer(answered, reader=READER)
    ledger.requests.withdraw(withdrawn, reason="toch niet", actor="fg")
    ledger.requests.refuse(refused, reason="kennelijk ongegrond", actor="fg")
    notice_id = ledger.notifications.record(
        subject_id=SUBJECT,
        cause="rectification",
        data_categories=["naam"],
        since=None,
        reason="naam gecorrigeerd",
        person_asked=False,
        actor="fg",
    )
    notice = ledger.notifications.notice(notice_id, reader=READER)
    sent, impossible, heavy = (uuid.UUID(n["id"]) for n in notice["notifications"])
    ledger.notifications.mark_sent(sent, sent_on=date(2026, 11, 2), channel="letter", actor="fg")
    ledger.notifications.mark_not_sent(impossible, why="impossible", reason="weg", actor="fg")
    ledger.notifications.mark_not_sent(heavy, why="disproportionate", reason="ver", actor="fg")
    imposed = ledger.restrictions.impose(
        subject_id=SUBJECT, reason="betwist", until=date(2026, 12, 31), actor="fg"
    )
    ledger.restrictions.lift(imposed.restriction_id, reason="vastgesteld", actor="fg")
    ledger.employment_ends.record(subject_id=SUBJECT, ended_on=date(2026, 10, 31), actor="fg")
    outcome = ledger.erasures.request(
        subject_id=SUBJECT, reason="Verzoek", requested_on=None, actor="fg"
    )
    assert outcome.state == "scheduled"
    assert outcome.erasure_id is not None
    ledger.erasures.cancel(outcome.erasure_id, reason="bedacht", actor="fg")


def the_mappers_way(ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> None:
    """Replay as before the quick way: eventsourcing's mapper, the standard library's JSON."""
    mapper = ledger.store.mapper

    def decode(originator: uuid.UUID, version: int, topic: str, state: bytes) -> Any:
        return mapper.to_domain_event(StoredEvent(originator, version, topic, state))

    def canonical(document: Any) -> bytes:
        return json.dumps(
            document, sort_keys=True, separators=(",", ":"), ensure_ascii=False
        ).encode()

    monkeypatch.setattr(ledger.store, "decoder", decode)
    monkeypatch.setattr(integrity_service, "canonical", canonical)
    monkeypatch.setattr(integrity_service, "recorded_opening", lambda *args: None)
    monkeypatch.setattr(fast_json, "loads", json.loads)


@pytest.mark.parametrize("for_subject", [True, False], ids=["for the person", "for an officer"])
def test_a_bundle_replayed_the_quick_way_is_the_one_the_mapper_gives(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch, for_subject: bool
) -> None:
    a_person_with_every_kind_of_event(ledger)
    quick = ledger.reading.proof_bundle(reader=READER, subject_id=SUBJECT, for_subject=for_subject)
    assert quick is not None
    assert verify_bundle(json.loads(json.dumps(quick)), ledger.integrity.verifier_key()) == []
    shown = {json.loads(event["plaintext"])["event"] for event in quick["events"]}
    assert shown == BUNDLE_EVENTS

    the_mappers_way(ledger, monkeypatch)
    assert (
        ledger.reading.proof_bundle(reader=READER, subject_id=SUBJECT, for_subject=for_subject)
        == quick
    )


@pytest.mark.parametrize("pointed_at", ["nothing", "another event"])
def test_a_read_model_that_points_elsewhere_still_gives_the_whole_bundle(
    ledger: Ledger, pointed_at: str
) -> None:
    """A disclosure with one event is looked up by the position its read model holds; when that
    finds the person's chain short, the bundle looks the events up by id instead."""
    a_person_with_every_kind_of_event(ledger)
    whole = ledger.reading.proof_bundle(reader=READER, subject_id=SUBJECT)
    assert whole is not None
    with ledger.database.write_engine.begin() as connection:
        single = connection.execute(
            sa.text("SELECT min(position) FROM read_disclosures WHERE version = 1")
        ).scalar_one()
        elsewhere = connection.execute(
            sa.text("SELECT max(id) + 1000 FROM ledger_events")
            if pointed_at == "nothing"
            else sa.text("SELECT max(id) FROM ledger_events")
        ).scalar_one()
        connection.execute(
            sa.text("UPDATE read_disclosures SET position = :to WHERE position = :at"),
            {"to": elsewhere, "at": single},
        )
    again = ledger.reading.proof_bundle(reader=READER, subject_id=SUBJECT)
    assert again is not None
    assert again["events"] == whole["events"]
    assert verify_bundle(json.loads(json.dumps(again)), ledger.integrity.verifier_key()) == []


@pytest.mark.parametrize("enabled", [True, False])
def test_a_bundle_is_made_with_the_cycle_collector_paused_and_leaves_it_as_it_was(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch, enabled: bool
) -> None:
    a_person_with_every_kind_of_event(ledger)
    during: list[bool] = []

    def watched(document: Any) -> bytes:
        during.append(gc.isenabled())
        return fast_json.canonical(document)

    monkeypatch.setattr(integrity_service, "canonical", watched)
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        bundle = ledger.reading.proof_bundle(reader=READER, subject_id=SUBJECT)
        after = gc.isenabled()
    finally:
        (gc.enable if was else gc.disable)()

    assert bundle is not None
    assert during
    assert not any(during)
    assert after is enabled


# Names and purposes whose JSON needs escapes (control characters are refused on the way in):
# the vault seals names as ASCII JSON, so a name with letters past ASCII is sealed with `\\u`
# escapes that the opening does not have; quotes and backslashes are escaped in both.
ESCAPED = [
    ("Jan Jansen", "Loonaangifte oktober 2026"),
    ("Daniëlle Çelik-Ørsted", 'Loonaangifte "oktober" — ☃'),
    ('Jan \\ "de Boer"', 'zie "bijlage" \\ 2'),
    ("Zoë 🙂", "Pensioen ✓ 𝄞"),
]


def a_person_whose_values_need_escaping(ledger: Ledger) -> list[str]:
    """Single-event disclosures of `ESCAPED`, and one that is corrected afterwards."""
    ids = []
    for number, (name, purpose) in enumerate(ESCAPED):
        facts = a_disclosure(
            1,
            subject=Subject(id=SUBJECT, name=name, email="jan1@example.org"),
            purpose=purpose,
            source=replace(a_disclosure(1).source, reference=f"esc-{number}"),
        )
        ids.append(str(ledger.recording.record(facts, actor="payroll").id))
    ledger.recording.correct(
        uuid.UUID(ids[0]), changes={"purpose": "Loonaangifte"}, reason="korter", actor="fg"
    )
    return ids


def test_a_recorded_disclosure_opens_the_quick_way_to_the_very_bytes_of_the_long_way(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = a_person_whose_values_need_escaping(ledger)
    answered: list[bool] = []

    def counted(*args: Any) -> Any:
        found = recorded_opening(*args)
        answered.append(found is not None)
        return found

    monkeypatch.setattr(integrity_service, "recorded_opening", counted)
    quick = ledger.reading.proof_bundle(reader=READER, subject_id=SUBJECT)
    assert quick is not None
    assert verify_bundle(json.loads(json.dumps(quick)), ledger.integrity.verifier_key()) == []
    # Every disclosure with one event answered the quick way; the corrected one (two events)
    # was replayed: its first event was not even tried, its correction is not a recording.
    assert sorted(answered) == [False] + [True] * (len(ids) - 1)
    opened = {json.loads(event["plaintext"])["disclosure"] for event in quick["events"]}
    assert opened == set(ids)

    the_mappers_way(ledger, monkeypatch)
    assert ledger.reading.proof_bundle(reader=READER, subject_id=SUBJECT) == quick


def test_an_event_whose_parts_do_not_make_its_commitment_goes_the_long_way(
    ledger: Ledger,
) -> None:
    a_person_whose_values_need_escaping(ledger)
    with ledger.uow.read() as connection:
        key = ledger.vault.find(connection, SUBJECT)
        rows = event_rows(
            driver_rows(
                connection,
                "SELECT id, originator_id, originator_version, topic, state FROM ledger_events "
                "ORDER BY id",
                {},
            )
        )
    assert key is not None
    decoder = ledger.store.decoder
    recorded = [row for row in rows if row[3].endswith(".DisclosureRecorded")]
    assert len(recorded) == len(ESCAPED)
    for row in recorded:
        found = recorded_opening(ledger.vault, decoder, key, row)
        assert found is not None
        event = decoder(*row[1:])
        assert json.loads(found[0]) == {
            "clear": event.fields,
            "disclosure": str(row[1]),
            "event": "DisclosureRecorded",
            "reason": None,
            "retraction": None,
            "secret": ledger.vault.open(key, row[1], event.sealed),
            "version": 1,
        }
        # The same event with one clear value changed no longer makes its commitment.
        values = json.loads(state_codec.unpack(row[4]))
        values["fields"]["purpose"] += "."
        changed = state_codec.pack(json.dumps(values).encode())
        assert recorded_opening(ledger.vault, decoder, key, (*row[:4], changed)) is None
    correction = next(row for row in rows if row[3].endswith(".DisclosureCorrected"))
    assert recorded_opening(ledger.vault, decoder, key, correction) is None
