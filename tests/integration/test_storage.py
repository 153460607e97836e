"""What is stored per event: compressed event states, leaves without their hash, the tree from
level NODE_FLOOR up; and a ledger made before (plain JSON, every hash and level) keeps working."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from eventsourcing import utils as eventsourcing_utils
from eventsourcing.utils import get_topic, resolve_topic

from ledger.adapters import state_codec
from ledger.adapters.database import metadata
from ledger.adapters.event_store import LedgerTranscoder
from ledger.adapters.state_codec import FORMAT_V1, FORMAT_V2, unpack
from ledger.app import Ledger
from ledger.bootstrap import build_ledger
from ledger.domain.aggregates import EVENT_CLASSES
from ledger.domain.errors import DisclosureNotFound
from ledger.domain.values import Source
from ledger.integrity import merkle
from ledger.integrity.bundle import verify_bundle
from ledger.integrity.leaves import EVENT_TYPES
from ledger.integrity.log import NODE_FLOOR, leaves, nodes
from ledger.projections.tables import (
    READ_MODELS,
    TERM_COLUMNS,
    disclosures,
    subject_recipients,
    term_sets,
    terms_id,
)
from ledger.settings import Settings
from tests.builders import READER, a_disclosure, to_inlener
from tests.conftest import TEST_MASTER_KEY
from tests.layouts import codes_in_rows_of_their_own, terms_on_every_row

FIXTURE = Path(__file__).resolve().parents[1] / "data" / "main-86475cf"
# The signing key the fixture's checkpoints were made with (tests only).
FIXTURE_SIGNING_KEY = "Zml4dHVyZSBzaWduaW5nIGtleSwgdGVzdHMgb25seSE="
FIXTURE_EVENTS = 38


def leaf_hashes(ledger: Ledger) -> list[bytes]:
    with ledger.database.read_engine.connect() as connection:
        rows = connection.execute(sa.select(leaves.c.leaf).order_by(leaves.c.idx))
        return [merkle.leaf_hash(bytes(row.leaf)) for row in rows]


def assert_every_proof_verifies(ledger: Ledger, sizes: list[int]) -> None:
    hashes = leaf_hashes(ledger)
    for size in sizes:
        root = merkle.root_from_leaf_hashes(hashes[:size])
        for index in range(size):
            proof = ledger.integrity.inclusion_proof(index, size)
            assert proof == merkle.inclusion_proof(index, hashes[:size])
            merkle.verify_inclusion(index, size, hashes[index], proof, root)
        for first in range(1, size + 1):
            proof = ledger.integrity.consistency_proof(first, size)
            first_root = merkle.root_from_leaf_hashes(hashes[:first])
            merkle.verify_consistency(first, size, first_root, root, proof)


def test_new_events_leaves_and_nodes_are_stored_compactly(ledger: Ledger) -> None:
    ledger.recording.record_batch([a_disclosure(n) for n in range(1, 21)], actor="payroll")
    for n in range(1, 21):
        ledger.recording.record(to_inlener(n % 3 + 1, source=Source("p", f"p-{n}")), actor="p")

    with ledger.database.read_engine.connect() as connection:
        states = [
            bytes(s) for s in connection.execute(sa.select(ledger.store.table.c.state)).scalars()
        ]
        stored_hashes = {bytes(h) for h in connection.execute(sa.select(leaves.c.hash)).scalars()}
        levels = {level for (level,) in connection.execute(sa.select(nodes.c.level).distinct())}
    assert len(states) == 40
    assert all(state[0] == FORMAT_V2 for state in states)
    assert all(len(state) < len(unpack(state)) / 2 for state in states)
    assert stored_hashes == {b""}
    assert levels == {4, 5}
    assert_every_proof_verifies(ledger, [1, 15, 16, 17, 33, 40])
    assert ledger.integrity.verify().ok


def test_a_ledger_with_events_of_format_1_and_2_verifies_proves_and_rebuilds(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Events stored in format 1 (deflate) before format 2 (zstd) stay what they were: their
    digests verify, their bundle opens and a rebuild reads them, beside the new ones."""
    with monkeypatch.context() as patched:
        patched.setattr(state_codec, "pack", state_codec.pack_v1)
        old = ledger.recording.record_batch(
            [a_disclosure(n % 3 + 1, source=Source("payroll", f"old-{n}")) for n in range(9)],
            actor="p",
        )
        ledger.recording.correct(
            old[0].id, changes={"purpose": "Loonadministratie"}, reason="typo", actor="officer"
        )
    ledger.recording.record_batch(
        [a_disclosure(n % 3 + 1, source=Source("payroll", f"new-{n}")) for n in range(9)],
        actor="p",
    )
    ledger.recording.retract(old[1].id, reason="in error", actor="officer")
    with ledger.database.read_engine.connect() as connection:
        formats = [
            bytes(state)[0]
            for state in connection.execute(
                sa.select(ledger.store.table.c.state).order_by(ledger.store.table.c.id)
            ).scalars()
        ]
    assert formats == [FORMAT_V1] * 10 + [FORMAT_V2] * 10
    assert isinstance(ledger.store.mapper.transcoder, LedgerTranscoder)
    assert_verifies_proves_and_rebuilds(ledger, events=20)


