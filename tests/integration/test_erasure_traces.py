"""Nothing left that ties back: after a person is erased, no table's column, no file under the
test's folder (the SQLite file, its WAL and shared memory, the list of shredded tags) and, on
PostgreSQL, no byte of the vault's heap file holds their id, name, e-mail address, source
references, consent or case reference, their vault lookup or their wrapped key, in any of the
encodings they could be stored in. The same search before the erasure finds the key and the
lookup, so it can fail."""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from ledger.adapters.database import metadata
from ledger.adapters.vault import subject_vault
from ledger.app import Ledger
from ledger.domain.values import Subject
from ledger.integrity import merkle
from ledger.integrity.bundle import verify_bundle
from tests.builders import AMSTERDAM, READER, to_inlener

SUBJECT_ID = "ZT-778123"
NAME = "Wilhelmina Traceable"
CORRECTED_NAME = "Wilhelmina Correcta-Traceable"
EMAIL = "w.traceable@example.org"
SOURCES = ("trace-src-001", "trace-src-002")
CONSENT_REFERENCE = "CONSENT-TRACE-93"
CASE_REFERENCE = "AR-TRACE-5521"
TEXT_NEEDLES = (
    SUBJECT_ID,
    NAME,
    CORRECTED_NAME,
    EMAIL,
    *SOURCES,
    CONSENT_REFERENCE,
    CASE_REFERENCE,
)


def encodings(value: bytes) -> list[bytes]:
    """How bytes may sit in a column or file: raw, hex (either case), base64 (and url-safe)."""
    return [
        value,
        value.hex().encode(),
        value.hex().upper().encode(),
        base64.b64encode(value),
        base64.urlsafe_b64encode(value),
        base64.b64encode(value).rstrip(b"="),
    ]


def needles(secrets: dict[str, bytes]) -> dict[str, list[bytes]]:
    found = {text: encodings(text.encode()) for text in TEXT_NEEDLES}
    found.update({text: [*found[text], text.encode("utf-16-le")] for text in TEXT_NEEDLES})
    found.update({name: encodings(value) for name, value in secrets.items()})
    return found


def a_person_with_everything(ledger: Ledger) -> dict[str, Any]:
    """Disclosures from 2022 (no rule holds them now), one corrected with a new name, a
    consent, an access request answered with an overview link, a restriction in force whose
    reason names them, and the end of their employment."""
    subject = Subject(id=SUBJECT_ID, name=NAME, email=EMAIL)
    receipts = [
        ledger.recording.record(
            to_inlener(
                1,
                subject=subject,
                occurred_at=datetime(2022, month, 1, 12, 0, tzinfo=AMSTERDAM),
                source=replace(to_inlener(1).source, reference=reference),
            ),
            actor="planning",
        )
        for month, reference in ((3, SOURCES[0]), (6, SOURCES[1]))
    ]
    ledger.recording.correct(
        receipts[1].id,
        changes={"subject": {"name": CORRECTED_NAME}},
        reason="spelling of the name",
        actor="officer",
    )
    ledger.consents.give(
        subject_id=SUBJECT_ID,
        consent_reference=CONSENT_REFERENCE,
        purpose="Nieuwsbrief",
        given_at=datetime(2022, 1, 1, 12, 0, tzinfo=AMSTERDAM),
        actor="fg",
    )
    request_id = ledger.requests.open(
        subject_id=SUBJECT_ID,
        received_on=date(2026, 10, 30),
        channel="email",
        reference=CASE_REFERENCE,
        actor="fg",
    )
    ledger.requests.answer_with_link(request_id, reader=READER, lang="nl")
    ledger.restrictions.impose(
        subject_id=SUBJECT_ID,
        reason=f"{NAME} betwist de juistheid van haar gegevens",
        until=date.today() + timedelta(days=30),
        actor="fg",
    )
    ledger.employment_ends.record(subject_id=SUBJECT_ID, ended_on=date(2022, 12, 31), actor="fg")
    bundle = ledger.reading.proof_bundle(reader=READER, subject_id=SUBJECT_ID)
    assert bundle is not None
    with ledger.uow.read() as connection:
        row = connection.execute(sa.select(subject_vault)).mappings().one()
    return {
        "bundle": bundle,
        "secrets": {"wrapped key": row["wrapped_key"], "lookup": row["lookup"]},
        "tag": row["tag"],
    }


