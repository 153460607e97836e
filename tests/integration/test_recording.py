"""Recording, replay, conflicts, batches, corrections and retractions on a real database."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from ledger.adapters.state_codec import unpack
from ledger.app import Ledger, StreamTally
from ledger.domain.errors import (
    BatchRefused,
    DisclosureNotFound,
    DisclosureRefused,
    DisclosureRetractedError,
    InvalidChange,
    SourceConflict,
)
from ledger.domain.values import DisclosureFacts, Recipient, Source, Subject
from ledger.projections.tables import disclosures
from tests.builders import AMSTERDAM, READER, a_disclosure, to_inlener


def count_rows(ledger: Ledger, table: sa.Table) -> int:
    with ledger.database.read_engine.connect() as connection:
        return int(connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def events_table(ledger: Ledger) -> sa.Table:
    table: sa.Table = ledger.store.table
    return table


def test_a_recorded_disclosure_is_in_every_query_when_record_returns(ledger: Ledger) -> None:
    receipt = ledger.recording.record(a_disclosure(), actor="payroll")

    page = ledger.reading.disclosures_of("E-00001", reader=READER)
    assert [item["id"] for item in page.items] == [str(receipt.id)]
    item = page.items[0]
    assert item["recipient"]["name"] == "Belastingdienst"
    assert item["subject"]["id"] == "E-00001"
    assert item["source"] == {"system": "payroll", "reference": "run-2026-10/E-00001"}
    assert item["position"] == receipt.position
    recipients = ledger.reading.recipients_of("E-00001", reader=READER)
    assert len(recipients) == 1
    assert recipients[0]["count"] == 1
    assert recipients[0]["data_categories"] == ["bsn", "naam", "salaris"]
    assert ledger.reading.statistics() == [
        {
            "month": "2026-10",
            "controller": "12345678",
            "recipient_category": "belastingdienst",
            "legal_basis": "legal_obligation",
            "count": 1,
        }
    ]


def test_the_same_source_and_content_again_is_a_replay_of_the_same_disclosure(
    ledger: Ledger,
) -> None:
    first = ledger.recording.record(a_disclosure(), actor="payroll")
    again = ledger.recording.record(a_disclosure(), actor="payroll")

    assert again.replayed
    assert not first.replayed
    assert (again.id, again.recorded_at, again.position) == (
        first.id,
        first.recorded_at,
        first.position,
    )
    assert count_rows(ledger, disclosures) == 1
    assert count_rows(ledger, events_table(ledger)) == 1


def test_the_same_source_with_other_content_is_a_conflict(ledger: Ledger) -> None:
    ledger.recording.record(a_disclosure(), actor="payroll")

    with pytest.raises(SourceConflict):
        ledger.recording.record(a_disclosure(purpose="Iets anders"), actor="payroll")
    assert count_rows(ledger, disclosures) == 1


def test_the_same_source_reference_from_another_system_is_another_disclosure(
    ledger: Ledger,
) -> None:
    facts = a_disclosure()
    first = ledger.recording.record(facts, actor="payroll")
    second = ledger.recording.record(
        replace(facts, source=Source("hr", facts.source.reference)), actor="hr"
    )
    assert first.id != second.id


def test_a_batch_with_one_bad_item_records_nothing_and_names_the_item(ledger: Ledger) -> None:
    items = [a_disclosure(n) for n in range(1, 6)]
    items[3] = replace(items[3], legal_provision=None)

    with pytest.raises(BatchRefused) as refused:
        ledger.recording.record_batch(items, actor="payroll")

    assert list(refused.value.errors) == ["items.3.legal_provision"]
    assert count_rows(ledger, disclosures) == 0
    assert count_rows(ledger, events_table(ledger)) == 0
    assert ledger.reading.recipients_of("E-00001", reader=READER) == []


def test_a_batch_with_a_conflicting_item_records_nothing(ledger: Ledger) -> None:
    ledger.recording.record(a_disclosure(2), actor="payroll")
    items = [a_disclosure(1), a_disclosure(2, purpose="Anders"), a_disclosure(3)]

    with pytest.raises(BatchRefused) as refused:
        ledger.recording.record_batch(items, actor="payroll")

    assert list(refused.value.errors) == ["items.1.source.reference"]
    assert count_rows(ledger, disclosures) == 1


def test_a_batch_answers_in_input_order_with_replays_flagged(ledger: Ledger) -> None:
    earlier = ledger.recording.record(a_disclosure(2), actor="payroll")
    items = [a_disclosure(1), a_disclosure(2), a_disclosure(3), a_disclosure(1)]

    receipts = ledger.recording.record_batch(items, actor="payroll")

    assert [r.replayed for r in receipts] == [False, True, False, True]
    assert receipts[1].id == earlier.id
    assert receipts[3].id == receipts[0].id
    assert receipts[0].position < receipts[2].position
    assert count_rows(ledger, disclosures) == 3


def test_a_batch_repeating_a_source_with_other_content_is_refused(ledger: Ledger) -> None:
    items = [a_disclosure(1), a_disclosure(1, purpose="Anders")]
    with pytest.raises(BatchRefused) as refused:
        ledger.recording.record_batch(items, actor="payroll")
    assert "repeats item 0" in refused.value.errors["items.1.source.reference"]
    assert count_rows(ledger, disclosures) == 0


def test_a_stream_takes_numbered_items_lazily_and_answers_with_counts(ledger: Ledger) -> None:
    ledger.recording.record(a_disclosure(2), actor="payroll")
    taken: list[int] = []
    taken_when_written: list[int] = []

    def items() -> Iterator[tuple[int, DisclosureFacts]]:
        for number in range(1, 2_501):
            taken.append(number)
            yield number, a_disclosure(number % 1_000 + 1)

    tally = ledger.recording.record_stream(
        items(),
        actor="import",
        batch_size=400,
        progress=lambda _: taken_when_written.append(len(taken)),
    )

    assert tally == StreamTally(recorded=999, replayed=1_501)
    assert taken_when_written[0] == 400  # the first batch was written before the rest was read
    assert count_rows(ledger, disclosures) == 1_000


def test_a_stream_that_fails_midway_leaves_nothing_recorded(ledger: Ledger) -> None:
    def items() -> Iterator[tuple[int, DisclosureFacts]]:
        for number in range(1, 2_501):
            yield number, a_disclosure(number)
        raise RuntimeError("the source went away")

    with pytest.raises(RuntimeError):
        ledger.recording.record_stream(items(), actor="import", batch_size=1_000)

    assert count_rows(ledger, events_table(ledger)) == 0
    assert count_rows(ledger, disclosures) == 0
    assert ledger.integrity.verify().ok


def test_a_stream_names_an_item_by_its_number_and_the_item_it_repeats(ledger: Ledger) -> None:
    numbered = [(number * 10, a_disclosure(number)) for number in range(1, 30)]
    numbered.append((500, a_disclosure(3, purpose="Anders")))

    with pytest.raises(BatchRefused) as refused:
        ledger.recording.record_stream(numbered, actor="import", batch_size=7, unit="line")

    assert refused.value.items == {500: {"source.reference": "repeats line 30 with other content"}}
    assert count_rows(ledger, events_table(ledger)) == 0


def test_an_empty_or_oversized_batch_is_refused(ledger: Ledger) -> None:
    with pytest.raises(InvalidChange):
        ledger.recording.record_batch([], actor="payroll")
    with pytest.raises(InvalidChange):
        ledger.recording.record_batch([a_disclosure()] * 10_001, actor="payroll")


def test_a_refused_single_disclosure_names_the_field_without_an_index(ledger: Ledger) -> None:
    with pytest.raises(DisclosureRefused) as refused:
        ledger.recording.record(a_disclosure(legal_basis="guesswork"), actor="payroll")
    assert "legal_basis" in refused.value.errors


def test_concurrent_writers_of_one_source_reference_end_with_one_disclosure(
    ledger: Ledger,
) -> None:
    facts = a_disclosure()
    barrier = threading.Barrier(6)
    receipts = []
    failures: list[BaseException] = []

    def post() -> None:
        barrier.wait()
        try:
            receipts.append(ledger.recording.record(facts, actor="payroll"))
        except BaseException as error:  # collected and asserted below
            failures.append(error)

    threads = [threading.Thread(target=post) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert len({r.id for r in receipts}) == 1
    assert sorted(r.replayed for r in receipts) == [False] + [True] * 5
    assert count_rows(ledger, disclosures) == 1
    assert count_rows(ledger, events_table(ledger)) == 1


def test_concurrent_batches_sharing_new_subjects_give_each_subject_one_vault_entry(
    ledger: Ledger,
) -> None:
    from ledger.adapters.vault import subject_vault

    barrier = threading.Barrier(4)
    failures: list[BaseException] = []

    def post(worker: int) -> None:
        items = [a_disclosure(n, source=Source("payroll", f"w{worker}-{n}")) for n in range(1, 21)]
        barrier.wait()
        try:
            ledger.recording.record_batch(items, actor="payroll")
        except BaseException as error:  # collected and asserted below
            failures.append(error)

    threads = [threading.Thread(target=post, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert count_rows(ledger, subject_vault) == 20
    assert count_rows(ledger, disclosures) == 80


def test_a_correction_is_judged_and_shown_as_the_current_values(ledger: Ledger) -> None:
    receipt = ledger.recording.record(a_disclosure(), actor="payroll")

    with pytest.raises(DisclosureRefused) as refused:
        ledger.recording.correct(
            receipt.id, changes={"legal_provision": None}, reason="typo", actor="officer"
        )
    assert "legal_provision" in refused.value.errors

    corrected = ledger.recording.correct(
        receipt.id,
        changes={
            "recipient": Recipient("uwv", "UWV", None, "NL"),
            "subject": {"name": "Jan de Jong"},
        },
        reason="Sent to UWV, not the Belastingdienst",
        actor="officer",
    )

    assert corrected.position > receipt.position
    view = ledger.reading.disclosure(receipt.id, reader=READER)
    assert view["recipient"]["category"] == "uwv"
    assert view["subject"]["name"] == "Jan de Jong"
    assert view["corrections"] == 1
    assert [h["type"] for h in view["history"]] == ["DisclosureRecorded", "DisclosureCorrected"]
    assert view["history"][1]["reason"] == "Sent to UWV, not the Belastingdienst"
    assert view["history"][1]["changed"] == ["recipient", "subject"]
    assert [
        r["recipient"]["category"] for r in ledger.reading.recipients_of("E-00001", reader=READER)
    ] == ["uwv"]
    assert [s["recipient_category"] for s in ledger.reading.statistics()] == ["uwv"]


def test_a_correction_may_not_change_identity_or_source(ledger: Ledger) -> None:
    receipt = ledger.recording.record(a_disclosure(), actor="payroll")
    for changes in (
        {"controller": "87654321"},
        {"source": Source("payroll", "other")},
        {"subject": {"id": "E-99999"}},
        {"colour": "blue"},
        {},
    ):
        with pytest.raises(InvalidChange):
            ledger.recording.correct(receipt.id, changes=changes, reason="try", actor="officer")


def test_a_correction_needs_a_reason_and_a_real_change(ledger: Ledger) -> None:
    receipt = ledger.recording.record(a_disclosure(), actor="payroll")
    with pytest.raises(InvalidChange, match="reason"):
        ledger.recording.correct(
            receipt.id, changes={"purpose": "Nieuw"}, reason=" ", actor="officer"
        )
    with pytest.raises(InvalidChange, match="change nothing"):
        ledger.recording.correct(
            receipt.id, changes={"purpose": "Loonaangifte oktober 2026"}, reason="x", actor="o"
        )


def test_a_retracted_disclosure_leaves_the_answers_but_stays_in_the_history(
    ledger: Ledger,
) -> None:
    receipt = ledger.recording.record(a_disclosure(), actor="payroll")
    ledger.recording.record(to_inlener(), actor="planning")

    ledger.recording.retract(receipt.id, reason="Recorded in error", actor="officer")

    view = ledger.reading.disclosure(receipt.id, reader=READER)
    assert view["retracted"] is True
    assert view["retraction_reason"] == "Recorded in error"
    assert [
        r["recipient"]["category"] for r in ledger.reading.recipients_of("E-00001", reader=READER)
    ] == ["inlener"]
    assert [s["recipient_category"] for s in ledger.reading.statistics()] == ["inlener"]
    assert len(ledger.reading.disclosures_of("E-00001", reader=READER).items) == 2
    with pytest.raises(DisclosureRetractedError):
        ledger.recording.retract(receipt.id, reason="again", actor="officer")
    with pytest.raises(DisclosureRetractedError):
        ledger.recording.correct(receipt.id, changes={"purpose": "x"}, reason="x", actor="officer")


def test_an_unknown_disclosure_is_not_found(ledger: Ledger) -> None:
    unknown = ledger.keys.disclosure_id("nobody", "nothing")
    with pytest.raises(DisclosureNotFound):
        ledger.reading.disclosure(unknown, reader=READER)
    with pytest.raises(DisclosureNotFound):
        ledger.recording.retract(unknown, reason="x", actor="officer")


def test_an_unknown_subject_has_no_disclosures_and_no_recipients(ledger: Ledger) -> None:
    assert ledger.reading.disclosures_of("E-404", reader=READER).items == []
    assert ledger.reading.recipients_of("E-404", reader=READER) == []


def test_recipients_summarise_period_count_data_and_bases(ledger: Ledger) -> None:
    base = to_inlener()
    for day in (3, 17, 9):
        ledger.recording.record(
            replace(
                base,
                occurred_at=datetime(2026, 10, day, 10, 0, tzinfo=AMSTERDAM),
                data_categories=("naam", "vca") if day == 17 else ("naam", "beschikbaarheid"),
                source=Source("planning", f"plan-{day}"),
            ),
            actor="planning",
        )
    ledger.recording.record(a_disclosure(), actor="payroll")

    recipients = {
        r["recipient"]["category"]: r
        for r in ledger.reading.recipients_of("E-00001", reader=READER)
    }
    inlener = recipients["inlener"]
    assert inlener["count"] == 3
    assert inlener["first_at"].date().day == 3
    assert inlener["last_at"].date().day == 17
    assert inlener["data_categories"] == ["beschikbaarheid", "naam", "vca"]
    assert inlener["legal_bases"] == ["contract"]
    assert recipients["belastingdienst"]["count"] == 1


def test_subject_pages_are_stable_while_new_disclosures_arrive(ledger: Ledger) -> None:
    start = datetime(2026, 10, 1, 9, 0, tzinfo=AMSTERDAM)
    items = [
        to_inlener(
            occurred_at=start + timedelta(hours=n),
            source=Source("planning", f"p-{n}"),
        )
        for n in range(25)
    ]
    ledger.recording.record_batch(items, actor="planning")

    first = ledger.reading.disclosures_of("E-00001", reader=READER, limit=10)
    ledger.recording.record(
        to_inlener(occurred_at=start + timedelta(days=20), source=Source("planning", "late")),
        actor="planning",
    )
    second = ledger.reading.disclosures_of("E-00001", reader=READER, limit=10, cursor=first.next)
    third = ledger.reading.disclosures_of("E-00001", reader=READER, limit=10, cursor=second.next)

    seen = [i["occurred_at"] for i in first.items + second.items + third.items]
    assert len(seen) == 25 == len(set(seen))
    assert seen == sorted(seen, reverse=True)
    assert third.next is None


def test_filters_narrow_a_subject_page(ledger: Ledger) -> None:
    ledger.recording.record(a_disclosure(), actor="payroll")
    ledger.recording.record(to_inlener(), actor="planning")
    from ledger.projections.queries import Filters

    only = ledger.reading.disclosures_of(
        "E-00001", reader=READER, filters=Filters(recipient_category="inlener")
    )
    assert [i["recipient"]["category"] for i in only.items] == ["inlener"]
    later = ledger.reading.disclosures_of(
        "E-00001", reader=READER, filters=Filters(since=datetime(2026, 11, 1, tzinfo=AMSTERDAM))
    )
    assert later.items == []


def test_disclosures_to_a_category_list_every_subject(ledger: Ledger) -> None:
    ledger.recording.record_batch(
        [to_inlener(n, source=Source("planning", f"p{n}")) for n in range(1, 4)], actor="p"
    )
    ledger.recording.record(a_disclosure(9), actor="payroll")
    page = ledger.reading.disclosures_to("inlener", reader=READER)
    assert sorted(i["subject"]["id"] for i in page.items) == ["E-00001", "E-00002", "E-00003"]


def test_stored_events_hold_no_cleartext_identifiers(ledger: Ledger) -> None:
    facts = a_disclosure(
        subject=Subject(id="PERSON-4711", name="Fatima El Amrani", email="fatima@example.org"),
        source=Source("payroll", "loonrun-2026-10-PERSON-4711"),
    )
    receipt = ledger.recording.record(facts, actor="payroll")
    ledger.recording.correct(
        receipt.id,
        changes={"subject": {"email": "f.elamrani@example.org"}},
        reason="new address",
        actor="officer",
    )

    with ledger.database.read_engine.connect() as connection:
        rows = connection.execute(sa.select(events_table(ledger))).all()
        read_rows = connection.execute(sa.select(disclosures)).all()
    stored = b"".join(unpack(bytes(row.state)) + row.topic.encode() for row in rows)
    stored += repr(read_rows).encode()
    assert len(rows) == 2
    for secret in (
        "PERSON-4711",
        "Fatima",
        "El Amrani",
        "fatima@example.org",
        "f.elamrani",
        "loonrun-2026-10",
    ):
        assert secret.encode() not in stored, secret
    assert b"Belastingdienst" in stored  # the clear fields are really there


def test_one_subject_keeps_one_tag_across_disclosures(ledger: Ledger) -> None:
    ledger.recording.record(a_disclosure(), actor="payroll")
    ledger.recording.record(to_inlener(), actor="planning")
    ledger.recording.record(a_disclosure(2), actor="payroll")
    tags = {
        item["subject_tag"]
        for item in ledger.reading.disclosures_of("E-00001", reader=READER).items
    }
    assert len(tags) == 1
    assert tags != {
        item["subject_tag"]
        for item in ledger.reading.disclosures_of("E-00002", reader=READER).items
    }
