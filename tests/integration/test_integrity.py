"""The verifiable ledger on a real database: leaves, proofs, checkpoints, tampering, erasure."""

from __future__ import annotations

import base64
import copy
import json
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from ledger.adapters.state_codec import pack, unpack
from ledger.adapters.vault import subject_vault
from ledger.app import Ledger
from ledger.domain.values import Recipient, Source
from ledger.integrity import merkle
from ledger.integrity.bundle import verify_bundle
from ledger.integrity.checkpoints import NoteVerifier
from ledger.integrity.leaves import Leaf
from ledger.integrity.log import LogError, leaves
from ledger.settings import Settings
from ledger.web import create_app
from tests.builders import READER, a_disclosure, to_inlener


def events_table(ledger: Ledger) -> sa.Table:
    table: sa.Table = ledger.store.table
    return table


def fill(ledger: Ledger) -> None:
    """Twelve events over three people: records, a correction and a retraction."""
    ledger.recording.record_batch([a_disclosure(n) for n in range(1, 4)], actor="payroll")
    receipts = ledger.recording.record_batch(
        [to_inlener(n, source=Source("planning", f"p-{n}")) for n in range(1, 4)], actor="p"
    )
    ledger.integrity.publish_checkpoint()
    ledger.recording.correct(
        receipts[0].id,
        changes={"recipient": Recipient("inlener", "Kassenbouw Westland B.V.", None, "NL")},
        reason="wrong hirer",
        actor="officer",
    )
    ledger.recording.retract(receipts[1].id, reason="in error", actor="officer")
    ledger.recording.record_batch(
        [a_disclosure(n, purpose="November") for n in (4, 5)], actor="payroll"
    )
    for n in (6, 7):
        ledger.recording.record(
            a_disclosure(1, source=Source("payroll", f"extra-{n}"), purpose=f"run {n}"),
            actor="payroll",
        )
    ledger.integrity.publish_checkpoint()


GUARDED = ("ledger_events", "ledger_leaves", "ledger_checkpoints")