def table_bytes(ledger: Ledger) -> dict[str, bytes]:
    """Every value of every row of every table, the metadata's and any other the database lists."""
    found: dict[str, bytes] = {}
    with ledger.database.read_engine.connect() as connection:
        names = set(sa.inspect(connection).get_table_names()) | set(metadata.tables)
        names.add("ledger_events")
        for name in sorted(names):
            rows = connection.execute(sa.text(f"SELECT * FROM {name}")).all()  # noqa: S608
            found[name] = b"\x00".join(_as_bytes(value) for row in rows for value in row)
    return found


def _as_bytes(value: Any) -> bytes:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False).encode()
    return str(value).encode()


def file_bytes(folder: Path) -> dict[str, bytes]:
    return {str(path): path.read_bytes() for path in folder.rglob("*") if path.is_file()}


def heap_bytes(ledger: Ledger) -> dict[str, bytes]:
    """PostgreSQL: the raw heap files of the vault and the links, as on disk after a CHECKPOINT."""
    if ledger.database.is_sqlite:
        return {}
    found = {}
    with ledger.database.write_engine.connect() as connection:
        autocommit = connection.execution_options(isolation_level="AUTOCOMMIT")
        autocommit.exec_driver_sql("CHECKPOINT")
        for table in ("subject_vault", "overview_links"):
            found[f"heap of {table}"] = autocommit.execute(
                sa.text("SELECT pg_read_binary_file(pg_relation_filepath(:table))"),
                {"table": table},
            ).scalar_one()
    return found


def traces(ledger: Ledger, folder: Path, secrets: dict[str, bytes]) -> set[tuple[str, str]]:
    """(needle, where) for every needle found anywhere."""
    places = {**table_bytes(ledger), **file_bytes(folder), **heap_bytes(ledger)}
    return {
        (name, where)
        for name, forms in needles(secrets).items()
        for where, content in places.items()
        if any(form in content for form in forms)
    }


def test_after_erasure_nothing_anywhere_ties_back_to_the_person(
    ledger: Ledger, tmp_path: Path
) -> None:
    made = a_person_with_everything(ledger)
    secrets = made["secrets"]
    before_checkpoint = ledger.integrity.latest_checkpoint()
    assert before_checkpoint is not None

    before = traces(ledger, tmp_path, secrets)
    # The control: the search finds the person's key and lookup where they are kept.
    assert ("wrapped key", "subject_vault") in before
    assert ("lookup", "subject_vault") in before
    assert ("lookup", "overview_links") in before
    if ledger.database.is_sqlite:
        assert any(name == "wrapped key" and "ledger.db" in where for name, where in before)
    else:
        assert ("wrapped key", "heap of subject_vault") in before

    outcome = ledger.erasures.request(
        subject_id=SUBJECT_ID, reason="Verzoek van de persoon", requested_on=None, actor="fg"
    )

    assert outcome.state == "erased"
    assert outcome.scrubbed
    assert traces(ledger, tmp_path, secrets) == set()
    # Every table that names people by tag keeps no row of theirs, but the record of the
    # erasure itself, its Art. 19 notice, the access log and the chain's head (tag only).
    kept = {
        "read_erasures",
        "read_recipient_notices",
        "read_recipient_notifications",
        "access_log",
        "ledger_subject_heads",
        "overview_links",
    }
    with ledger.uow.read() as connection:
        for table in metadata.sorted_tables:
            column = table.c.get("subject_tag", table.c.get("tag"))
            if column is None or table.name in kept:
                continue
            count = connection.execute(
                sa.select(sa.func.count()).select_from(table).where(column == made["tag"])
            ).scalar_one()
            assert count == 0, table.name
    report = ledger.integrity.verify()
    assert report.ok, report.problems
    # The person's old proof still holds: its checkpoint's tree is a prefix of today's.
    key = ledger.integrity.verifier_key()
    assert verify_bundle(json.loads(json.dumps(made["bundle"])), key) == []
    old = made["bundle"]["checkpoint"]
    now = ledger.integrity.publish_checkpoint()
    proof = ledger.integrity.consistency_proof(old["tree_size"], now.tree_size)
    merkle.verify_consistency(
        old["tree_size"],
        now.tree_size,
        base64.b64decode(old["root_hash"]),
        now.root_hash,
        proof,
    )
