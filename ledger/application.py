"""The Ledger application: record, correct and retract disclosures, and answer questions.

Every write is one transaction holding the events, new vault entries and the projection rows,
so a 2xx answer means every query already includes it, and a crash leaves nothing half-written.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import (
    InfrastructureFactory,
    IntegrityError,
    Recording,
    StoredEvent,
)
from eventsourcing.utils import Environment
from sqlalchemy import Connection, and_, select
from sqlalchemy.orm import Session

from ledger import access, apikeys, links  # noqa: F401  (links: its table joins the schema)
from ledger.domain.disclosure import (
    Disclosure,
    apply_changes,
    check_reason,
    clear_payload,
    facts_from_payload,
    opening,
    secret_payload,
)
from ledger.domain.errors import (
    BatchRefused,
    DisclosureNotFound,
    DisclosureRefused,
    DisclosureRetractedError,
    InvalidChange,
    SourceConflict,
)
from ledger.domain.policy import check_disclosure
from ledger.domain.values import DisclosureFacts
from ledger.domain.vocabulary import Vocabulary
from ledger.integrity.bundle import FORMAT as BUNDLE_FORMAT
from ledger.integrity.checkpoints import NoteSigner, NoteVerifier
from ledger.integrity.leaves import commitment as commitment_of
from ledger.integrity.leaves import event_digest
from ledger.integrity.log import Entry, StoredCheckpoint, TransparencyLog
from ledger.integrity.merkle import leaf_hash
from ledger.integrity.verify import Report, verify_log
from ledger.keys import KeyRing
from ledger.projections import queries
from ledger.projections.projector import Projector
from ledger.projections.tables import READ_MODELS, disclosures
from ledger.settings import Settings
from ledger.store import Database, LedgerFactory, LedgerRecorder, metadata
from ledger.vault import SubjectKey, SubjectVault, VaultError, chunks

MAX_BATCH = 10_000
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
REBUILD_PAGE = 10_000


@dataclass(frozen=True, slots=True)
class Receipt:
    """What a posting system gets back: the disclosure's id and where it stands in the log."""

    id: UUID
    recorded_at: datetime
    position: int
    replayed: bool = False


def utcnow() -> datetime:
    return datetime.now(UTC)


def salt_context(disclosure_id: UUID, version: int) -> bytes:
    """What a commitment's sealed salt is bound to: one event of one disclosure."""
    return disclosure_id.bytes + version.to_bytes(8, "big")


