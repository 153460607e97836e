"""The single-post write path, on both backends: the log's append reads only what the new
subtrees hash, the checkpoint check goes by what the append read, a subject new to the vault
that another writer stored first gets that writer's key, and request schemas are built once."""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from ledger.app import Ledger
from ledger.bootstrap import build_ledger
from ledger.integrity import merkle
from ledger.integrity.log import Entry
from ledger.schemas import DisclosureSchema
from ledger.settings import Settings
from ledger.web.bodies import LedgerParser
from tests.builders import a_disclosure


def _entry(position: int) -> Entry:
    return Entry(
        position=position,
        event_type="DisclosureRecorded",
        recorded_at=datetime(2026, 11, 2, tzinfo=UTC) + timedelta(seconds=position),
        subject_tag=f"{position % 3:032x}",
        commitment=hashlib.sha256(b"c%d" % position).digest(),
        event_digest=hashlib.sha256(b"e%d" % position).digest(),
    )


def _reads_while(ledger: Ledger, call: Any) -> int:
    """How many SELECTs `call()` sent."""
    reads = 0

    def counted(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        nonlocal reads
        reads += statement.lstrip().upper().startswith("SELECT")

    engine = ledger.database.write_engine
    sa.event.listen(engine, "before_cursor_execute", counted)
    try:
        call()
    finally:
        sa.event.remove(engine, "before_cursor_execute", counted)
    return reads


def test_leaves_appended_one_at_a_time_give_the_roots_of_all_their_leaves(ledger: Ledger) -> None:
    tlog = ledger.uow.tlog
    reads: dict[int, int] = {}
    for position in range(1, 71):
        with ledger.database.write_engine.begin() as connection:
            reads[position - 1] = _reads_while(
                ledger, lambda c=connection, p=position: tlog.append(c, [_entry(p)])
            )
    with ledger.database.read_engine.connect() as connection:
        hashes = [merkle.leaf_hash(leaf) for _, leaf in tlog.leaves_between(connection, 0, 70)]
        for size in range(1, 71):
            assert tlog.root(connection, size) == merkle.root_from_leaf_hashes(hashes[:size])
    # One leaf on an even size completes no subtree: the log's state is all it reads. On an
    # odd one it also reads the frontier subtrees the new ones hash (leaves below NODE_FLOOR,
    # stored subtrees above), never the whole frontier.
    assert all(reads[size] == 1 for size in range(0, 70, 2))
    assert reads[1] == reads[15] == 2  # leaf 0; leaves 0-14 (subtrees of levels 3 to 0)
    assert reads[31] == 3  # leaves 16-30, and the stored subtree of leaves 0-15
    # 47 -> 48 completes subtrees up to leaves 32-47 only: the stored one of 0-31 is not read.
    assert reads[47] == 2
    assert reads[63] == 3  # leaves 48-62, and the stored subtrees of leaves 0-31 and 32-47


def test_a_single_post_signs_by_age_from_what_its_append_read(
    settings: Settings, clock: Any
) -> None:
    ledger = build_ledger(
        dataclasses.replace(settings, checkpoint_every_events=100, checkpoint_every_seconds=60)
    )
    ledger.clock = clock
    try:
        ledger.recording.record(a_disclosure(1), actor="payroll")
        ledger.recording.record(a_disclosure(2), actor="payroll")
        assert ledger.integrity.latest_checkpoint().tree_size == 1  # type: ignore[union-attr]
        clock.now += timedelta(seconds=61)
        ledger.recording.record(a_disclosure(3), actor="payroll")
        assert ledger.integrity.latest_checkpoint().tree_size == 3  # type: ignore[union-attr]
        assert ledger.integrity.verify().ok
    finally:
        ledger.database.dispose()


def test_a_subject_another_writer_stored_first_gets_that_writers_key(ledger: Ledger) -> None:
    vault = ledger.vault
    now = datetime(2026, 11, 2, tzinfo=UTC)
    with ledger.uow.write() as connection:
        first = vault.keys_for(connection, {"E-00001"}, now=now)["E-00001"]
    original = vault._rows_of
    calls = 0

    def unseen_at_first(connection: Any, lookups: list[bytes]) -> Any:
        # The first look-up runs before the other writer's row is visible.
        nonlocal calls
        calls += 1
        return iter(()) if calls == 1 else original(connection, lookups)

    vault._rows_of = unseen_at_first  # type: ignore[method-assign]
    try:
        with ledger.uow.write() as connection:
            again = vault.keys_for(connection, {"E-00001", "E-00002"}, now=now)
    finally:
        vault._rows_of = original  # type: ignore[method-assign]
    assert calls == 2  # the insert skipped E-00001's row, so it was read again
    assert again["E-00001"].tag == first.tag
    assert again["E-00002"].tag != first.tag
    with ledger.uow.read() as connection:
        stored = vault.find(connection, "E-00002")
    assert stored is not None
    assert stored.tag == again["E-00002"].tag


def test_request_schemas_are_built_once_per_class() -> None:
    parser = LedgerParser()
    one = parser._get_schema(DisclosureSchema, None)  # type: ignore[arg-type]
    assert isinstance(one, DisclosureSchema)
    assert parser._get_schema(DisclosureSchema, None) is one  # type: ignore[arg-type]
