"""Access requests on a real database, through the Flask test client and the service: the
deadlines as the API answers them, the refusals, the queue, the answer as evidence, the log."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from ledger.app import Ledger
from ledger.integrity.bundle import verify_bundle
from ledger.projections.tables import access_requests
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