def tamper(ledger: Ledger, statement: str, **params: Any) -> None:
    """Change a table behind the ledger's back, as someone with database access could:
    first take away the append-only triggers, then put them back."""
    with ledger.database.write_engine.begin() as connection:
        if ledger.database.is_sqlite:
            for table in GUARDED:
                for operation in ("update", "delete"):
                    connection.execute(sa.text(f"DROP TRIGGER {table}_no_{operation}"))
        else:
            for table in GUARDED:
                connection.execute(sa.text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
        connection.execute(sa.text(statement), params)
        if not ledger.database.is_sqlite:
            for table in GUARDED:
                connection.execute(sa.text(f"ALTER TABLE {table} ENABLE TRIGGER USER"))
    if ledger.database.is_sqlite:
        ledger.create_schema()


def test_every_event_gets_one_leaf_and_the_ledger_verifies(ledger: Ledger) -> None:
    fill(ledger)

    report = ledger.integrity.verify()

    assert report.ok, report.problems
    assert report.events == 12
    assert report.checkpoints >= 2
    stored = ledger.integrity.leaves(0, 100)
    assert [index for index, _ in stored] == list(range(12))
    decoded = [Leaf.decode(raw) for _, raw in stored]
    assert [leaf.position for leaf in decoded] == list(range(1, 13))
    assert {leaf.event_type for leaf in decoded} == {
        "DisclosureRecorded",
        "DisclosureCorrected",
        "DisclosureRetracted",
    }


def test_each_subject_has_a_gapless_chain_of_leaves(ledger: Ledger) -> None:
    fill(ledger)
    chains: dict[str, list[tuple[Leaf, bytes]]] = {}
    for _, raw in ledger.integrity.leaves(0, 100):
        leaf = Leaf.decode(raw)
        chains.setdefault(leaf.subject_tag, []).append((leaf, merkle.leaf_hash(raw)))
    assert len(chains) == 5
    for chain in chains.values():
        previous = bytes(32)
        for number, (leaf, digest) in enumerate(chain, start=1):
            assert leaf.sequence == number
            assert leaf.previous == previous
            previous = digest


def test_leaves_hold_no_personal_data(ledger: Ledger) -> None:
    fill(ledger)
    everything = b"".join(raw for _, raw in ledger.integrity.leaves(0, 100))
    for secret in (b"E-00001", b"Jan Jansen", b"jan1@example.org", b"run-2026-10", b"Bouwbedrijf"):
        assert secret not in everything


def test_proofs_from_the_database_verify_against_the_signed_checkpoint(ledger: Ledger) -> None:
    fill(ledger)
    checkpoint = ledger.integrity.latest_checkpoint()
    assert checkpoint is not None
    signed = NoteVerifier.parse(ledger.integrity.verifier_key()).verify(checkpoint.note)
    assert signed.tree_size == 12
    hashes = [merkle.leaf_hash(raw) for _, raw in ledger.integrity.leaves(0, 12)]
    assert merkle.root_from_leaf_hashes(hashes) == signed.root_hash
    for index in range(12):
        proof = ledger.integrity.inclusion_proof(index, 12)
        assert proof == merkle.inclusion_proof(index, hashes)
        merkle.verify_inclusion(index, 12, hashes[index], proof, signed.root_hash)
    for first in range(1, 13):
        proof = ledger.integrity.consistency_proof(first, 12)
        first_root = merkle.root_from_leaf_hashes(hashes[:first])
        merkle.verify_consistency(first, 12, first_root, signed.root_hash, proof)


def test_a_changed_event_row_fails_verify_at_its_position(ledger: Ledger) -> None:
    fill(ledger)
    table = events_table(ledger)
    with ledger.database.read_engine.connect() as connection:
        state = bytes(
            connection.execute(sa.select(table.c.state).where(table.c.id == 5)).scalar_one()
        )
    changed = pack(unpack(state).replace(b"Bouwbedrijf De Vries", b"Bouwbedrijf De Haas "))
    assert unpack(changed) != unpack(state)
    tamper(ledger, "UPDATE ledger_events SET state = :state WHERE id = 5", state=changed)

    report = ledger.integrity.verify()

    assert not report.ok
    assert report.first_bad_position == 5
    assert "position 5" in report.problems[0]


def _not_hex(field: bytes) -> Any:
    def change(state: bytes) -> bytes:
        plain = unpack(state)
        start = plain.index(b'"' + field + b'":"') + len(field) + 4
        return pack(plain[:start] + b"zz" + plain[start + 2 :])

    return change


@pytest.mark.parametrize(
    "change",
    [_not_hex(b"commitment"), _not_hex(b"subject_tag"), lambda state: state[:-9]],
    ids=["commitment-not-hex", "tag-not-hex", "cut-short"],
)
def test_an_event_whose_fields_do_not_read_fails_verify_at_its_position(
    ledger: Ledger, change: Any
) -> None:
    fill(ledger)
    table = events_table(ledger)
    with ledger.database.read_engine.connect() as connection:
        state = bytes(
            connection.execute(sa.select(table.c.state).where(table.c.id == 6)).scalar_one()
        )
    tamper(ledger, "UPDATE ledger_events SET state = :state WHERE id = 6", state=change(state))

    report = ledger.integrity.verify()

    assert report.first_bad_position == 6
    assert report.problems[0].startswith("position 6: the stored event does not decode")


def test_a_deleted_event_row_fails_verify_at_its_position(ledger: Ledger) -> None:
    fill(ledger)
    tamper(ledger, "DELETE FROM ledger_events WHERE id = 8")
    report = ledger.integrity.verify()
    assert report.first_bad_position == 8
    assert "no stored event" in report.problems[0]


def test_reordered_event_rows_fail_verify_at_the_first_moved_position(ledger: Ledger) -> None:
    fill(ledger)
    tamper(
        ledger,
        "UPDATE ledger_events SET id = CASE id WHEN 3 THEN 1000003 ELSE 1000002 END "
        "WHERE id IN (2, 3)",
    )
    tamper(ledger, "UPDATE ledger_events SET id = id - 1000000 + 1 WHERE id = 1000002")
    tamper(ledger, "UPDATE ledger_events SET id = 2 WHERE id = 1000003")
    report = ledger.integrity.verify()
    assert report.first_bad_position == 2


def test_a_changed_leaf_or_checkpoint_fails_verify(ledger: Ledger) -> None:
    fill(ledger)
    tamper(ledger, "UPDATE ledger_leaves SET hash = :h WHERE idx = 3", h=bytes(32))
    assert ledger.integrity.verify().first_bad_position == 4


def test_a_forged_checkpoint_fails_verify(ledger: Ledger) -> None:
    fill(ledger)
    tamper(ledger, "UPDATE ledger_checkpoints SET note = replace(note, '\n12\n', '\n13\n')")
    report = ledger.integrity.verify()
    assert not report.ok
    assert any("checkpoint" in problem for problem in report.problems)


@pytest.mark.parametrize(
    "statement", ["UPDATE {t} SET state = state", "DELETE FROM {t}"], ids=["update", "delete"]
)
def test_the_database_refuses_updates_and_deletes_of_events_and_leaves(
    ledger: Ledger, statement: str
) -> None:
    ledger.recording.record(a_disclosure(), actor="payroll")
    for table in GUARDED:
        column = {"ledger_events": "state", "ledger_leaves": "leaf", "ledger_checkpoints": "note"}
        sql = statement.format(t=table).replace(
            "state = state", f"{column[table]} = {column[table]}"
        )
        with (
            pytest.raises(sa.exc.DBAPIError, match="append-only"),
            ledger.database.write_engine.begin() as connection,
        ):
            connection.execute(sa.text(sql))
    assert ledger.integrity.verify().ok


def test_erasing_a_subject_keeps_every_leaf_proof_and_checkpoint_valid(ledger: Ledger) -> None:
    fill(ledger)
    before = ledger.integrity.latest_checkpoint()
    with ledger.database.write_engine.begin() as connection:
        tag = ledger.vault.find(connection, "E-00001")
        assert tag is not None
        ledger.vault.shred(connection, tag.tag)

    report = ledger.integrity.verify()

    assert report.ok, report.problems
    assert ledger.integrity.latest_checkpoint() == before
    assert ledger.reading.proof_bundle(reader=READER, subject_id="E-00001") is None
    with ledger.database.read_engine.connect() as connection:
        assert (
            connection.execute(sa.select(sa.func.count()).select_from(subject_vault)).scalar() == 4
        )
        assert connection.execute(sa.select(sa.func.count()).select_from(leaves)).scalar() == 12


def test_a_persons_bundle_verifies_offline_and_any_change_is_caught(ledger: Ledger) -> None:
    fill(ledger)
    bundle = ledger.reading.proof_bundle(reader=READER, subject_id="E-00001")
    assert bundle is not None
    key = ledger.integrity.verifier_key()
    assert len(bundle["events"]) == 5
    assert verify_bundle(json.loads(json.dumps(bundle)), key) == []
    opened = json.loads(bundle["events"][0]["plaintext"])
    assert opened["secret"]["subject_id"] == "E-00001"

    changed = copy.deepcopy(bundle)
    changed["events"][0]["plaintext"] = changed["events"][0]["plaintext"].replace(
        "Belastingdienst", "Belastingdienstx"
    )
    assert any("commitment" in p for p in verify_bundle(changed, key))

    gap = copy.deepcopy(bundle)
    del gap["events"][1]
    assert any("gap" in p for p in verify_bundle(gap, key))

    moved = copy.deepcopy(bundle)
    moved["events"][0]["index"] = moved["events"][0]["index"] + 1
    assert verify_bundle(moved, key)

    other = Settings(database_url="sqlite://", var_dir=ledger.settings.var_dir / "other")
    from ledger.bootstrap import load_signer

    assert verify_bundle(bundle, load_signer(other).verifier_key())


def _signed_sizes(ledger: Ledger) -> list[int]:
    with ledger.uow.read() as connection:
        return [c.tree_size for c in ledger.integrity.log.all_checkpoints(connection)]


def test_a_bundle_signs_only_when_the_newest_checkpoint_misses_the_persons_last_event(
    ledger: Ledger,
) -> None:
    key = ledger.integrity.verifier_key()
    ledger.recording.record_batch([a_disclosure(n) for n in (1, 2)], actor="payroll")
    ledger.integrity.publish_checkpoint()
    ledger.recording.record(
        a_disclosure(2, source=Source("payroll", "later"), purpose="later"), actor="payroll"
    )
    signed = _signed_sizes(ledger)
    assert signed[-1] == 2

    # Person 1's only event is under the checkpoint at 2: served from it, nothing signed,
    # though the log has grown since.
    first = ledger.reading.proof_bundle(reader=READER, subject_id="E-00001")
    assert first is not None
    assert _signed_sizes(ledger) == signed
    assert first["checkpoint"]["tree_size"] == 2
    assert verify_bundle(json.loads(json.dumps(first)), key) == []

    # Person 2's second event is at 3: a checkpoint that covers it is signed first.
    second = ledger.reading.proof_bundle(reader=READER, subject_id="E-00002")
    assert second is not None
    assert _signed_sizes(ledger) == [*signed, 3]
    assert second["checkpoint"]["tree_size"] == 3
    assert len(second["events"]) == 2
    assert verify_bundle(json.loads(json.dumps(second)), key) == []

    # ... and serves the next bundle as it is.
    assert ledger.reading.proof_bundle(reader=READER, subject_id="E-00002") == second
    assert _signed_sizes(ledger) == [*signed, 3]


def test_a_bundle_whose_events_outrun_every_checkpoint_signs_one_in_its_own_write(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When no stored checkpoint covers the person's last event even after one was published
    (here: publishing does nothing), the bundle signs and reads in one write."""
    ledger.recording.record_batch([a_disclosure(n) for n in (1, 2)], actor="payroll")
    ledger.recording.record(
        a_disclosure(2, source=Source("payroll", "later"), purpose="later"), actor="payroll"
    )
    assert _signed_sizes(ledger)[-1] == 2
    monkeypatch.setattr(ledger.integrity, "publish_checkpoint", lambda: None)

    bundle = ledger.reading.proof_bundle(reader=READER, subject_id="E-00002")

    assert bundle is not None
    assert _signed_sizes(ledger)[-1] == 3
    assert bundle["checkpoint"]["tree_size"] == 3
    assert len(bundle["events"]) == 2
    assert verify_bundle(json.loads(json.dumps(bundle)), ledger.integrity.verifier_key()) == []


def test_a_bundle_is_refused_when_the_stored_tree_does_not_make_its_checkpoint(
    ledger: Ledger,
) -> None:
    ledger.recording.record_batch([a_disclosure(n) for n in (1, 2)], actor="payroll")
    ledger.integrity.publish_checkpoint()
    # Another person's leaf, beside person 1's: part of person 1's proof.
    tamper(ledger, "UPDATE ledger_leaves SET leaf = :leaf WHERE idx = 1", leaf=bytes(138))

    with pytest.raises(LogError, match="checkpoint"):
        ledger.reading.proof_bundle(reader=READER, subject_id="E-00001")


def test_the_integrity_api_serves_checkpoints_proofs_and_leaves(
    settings: Settings, ledger: Ledger
) -> None:
    fill(ledger)
    client: FlaskClient = create_app(settings, ledger=ledger).test_client()
    auditor = {"Authorization": f"Bearer {ledger.api_keys.create(name='sna', role='auditor')[1]}"}
    source = ledger.api_keys.create(name="payroll", role="source", system="payroll")[1]

    checkpoint = client.get("/api/v1/ledger/checkpoint", headers=auditor).get_json()
    root = base64.b64decode(checkpoint["root_hash"])
    assert (
        NoteVerifier.parse(ledger.integrity.verifier_key()).verify(checkpoint["note"]).root_hash
        == root
    )

    items = client.get("/api/v1/ledger/leaves?start=0&end=12", headers=auditor).get_json()["items"]
    hashes = [merkle.leaf_hash(base64.b64decode(item["leaf"])) for item in items]
    proof = client.get(
        "/api/v1/ledger/proofs/inclusion?index=4&tree_size=12", headers=auditor
    ).get_json()["proof"]
    merkle.verify_inclusion(4, 12, hashes[4], [base64.b64decode(p) for p in proof], root)
    consistency = client.get(
        "/api/v1/ledger/proofs/consistency?first=6&second=12", headers=auditor
    ).get_json()["proof"]
    merkle.verify_consistency(
        6,
        12,
        merkle.root_from_leaf_hashes(hashes[:6]),
        root,
        [base64.b64decode(p) for p in consistency],
    )

    published = client.post("/api/v1/ledger/checkpoint", headers=auditor)
    assert published.status_code == 201
    # A leaf or tree the log does not hold is not found; leaves come at most 1,000 at a time,
    # fewer than asked when the log is shorter (as RFC 6962's get-entries).
    for query in ("inclusion?index=12&tree_size=12", "inclusion?index=0&tree_size=13"):
        missing = client.get(f"/api/v1/ledger/proofs/{query}", headers=auditor)
        assert missing.status_code == 404, query
        assert missing.mimetype == "application/problem+json"
    backwards = client.get("/api/v1/ledger/proofs/consistency?first=5&second=4", headers=auditor)
    assert backwards.status_code == 404
    many = client.get("/api/v1/ledger/leaves?start=0&end=5000", headers=auditor)
    assert many.status_code == 200
    assert [item["index"] for item in many.get_json()["items"]] == list(range(12))
    empty = client.get("/api/v1/ledger/leaves?start=7&end=3", headers=auditor)
    assert empty.get_json() == {"items": []}
    assert (
        client.get(
            "/api/v1/ledger/checkpoint", headers={"Authorization": f"Bearer {source}"}
        ).status_code
        == 403
    )
    assert client.get("/api/v1/ledger/checkpoint").status_code == 401


def test_the_json_overview_carries_a_bundle_that_hides_what_is_suppressed(
    ledger: Ledger,
) -> None:
    from datetime import date

    from ledger import overview

    ledger.recording.record(a_disclosure(1), actor="payroll")
    ledger.recording.record(
        a_disclosure(
            1,
            recipient=Recipient("opsporingsinstantie", "Politie Eenheid Utrecht", None, "NL"),
            data_categories=("naam", "contactgegevens"),
            source=Source("payroll", "police-1"),
            legal_provision="Wetboek van Strafvordering, art. 126nd",
            suppressed_until=date(2027, 6, 1),
            suppression_authority="Officier van justitie, Utrecht",
        ),
        actor="payroll",
    )
    ledger.recording.record(
        a_disclosure(1, source=Source("payroll", "later"), purpose="Later"), actor="p"
    )
    key = ledger.integrity.verifier_key()

    view = ledger.reading.overview(reader=READER, subject_id="E-00001", with_proof=True)
    document = json.loads(overview.render_json(view))
    assert verify_bundle(document, key) == []
    assert len(document["proof"]["events"]) == 1
    assert "Politie" not in json.dumps(document)

    officer = ledger.reading.proof_bundle(reader=READER, subject_id="E-00001", for_subject=False)
    assert officer is not None
    assert len(officer["events"]) == 3
    assert verify_bundle(officer, key) == []


def test_a_checkpoint_follows_by_count_by_age_and_on_the_timer(
    settings: Settings, clock: Any
) -> None:
    import dataclasses
    import time
    from datetime import timedelta

    from ledger.bootstrap import build_ledger
    from ledger.web.server import start_checkpoint_timer

    ledger = build_ledger(
        dataclasses.replace(settings, checkpoint_every_events=5, checkpoint_every_seconds=4)
    )
    ledger.clock = clock
    stop = None
    try:
        ledger.recording.record(a_disclosure(1), actor="payroll")
        assert ledger.integrity.latest_checkpoint().tree_size == 1  # type: ignore[union-attr]
        ledger.recording.record_batch([a_disclosure(n) for n in range(2, 5)], actor="payroll")
        assert ledger.integrity.latest_checkpoint().tree_size == 1  # type: ignore[union-attr]
        assert ledger.integrity.publish_checkpoint_if_due() is None
        ledger.recording.record_batch([a_disclosure(n) for n in range(5, 7)], actor="payroll")
        assert ledger.integrity.latest_checkpoint().tree_size == 6  # by count: 5 since the last
        ledger.recording.record(a_disclosure(7), actor="payroll")
        assert ledger.integrity.latest_checkpoint().tree_size == 6  # type: ignore[union-attr]

        clock.now += timedelta(seconds=5)  # quiet since: only the timer can sign event 7
        stop = start_checkpoint_timer(ledger)
        deadline = time.monotonic() + 10
        while ledger.integrity.latest_checkpoint().tree_size != 7 and time.monotonic() < deadline:  # type: ignore[union-attr]
            time.sleep(0.1)
        assert ledger.integrity.latest_checkpoint().tree_size == 7  # type: ignore[union-attr]
        assert ledger.integrity.verify().ok
    finally:
        if stop is not None:
            stop.set()
        ledger.database.dispose()


def _statements(ledger: Ledger, call: Any) -> tuple[Any, int]:
    """What `call()` returns, and how many SQL statements it sent."""
    count = 0

    def counted(*_args: Any) -> None:
        nonlocal count
        count += 1

    engines = {ledger.database.write_engine, ledger.database.read_engine}
    for engine in engines:
        sa.event.listen(engine, "before_cursor_execute", counted)
    try:
        return call(), count
    finally:
        for engine in engines:
            sa.event.remove(engine, "before_cursor_execute", counted)


def test_a_bundle_costs_the_same_few_statements_for_100_or_400_events(ledger: Ledger) -> None:
    def person(number: int, events: int) -> None:
        ledger.recording.record_batch(
            [
                a_disclosure(number, source=Source("payroll", f"{number}-{n}"), purpose=f"r{n}")
                for n in range(events)
            ],
            actor="payroll",
        )

    person(1, 100)
    person(2, 400)
    ledger.integrity.publish_checkpoint()  # neither bundle signs a new one

    small, small_count = _statements(
        ledger, lambda: ledger.reading.proof_bundle(reader=READER, subject_id="E-00001")
    )
    large, large_count = _statements(
        ledger, lambda: ledger.reading.proof_bundle(reader=READER, subject_id="E-00002")
    )

    assert len(small["events"]) == 100
    assert len(large["events"]) == 400
    assert verify_bundle(large, ledger.integrity.verifier_key()) == []
    assert large_count == small_count
    # One look-up of ids per kind of a person's aggregate (requests, notices, consents,
    # employment ends, erasures) and a fixed rest.
    assert large_count <= 20


def test_a_bundle_opens_nothing_of_a_withheld_disclosure(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import date

    ledger.recording.record(a_disclosure(1), actor="payroll")
    withheld = ledger.recording.record(
        a_disclosure(
            1,
            source=Source("payroll", "police"),
            suppressed_until=date(2099, 1, 1),
            suppression_authority="Officier van justitie",
        ),
        actor="payroll",
    )
    ledger.recording.record(a_disclosure(1, source=Source("payroll", "later")), actor="payroll")
    opened: list[bytes] = []
    vault_type = type(ledger.vault)
    real_open_bytes = vault_type.open_bytes

    def spying(key: Any, context: bytes, sealed: str) -> bytes:
        opened.append(context)
        return real_open_bytes(key, context, sealed)

    monkeypatch.setattr(vault_type, "open_bytes", staticmethod(spying))

    bundle = ledger.reading.proof_bundle(reader=READER, subject_id="E-00001")

    assert bundle is not None
    assert len(bundle["events"]) == 1  # it ends before the withheld one
    assert opened  # the shown event's salt was opened...
    assert not any(context.startswith(withheld.id.bytes) for context in opened)  # ...none of it


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("leaves?start=2258097690462409457664&end=10510", "start"),
        ("leaves?start=0&end=9223372036854775808", "end"),
        ("proofs/inclusion?index=9223372036854775808&tree_size=2", "index"),
        ("proofs/consistency?first=1&second=9223372036854775808", "second"),
    ],
)
def test_an_index_past_64_bits_is_422_naming_it_not_a_500(
    settings: Settings, ledger: Ledger, query: str, field: str
) -> None:
    client: FlaskClient = create_app(settings, ledger=ledger).test_client()
    auditor = {"Authorization": f"Bearer {ledger.api_keys.create(name='sna', role='auditor')[1]}"}
    answer = client.get(f"/api/v1/ledger/{query}", headers=auditor)
    assert answer.status_code == 422
    assert field in answer.get_json()["errors"]