def assert_verifies_proves_and_rebuilds(ledger: Ledger, *, events: int) -> None:
    """The whole log verifies, E-00001's bundle checks offline, and a rebuild gives back the
    very read models."""
    report = ledger.integrity.verify()
    assert report.ok, report.problems
    assert report.events == events
    bundle = ledger.reading.proof_bundle(reader=READER, subject_id="E-00001")
    assert bundle is not None
    assert verify_bundle(json.loads(json.dumps(bundle)), ledger.integrity.verifier_key()) == []
    before = snapshot(ledger)
    assert ledger.maintenance.rebuild_projections() == events
    assert snapshot(ledger) == before


def snapshot(ledger: Ledger) -> dict[str, list[tuple[object, ...]]]:
    with ledger.database.read_engine.connect() as connection:
        return {
            table.name: sorted(tuple(row) for row in connection.execute(sa.select(table)).all())
            for table in READ_MODELS
        }


def test_every_event_type_is_stored_under_its_qualified_name() -> None:
    classes = EVENT_CLASSES
    assert sorted(cls.__name__ for cls in classes) == sorted(EVENT_TYPES)
    for cls in classes:
        short = get_topic(cls)
        assert short == cls.__qualname__
        assert short.rsplit(".", 1)[1] == cls.__name__
        assert resolve_topic(short) is cls
        # The module path events were stored under before still finds the class.
        assert resolve_topic(f"{cls.__module__}:{cls.__qualname__}").__qualname__ == short
    # A process that has made no event yet resolves every short topic once it has the store.
    names = sorted(cls.__qualname__ for cls in classes)
    script = (
        "import ledger.adapters.event_store\n"
        "from eventsourcing.utils import resolve_topic\n"
        f"print(sorted(resolve_topic(t).__qualname__ for t in {names!r}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == repr(names)


def stored_topics(ledger: Ledger) -> list[str]:
    table = ledger.store.table
    with ledger.database.read_engine.connect() as connection:
        return list(connection.execute(sa.select(table.c.topic).order_by(table.c.id)).scalars())


def test_events_stored_under_module_paths_before_short_topics_read_verify_and_rebuild(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A ledger whose first events carry eventsourcing's module paths as topics (as every event
    did before short topics) reads, proves, verifies and rebuilds with the new ones beside."""
    with monkeypatch.context() as patched:
        for cls in EVENT_CLASSES:
            # The topic eventsourcing made of a class without `TOPIC`, as it cached it then.
            patched.setitem(
                eventsourcing_utils._type_cache, cls, f"{cls.__module__}:{cls.__qualname__}"
            )
        old = ledger.recording.record_batch(
            [a_disclosure(n % 3 + 1, source=Source("payroll", f"old-{n}")) for n in range(6)],
            actor="p",
        )
        ledger.recording.correct(
            old[0].id, changes={"purpose": "Loonadministratie"}, reason="typo", actor="officer"
        )
        ledger.recording.record(to_inlener(2, source=Source("p", "old-single")), actor="p")
    new = ledger.recording.record_batch(
        [a_disclosure(n % 3 + 1, source=Source("payroll", f"new-{n}")) for n in range(6)],
        actor="p",
    )
    ledger.recording.correct(
        new[0].id, changes={"purpose": "Pensioen"}, reason="typo", actor="officer"
    )
    ledger.recording.retract(old[1].id, reason="in error", actor="officer")
    topics = stored_topics(ledger)
    assert topics[:8] == [
        *["ledger.domain.disclosure:Disclosure.DisclosureRecorded"] * 6,
        "ledger.domain.disclosure:Disclosure.DisclosureCorrected",
        "ledger.domain.disclosure:Disclosure.DisclosureRecorded",
    ]
    assert topics[8:] == [
        *["Disclosure.DisclosureRecorded"] * 6,
        "Disclosure.DisclosureCorrected",
        "Disclosure.DisclosureRetracted",
    ]
    page = ledger.reading.disclosures_of("E-00001", reader=READER)
    purposes = {item["id"]: item["purpose"] for item in page.items}
    assert purposes[str(old[0].id)] == "Loonadministratie"
    assert_verifies_proves_and_rebuilds(ledger, events=16)


def indexed_columns(ledger: Ledger) -> list[list[str]]:
    """The column lists of `read_disclosures`' unique constraints and indexes."""
    with ledger.database.read_engine.connect() as connection:
        inspector = sa.inspect(connection)
        return [
            list(entry["column_names"])
            for entry in (
                *inspector.get_unique_constraints(disclosures.name),
                *inspector.get_indexes(disclosures.name),
            )
        ]


def assert_found_by_id(ledger: Ledger) -> None:
    """Every disclosure is found by its id, with its own row; an unknown id by none."""
    with ledger.database.read_engine.connect() as connection:
        ids = list(connection.execute(sa.select(disclosures.c.disclosure_id)).scalars())
    assert ids
    for disclosure_id in ids:
        found = ledger.reading.disclosure(uuid.UUID(hex=disclosure_id), reader=READER)
        assert found["id"] == str(uuid.UUID(hex=disclosure_id))
    with pytest.raises(DisclosureNotFound):
        ledger.reading.disclosure(uuid.uuid4(), reader=READER)


def record_correct_and_retract(ledger: Ledger, prefix: str) -> list[uuid.UUID]:
    made = ledger.recording.record_batch(
        [a_disclosure(n % 4 + 1, source=Source("payroll", f"{prefix}-{n}")) for n in range(12)],
        actor="p",
    )
    ledger.recording.correct(
        made[0].id, changes={"purpose": "Loonadministratie"}, reason="typo", actor="officer"
    )
    ledger.recording.retract(made[1].id, reason="in error", actor="officer")
    return [receipt.id for receipt in made]


def test_a_disclosure_is_found_by_id_through_the_log_without_an_index_of_its_own(
    ledger: Ledger,
) -> None:
    """The read model keeps no index on the random disclosure id: a read by id, and a change
    to a disclosure, find its row through the event log's own key."""
    assert not [columns for columns in indexed_columns(ledger) if "disclosure_id" in columns]
    made = record_correct_and_retract(ledger, "new")
    assert_found_by_id(ledger)
    corrected = ledger.reading.disclosure(made[0], reader=READER)
    assert (corrected["purpose"], corrected["version"]) == ("Loonadministratie", 2)
    retracted = ledger.reading.disclosure(made[1], reader=READER)
    assert (retracted["retracted"], retracted["version"]) == (True, 2)
    # Only those two rows changed.
    unchanged = [ledger.reading.disclosure(made[n], reader=READER) for n in range(2, 12)]
    assert {(row["version"], row["retracted"]) for row in unchanged} == {(1, False)}
    assert_verifies_proves_and_rebuilds(ledger, events=14)
    assert_found_by_id(ledger)


def test_a_read_model_made_with_a_unique_id_constraint_keeps_working_and_loses_it(
    settings: Settings,
) -> None:
    """A database made before has a unique constraint on the id: reads by id and changes work
    the same beside it; PostgreSQL drops it when the ledger next starts, SQLite (where it is
    part of the table) when a rebuild makes the table again."""
    ledger = build_ledger(settings)
    try:
        with ledger.database.write_engine.begin() as connection:
            connection.execute(
                sa.text(
                    # SQLite cannot add a constraint to a table: an index that does the same.
                    "CREATE UNIQUE INDEX read_disclosures_disclosure_id_key "
                    "ON read_disclosures (disclosure_id)"
                    if ledger.database.is_sqlite
                    else "ALTER TABLE read_disclosures "
                    "ADD CONSTRAINT read_disclosures_disclosure_id_key UNIQUE (disclosure_id)"
                )
            )
        assert ["disclosure_id"] in indexed_columns(ledger)
        record_correct_and_retract(ledger, "old")
        assert_found_by_id(ledger)
    finally:
        ledger.close()
        ledger.database.dispose()
    reopened = build_ledger(settings)
    try:
        kept = [columns for columns in indexed_columns(reopened) if "disclosure_id" in columns]
        assert kept == ([["disclosure_id"]] if reopened.database.is_sqlite else [])
        record_correct_and_retract(reopened, "later")
        assert_found_by_id(reopened)
        assert reopened.maintenance.rebuild_projections() == 28
        assert not [c for c in indexed_columns(reopened) if "disclosure_id" in c]
        assert_found_by_id(reopened)
    finally:
        reopened.close()
        reopened.database.dispose()


def test_verify_still_catches_a_missing_stored_subtree(ledger: Ledger) -> None:
    ledger.recording.record_batch([a_disclosure(n) for n in range(1, 41)], actor="payroll")
    with ledger.database.write_engine.begin() as connection:
        if ledger.database.is_sqlite:
            connection.execute(sa.text("DROP TRIGGER ledger_nodes_no_delete"))
        else:
            connection.execute(sa.text("ALTER TABLE ledger_nodes DISABLE TRIGGER USER"))
        connection.execute(sa.text("DELETE FROM ledger_nodes WHERE level = 4 AND idx = 1"))
    report = ledger.integrity.verify()
    assert not report.ok
    assert "stored subtrees are missing" in report.problems[0]


def fixture_settings(backend_url: str | None, tmp_path: Path) -> Settings:
    """The fixture ledger (made by the main branch at 86475cf), on SQLite as it was made or
    copied row by row into this test's PostgreSQL schema."""
    path = tmp_path / "ledger.db"
    path.write_bytes(gzip.decompress((FIXTURE / "ledger.db.gz").read_bytes()))
    made = Settings(
        database_url=f"sqlite:///{path}",
        var_dir=tmp_path / "var",
        master_key=TEST_MASTER_KEY,
        signing_key=FIXTURE_SIGNING_KEY,
    )
    if backend_url is None:
        return made
    settings = Settings(
        database_url=backend_url,
        var_dir=tmp_path / "var",
        master_key=TEST_MASTER_KEY,
        signing_key=FIXTURE_SIGNING_KEY,
    )
    source, target = build_ledger(made), build_ledger(settings)
    try:
        tables = [source.store.table, *metadata.sorted_tables]
        with source.database.read_engine.connect() as read, target.uow.write_rows() as write:
            for table in tables:
                rows = [dict(row) for row in read.execute(sa.select(table)).mappings()]
                if rows:
                    write.execute(sa.insert(table), rows)
    finally:
        source.close()
        target.close()
    return settings


def test_a_ledger_made_before_compact_storage_keeps_working(
    settings: Settings, tmp_path: Path
) -> None:
    url = None if settings.database_url.startswith("sqlite") else settings.database_url
    ledger = build_ledger(fixture_settings(url, tmp_path))
    try:
        with ledger.database.read_engine.connect() as connection:
            states = [
                bytes(s)
                for s in connection.execute(sa.select(ledger.store.table.c.state)).scalars()
            ]
            low = connection.execute(
                sa.select(sa.func.count()).select_from(nodes).where(nodes.c.level < NODE_FLOOR)
            ).scalar_one()
        assert len(states) == FIXTURE_EVENTS
        assert all(state.startswith(b"{") for state in states)
        assert low > 0
        assert ledger.integrity.verify().ok
        before = ledger.reading.disclosures_of("E-00001", reader=READER).items

        ledger.recording.record_batch(
            [a_disclosure(1, source=Source("payroll", f"new-{n}")) for n in range(1, 31)],
            actor="payroll",
        )
        receipt = ledger.recording.record(to_inlener(2, source=Source("p", "new")), actor="p")
        ledger.recording.retract(receipt.id, reason="in error", actor="officer")

        report = ledger.integrity.verify()
        assert report.ok, report.problems
        assert report.events == FIXTURE_EVENTS + 32
        assert_every_proof_verifies(ledger, [FIXTURE_EVENTS, FIXTURE_EVENTS + 1, 64, 70])
        after = ledger.reading.disclosures_of("E-00001", reader=READER).items
        assert {d["id"] for d in before} <= {d["id"] for d in after}
        assert len(after) == len(before) + 30
        bundle = ledger.reading.proof_bundle(reader=READER, subject_id="E-00001")
        assert bundle is not None
        assert verify_bundle(json.loads(json.dumps(bundle)), ledger.integrity.verifier_key()) == []
        assert ledger.maintenance.rebuild_projections() == FIXTURE_EVENTS + 32
        assert ledger.reading.disclosures_of("E-00001", reader=READER).items == after
    finally:
        ledger.close()


def as_text(moment: datetime) -> str:
    """A moment as the earlier version kept it in SQLite: naive UTC text."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


SUMMARIES = ("read_subject_recipients", "read_subject_recipient_terms")


def test_a_read_model_with_text_ids_tags_and_seals_is_upgraded_to_bytes(
    settings: Settings,
) -> None:
    # A read model of the earlier version is never partitioned (partitions came after it),
    # and a partition key's type cannot be changed back to text to imitate one.
    ledger = build_ledger(replace(settings, partitioned=False))
    try:
        ledger.recording.record_batch([a_disclosure(n % 3 + 1) for n in range(1, 4)], actor="p")
        ledger.recording.record(to_inlener(1), actor="p")
        before = ledger.reading.disclosures_of("E-00001", reader=READER).items
        recipients = ledger.reading.recipients_of("E-00001", reader=READER)
        with ledger.database.write_engine.begin() as connection:
            # The read model as the earlier version kept it: every term on every row, a row
            # per code, and hex and base64 text.
            terms_on_every_row(connection)
            codes_in_rows_of_their_own(connection)
            if ledger.database.is_sqlite:
                rows = connection.execute(
                    sa.select(
                        disclosures.c.position,
                        disclosures.c.disclosure_id,
                        disclosures.c.subject_tag,
                        disclosures.c.sealed,
                        disclosures.c.occurred_at,
                        disclosures.c.recorded_at,
                        disclosures.c.updated_at,
                    )
                ).all()
                connection.execute(
                    sa.text(
                        "UPDATE read_disclosures SET disclosure_id = :id, subject_tag = :tag,"
                        " sealed = :sealed, occurred_at = :occurred, recorded_at = :recorded,"
                        " updated_at = :updated WHERE position = :position"
                    ),
                    [
                        {
                            "position": row.position,
                            "id": row.disclosure_id,
                            "tag": row.subject_tag,
                            "sealed": row.sealed,
                            "occurred": as_text(row.occurred_at),
                            "recorded": as_text(row.recorded_at),
                            "updated": as_text(row.updated_at),
                        }
                        for row in rows
                    ],
                )
                for table in SUMMARIES:
                    connection.execute(
                        sa.text(f"UPDATE {table} SET subject_tag = lower(hex(subject_tag))")  # noqa: S608
                    )
            else:
                connection.execute(
                    sa.text(
                        "ALTER TABLE read_disclosures"
                        " ALTER COLUMN disclosure_id TYPE varchar(32)"
                        " USING encode(disclosure_id, 'hex'),"
                        " ALTER COLUMN subject_tag TYPE varchar(32)"
                        " USING encode(subject_tag, 'hex'),"
                        " ALTER COLUMN sealed TYPE text USING encode(sealed, 'base64')"
                    )
                )
                for table in SUMMARIES:
                    connection.execute(
                        sa.text(
                            f"ALTER TABLE {table} ALTER COLUMN subject_tag TYPE varchar(32)"
                            " USING encode(subject_tag, 'hex')"
                        )
                    )
            connection.execute(
                sa.text(
                    "UPDATE read_subject_recipient_terms SET kind = CASE kind"
                    " WHEN 'd' THEN 'data_category' WHEN 'b' THEN 'legal_basis' END"
                )
            )
    finally:
        ledger.close()

    upgraded = build_ledger(settings)
    try:
        with upgraded.database.read_engine.connect() as connection:
            kinds = connection.execute(
                sa.text("SELECT disclosure_id, subject_tag, sealed FROM read_disclosures")
            ).all()
            moments = connection.execute(
                sa.text("SELECT occurred_at, recorded_at, updated_at FROM read_disclosures")
            ).all()
        after = upgraded.reading.disclosures_of("E-00001", reader=READER).items
        assert upgraded.reading.recipients_of("E-00001", reader=READER) == recipients
        with upgraded.database.read_engine.connect() as connection:
            # Its tags became bytes and its kinds letters, and then it was folded away.
            assert not sa.inspect(connection).has_table("read_subject_recipient_terms")
    finally:
        upgraded.close()
    assert all(isinstance(value, bytes) for row in kinds for value in row)
    assert len(kinds) == 4
    expected = int if settings.database_url.startswith("sqlite") else datetime
    assert all(isinstance(value, expected) for row in moments for value in row)
    assert after == before


def stored_terms(ledger: Ledger) -> dict[int, bytes]:
    with ledger.database.read_engine.connect() as connection:
        rows = connection.execute(sa.select(disclosures.c.position, disclosures.c.terms))
        return {row.position: bytes(row.terms) for row in rows}


def test_disclosures_share_one_row_per_set_of_terms(ledger: Ledger) -> None:
    receipts = ledger.recording.record_batch(
        [a_disclosure(n % 4 + 1, source=Source("payroll", f"s-{n}")) for n in range(12)]
        + [to_inlener(n, source=Source("planning", f"p-{n}")) for n in range(1, 4)],
        actor="payroll",
    )
    ledger.recording.record(to_inlener(5, purpose="Planning van de week"), actor="planning")
    with ledger.database.read_engine.connect() as connection:
        sets = connection.execute(sa.select(term_sets)).mappings().all()
    # Two flows in the batch, and one disclosure with a purpose of its own.
    assert len(sets) == 3
    assert {row["purpose"] for row in sets} == {
        "Loonaangifte oktober 2026",
        "Planning van uw inzet",
        "Planning van de week",
    }
    for row in sets:
        assert bytes(row["id"]) == terms_id([row[name] for name in TERM_COLUMNS])
    # A correction of a term points the disclosure at a new set; the old one stays for the rest.
    ledger.recording.correct(
        receipts[0].id, changes={"purpose": "Loonaangifte november"}, reason="r", actor="fg"
    )
    item = ledger.reading.disclosure(receipts[0].id, reader=READER)
    assert item["purpose"] == "Loonaangifte november"
    assert len(set(stored_terms(ledger).values())) == 4
    before = ledger.reading.disclosures_of("E-00001", reader=READER).items
    assert ledger.maintenance.rebuild_projections() > 0
    assert ledger.reading.disclosures_of("E-00001", reader=READER).items == before


def test_a_read_model_with_terms_on_every_row_is_upgraded_to_term_sets(
    settings: Settings,
) -> None:
    ledger = build_ledger(settings)
    try:
        receipts = ledger.recording.record_batch(
            [a_disclosure(n % 3 + 1, source=Source("payroll", f"u-{n}")) for n in range(9)]
            + [to_inlener(n, source=Source("planning", f"v-{n}")) for n in range(1, 3)],
            actor="payroll",
        )
        ledger.recording.correct(
            receipts[0].id, changes={"purpose": "Loonaangifte — ☃ 'x'"}, reason="r", actor="fg"
        )
        ledger.recording.retract(receipts[1].id, reason="in error", actor="fg")
        before = {
            n: ledger.reading.disclosures_of(f"E-{n:05d}", reader=READER).items for n in range(1, 4)
        }
        recipients = ledger.reading.recipients_of("E-00001", reader=READER)
        terms_before = stored_terms(ledger)
        # The read model as the earlier version kept it: every term on every row.
        with ledger.database.write_engine.begin() as connection:
            terms_on_every_row(connection)
    finally:
        ledger.close()

    upgraded = build_ledger(settings)
    try:
        assert stored_terms(upgraded) == terms_before
        with upgraded.database.read_engine.connect() as connection:
            columns = {c["name"] for c in sa.inspect(connection).get_columns("read_disclosures")}
            sets = connection.execute(sa.select(sa.func.count()).select_from(term_sets)).scalar()
        assert not columns & set(TERM_COLUMNS)
        assert sets == len(set(terms_before.values())) == 3
        for n in range(1, 4):
            after = upgraded.reading.disclosures_of(f"E-{n:05d}", reader=READER).items
            assert after == before[n]
        assert upgraded.reading.recipients_of("E-00001", reader=READER) == recipients
        # What the database computed is what the projector computes.
        upgraded.maintenance.rebuild_projections()
        assert stored_terms(upgraded) == terms_before
        upgraded.recording.record(a_disclosure(2, source=Source("payroll", "w")), actor="p")
        assert len(set(stored_terms(upgraded).values())) == 3
    finally:
        upgraded.close()


def recipient_rows(ledger: Ledger) -> list[tuple[object, ...]]:
    with ledger.database.read_engine.connect() as connection:
        query = sa.select(subject_recipients).order_by(
            subject_recipients.c.subject_tag, subject_recipients.c.recipient_key
        )
        return [tuple(row) for row in connection.execute(query)]


def test_a_recipients_codes_merge_in_the_database_as_a_rebuild_merges_them(
    ledger: Ledger,
) -> None:
    ledger.recording.record(
        a_disclosure(1, data_categories=("salaris",), source=Source("payroll", "m-1")),
        actor="payroll",
    )
    ledger.recording.record_batch(
        [
            a_disclosure(1, data_categories=("naam", "bsn"), source=Source("payroll", "m-2")),
            to_inlener(1, source=Source("planning", "m-3")),
        ],
        actor="payroll",
    )
    ledger.recording.record(
        a_disclosure(1, data_categories=("bsn", "salaris"), source=Source("payroll", "m-4")),
        actor="payroll",
    )
    merged = recipient_rows(ledger)
    by_name = {
        entry["recipient"]["name"]: entry
        for entry in ledger.reading.recipients_of("E-00001", reader=READER)
    }
    tax = by_name["Belastingdienst"]
    assert tax["data_categories"] == ["bsn", "naam", "salaris"]
    assert tax["legal_bases"] == ["legal_obligation"]
    assert tax["count"] == 3
    assert ledger.maintenance.rebuild_projections() == 4
    # The very text the database merged is what the rebuild writes from memory.
    assert recipient_rows(ledger) == merged


def test_codes_in_rows_of_their_own_are_folded_into_their_recipients(
    settings: Settings,
) -> None:
    ledger = build_ledger(settings)
    try:
        ledger.recording.record_batch(
            [a_disclosure(n % 3 + 1, source=Source("payroll", f"f-{n}")) for n in range(6)]
            + [to_inlener(n, source=Source("planning", f"g-{n}")) for n in range(1, 3)],
            actor="payroll",
        )
        before = recipient_rows(ledger)
        recipients = ledger.reading.recipients_of("E-00002", reader=READER)
        with ledger.database.write_engine.begin() as connection:
            codes_in_rows_of_their_own(connection)
    finally:
        ledger.close()
    upgraded = build_ledger(settings)
    try:
        assert recipient_rows(upgraded) == before
        assert upgraded.reading.recipients_of("E-00002", reader=READER) == recipients
        with upgraded.database.read_engine.connect() as connection:
            assert not sa.inspect(connection).has_table("read_subject_recipient_terms")
    finally:
        upgraded.close()
