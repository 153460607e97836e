"""Maintenance: the read models rebuilt from the event log."""

from __future__ import annotations

from collections.abc import Callable

from eventsourcing.persistence import StoredEvent
from sqlalchemy import Connection, select

from ledger.adapters.database import metadata
from ledger.app.uow import UnitOfWork
from ledger.projections.tables import READ_MODELS

REBUILD_PAGE = 10_000
# Indexes no projection reads by: built once after the replay instead of row by row during it.
# (A correction finds its row by id and recomputes the person's recipients by subject tag,
# so those two stay.)
AFTER_REPLAY = ("read_disclosures_category",)


class Maintenance:
    def __init__(self, *, uow: UnitOfWork) -> None:
        self.uow = uow

    def rebuild_projections(self, *, progress: Callable[[int], None] | None = None) -> int:
        """Drop the read models and replay the whole event log into them, in one transaction:
        a failure leaves the old read models as they were."""
        replayed = 0
        deferred = [
            index for table in READ_MODELS for index in table.indexes if index.name in AFTER_REPLAY
        ]
        with self.uow.write() as connection:
            metadata.drop_all(connection, tables=list(READ_MODELS))
            # Through the database: on a partitioned one the read models come back partitioned.
            self.uow.database.create_tables(
                connection, list(READ_MODELS), events=self.uow.store.table
            )
            for index in deferred:
                index.drop(connection)
            after = 0
            while page := self._page(connection, after):
                self.uow.projector.apply(connection, page)
                replayed += len(page)
                if progress is not None:
                    progress(len(page))
                after = page[-1][0]
            for index in deferred:
                index.create(connection)
        return replayed

    def _page(self, connection: Connection, after: int) -> list[tuple[int, object]]:
        """The next page of (position, domain event) after `after`, read with one Core query on
        the rebuild's own transaction (the recorder's ORM query cost a fifth of a rebuild)."""
        store = self.uow.store
        table = store.table
        rows = connection.execute(
            select(
                table.c.id,
                table.c.originator_id,
                table.c.originator_version,
                table.c.topic,
                table.c.state,
            )
            .where(table.c.id > after)
            .order_by(table.c.id)
            .limit(REBUILD_PAGE)
        )
        decode = store.mapper.to_domain_event
        return [
            (position, decode(StoredEvent(originator, version, topic, bytes(state))))
            for position, originator, version, topic, state in rows
        ]

    def partition(self) -> list[str]:
        """Partition a PostgreSQL database made before partitions; the tables converted."""
        return self.uow.database.partition(self.uow.store.table)
