"""Many writers at once, on both backends: on PostgreSQL new disclosures are judged, sealed and
encoded beside each other and only sequenced one at a time (`UnitOfWork.record()`), so these
check what that must keep: exactly once per source reference, gapless positions, leaves in log
order, read-your-writes after every answer, and a log that verifies."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import replace
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from ledger.app import Ledger, Receipt
from ledger.domain.errors import SourceConflict
from ledger.domain.values import Source, Subject
from ledger.integrity.leaves import Leaf
from ledger.integrity.log import leaves
from ledger.projections.tables import disclosures
from tests.builders import a_disclosure

WRITERS = 12
POSTS_EACH = 6
# References every writer posts with the same content (one records, the rest replay), and
# references two writers post with different content (one records, the other is refused).
SHARED = 3
CONTESTED = 3
# Subjects every writer names, new to the vault when the writers start.
COMMON_SUBJECTS = 4


def _own(writer: int, n: int) -> Any:
    # Half of them name a subject the others name too, created by whoever comes first.
    subject = n % COMMON_SUBJECTS + 1 if n % 2 else 1_000 + writer * POSTS_EACH + n
    facts = a_disclosure(subject, source=Source("payroll", f"w{writer}-{n}"))
    return replace(facts, subject=Subject(id=f"E-{subject:05d}", name="Jan", email=None))


def _shared(k: int) -> Any:
    return a_disclosure(500 + k, source=Source("payroll", f"shared-{k}"))


def _contested(k: int, writer: int) -> Any:
    return a_disclosure(600 + k, source=Source("payroll", f"contested-{k}"), purpose=f"w{writer}")


def _visible(ledger: Ledger, receipt: Receipt) -> bool:
    """Whether a fresh read finds the disclosure at its position, with its leaf."""
    with ledger.uow.read() as connection:
        position = connection.execute(
            sa.select(disclosures.c.position).where(disclosures.c.disclosure_id == receipt.id.hex)
        ).scalar()
        leaf = connection.execute(
            sa.select(leaves.c.leaf).where(leaves.c.idx == receipt.position - 1)
        ).scalar()
    return position == receipt.position and leaf is not None


def test_concurrent_writers_record_each_reference_once_in_one_gapless_verified_log(
    ledger: Ledger,
) -> None:
    corrected = ledger.recording.record(a_disclosure(900), actor="payroll")
    barrier = threading.Barrier(WRITERS + 1)
    receipts: dict[str, list[Receipt]] = {}
    refused: Counter[str] = Counter()
    not_visible: list[str] = []
    failures: list[BaseException] = []
    lock = threading.Lock()

    def post(reference: str, facts: Any) -> None:
        try:
            receipt = ledger.recording.record(facts, actor="payroll")
        except SourceConflict:
            with lock:
                refused[reference] += 1
            return
        # Read-your-writes: once record() has answered, every read includes the write.
        if not _visible(ledger, receipt):
            not_visible.append(reference)
        with lock:
            receipts.setdefault(reference, []).append(receipt)

    def writer(number: int) -> None:
        barrier.wait()
        try:
            for n in range(POSTS_EACH):
                post(f"w{number}-{n}", _own(number, n))
                if n < SHARED:
                    post(f"shared-{n}", _shared(n))
                if n < CONTESTED and number < 2:
                    post(f"contested-{n}", _contested(n, number))
        except BaseException as error:  # collected and asserted below
            failures.append(error)

    def corrector() -> None:
        # A write that holds the sequencer from its start, among the recordings.
        barrier.wait()
        try:
            for n in range(3):
                ledger.recording.correct(
                    corrected.id,
                    changes={"purpose": f"loonaangifte {n}"},
                    reason="typo",
                    actor="officer",
                )
        except BaseException as error:  # collected and asserted below
            failures.append(error)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    threads.append(threading.Thread(target=corrector))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)

    assert failures == []
    assert not_visible == []
    # Exactly once: one disclosure per reference; its replays answer its id and position.
    for reference, answers in receipts.items():
        assert len({(r.id, r.position) for r in answers}) == 1, reference
        assert sum(not r.replayed for r in answers) == 1, reference
    assert all(len(receipts[f"shared-{k}"]) == WRITERS for k in range(SHARED))
    for k in range(CONTESTED):
        assert len(receipts[f"contested-{k}"]) + refused[f"contested-{k}"] == 2
        assert refused[f"contested-{k}"] == 1
    recorded = len(receipts)
    with ledger.uow.read() as connection:
        events = ledger.uow.store.table
        positions = list(connection.execute(sa.select(events.c.id).order_by(events.c.id)).scalars())
        firsts = connection.execute(
            sa.select(events.c.originator_id).where(events.c.originator_version == 1)
        ).scalars()
        first_ids = Counter(UUID(str(i)) for i in firsts)
        log = [
            (idx, Leaf.decode(bytes(raw)).position)
            for idx, raw in connection.execute(
                sa.select(leaves.c.idx, leaves.c.leaf).order_by(leaves.c.idx)
            )
        ]
        rows = connection.execute(sa.select(sa.func.count()).select_from(disclosures)).scalar()
    # One first event per disclosure: those recorded here and the one corrected.
    assert max(first_ids.values()) == 1
    assert len(first_ids) == recorded + 1 == rows
    # Gapless positions, one leaf per event in log order.
    assert positions == list(range(1, recorded + 1 + 1 + 3))
    assert log == [(position - 1, position) for position in positions]
    report = ledger.integrity.verify()
    assert report.ok, report


def _enters_while_held(outer: Any, inner: Any) -> tuple[bool, bool]:
    """Whether `inner()` got in while another thread held `outer()` open (0.5 s), and whether
    it got in once that thread had finished."""
    held, entered, done = threading.Event(), threading.Event(), threading.Event()

    def holder() -> None:
        with outer():
            held.set()
            done.wait(timeout=10)

    def follower() -> None:
        held.wait(timeout=10)
        with inner():
            entered.set()

    threads = [threading.Thread(target=holder), threading.Thread(target=follower)]
    for thread in threads:
        thread.start()
    early = entered.wait(timeout=0.5)
    done.set()
    late = entered.wait(timeout=10)
    for thread in threads:
        thread.join(timeout=10)
    return early, late


def test_a_write_and_a_recording_of_new_disclosures_never_overlap(ledger: Ledger) -> None:
    # A consent, restriction, activity or erasure (a `write()`) must not commit between a new
    # disclosure's judgement and its append: each waits for the other's whole transaction.
    assert _enters_while_held(ledger.uow.record, ledger.uow.write) == (False, True)
    assert _enters_while_held(ledger.uow.write, ledger.uow.record) == (False, True)


def test_recordings_of_new_disclosures_run_beside_each_other_on_postgresql(
    ledger: Ledger,
) -> None:
    # Only SQLite has one writer from the start; on PostgreSQL judging is not serialised.
    one_writer = ledger.database.is_sqlite
    assert _enters_while_held(ledger.uow.record, ledger.uow.record) == (not one_writer, True)
