"""The database: engines for SQLite and PostgreSQL, the shared table metadata, and the
event recorder that writes events, vault rows and projections in one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from eventsourcing.persistence import StoredEvent
from eventsourcing_sqlalchemy.datastore import SQLAlchemyDatastore
from eventsourcing_sqlalchemy.factory import SQLAlchemyFactory
from eventsourcing_sqlalchemy.recorders import SQLAlchemyApplicationRecorder
from sqlalchemy import DateTime, Engine, MetaData, create_engine, event, insert, text
from sqlalchemy.engine import Dialect
from sqlalchemy.engine.url import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.types import TypeDecorator

metadata = MetaData()

EVENTS_TABLE = "ledger_events"


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as naive UTC on both backends, so ordering and equality match."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Database:
    """Two engines on one database: writes serialise (SQLite `BEGIN IMMEDIATE`, PostgreSQL table
    lock in the recorder); reads never wait for a writer."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        if self.is_sqlite:
            path = make_url(url).database
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            self.write_engine = _sqlite_engine(url, immediate=True)
            self.read_engine = _sqlite_engine(url, immediate=False)
        else:
            self.write_engine = create_engine(url, pool_size=5, max_overflow=10, pool_pre_ping=True)
            self.read_engine = self.write_engine
        self.session_maker = sessionmaker(bind=self.write_engine, autoflush=False)

    def create_schema(self) -> None:
        metadata.create_all(self.write_engine)

    def ping(self) -> None:
        with self.read_engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    def dispose(self) -> None:
        self.write_engine.dispose()
        if self.read_engine is not self.write_engine:
            self.read_engine.dispose()


def _sqlite_engine(url: str, *, immediate: bool) -> Engine:
    engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event decide how a transaction starts (pysqlite would not).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    begin = "BEGIN IMMEDIATE" if immediate else "BEGIN"

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql(begin)

    return engine


class LedgerRecorder(SQLAlchemyApplicationRecorder):
    """eventsourcing's SQLAlchemy recorder, inserting a batch with one multi-row statement.

    The library adds ORM objects one by one; at 10,000 events a batch that cost more than all the
    rest of recording, so the insert is a Core `executemany` with ordered RETURNING instead.
    """

    def _insert_stored_events(
        self, session: Session, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int]:
        if not stored_events:
            return []
        self._lock_table(session)
        table = self.events_record_cls.__table__
        rows = [
            {
                "originator_id": e.originator_id,
                "originator_version": e.originator_version,
                "topic": e.topic,
                "state": e.state,
            }
            for e in stored_events
        ]
        result = session.execute(
            insert(table).returning(table.c.id, sort_by_parameter_order=True), rows
        )
        ids = list(result.scalars())
        self._notify_channel(session)
        return ids


class LedgerFactory(SQLAlchemyFactory):
    """Builds eventsourcing's infrastructure on our own engine instead of a URL string."""

    application_recorder_class = LedgerRecorder

    def __init__(self, env: Any, *, database: Database) -> None:
        super(SQLAlchemyFactory, self).__init__(env)
        self._schema_name = None
        self.datastore = SQLAlchemyDatastore(session_maker=database.session_maker)

    def application_recorder(self) -> LedgerRecorder:
        return LedgerRecorder(datastore=self.datastore, events_table_name=EVENTS_TABLE)
