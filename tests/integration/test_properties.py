"""Any history of recording, batches, streams, corrections, retractions and replays keeps the
ledger consistent: its read models equal a rebuild from the events, `verify` passes, and each
person's overview is what folding their disclosures gives.

A hypothesis state machine drives the real application on a fresh database per example (a
SQLite file, or a PostgreSQL schema) and keeps its own model: each source reference's first
content, current values and state. Refusals the rules give (a conflicting replay, a correction
that changes nothing, retracting twice, a refused disclosure) are predicted by the model too.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from ledger.app import Ledger
from ledger.bootstrap import build_ledger
from ledger.domain.errors import (
    BatchRefused,
    DisclosureRefused,
    DisclosureRetractedError,
    InvalidChange,
    SourceConflict,
)
from ledger.domain.values import DisclosureFacts, Recipient, Source
from ledger.projections.tables import READ_MODELS
from ledger.settings import Settings
from tests.builders import NOW, READER, a_disclosure
from tests.conftest import POSTGRES_URL, TEST_MASTER_KEY, FixedClock

BOUNDED = settings(
    max_examples=15,
    stateful_step_count=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

SUBJECTS = (1, 2, 3)
PURPOSES = ("Loonaangifte oktober 2026", "Loonaangifte november 2026", "Planning van uw inzet")


@dataclass(frozen=True)
class Kind:
    """One valid way to disclose: a recipient with the basis and data that go with it."""

    recipient: Recipient
    legal_basis: str
    legal_provision: str | None
    data_categories: tuple[str, ...]


KINDS = (
    Kind(
        Recipient("belastingdienst", "Belastingdienst", None, "NL"),
        "legal_obligation",
        "Wet op de loonbelasting 1964, art. 28",
        ("naam", "bsn", "salaris"),
    ),
    Kind(
        Recipient("pensioenfonds", "Stichting Pensioenfonds StiPP", "41216593", "NL"),
        "legal_obligation",
        "Wet verplichte deelneming in een bedrijfstakpensioenfonds 2000, art. 2",
        ("naam", "salaris"),
    ),
    Kind(
        Recipient("inlener", "Bouwbedrijf De Vries B.V.", "87654321", "NL"),
        "contract",
        None,
        ("naam", "beschikbaarheid", "vca"),
    ),
)


def kind_changes(kind: Kind) -> dict[str, Any]:
    return {
        "recipient": kind.recipient,
        "legal_basis": kind.legal_basis,
        "legal_provision": kind.legal_provision,
        "data_categories": kind.data_categories,
    }


@st.composite
def disclosures(draw: st.DrawFn) -> DisclosureFacts:
    """One of nine references, each about its own person, recipient and purpose; now and then
    with other content (a conflict once the reference is known) or with a legal obligation
    that lacks its provision (refused by the rules)."""
    number = draw(st.integers(0, len(SUBJECTS) * len(KINDS) - 1))
    facts = replace(
        a_disclosure(SUBJECTS[number % len(SUBJECTS)]),
        **kind_changes(KINDS[number // len(SUBJECTS)]),
        purpose=PURPOSES[number % 2],
        source=Source("payroll", f"ref-{number}"),
    )
    variation = draw(st.integers(0, 9))
    if variation == 0:
        facts = replace(facts, purpose="Iets anders")
    elif variation == 1 and facts.legal_basis == "legal_obligation":
        facts = replace(facts, legal_provision=None)
    return facts


def is_valid(facts: DisclosureFacts) -> bool:
    return facts.legal_basis != "legal_obligation" or facts.legal_provision is not None


changes = st.one_of(
    st.sampled_from(PURPOSES).map(lambda purpose: {"purpose": purpose}),
    st.sampled_from(KINDS).map(kind_changes),
)


@dataclass
class Known:
    """What the model knows of one source reference."""

    id: UUID
    first: DisclosureFacts  # as first recorded: a replay must repeat exactly this
    current: DisclosureFacts
    corrections: int = 0
    retracted: bool = False

    @property
    def state(self) -> str:
        if self.retracted:
            return "retracted"
        return "corrected" if self.corrections else "recorded"


@contextmanager
def sqlite_database(folder: Path) -> Iterator[Settings]:
    folder = folder / uuid.uuid4().hex[:12]
    yield Settings(
        database_url=f"sqlite:///{folder / 'ledger.db'}", var_dir=folder, master_key=TEST_MASTER_KEY
    )


@contextmanager
def postgres_database(folder: Path) -> Iterator[Settings]:
    assert POSTGRES_URL
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f"CREATE SCHEMA {schema}"))
    separator = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield Settings(
            database_url=f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}",
            var_dir=folder / schema,
            master_key=TEST_MASTER_KEY,
        )
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


class LedgerHistory(RuleBasedStateMachine):
    """One history on a database of its own, with the model of what it must show."""

    def __init__(self, database: AbstractContextManager[Settings]) -> None:
        super().__init__()
        self.database = database
        self.ledger: Ledger = build_ledger(database.__enter__())
        self.ledger.clock = FixedClock(NOW)
        self.known: dict[str, Known] = {}

    def teardown(self) -> None:
        try:
            self.projections_equal_a_rebuild_from_the_events()
            assert self.ledger.integrity.verify().ok
        finally:
            self.ledger.close()
            self.database.__exit__(None, None, None)

    # -- what the model expects of a list of new disclosures -------------------------------

    def expected(self, items: list[DisclosureFacts]) -> tuple[set[int], set[int], list[bool]]:
        """The items the rules refuse; those that reuse a reference with other content (than
        it was first recorded with, or first had earlier in the list); and which are replays."""
        invalid = {index for index, facts in enumerate(items) if not is_valid(facts)}
        conflicts = set()
        first: dict[str, DisclosureFacts] = {}
        replays = []
        for index, facts in enumerate(items):
            reference = facts.source.reference
            known = self.known.get(reference)
            earlier = known.first if known is not None else first.get(reference)
            if earlier is not None and earlier != facts:
                conflicts.add(index)
            replays.append(earlier is not None)
            first.setdefault(reference, facts)
        return invalid, conflicts, replays

    def remember(self, items: list[DisclosureFacts], ids: list[UUID]) -> None:
        for facts, disclosure_id in zip(items, ids, strict=True):
            if facts.source.reference not in self.known:
                self.known[facts.source.reference] = Known(disclosure_id, facts, facts)
            assert self.known[facts.source.reference].id == disclosure_id

    # -- rules -------------------------------------------------------------------------------

    @rule(facts=disclosures())
    def record(self, facts: DisclosureFacts) -> None:
        invalid, conflicts, replays = self.expected([facts])
        if invalid:
            with pytest.raises(DisclosureRefused):
                self.ledger.recording.record(facts, actor="payroll")
        elif conflicts:
            with pytest.raises(SourceConflict):
                self.ledger.recording.record(facts, actor="payroll")
        else:
            receipt = self.ledger.recording.record(facts, actor="payroll")
            assert receipt.replayed == replays[0]
            self.remember([facts], [receipt.id])

    @rule(items=st.lists(disclosures(), min_size=1, max_size=5))
    def batch(self, items: list[DisclosureFacts]) -> None:
        invalid, conflicts, replays = self.expected(items)
        if invalid or conflicts:
            with pytest.raises(BatchRefused) as error:
                self.ledger.recording.record_batch(items, actor="payroll")
            # Every item is judged by the rules before any reference is looked up.
            assert set(error.value.items) == (invalid or conflicts)
            return
        receipts = self.ledger.recording.record_batch(items, actor="payroll")
        assert [receipt.replayed for receipt in receipts] == replays
        self.remember(items, [receipt.id for receipt in receipts])

    @rule(items=st.lists(disclosures(), min_size=1, max_size=6), batch_size=st.integers(1, 3))
    def stream(self, items: list[DisclosureFacts], batch_size: int) -> None:
        """Numbered from 1, as a file's lines; written batch by batch, still all or nothing."""
        invalid, conflicts, replays = self.expected(items)
        numbered = [(index + 1, facts) for index, facts in enumerate(items)]
        if invalid or conflicts:
            with pytest.raises(BatchRefused) as error:
                self.ledger.recording.record_stream(numbered, actor="import", batch_size=batch_size)
            # The stream stops at the first refused batch, and names lines by their numbers.
            assert error.value.items
            assert set(error.value.items) <= {index + 1 for index in invalid | conflicts}
            return
        tally = self.ledger.recording.record_stream(numbered, actor="import", batch_size=batch_size)
        assert (tally.recorded, tally.replayed) == (replays.count(False), replays.count(True))
        for facts in items:
            if facts.source.reference not in self.known:
                receipt = self.ledger.recording.record(facts, actor="payroll")  # a replay: its id
                assert receipt.replayed
                self.remember([facts], [receipt.id])

    @precondition(lambda self: self.known)
    @rule(data=st.data())
    def replay(self, data: st.DataObject) -> None:
        """The same disclosure posted again, as a retry would: the same id, nothing new."""
        known = self.known[data.draw(st.sampled_from(sorted(self.known)))]
        receipt = self.ledger.recording.record(known.first, actor="payroll")
        assert (receipt.id, receipt.replayed) == (known.id, True)

    @precondition(lambda self: self.known)
    @rule(data=st.data(), change=changes)
    def correct(self, data: st.DataObject, change: dict[str, Any]) -> None:
        known = self.known[data.draw(st.sampled_from(sorted(self.known)))]
        after = replace(known.current, **change)
        correcting = lambda: self.ledger.recording.correct(  # noqa: E731
            known.id, changes=change, reason="wrong in the export", actor="officer"
        )
        if after == known.current:
            with pytest.raises(InvalidChange):
                correcting()
        elif known.retracted:
            with pytest.raises(DisclosureRetractedError):
                correcting()
        else:
            correcting()
            known.current = after
            known.corrections += 1

    @precondition(lambda self: self.known)
    @rule(data=st.data())
    def retract(self, data: st.DataObject) -> None:
        known = self.known[data.draw(st.sampled_from(sorted(self.known)))]
        retracting = lambda: self.ledger.recording.retract(  # noqa: E731
            known.id, reason="recorded in error", actor="officer"
        )
        if known.retracted:
            with pytest.raises(DisclosureRetractedError):
                retracting()
        else:
            retracting()
            known.retracted = True

    @rule()
    def projections_equal_a_rebuild_from_the_events(self) -> None:
        before = self.read_models()
        self.ledger.maintenance.rebuild_projections()
        assert self.read_models() == before

    # -- invariants --------------------------------------------------------------------------

    @invariant()
    def each_overview_is_the_fold_of_their_disclosures(self) -> None:
        for subject in SUBJECTS:
            subject_id = a_disclosure(subject).subject.id
            overview = self.ledger.reading.overview(reader=READER, subject_id=subject_id)
            mine = [k for k in self.known.values() if k.current.subject.id == subject_id]
            expected: dict[tuple[str, str], list[tuple[str, str, str, tuple[str, ...]]]] = {}
            for known in mine:
                recipient = known.current.recipient
                expected.setdefault((recipient.category, recipient.name), []).append(
                    (
                        str(known.id),
                        known.state,
                        known.current.purpose,
                        tuple(sorted(known.current.data_categories)),
                    )
                )
            actual = {
                (group.category.code, group.name): sorted(
                    (
                        item.id,
                        item.state,
                        item.purpose,
                        tuple(sorted(c.code for c in item.data_categories)),
                    )
                    for item in group.items
                )
                for group in overview.groups
            }
            assert actual == {key: sorted(items) for key, items in expected.items()}
            counts = {
                (group.category.code, group.name): (group.count, group.corrected, group.retracted)
                for group in overview.groups
            }
            assert counts == {
                key: (
                    sum(state != "retracted" for _, state, _, _ in items),
                    sum(state == "corrected" for _, state, _, _ in items),
                    sum(state == "retracted" for _, state, _, _ in items),
                )
                for key, items in expected.items()
            }
            assert overview.count == sum(not k.retracted for k in mine)

    @invariant()
    def recipients_and_statistics_count_what_stands(self) -> None:
        """A rebuild replays the same projector, so it cannot catch the projector's own slip;
        the per-person recipient summary and the statistics are checked against the model."""
        standing = [known.current for known in self.known.values() if not known.retracted]
        for subject in SUBJECTS:
            subject_id = a_disclosure(subject).subject.id
            fold: dict[tuple[str, str], tuple[int, set[str], set[str]]] = {}
            for facts in standing:
                if facts.subject.id != subject_id:
                    continue
                key = (facts.recipient.category, facts.recipient.name)
                count, categories, bases = fold.get(key, (0, set(), set()))
                fold[key] = (
                    count + 1,
                    categories | set(facts.data_categories),
                    bases | {facts.legal_basis},
                )
            summary = self.ledger.reading.recipients_of(subject_id, reader=READER)
            assert {
                (row["recipient"]["category"], row["recipient"]["name"]): (
                    row["count"],
                    set(row["data_categories"]),
                    set(row["legal_bases"]),
                )
                for row in summary
            } == fold
        statistics: dict[tuple[str, str, str], int] = {}
        for facts in standing:
            key = (facts.controller, facts.recipient.category, facts.legal_basis)
            statistics[key] = statistics.get(key, 0) + 1
        assert {
            (row["controller"], row["recipient_category"], row["legal_basis"]): row["count"]
            for row in self.ledger.reading.statistics()
        } == statistics

    def read_models(self) -> dict[str, list[tuple[Any, ...]]]:
        with self.ledger.uow.read() as connection:
            return {
                table.name: sorted(
                    (tuple(row) for row in connection.execute(sa.select(table))), key=repr
                )
                for table in READ_MODELS
            }


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_any_history_keeps_read_models_log_and_overviews_consistent(
    kind: str, tmp_path: Path
) -> None:
    database = {"sqlite": sqlite_database, "postgres": postgres_database}[kind]
    run_state_machine_as_test(lambda: LedgerHistory(database(tmp_path)), settings=BOUNDED)
