"""Single postings written as one group (`Recording._record_group`), on both backends: each gets
the outcome it would have had alone, after the ones before it in the group, in one transaction;
a failure of the database is every posting's answer, any other failure has each tried alone."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from ledger.app import Ledger, Receipt
from ledger.app.recording import Recording
from ledger.domain.errors import DisclosureRefused, SourceConflict
from ledger.domain.values import Source
from tests.builders import a_disclosure


def first_actor(ledger: Ledger, receipt: Receipt) -> str:
    event: Any = next(iter(ledger.store.events.get(receipt.id)))
    return str(event.actor)


def test_each_posting_of_a_group_gets_its_own_outcome_in_one_transaction(ledger: Ledger) -> None:
    earlier = ledger.recording.record(a_disclosure(1), actor="payroll")
    future = a_disclosure(3, occurred_at=ledger.uow.now() + timedelta(days=2))
    postings = [
        (a_disclosure(2), "payroll"),  # new
        (future, "payroll"),  # refused by a rule
        (a_disclosure(1), "hr"),  # a replay of a recording before the group
        (a_disclosure(1, purpose="another purpose"), "payroll"),  # conflicts with that one
        (a_disclosure(4), "planning"),  # new, another actor
        (a_disclosure(4), "payroll"),  # a replay of a posting earlier in the group
        (a_disclosure(4, purpose="another purpose"), "payroll"),  # conflicts with it
    ]
    new, refused, replay, conflict, other, again, contested = ledger.recording._record_group(
        postings, time.monotonic()
    )

    assert isinstance(new, Receipt)
    assert not new.replayed
    assert isinstance(other, Receipt)
    assert not other.replayed
    # One transaction: the group's new disclosures take consecutive positions after the log.
    assert (new.position, other.position) == (earlier.position + 1, earlier.position + 2)
    assert isinstance(refused, DisclosureRefused)
    assert set(refused.errors) == {"occurred_at"}
    assert replay == Receipt(earlier.id, earlier.recorded_at, earlier.position, True)
    assert isinstance(conflict, SourceConflict)
    assert conflict.disclosure_id == earlier.id
    assert again == Receipt(other.id, other.recorded_at, other.position, True)
    assert isinstance(contested, SourceConflict)
    assert contested.disclosure_id == other.id
    # Each new disclosure is recorded as its own caller's.
    assert first_actor(ledger, new) == "payroll"
    assert first_actor(ledger, other) == "planning"
    report = ledger.integrity.verify()
    assert report.ok, report.problems
    assert report.events == 3


def test_a_group_that_the_database_cannot_take_gives_each_posting_that_answer_once(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    tries: list[int] = []

    def unavailable(self: Recording, items: Any, *, actors: Any) -> Any:
        tries.append(len(items))
        raise sa.exc.OperationalError("INSERT", {}, Exception("server closed the connection"))

    monkeypatch.setattr(Recording, "_record_all", unavailable)
    outcomes = ledger.recording._record_group(
        [(a_disclosure(n), "payroll") for n in range(1, 4)], time.monotonic()
    )
    # Not tried again one by one: alone, each would have waited as long for the same answer.
    assert tries == [3]
    assert all(isinstance(outcome, sa.exc.OperationalError) for outcome in outcomes)


def test_any_other_failure_of_a_group_has_each_posting_tried_alone(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = Recording._record_all
    poisoned = a_disclosure(2).source.reference

    def failing(self: Recording, items: Any, *, actors: Any) -> Any:
        if any(facts.source.reference == poisoned for facts in items):
            raise RuntimeError("a posting the code cannot handle")
        return original(self, items, actors=actors)

    monkeypatch.setattr(Recording, "_record_all", failing)
    first, poison, last = ledger.recording._record_group(
        [(a_disclosure(n), "payroll") for n in range(1, 4)], time.monotonic()
    )
    assert isinstance(first, Receipt)
    assert isinstance(last, Receipt)
    assert isinstance(poison, RuntimeError)
    assert last.position == first.position + 1


def test_concurrent_single_postings_are_grouped_and_each_answered(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through `record()` from many threads: some groups hold several postings, and every
    caller gets the answer for its own posting."""
    sizes: list[int] = []
    original = Recording._record_group

    def noted(self: Recording, postings: Any, since: float) -> Any:
        sizes.append(len(postings))
        time.sleep(0.02)  # a slow write, so that the others queue behind it
        return original(self, postings, since)

    monkeypatch.setattr(Recording, "_record_group", noted)
    # The combiner holds the bound method it was made with: a new Recording uses the patch.
    recording = Recording(
        uow=ledger.uow,
        keys=ledger.recording.keys,
        vault=ledger.recording.vault,
        vocabulary=ledger.recording.vocabulary,
        register=ledger.recording.register,
    )
    results: dict[int, Any] = {}
    barrier = threading.Barrier(12)

    def post(number: int) -> None:
        facts = a_disclosure(number, source=Source("payroll", f"group-{number}"))
        if number % 4 == 0:
            facts = replace(facts, legal_basis="no such basis")
        barrier.wait()
        try:
            results[number] = recording.record(facts, actor=f"system-{number}")
        except DisclosureRefused as refused:
            results[number] = refused

    threads = [threading.Thread(target=post, args=(n,)) for n in range(1, 13)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert max(sizes) > 1
    assert sum(sizes) >= 12
    for number in range(1, 13):
        if number % 4 == 0:
            assert isinstance(results[number], DisclosureRefused)
            assert "legal_basis" in results[number].errors
        else:
            receipt = results[number]
            assert isinstance(receipt, Receipt)
            assert not receipt.replayed
            assert first_actor(ledger, receipt) == f"system-{number}"
    positions = sorted(r.position for r in results.values() if isinstance(r, Receipt))
    assert positions == list(range(1, 10))
    report = ledger.integrity.verify()
    assert report.ok, report.problems
    assert report.events == 9