class Ledger(Application[UUID]):
    name = "Ledger"

    def __init__(
        self,
        *,
        database: Database,
        keys: KeyRing,
        vocabulary: Vocabulary,
        signer: NoteSigner,
        settings: Settings,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.database = database
        self.settings = settings
        self.tlog = TransparencyLog(signer, settings.checkpoint_origin)
        self.keys = keys
        self.vocabulary = vocabulary
        self.clock = clock
        self.vault = SubjectVault(keys)
        self.projector = Projector()
        super().__init__(env={"CREATE_TABLE": "n"})
        self.recorder: LedgerRecorder

    def construct_factory(self, env: Environment) -> InfrastructureFactory[Any]:
        factory: InfrastructureFactory[Any] = LedgerFactory(env, database=self.database)
        return factory

    def create_schema(self) -> None:
        """Create the event, vault, log and read-model tables where they are missing."""
        self.database.create_schema(self.recorder.events_record_cls.__table__)

    # -- writing ---------------------------------------------------------------------------

    @contextmanager
    def _unit_of_work(self) -> Iterator[Session]:
        with self.database.writing(), self.recorder.transaction(commit=True) as session:
            # Serialise writers from the start, so that two of them never both create a subject
            # or both find a source reference unrecorded.
            self.recorder._lock_table(session)
            yield session

    def record(self, facts: DisclosureFacts, *, actor: str) -> Receipt:
        try:
            return self._record_all([facts], actor=actor)[0]
        except BatchRefused as refused:
            if refused.conflict_ids:
                raise SourceConflict(refused.conflict_ids[0]) from None
            raise DisclosureRefused(
                {key.split(".", 2)[2]: message for key, message in refused.errors.items()}
            ) from None

    def record_batch(self, items: Sequence[DisclosureFacts], *, actor: str) -> list[Receipt]:
        """All or nothing: either every item is recorded (or found as a replay), or none is."""
        if not items:
            raise InvalidChange({"items": "must hold at least one disclosure"})
        if len(items) > MAX_BATCH:
            raise InvalidChange({"items": f"must hold at most {MAX_BATCH} disclosures"})
        return self._record_all(items, actor=actor)

    def record_stream(
        self,
        items: Sequence[DisclosureFacts],
        *,
        actor: str,
        batch_size: int = MAX_BATCH,
        progress: Callable[[int], None] | None = None,
    ) -> list[Receipt]:
        """Any number of disclosures, written batch by batch in one transaction: all or nothing."""
        now = self.clock()
        receipts: list[Receipt] = []
        with self._unit_of_work():
            for start in range(0, len(items), batch_size):
                part = items[start : start + batch_size]
                receipts += self._judge_and_write(part, actor=actor, now=now, offset=start)
                if progress is not None:
                    progress(len(part))
        return receipts

    def _judge_and_write(
        self, items: Sequence[DisclosureFacts], *, actor: str, now: datetime, offset: int = 0
    ) -> list[Receipt]:
        errors: dict[str, str] = {}
        for index, facts in enumerate(items, start=offset):
            try:
                check_disclosure(facts, now=now, vocabulary=self.vocabulary)
            except DisclosureRefused as refused:
                errors.update(
                    {f"items.{index}.{path}": message for path, message in refused.errors.items()}
                )
        if errors:
            raise BatchRefused(errors)
        ids = [self.keys.disclosure_id(f.source.system, f.source.reference) for f in items]
        return self._write(items, ids, actor=actor, now=now, offset=offset)

    def _record_all(self, items: Sequence[DisclosureFacts], *, actor: str) -> list[Receipt]:
        now = self.clock()
        # A concurrent writer of the same source reference can only win between two of our
        # transactions; the retry then finds its disclosure and judges replay or conflict.
        for _attempt in range(3):
            try:
                with self._unit_of_work():
                    return self._judge_and_write(items, actor=actor, now=now)
            except IntegrityError:
                continue
        with self._unit_of_work():
            return self._judge_and_write(items, actor=actor, now=now)

    def _write(
        self,
        items: Sequence[DisclosureFacts],
        ids: list[UUID],
        *,
        actor: str,
        now: datetime,
        offset: int = 0,
    ) -> list[Receipt]:
        with self._unit_of_work() as session:
            connection = session.connection()
            existing = self._recorded_before(connection, set(ids))
            subject_keys = self.vault.keys_for(
                connection, {facts.subject.id for facts in items}, now=now
            )
            receipts: list[Receipt | None] = [None] * len(items)
            first_in_batch: dict[UUID, tuple[int, str]] = {}
            conflicts: dict[str, str] = {}
            aggregates: list[Disclosure] = []
            for index, (facts, disclosure_id) in enumerate(zip(items, ids, strict=True)):
                key = subject_keys[facts.subject.id]
                clear, secret = clear_payload(facts), secret_payload(facts)
                plaintext = opening(
                    disclosure_id=disclosure_id,
                    version=1,
                    event_type="DisclosureRecorded",
                    clear=clear,
                    secret=secret,
                )
                digest = self.vault.digest(key, plaintext)
                earlier = existing.get(disclosure_id)
                if earlier is not None:
                    if earlier[0] != digest:
                        conflicts[f"items.{offset + index}.source.reference"] = str(
                            SourceConflict(disclosure_id)
                        )
                    receipts[index] = Receipt(disclosure_id, earlier[1], earlier[2], True)
                    continue
                if disclosure_id in first_in_batch:
                    if first_in_batch[disclosure_id][1] != digest:
                        conflicts[f"items.{offset + index}.source.reference"] = (
                            f"repeats item {offset + first_in_batch[disclosure_id][0]} "
                            "of this batch "
                            "with other content"
                        )
                    continue
                first_in_batch[disclosure_id] = (index, digest)
                commitment, salt = self._commit(key, disclosure_id, 1, plaintext)
                aggregates.append(
                    Disclosure.record(
                        disclosure_id=disclosure_id,
                        fields=clear,
                        sealed=self.vault.seal(key, disclosure_id, secret),
                        subject_tag=key.tag,
                        digest=digest,
                        actor=actor,
                        commitment=commitment,
                        salt=salt,
                    )
                )
            if conflicts:
                raise BatchRefused(
                    conflicts, conflict_ids=[ids[int(k.split(".")[1]) - offset] for k in conflicts]
                )
            # The event store directly: `save()` adds per-aggregate protocol checks that cost a
            # tenth of a 10,000-item batch, and these aggregates have no snapshots or followers.
            recordings = self.events.put(
                [event for disclosure in aggregates for event in disclosure.collect_events()]
            )
            self._project(connection, recordings)
        new = {
            r.domain_event.originator_id: Receipt(
                r.domain_event.originator_id, _timestamp(r.domain_event), r.notification.id
            )
            for r in recordings
        }
        result = []
        for index, receipt in enumerate(receipts):
            if receipt is None:
                first_index = first_in_batch[ids[index]][0]
                made = new[ids[index]]
                receipt = (
                    made
                    if first_index == index
                    else Receipt(made.id, made.recorded_at, made.position, True)
                )
            result.append(receipt)
        return result

    def _recorded_before(
        self, connection: Connection, ids: set[UUID]
    ) -> dict[UUID, tuple[str, datetime, int]]:
        """digest, recorded_at and position of each id that already has its first event."""
        table = self.recorder.events_record_cls.__table__
        found: dict[UUID, tuple[str, datetime, int]] = {}
        for part in chunks(sorted(ids)):
            rows = connection.execute(
                select(table.c.id, table.c.originator_id, table.c.topic, table.c.state).where(
                    and_(table.c.originator_id.in_(part), table.c.originator_version == 1)
                )
            )
            for row in rows:
                recorded = self.mapper.to_domain_event(
                    StoredEvent(row.originator_id, 1, row.topic, bytes(row.state))
                )
                assert isinstance(recorded, Disclosure.DisclosureRecorded)
                found[row.originator_id] = (recorded.digest, recorded.timestamp, row.id)
        return found

    def correct(
        self, disclosure_id: UUID, *, changes: Mapping[str, Any], reason: str, actor: str
    ) -> Receipt:
        """Amend a disclosure; the result is judged by the same rules as a new one."""
        with self._unit_of_work() as session:
            disclosure = self._get(disclosure_id)
            key, secret = self._open(session.connection(), disclosure)
            current = facts_from_payload(disclosure.fields, secret)
            corrected = apply_changes(current, changes)
            check_disclosure(corrected, now=self.clock(), vocabulary=self.vocabulary)
            before, after = clear_payload(current), clear_payload(corrected)
            clear_changes = {name: value for name, value in after.items() if before[name] != value}
            new_secret = secret_payload(corrected)
            sealed = (
                self.vault.seal(key, disclosure_id, new_secret) if new_secret != secret else None
            )
            if not clear_changes and sealed is None:
                raise InvalidChange({"changes": "change nothing: every value is already as given"})
            reason = check_reason(reason)
            commitment, salt = self._commit_next(
                key, disclosure, "DisclosureCorrected", after, new_secret, reason=reason
            )
            disclosure.correct(
                changes=clear_changes,
                sealed=sealed,
                reason=reason,
                actor=actor,
                commitment=commitment,
                salt=salt,
            )
            return self._save_one(session, disclosure)

    def retract(self, disclosure_id: UUID, *, reason: str, actor: str) -> Receipt:
        """Mark a disclosure as recorded in error; it stays in the log, shown as retracted."""
        with self._unit_of_work() as session:
            disclosure = self._get(disclosure_id)
            if disclosure.is_retracted:
                raise DisclosureRetractedError(disclosure_id)
            key, secret = self._open(session.connection(), disclosure)
            reason = check_reason(reason)
            commitment, salt = self._commit_next(
                key,
                disclosure,
                "DisclosureRetracted",
                disclosure.fields,
                secret,
                reason=reason,
                retraction=reason,
            )
            disclosure.retract(reason=reason, actor=actor, commitment=commitment, salt=salt)
            return self._save_one(session, disclosure)

    def _commit_next(
        self,
        key: SubjectKey,
        disclosure: Disclosure,
        event_type: str,
        clear: Mapping[str, Any],
        secret: Mapping[str, Any],
        *,
        reason: str,
        retraction: str | None = None,
    ) -> tuple[str, str]:
        """The commitment of the disclosure's next event, to the state that event leaves."""
        version = disclosure.version + 1
        plaintext = opening(
            disclosure_id=disclosure.id,
            version=version,
            event_type=event_type,
            clear=clear,
            secret=secret,
            retraction=retraction,
            reason=reason,
        )
        return self._commit(key, disclosure.id, version, plaintext)

    def _commit(
        self, key: SubjectKey, disclosure_id: UUID, version: int, plaintext: bytes
    ) -> tuple[str, str]:
        """A salted commitment to `plaintext`, and the salt sealed with the subject's key."""
        salt = os.urandom(32)
        sealed_salt = self.vault.seal_bytes(key, salt_context(disclosure_id, version), salt)
        return commitment_of(salt, plaintext).hex(), sealed_salt

    def _project(self, connection: Connection, recordings: Sequence[Recording[UUID]]) -> None:
        """Read models and the integrity log, in the transaction that stores the events."""
        self.projector.apply(connection, [(r.notification.id, r.domain_event) for r in recordings])
        self.tlog.append(connection, [_log_entry(r) for r in recordings])
        self.tlog.publish_if_due(
            connection,
            now=self.clock(),
            every_events=self.settings.checkpoint_every_events,
            every_seconds=self.settings.checkpoint_every_seconds,
        )

    def _save_one(self, session: Session, disclosure: Disclosure) -> Receipt:
        recordings = self.events.put(disclosure.collect_events())
        self._project(session.connection(), recordings)
        last = recordings[-1]
        return Receipt(disclosure.id, _timestamp(last.domain_event), last.notification.id)

    def _get(self, disclosure_id: UUID) -> Disclosure:
        try:
            disclosure: Disclosure = self.repository.get(disclosure_id)
        except AggregateNotFoundError:
            raise DisclosureNotFound(disclosure_id) from None
        assert isinstance(disclosure, Disclosure)
        return disclosure

    def _open(
        self, connection: Connection, disclosure: Disclosure
    ) -> tuple[SubjectKey, dict[str, Any]]:
        key = self.vault.keys_by_tag(connection, [disclosure.subject_tag]).get(
            disclosure.subject_tag
        )
        if key is None:
            raise InvalidChange({"subject": "was erased: this disclosure can no longer be read"})
        return key, self.vault.open(key, disclosure.id, disclosure.sealed)

    # -- reading -----------------------------------------------------------------------------

    @contextmanager
    def _reading(self) -> Iterator[Connection]:
        with self.database.read_engine.connect() as connection, connection.begin():
            yield connection

    def history(self, disclosure_id: UUID) -> list[Any]:
        """Every event of one disclosure, oldest first."""
        table = self.recorder.events_record_cls.__table__
        with self._reading() as connection:
            rows = connection.execute(
                select(table.c.id, table.c.originator_version, table.c.topic, table.c.state)
                .where(table.c.originator_id == disclosure_id)
                .order_by(table.c.originator_version)
            ).all()
        return [
            (
                row.id,
                self.mapper.to_domain_event(
                    StoredEvent(disclosure_id, row.originator_version, row.topic, bytes(row.state))
                ),
            )
            for row in rows
        ]

    def get_disclosure(self, disclosure_id: UUID) -> dict[str, Any]:
        """Current values, opened identifying fields, and the history of the disclosure."""
        with self._reading() as connection:
            row = queries.disclosure_by_id(connection, disclosure_id.hex)
            if row is None:
                raise DisclosureNotFound(disclosure_id)
            opened = self._open_rows(connection, [row])[0]
        opened["history"] = [
            _history_entry(position, event) for position, event in self.history(disclosure_id)
        ]
        return opened

    def _open_rows(
        self, connection: Connection, rows: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        keys = self.vault.keys_by_tag(connection, {row["subject_tag"] for row in rows})
        result = []
        for row in rows:
            row = dict(row)
            sealed = row.pop("sealed")
            key = keys.get(row["subject_tag"])
            secret: dict[str, Any] = {}
            if key is not None:
                try:
                    secret = self.vault.open(key, UUID(row["id"]), sealed)
                except VaultError:
                    secret = {}
            row["subject"] = {
                "id": secret.get("subject_id"),
                "kind": row.pop("subject_kind"),
                "name": secret.get("subject_name"),
                "email": secret.get("subject_email"),
            }
            row["source"] = {
                "system": row.pop("source_system"),
                "reference": secret.get("source_reference"),
            }
            result.append(row)
        return result

    def _tag_of(self, connection: Connection, subject_id: str) -> str | None:
        key = self.vault.find(connection, subject_id)
        return None if key is None else key.tag

    def disclosures_of(
        self,
        subject_id: str,
        *,
        filters: queries.Filters = queries.NO_FILTERS,
        limit: int = 100,
        cursor: str | None = None,
    ) -> queries.Page:
        """A subject's disclosures, newest first; an unknown subject has none."""
        with self._reading() as connection:
            tag = self._tag_of(connection, subject_id)
            if tag is None:
                return queries.Page(items=[], next=None)
            page = queries.disclosures_of_subject(
                connection, tag, filters=filters, limit=limit, cursor=cursor
            )
            return queries.Page(items=self._open_rows(connection, page.items), next=page.next)

    def recipients_of(self, subject_id: str) -> list[dict[str, Any]]:
        """The Art. 15(1)(c) answer: each actual recipient with period, count, data and bases."""
        with self._reading() as connection:
            tag = self._tag_of(connection, subject_id)
            return [] if tag is None else queries.recipients_of_subject(connection, tag)

    def disclosures_to(
        self,
        category: str,
        *,
        filters: queries.Filters = queries.NO_FILTERS,
        limit: int = 100,
        cursor: str | None = None,
    ) -> queries.Page:
        with self._reading() as connection:
            page = queries.disclosures_to_category(
                connection, category, filters=filters, limit=limit, cursor=cursor
            )
            return queries.Page(items=self._open_rows(connection, page.items), next=page.next)

    def statistics(
        self,
        *,
        controller: str | None = None,
        since_month: str | None = None,
        until_month: str | None = None,
    ) -> list[dict[str, Any]]:
        with self._reading() as connection:
            return queries.statistics_table(
                connection, controller=controller, since_month=since_month, until_month=until_month
            )

    # -- who may ask, and who asked ----------------------------------------------------------

    def create_api_key(
        self,
        *,
        name: str,
        role: str,
        controllers: Sequence[str] = (),
        system: str | None = None,
    ) -> tuple[apikeys.ApiKey, str]:
        return apikeys.create_key(
            self.database.write_engine,
            name=name,
            role=role,
            controllers=tuple(controllers),
            system=system,
            now=self.clock(),
        )

    def api_keys(self) -> list[apikeys.ApiKey]:
        with self._reading() as connection:
            return apikeys.list_keys(connection)

    def revoke_api_key(self, name: str) -> None:
        apikeys.revoke_key(self.database.write_engine, name, now=self.clock())

    def authenticate(self, secret: str) -> apikeys.ApiKey | None:
        with self._reading() as connection:
            return apikeys.authenticate(connection, secret)

    def log_access(
        self,
        *,
        actor: str,
        role: str,
        endpoint: str,
        purpose: str | None,
        subject_id: str | None = None,
        subject_tags: Iterable[str] = (),
    ) -> None:
        """Record that someone read subjects' data, named by subject id or by subject tags."""
        with self.database.writing(), self.database.write_engine.begin() as connection:
            lookups = list(self.vault.lookups_of_tags(connection, subject_tags))
            if subject_id is not None:
                lookups.append(self.keys.subject_lookup(subject_id))
            now = self.clock()
            for lookup in lookups:
                access.record_access(
                    connection,
                    subject_lookup=lookup,
                    at=now,
                    actor=actor,
                    role=role,
                    endpoint=endpoint,
                    purpose=purpose,
                )

    def provenance(self, disclosure_id: UUID) -> tuple[str, str]:
        """(source system, controller) of a disclosure, to decide who may amend it."""
        with self._reading() as connection:
            row = queries.disclosure_by_id(connection, disclosure_id.hex)
        if row is None:
            raise DisclosureNotFound(disclosure_id)
        return row["source_system"], row["controller"]

    def access_log(self, subject_id: str) -> list[access.Access]:
        with self._reading() as connection:
            return access.accesses(connection, self.keys.subject_lookup(subject_id))

    # -- integrity ---------------------------------------------------------------------------

    def verifier_key(self) -> str:
        return self.tlog.signer.verifier_key()

    def latest_checkpoint(self) -> StoredCheckpoint | None:
        with self._reading() as connection:
            return self.tlog.latest_checkpoint(connection)

    def publish_checkpoint(self) -> StoredCheckpoint:
        with self._unit_of_work() as session:
            return self.tlog.publish(session.connection(), now=self.clock())

    def publish_checkpoint_if_due(self) -> StoredCheckpoint | None:
        """A checkpoint when the settings' count or age says so; writes check this too, a
        server also on a timer, so the last events before a quiet spell get signed."""
        with self._unit_of_work() as session:
            return self.tlog.publish_if_due(
                session.connection(),
                now=self.clock(),
                every_events=self.settings.checkpoint_every_events,
                every_seconds=self.settings.checkpoint_every_seconds,
            )

    def inclusion_proof(self, index: int, tree_size: int) -> list[bytes]:
        with self._reading() as connection:
            return self.tlog.inclusion_proof(connection, index, tree_size)

    def consistency_proof(self, first: int, second: int) -> list[bytes]:
        with self._reading() as connection:
            return self.tlog.consistency_proof(connection, first, second)

    def leaves(self, start: int, end: int) -> list[tuple[int, bytes]]:
        with self._reading() as connection:
            return self.tlog.leaves_between(connection, start, end)

    def verify(
        self, *, verifier_key: str | None = None, progress: Callable[[int], None] | None = None
    ) -> Report:
        """Recompute the whole log from the stored events; see `ledger.integrity.verify`."""
        verifier = NoteVerifier.parse(verifier_key or self.verifier_key())
        with self.database.read_engine.connect() as connection:
            if not self.database.is_sqlite:
                # One snapshot for the whole pass: writers may go on meanwhile.
                connection = connection.execution_options(isolation_level="REPEATABLE READ")
            with connection.begin():
                return verify_log(
                    connection,
                    events=self.recorder.events_record_cls.__table__,
                    log=self.tlog,
                    verifier=verifier,
                    progress=progress,
                )

    def proof_bundle(
        self, subject_id: str | None = None, *, tag: str | None = None, for_subject: bool = True
    ) -> dict[str, Any] | None:
        """The person's proof: a fresh checkpoint and, per event, leaf, opening and proof.

        For the person (`for_subject`), a disclosure under suppression must stay invisible, and
        so must its events: the bundle then ends before the first of them, with the head there,
        so that what it shows is still a gapless, verifiable start of the person's sequence.
        """
        with self._unit_of_work() as session:
            connection = session.connection()
            if tag is None:
                assert subject_id is not None
                found = self.vault.find(connection, subject_id)
            else:
                found = self.vault.keys_by_tag(connection, [tag]).get(tag)
            if found is None:
                return None
            key = found
            head = self.tlog.subject_head(connection, key.tag)
            if head is None:
                return None
            checkpoint = self.tlog.publish(connection, now=self.clock())
            table = self.recorder.events_record_cls.__table__
            today = self.clock().astimezone(AMSTERDAM).date()
            disclosure_rows = connection.execute(
                select(disclosures.c.disclosure_id, disclosures.c.suppressed_until).where(
                    disclosures.c.subject_tag == key.tag
                )
            ).all()
            ids = [row.disclosure_id for row in disclosure_rows]
            withheld = {
                UUID(hex=row.disclosure_id)
                for row in disclosure_rows
                if for_subject and row.suppressed_until is not None and row.suppressed_until > today
            }
            rows: list[Any] = []
            for part in chunks([UUID(hex=i) for i in ids]):
                rows += connection.execute(
                    select(
                        table.c.id,
                        table.c.originator_id,
                        table.c.originator_version,
                        table.c.topic,
                        table.c.state,
                    )
                    .where(table.c.originator_id.in_(part))
                    .order_by(table.c.originator_id, table.c.originator_version)
                ).all()
            items = []
            cut = checkpoint.tree_size + 1
            state: dict[UUID, tuple[dict[str, Any], dict[str, Any]]] = {}
            for row in rows:
                event: Any = self.mapper.to_domain_event(
                    StoredEvent(
                        row.originator_id, row.originator_version, row.topic, bytes(row.state)
                    )
                )
                plaintext = self._replay_opening(key, event, state)
                salt = self.vault.open_bytes(
                    key, salt_context(event.originator_id, event.originator_version), event.salt
                )
                if event.originator_id in withheld:
                    cut = min(cut, row.id)
                    continue
                items.append(
                    {
                        "index": row.id - 1,
                        "leaf": _b64(
                            self.tlog.leaves_between(connection, row.id - 1, row.id)[0][1]
                        ),
                        "plaintext": plaintext.decode(),
                        "salt": _b64(salt),
                        "inclusion_proof": [
                            _b64(node)
                            for node in self.tlog.inclusion_proof(
                                connection, row.id - 1, checkpoint.tree_size
                            )
                        ],
                    }
                )
        items = sorted((i for i in items if i["index"] + 1 < cut), key=lambda i: i["index"])
        if cut <= checkpoint.tree_size:
            if not items:
                return None
            head = (len(items), leaf_hash(base64.b64decode(items[-1]["leaf"])))
        return {
            "format": BUNDLE_FORMAT,
            "checkpoint": checkpoint.as_json(),
            "verifier_key": self.verifier_key(),
            "subject_head": {"sequence": head[0], "leaf_hash": _b64(head[1])},
            "events": items,
        }

    def _replay_opening(
        self,
        key: SubjectKey,
        event: Any,
        state: dict[UUID, tuple[dict[str, Any], dict[str, Any]]],
    ) -> bytes:
        """The canonical plaintext an event committed to, rebuilt from the disclosure's events."""
        disclosure_id = event.originator_id
        name = type(event).__name__
        if isinstance(event, Disclosure.DisclosureRecorded):
            clear, secret = dict(event.fields), self.vault.open(key, disclosure_id, event.sealed)
        else:
            clear, secret = state[disclosure_id]
            if isinstance(event, Disclosure.DisclosureCorrected):
                clear = {**clear, **event.changes}
                if event.sealed is not None:
                    secret = self.vault.open(key, disclosure_id, event.sealed)
        state[disclosure_id] = (clear, secret)
        retracted = isinstance(event, Disclosure.DisclosureRetracted)
        return opening(
            disclosure_id=disclosure_id,
            version=event.originator_version,
            event_type=name,
            clear=clear,
            secret=secret,
            retraction=event.reason if retracted else None,
            reason=None if isinstance(event, Disclosure.DisclosureRecorded) else event.reason,
        )

    # -- maintenance -------------------------------------------------------------------------

    def rebuild_projections(self, *, progress: Callable[[int], None] | None = None) -> int:
        """Drop the read models and replay the whole event log into them, in one transaction."""
        replayed = 0
        with self._unit_of_work() as session:
            connection = session.connection()
            metadata.drop_all(connection, tables=list(READ_MODELS))
            metadata.create_all(connection, tables=list(READ_MODELS))
            start = 1
            while True:
                notifications = self.recorder.select_notifications(start=start, limit=REBUILD_PAGE)
                if not notifications:
                    break
                self.projector.apply(
                    connection,
                    [(n.id, self.mapper.to_domain_event(n)) for n in notifications],
                )
                replayed += len(notifications)
                if progress is not None:
                    progress(len(notifications))
                start = notifications[-1].id + 1
        return replayed


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def _log_entry(recording: Recording[UUID]) -> Entry:
    event: Any = recording.domain_event
    stored = recording.notification
    return Entry(
        position=stored.id,
        event_type=type(event).__name__,
        recorded_at=event.timestamp,
        subject_tag=event.subject_tag,
        commitment=bytes.fromhex(event.commitment),
        event_digest=event_digest(
            UUID(str(stored.originator_id)).bytes,
            stored.originator_version,
            stored.topic,
            stored.state,
        ),
    )


def _timestamp(event: Any) -> datetime:
    stamp: datetime = event.timestamp
    return stamp


def _history_entry(position: int, event: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "type": type(event).__name__,
        "position": position,
        "at": event.timestamp,
        "actor": event.actor,
    }
    if isinstance(event, Disclosure.DisclosureCorrected):
        entry["reason"] = event.reason
        entry["changed"] = sorted(event.changes) + (["subject"] if event.sealed else [])
        entry["changes"] = event.changes
    elif isinstance(event, Disclosure.DisclosureRetracted):
        entry["reason"] = event.reason
    return entry
