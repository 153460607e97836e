"""The read models are derived data: a rebuild from the event log gives exactly the same rows."""

from __future__ import annotations

import gc
import threading
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from ledger.app import Ledger, maintenance
from ledger.demo import demo_disclosures
from ledger.domain.values import Recipient
from ledger.projections import projector
from ledger.projections.tables import READ_MODELS
from tests.builders import AMSTERDAM, a_disclosure, to_inlener


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


def every_row(ledger: Ledger) -> dict[str, list[tuple[str, ...]]]:
    """Every read model's rows, each value as text (rows with NULLs then still sort)."""
    with ledger.uow.read() as connection:
        return {
            table.name: sorted(
                tuple(str(value) for value in row) for row in connection.execute(sa.select(table))
            )
            for table in READ_MODELS
        }


@pytest.mark.parametrize("way", ["in one page", "in small pages"])
def test_a_rebuild_gives_the_rows_of_live_projection_for_every_kind_of_event(
    ledger: Ledger, way: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if way == "in small pages":
        # The summaries of new disclosures merged in memory across pages and slices, and
        # written (merged into stored rows) between pages as well as before other events and
        # at the end.
        monkeypatch.setattr(maintenance, "REBUILD_PAGE", 97)
        monkeypatch.setattr(projector, "PAIRS_AT_ONCE", 50)
        monkeypatch.setattr(projector, "ROWS_AT_ONCE", 40)
    # Batches written by the bulk path, then every event that has a read model of its own.
    items = list(demo_disclosures(1_200, subjects=60, seed=5))
    ledger.recording.record_batch(items[:700], actor="demo")
    ledger.recording.record_batch(items[700:], actor="demo")
    receipts = ledger.recording.record_batch(
        [a_disclosure(n) for n in range(1, 5)], actor="payroll"
    )
    ledger.recording.correct(
        receipts[0].id,
        changes={"recipient": Recipient("uwv", "UWV", None, "NL")},
        reason="wrong recipient",
        actor="officer",
    )
    ledger.recording.retract(receipts[1].id, reason="in error", actor="officer")
    ledger.suppressions.extend(
        receipts[2].id, until=date(2026, 12, 1), authority="Politie", reason="r", actor="fg"
    )
    ledger.suppressions.lift(receipts[2].id, authority="Politie", reason="klaar", actor="fg")
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
    imposed = ledger.restrictions.impose(
        subject_id="E-00002", reason="betwist", until=date(2026, 12, 31), actor="fg"
    )
    ledger.restrictions.lift(imposed.restriction_id, reason="vastgesteld", actor="fg")
    ledger.requests.open(
        subject_id="E-00003",
        received_on=date(2026, 11, 1),
        channel="email",
        reference="brief 12",
        actor="fg",
    )
    # A person whose old data no rule holds is erased at once, with a notice to the hirer.
    for reference, month in (("a", 3), ("b", 6)):
        ledger.recording.record(
            to_inlener(
                9,
                occurred_at=datetime(2022, month, 1, 12, tzinfo=AMSTERDAM),
                source=replace(to_inlener(9).source, reference=f"old-{reference}"),
            ),
            actor="planning",
        )
    assert (
        ledger.erasures.request(
            subject_id="E-00009", reason="Verzoek", requested_on=None, actor="fg"
        ).state
        == "erased"
    )
    # ... and one whose recent data a rule holds is scheduled.
    ledger.erasures.request(subject_id="E-00004", reason="Verzoek", requested_on=None, actor="fg")
    before = every_row(ledger)
    with ledger.uow.read() as connection:
        logged = connection.execute(sa.select(sa.func.count()).select_from(ledger.store.table))
        events = logged.scalar_one()
    filled = [name for name, rows in before.items() if rows]
    assert {
        "read_disclosures",
        "read_activity_counts",
        "read_subject_recipients",
        "read_statistics",
        "read_consents",
        "read_restrictions",
        "read_access_requests",
        "read_recipient_notices",
        "read_recipient_notifications",
        "read_erasures",
    } <= set(filled), filled

    assert ledger.maintenance.rebuild_projections() == events

    assert every_row(ledger) == before


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


@pytest.mark.parametrize("enabled", [True, False])
def test_a_rebuild_pauses_the_cycle_collector_and_leaves_it_as_it_was(
    ledger: Ledger, enabled: bool
) -> None:
    ledger.recording.record_batch(list(demo_disclosures(30, subjects=5, seed=3)), actor="demo")
    during: list[bool] = []
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        ledger.maintenance.rebuild_projections(progress=lambda _n: during.append(gc.isenabled()))
        after = gc.isenabled()
    finally:
        (gc.enable if was else gc.disable)()

    assert during == [False]
    assert after is enabled


def a_ledger_of_several_pages(ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages of 7 events, 2 ahead: the rebuild below reads and prepares many pages ahead of
    the one it writes (on PostgreSQL, in a thread of its own), corrections among them."""
    if ledger.database.is_sqlite:
        pytest.skip("pages are prepared ahead on PostgreSQL")
    monkeypatch.setattr(maintenance, "REBUILD_PAGE", 7)
    monkeypatch.setattr(maintenance, "PAGES_AHEAD", 2)
    receipts = ledger.recording.record_batch(
        list(demo_disclosures(60, subjects=9, seed=5)), actor="demo"
    )
    ledger.recording.correct(
        receipts[3].id, changes={"purpose": "Correctie"}, reason="clearer", actor="officer"
    )
    ledger.recording.record_batch(list(demo_disclosures(30, subjects=4, seed=6)), actor="demo")


def rebuild_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name == "ledger-rebuild-pages"]


def test_pages_prepared_ahead_give_the_same_rows(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    a_ledger_of_several_pages(ledger, monkeypatch)
    before = snapshot(ledger)
    seen: list[str] = []
    pages: list[int] = []

    def progress(events: int) -> None:
        pages.append(events)
        seen.extend(rebuild_threads())

    assert ledger.maintenance.rebuild_projections(progress=progress) == 91
    assert pages == [7] * 13
    assert seen  # the pages were prepared by the thread
    assert rebuild_threads() == []
    assert snapshot(ledger) == before


@pytest.mark.parametrize("where", ["preparing a page", "writing a page"])
def test_a_failure_on_either_side_of_the_pages_ahead_leaves_the_read_models_as_they_were(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    a_ledger_of_several_pages(ledger, monkeypatch)
    before = snapshot(ledger)
    calls = 0

    def failing(*args: object, **kwargs: object) -> object:
        nonlocal calls
        calls += 1
        if calls == 4:
            raise RuntimeError(f"failed {where}")
        return original(*args, **kwargs)

    if where == "preparing a page":
        original = maintenance.prepare
        monkeypatch.setattr(maintenance, "prepare", failing)
    else:
        original = projector.write_bound
        monkeypatch.setattr(projector, "write_bound", failing)

    with pytest.raises(RuntimeError, match=f"failed {where}"):
        ledger.maintenance.rebuild_projections()

    assert rebuild_threads() == []
    assert snapshot(ledger) == before


def test_a_rebuild_that_locked_the_log_against_reads_prepares_its_pages_itself(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Had its transaction made a range partition (an ACCESS EXCLUSIVE lock on the log), a read
    on another connection would wait for it to end, and the rebuild for that read."""
    a_ledger_of_several_pages(ledger, monkeypatch)
    counted: list[int] = []

    def rebuild() -> None:
        with ledger.uow.write() as connection:
            connection.execute(sa.text("LOCK TABLE ledger_events IN ACCESS EXCLUSIVE MODE"))
            assert maintenance._holds_exclusively(connection, "ledger_events")
            counted.extend(n for n, _page in ledger.maintenance._prepared_pages(connection))

    worker = threading.Thread(target=rebuild, daemon=True)
    worker.start()
    worker.join(timeout=30)
    assert not worker.is_alive()
    assert sum(counted) == 91

    with ledger.uow.write() as connection:
        assert not maintenance._holds_exclusively(connection, "ledger_events")
