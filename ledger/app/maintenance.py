"""Maintenance: the read models rebuilt from the event log."""

from __future__ import annotations

from collections.abc import Callable

from ledger.adapters.database import metadata
from ledger.app.uow import UnitOfWork
from ledger.projections.tables import READ_MODELS

REBUILD_PAGE = 10_000


class Maintenance:
    def __init__(self, *, uow: UnitOfWork) -> None:
        self.uow = uow

    def rebuild_projections(self, *, progress: Callable[[int], None] | None = None) -> int:
        """Drop the read models and replay the whole event log into them, in one transaction."""
        replayed = 0
        store = self.uow.store
        with self.uow.write() as connection:
            metadata.drop_all(connection, tables=list(READ_MODELS))
            # Through the database: on a partitioned one the read models come back partitioned.
            self.uow.database.create_tables(connection, list(READ_MODELS), events=store.table)
            start = 1
            while True:
                notifications = store.recorder.select_notifications(start=start, limit=REBUILD_PAGE)
                if not notifications:
                    break
                self.uow.projector.apply(
                    connection,
                    [(n.id, store.mapper.to_domain_event(n)) for n in notifications],
                )
                replayed += len(notifications)
                if progress is not None:
                    progress(len(notifications))
                start = notifications[-1].id + 1
        return replayed

    def partition(self) -> list[str]:
        """Partition a PostgreSQL database made before partitions; the tables converted."""
        return self.uow.database.partition(self.uow.store.table)
