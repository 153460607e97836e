"""The unit of work: the ledger's only write path, and its read transactions.

A write stores in one transaction the events, the vault entries they need, the read models, the
integrity log's leaves and a checkpoint when one is due, so a 2xx answer means every query
already includes the write, and a crash leaves nothing half-written. The log's order comes from
one sequencer: SQLite's single writer (threads queue in process, then `BEGIN IMMEDIATE`), on
PostgreSQL the event table's lock. A `write()` holds it from its start; the hot path of recording
new disclosures (`record()`) takes it on PostgreSQL only when its events are inserted, so judging,
sealing and encoding run beside other writers (see `record()` for why that stays correct).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, DomainEventProtocol
from eventsourcing.persistence import Recording
from sqlalchemy import Connection

from ledger.adapters.bulk_writes import COPY_FROM, pipelined
from ledger.adapters.database import Database
from ledger.adapters.event_store import EventStore
from ledger.app.replica import ReadRouter, note_written
from ledger.integrity.leaves import event_digest
from ledger.integrity.log import Entry, LogState, TransparencyLog
from ledger.projections.projector import Projector
from ledger.settings import Settings

Clock = Callable[[], datetime]

# A PostgreSQL advisory lock on the state that judges new disclosures (subjects in the vault,
# consents, restrictions, activities, erasures): `write()` holds it exclusively, `record()` shared.
# Its key names the schema: ledgers in other schemas of one database do not wait for each other.
GOVERNING_LOCK = (
    "SELECT pg_advisory_xact_lock{mode}(hashtext(current_schema() || '.ledger-governing'))"
)

EXCLUSIVE_GOVERNING_LOCK = GOVERNING_LOCK.format(mode="")
SHARED_GOVERNING_LOCK = GOVERNING_LOCK.format(mode="_shared")


def utcnow() -> datetime:
    return datetime.now(UTC)


class UnitOfWork:
    def __init__(
        self,
        *,
        database: Database,
        store: EventStore,
        tlog: TransparencyLog,
        settings: Settings,
        clock: Clock = utcnow,
    ) -> None:
        self.database = database
        self.store = store
        self.tlog = tlog
        self.settings = settings
        self.clock = clock
        self.projector = Projector()
        self.reads = ReadRouter(database, wait=settings.read_replica_wait)

    def now(self) -> datetime:
        return self.clock()

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A transaction that may append to the log: it holds the writer lock from the start,
        so two writers never both create a subject or both find a reference unrecorded.

        On PostgreSQL it first takes the governing lock exclusively, always before the table
        lock (as `record()` does, so the two never wait for each other in a cycle): it waits
        for the `record()` transactions under way, and new ones wait for it."""
        recorder = self.store.recorder
        with self.database.writing(), recorder.transaction(commit=True) as session:
            if not self.database.is_sqlite:
                session.connection().exec_driver_sql(EXCLUSIVE_GOVERNING_LOCK)
            recorder._lock_table(session)
            yield session.connection()

    @contextmanager
    def record(self) -> Iterator[Connection]:
        """The transaction that records new disclosures: on SQLite a `write()`; on PostgreSQL
        the sequencer (the event table's lock) is taken only when the events are inserted
        (`LedgerRecorder`), so what runs before that (judging, the vault, sealing, encoding)
        runs beside other writers, and only the append is serialised.

        Why what is judged before the sequencer is still true when the events take their place:
        - The governing lock, held shared from the start: consents, restrictions, activities,
          erasures and every other `write()` hold it exclusively, so none of them commits
          between this judgement and this append (the same order as one lock from the start).
        - A subject new to the vault, created by two of these at once: `subject_vault.lookup` is
          unique, so the second insert waits for the first to commit, skips its row and takes
          the key the first stored (`SubjectVault.keys_for`).
        - A reference found unrecorded by two at once: the events' unique (originator_id,
          originator_version) refuses the second first event; the retry finds the disclosure
          and answers replay or conflict.
        Positions stay gapless and in commit order because they are taken under the table
        lock, which is held until the commit.
        """
        if self.database.is_sqlite:
            with self.write() as connection:
                yield connection
            return
        with self.store.recorder.transaction(commit=True) as session:
            connection = session.connection()
            connection.exec_driver_sql(SHARED_GOVERNING_LOCK)
            yield connection

    @contextmanager
    def write_rows(self) -> Iterator[Connection]:
        """A transaction for rows beside the log (access log, links, API keys): SQLite's one
        writer still queues, but PostgreSQL writers of the log are not held up."""
        with self.database.writing(), self.database.write_engine.begin() as connection:
            yield connection

    @contextmanager
    def read(self, *, primary: bool = False) -> Iterator[Connection]:
        """One consistent read; it never waits for a writer. Inside a `read_scope` that allows
        it, on the read replica (`ledger.app.replica`); `primary` for rows written beside the
        log (sessions, keys, links, the access log), which a log position does not cover."""
        with self.reads.read(primary=primary) as connection:
            yield connection

    @contextmanager
    def lookup(self) -> Iterator[Connection]:
        """One statement's read on the primary that needs no snapshot (an API key by its
        hash): on PostgreSQL outside a transaction, which saves the BEGIN and the ROLLBACK,
        two of the four round trips a request's authentication cost."""
        if self.database.is_sqlite:
            with self.read(primary=True) as connection:
                yield connection
            return
        with self.database.read_engine.connect() as connection:
            yield connection.execution_options(isolation_level="AUTOCOMMIT")

    def save(
        self, connection: Connection, aggregates: Sequence[Aggregate]
    ) -> list[Recording[UUID]]:
        """Store the aggregates' new events inside `write()`, with their read models, leaves
        and a checkpoint when one is due."""
        return self.save_events(
            connection, [event for aggregate in aggregates for event in aggregate.collect_events()]
        )

    def save_events(
        self, connection: Connection, events: Sequence[DomainEventProtocol[UUID]]
    ) -> list[Recording[UUID]]:
        """`save` of events made without their aggregate (a batch's new disclosures)."""
        # The event store directly: `save()` adds per-aggregate protocol checks that cost a
        # tenth of a 10,000-item batch, and these aggregates have no snapshots or followers.
        recordings = self.store.events.put(list(events))
        self.project(connection, recordings)
        if recordings:
            note_written(recordings[-1].notification.id)
        return recordings

    def project(self, connection: Connection, recordings: Sequence[Recording[UUID]]) -> None:
        items = [(r.notification.id, r.domain_event) for r in recordings]
        entries = [_log_entry(r) for r in recordings]
        # New disclosures' read models are only written, never read back: sent without waiting
        # for each answer, inside the sequencer's critical section. A big batch goes by COPY
        # instead, which a pipeline cannot carry.
        pipelining = 0 < len(items) < COPY_FROM and Projector.writes_only(items)
        if pipelining:
            # The log's reads first (its size, latest checkpoint, subject heads, frontier), then
            # the read models' and the log's writes in one pipeline: one round trip for all.
            plan = self.tlog.plan_append(connection, entries)
            with pipelined(connection):
                self.projector.apply(connection, items)
                self.tlog.write_append(connection, plan)
            state = plan.state
        else:
            self.projector.apply(connection, items)
            state = self.tlog.append(connection, entries)
        # The leaves just appended end the log: its size is the last one's position.
        self.publish_checkpoint_if_due(
            connection,
            size=recordings[-1].notification.id if recordings else None,
            state=state if recordings else None,
        )

    def publish_checkpoint_if_due(
        self, connection: Connection, *, size: int | None = None, state: LogState | None = None
    ) -> Any:
        return self.tlog.publish_if_due(
            connection,
            now=self.clock(),
            every_events=self.settings.checkpoint_every_events,
            every_seconds=self.settings.checkpoint_every_seconds,
            size=size,
            state=state,
        )


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
            _uuid(stored.originator_id).bytes,
            stored.originator_version,
            stored.topic,
            stored.state,
        ),
    )


def _uuid(value: Any) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))
