"""The unit of work: the ledger's only write path, and its read transactions.

A write holds the writer lock (SQLite: threads queue in process, then `BEGIN IMMEDIATE`;
PostgreSQL: the event table's lock) and stores in one transaction the events, the vault
entries they need, the read models, the integrity log's leaves and a checkpoint when one is due.
So a 2xx answer means every query already includes the write, and a crash leaves nothing
half-written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import Recording
from sqlalchemy import Connection

from ledger.adapters.database import Database
from ledger.adapters.event_store import EventStore
from ledger.app.replica import ReadRouter, note_written
from ledger.integrity.leaves import event_digest
from ledger.integrity.log import Entry, TransparencyLog
from ledger.projections.projector import Projector
from ledger.settings import Settings

Clock = Callable[[], datetime]


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
        so two writers never both create a subject or both find a reference unrecorded."""
        recorder = self.store.recorder
        with self.database.writing(), recorder.transaction(commit=True) as session:
            recorder._lock_table(session)
            yield session.connection()

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

    def save(
        self, connection: Connection, aggregates: Sequence[Aggregate]
    ) -> list[Recording[UUID]]:
        """Store the aggregates' new events inside `write()`, with their read models, leaves
        and a checkpoint when one is due."""
        # The event store directly: `save()` adds per-aggregate protocol checks that cost a
        # tenth of a 10,000-item batch, and these aggregates have no snapshots or followers.
        recordings = self.store.events.put(
            [event for aggregate in aggregates for event in aggregate.collect_events()]
        )
        self.project(connection, recordings)
        if recordings:
            note_written(recordings[-1].notification.id)
        return recordings

    def project(self, connection: Connection, recordings: Sequence[Recording[UUID]]) -> None:
        self.projector.apply(connection, [(r.notification.id, r.domain_event) for r in recordings])
        self.tlog.append(connection, [_log_entry(r) for r in recordings])
        self.publish_checkpoint_if_due(connection)

    def publish_checkpoint_if_due(self, connection: Connection) -> Any:
        return self.tlog.publish_if_due(
            connection,
            now=self.clock(),
            every_events=self.settings.checkpoint_every_events,
            every_seconds=self.settings.checkpoint_every_seconds,
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
