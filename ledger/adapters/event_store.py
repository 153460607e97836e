"""The event store: eventsourcing's SQLAlchemy recorder on the ledger's own engine, writing a
batch of events with one driver `executemany`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import InfrastructureFactory, StoredEvent
from eventsourcing.utils import Environment, get_topic
from eventsourcing_sqlalchemy.datastore import SQLAlchemyDatastore
from eventsourcing_sqlalchemy.factory import SQLAlchemyFactory
from eventsourcing_sqlalchemy.recorders import SQLAlchemyApplicationRecorder
from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session

from ledger.adapters.database import EVENTS_TABLE, Database, bulk_write
from ledger.adapters.state_codec import StateCompressor


class LedgerRecorder(SQLAlchemyApplicationRecorder):
    """eventsourcing's SQLAlchemy recorder, writing a batch with one driver `executemany`.

    The library adds ORM objects one by one; at 10,000 events a batch that cost more than all the
    rest of recording. Positions are assigned here, gapless and in commit order, under the
    sequencer: SQLite's single writer, held for the whole transaction; on PostgreSQL the table
    lock, taken here at the latest (a `UnitOfWork.write()` took it already) and held until the
    commit. No NOTIFY is sent as the library does: nothing listens, and a NOTIFY makes every
    commit take PostgreSQL's one notification-queue lock.
    """

    # Set by `LedgerFactory`: the database whose range partitions a write may extend.
    database: Database

    def _insert_stored_events(
        self, session: Session, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int]:
        if not stored_events:
            return []
        self._lock_table(session)
        table = self.events_record_cls.__table__
        connection = session.connection()
        last = connection.execute(select(func.max(table.c.id))).scalar() or 0
        ids = list(range(last + 1, last + 1 + len(stored_events)))
        self.database.extend_partitions(connection, ids[-1])
        bulk_write(
            connection,
            table,
            [
                {
                    "id": position,
                    "originator_id": e.originator_id,
                    "originator_version": e.originator_version,
                    "topic": e.topic,
                    "state": e.state,
                }
                for position, e in zip(ids, stored_events, strict=True)
            ],
        )
        return ids


class LedgerFactory(SQLAlchemyFactory):
    """Builds eventsourcing's infrastructure on our own engine instead of a URL string."""

    application_recorder_class = LedgerRecorder

    def __init__(self, env: Any, *, database: Database) -> None:
        super(SQLAlchemyFactory, self).__init__(env)
        self._schema_name = None
        self.database = database
        self.datastore = SQLAlchemyDatastore(session_maker=database.session_maker)

    def application_recorder(self) -> LedgerRecorder:
        recorder = LedgerRecorder(datastore=self.datastore, events_table_name=EVENTS_TABLE)
        recorder.database = self.database
        return recorder


class EventStore(Application[UUID]):
    """The aggregates' repository, the event mapper and the recorder, on one `Database`.

    Used as a store only: the ledger's unit of work decides transactions (`ledger.app.uow`).
    """

    name = "Ledger"

    def __init__(self, database: Database) -> None:
        self.database = database
        super().__init__(env={"CREATE_TABLE": "n", "COMPRESSOR_TOPIC": get_topic(StateCompressor)})
        self.recorder: LedgerRecorder

    def construct_factory(self, env: Environment) -> InfrastructureFactory[Any]:
        factory: InfrastructureFactory[Any] = LedgerFactory(env, database=self.database)
        return factory

    @property
    def table(self) -> Table:
        """The stored events' table (id = position in the log)."""
        table: Table = self.recorder.events_record_cls.__table__
        return table
