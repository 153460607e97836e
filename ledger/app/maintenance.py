"""Maintenance: the read models rebuilt from the event log."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any

from eventsourcing.persistence import StoredEvent
from sqlalchemy import Connection, Index, text

from ledger.adapters.collector import collector_paused
from ledger.adapters.database import metadata
from ledger.adapters.driver_reads import driver_rows
from ledger.adapters.event_store import event_rows
from ledger.app.uow import UnitOfWork
from ledger.projections.projector import Segment, StoredRow, prepare
from ledger.projections.tables import READ_MODELS

REBUILD_PAGE = 10_000
# Pages read and prepared ahead of the one being written (PostgreSQL): each holds its rows in
# memory, about 20 MB a page of new disclosures.
PAGES_AHEAD = 2
# Indexes no projection reads by: built once after the replay instead of row by row during it.
AFTER_REPLAY = ("read_disclosures_category",)
# Indexes only a change to a disclosure reads by (a correction recomputes the person's
# recipients by subject tag): built before the first event that is not a new disclosure, or
# after the replay if none comes. (A change finds its row by its first event's position, the
# table's key, through the event log's index: `tables.disclosure_at`.)
BEFORE_CHANGES = ("read_disclosures_subject",)


class Maintenance:
    def __init__(self, *, uow: UnitOfWork) -> None:
        self.uow = uow

    def rebuild_projections(self, *, progress: Callable[[int], None] | None = None) -> int:
        """Drop the read models and replay the whole event log into them, in one transaction:
        a failure leaves the old read models as they were."""
        indexes = {str(index.name): index for table in READ_MODELS for index in table.indexes}
        after_replay = [indexes[name] for name in AFTER_REPLAY]
        before_changes = [indexes[name] for name in BEFORE_CHANGES]
        replayed = 0
        with collector_paused(), self.uow.write() as connection:
            metadata.drop_all(connection, tables=list(READ_MODELS))
            # Through the database: on a partitioned one the read models come back partitioned.
            self.uow.database.create_tables(
                connection, list(READ_MODELS), events=self.uow.store.table
            )
            for index in [*after_replay, *before_changes]:
                index.drop(connection)

            def build(built: list[Index]) -> None:
                for index in built:
                    index.create(connection)
                built.clear()

            def pages() -> Iterator[list[Segment]]:
                nonlocal replayed
                for events, page in self._prepared_pages(connection):
                    yield page
                    replayed += events
                    if progress is not None:
                        progress(events)

            self.uow.projector.replay(
                connection, pages(), before_changes=lambda: build(before_changes)
            )
            build(before_changes)
            build(after_replay)
        return replayed

    def _prepared_pages(self, connection: Connection) -> Iterator[tuple[int, list[Segment]]]:
        """The log, page by page, `prepare`d for the projector, with each page's number of
        events. On PostgreSQL the pages are read and prepared a few ahead, by a thread on a
        connection of its own (`_pages_ahead`); on SQLite in turn with writing them."""
        table = self.uow.store.table.name
        if self.uow.database.is_sqlite or _holds_exclusively(connection, table):
            for raw in self._raw_pages(connection):
                yield len(raw), prepare(raw, self._decode)
            return
        yield from self._pages_ahead()

    def _pages_ahead(self) -> Iterator[tuple[int, list[Segment]]]:
        """The prepared pages, made by a thread while the caller writes the ones before: the
        server then takes in one page's rows (COPY into the partitions, their indexes) while
        this process decodes the next, where in turn each waited for the other. (A second
        process measured slower: unpickling a prepared page cost most of what preparing it
        does.) The thread reads on its own connection: the rebuild's transaction holds the
        writer lock, which lets reads through and no append, so it reads the very log the
        rebuild's own connection would. An error in the thread is raised here; a caller that
        stops early stops the thread."""
        pages: queue.Queue[tuple[int, list[Segment]] | BaseException | None] = queue.Queue(
            PAGES_AHEAD
        )
        stop = threading.Event()

        def put(item: tuple[int, list[Segment]] | BaseException | None) -> bool:
            while not stop.is_set():
                try:
                    pages.put(item, timeout=0.1)
                    return True
                except queue.Full:
                    continue
            return False

        def run() -> None:
            try:
                with self.uow.database.read_engine.connect() as reader, reader.begin():
                    for raw in self._raw_pages(reader):
                        if not put((len(raw), prepare(raw, self._decode))):
                            return
                put(None)
            except BaseException as error:
                put(error)

        worker = threading.Thread(target=run, name="ledger-rebuild-pages", daemon=True)
        worker.start()
        try:
            while (item := pages.get()) is not None:
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            stop.set()
            worker.join()

    def _decode(self, stored: StoredRow) -> Any:
        """A stored event's domain event, by the event store's mapper."""
        return self.uow.store.mapper.to_domain_event(StoredEvent(*stored[1:]))

    def _raw_pages(self, connection: Connection, after: int = 0) -> Iterator[list[StoredRow]]:
        """The stored events after position `after`, page by page, read with one query each on
        the rebuild's own transaction, through the driver: SQLAlchemy's result rows and UUID
        type cost more than decoding the events' JSON (the recorder's ORM query, a fifth of a
        rebuild before that)."""
        table = self.uow.store.table.name
        while True:
            rows = driver_rows(
                connection,
                "SELECT id, originator_id, originator_version, topic, state "  # noqa: S608
                f"FROM {table} WHERE id > {int(after)} ORDER BY id LIMIT {REBUILD_PAGE}",
            )
            if not rows:
                return
            yield event_rows(rows)
            after = rows[-1][0]

    def partition(self) -> list[str]:
        """Partition a PostgreSQL database made before partitions; the tables converted."""
        return self.uow.database.partition(self.uow.store.table)


def _holds_exclusively(connection: Connection, table: str) -> bool:
    """Whether this PostgreSQL transaction has locked `table` or one of its partitions against
    reads (it made a range partition of the log, as making the read models may): another
    connection's read of it would wait for this transaction to end."""
    return bool(
        connection.execute(
            text(
                "SELECT EXISTS (SELECT 1 FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                "WHERE l.pid = pg_backend_pid() AND l.mode = 'AccessExclusiveLock' "
                "AND starts_with(c.relname, :table))"
            ),
            {"table": table},
        ).scalar()
    )
