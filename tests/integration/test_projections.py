"""The read models are derived data: a rebuild from the event log gives exactly the same rows."""

from __future__ import annotations

import sqlalchemy as sa

from ledger.app import Ledger
from ledger.demo import demo_disclosures
from ledger.domain.values import Recipient
from ledger.projections.tables import READ_MODELS
from tests.builders import a_disclosure


def snapshot(ledger: Ledger) -> dict[str, list[tuple[object, ...]]]:
    with ledger.database.read_engine.connect() as connection:
        return {
            table.name: sorted(tuple(row) for row in connection.execute(sa.select(table)).all())
            for table in READ_MODELS
        }


def test_a_rebuild_produces_exactly_the_same_rows(ledger: Ledger) -> None:
    items = list(demo_disclosures(600, subjects=40, seed=7))
    ledger.recording.record_batch(items[:250], actor="demo")
    ledger.recording.record_batch(items[250:], actor="demo")
    receipts = ledger.recording.record_batch(
        [a_disclosure(n) for n in range(1, 4)], actor="payroll"
    )
    ledger.recording.correct(
        receipts[0].id,
        changes={"recipient": Recipient("uwv", "UWV", None, "NL")},
        reason="wrong recipient",
        actor="officer",
    )
    ledger.recording.retract(receipts[1].id, reason="in error", actor="officer")
    ledger.recording.correct(
        receipts[2].id, changes={"purpose": "Correctie"}, reason="clearer", actor="officer"
    )
    before = snapshot(ledger)
    assert sum(len(rows) for rows in before.values()) > 600

    replayed = ledger.maintenance.rebuild_projections()

    assert replayed == 606
    assert snapshot(ledger) == before


def test_a_rebuild_of_an_empty_ledger_is_empty(ledger: Ledger) -> None:
    assert ledger.maintenance.rebuild_projections() == 0
    assert all(rows == [] for rows in snapshot(ledger).values())


def test_a_rebuild_replaces_rows_that_do_not_follow_from_the_log(ledger: Ledger) -> None:
    ledger.recording.record(a_disclosure(), actor="payroll")
    before = snapshot(ledger)
    from ledger.projections.tables import statistics

    with ledger.database.write_engine.begin() as connection:
        connection.execute(sa.update(statistics).values(count=999))
    assert snapshot(ledger) != before

    ledger.maintenance.rebuild_projections()

    assert snapshot(ledger) == before


def test_statistics_count_corrections_in_their_new_month(ledger: Ledger) -> None:
    receipt = ledger.recording.record(a_disclosure(), actor="payroll")
    moved = a_disclosure().occurred_at.replace(month=9, day=30)
    ledger.recording.correct(
        receipt.id, changes={"occurred_at": moved}, reason="date", actor="officer"
    )
    assert [(s["month"], s["count"]) for s in ledger.reading.statistics()] == [("2026-09", 1)]
