"""The event store: eventsourcing's SQLAlchemy recorder on the ledger's own engine, writing a
batch of events with one driver `executemany`."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import Any, cast
from uuid import UUID

import orjson
from eventsourcing.application import Application
from eventsourcing.persistence import (
    InfrastructureFactory,
    JSONTranscoder,
    Mapper,
    StoredEvent,
    find_id_convertor,
)
from eventsourcing.utils import Environment, get_topic, resolve_topic
from eventsourcing_sqlalchemy.datastore import SQLAlchemyDatastore
from eventsourcing_sqlalchemy.factory import SQLAlchemyFactory
from eventsourcing_sqlalchemy.recorders import SQLAlchemyApplicationRecorder
from sqlalchemy import Connection, Table
from sqlalchemy.orm import Session

from ledger.adapters.bulk_writes import bulk_write, pipelined
from ledger.adapters.database import EVENTS_TABLE, Database
from ledger.adapters.fast_json import plain, quick_loads
from ledger.adapters.state_codec import StateCompressor
from ledger.domain.aggregates import EVENT_CLASSES


def _register_topics() -> None:
    """Every event's short topic (`ledger.domain.topics`) registered with eventsourcing, which
    refuses a second class under the same one: a process that only reads the log resolves the
    topics of events it never made. (Making an event registers its topic too.)"""
    for cls in EVENT_CLASSES:
        get_topic(cls)


_register_topics()

LOCK_EVENTS = f"LOCK TABLE {EVENTS_TABLE} IN EXCLUSIVE MODE"
LAST_POSITION = f"SELECT max(id) FROM {EVENTS_TABLE}"  # noqa: S608 - our own table


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

    def _lock_and_last(self, connection: Connection) -> int:
        """Take the sequencer and read the log's last position under it; on PostgreSQL both
        in one round trip (one pipeline), inside the critical section every writer waits on."""
        if self.database.is_sqlite:  # its single writer is held already
            return int(connection.exec_driver_sql(LAST_POSITION).scalar() or 0)
        with pipelined(connection) as driver:
            assert driver is not None
            driver.execute(LOCK_EVENTS)
            cursor = driver.execute(LAST_POSITION)
        row = cursor.fetchone()
        return int(row[0] or 0) if row else 0

    def _lock_table(self, session: Session) -> None:
        """The sequencer on PostgreSQL (SQLite's single writer is held already), as the
        library takes it, sent as it is rather than through the session's statement layers."""
        if self.database.is_sqlite:
            return
        session.connection().exec_driver_sql(LOCK_EVENTS)

    def _insert_stored_events(
        self, session: Session, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int]:
        if not stored_events:
            return []
        table = self.events_record_cls.__table__
        connection = session.connection()
        last = self._lock_and_last(connection)
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


# What the standard library's encoder writes itself, subclasses too, never asking `default`.
_NATIVE = (str, int, float, list, tuple, dict)


class LedgerTranscoder(JSONTranscoder):
    """eventsourcing's JSON transcoder, writing by orjson where that gives the very bytes the
    library's own encoder writes: an event's state of plain values (`fast_json.plain`) once its
    top-level transcoded values (the `timestamp`) are. The standard library's encoder and its
    `default` hook took about 7 % of recording a batch; anything else (a transcoded
    value deeper down, a float, an integer past 64 bits) is written by the library as before."""

    def encode(self, obj: Any) -> bytes:
        if type(obj) is dict:
            values: dict[str, Any] = obj
            for name, value in obj.items():
                if value is None or isinstance(value, _NATIVE):
                    continue
                transcoding = self.types.get(type(value))
                if transcoding is None:
                    break  # the library names the type it cannot write
                if values is obj:
                    values = dict(obj)
                values[name] = {"_type_": transcoding.name, "_data_": transcoding.encode(value)}
            else:
                if plain(values):
                    try:
                        return orjson.dumps(values)
                    except orjson.JSONEncodeError:  # keys that are not text, integers past 64 bits
                        pass
        return super().encode(obj)


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
        super().__init__(
            env={
                "CREATE_TABLE": "n",
                "COMPRESSOR_TOPIC": get_topic(StateCompressor),
                "TRANSCODER_TOPIC": get_topic(LedgerTranscoder),
            }
        )
        self.recorder: LedgerRecorder
        self.decoder = EventDecoder(self.mapper)

    def construct_factory(self, env: Environment) -> InfrastructureFactory[Any]:
        factory: InfrastructureFactory[Any] = LedgerFactory(env, database=self.database)
        return factory

    @property
    def table(self) -> Table:
        """The stored events' table (id = position in the log)."""
        table: Table = self.recorder.events_record_cls.__table__
        return table


# A transcoded value in eventsourcing's JSON (`{"_type_": name, "_data_": ...}`), as it opens.
_TRANSCODED = b'"_type_":'


class EventDecoder:
    """Stored events to the very domain events eventsourcing's mapper makes of them, about four
    times faster: the mapper's JSON decoder calls a Python hook for every object in an event,
    here orjson parses it and only the values the mapper would transcode (an event's
    `timestamp`) are, by the mapper's own transcodings. Whatever this way could get wrong goes
    to the mapper: a transcoded value below the top level, an event class with upcasts, a
    cipher, JSON that orjson might read otherwise (`fast_json.quick_loads`)."""

    def __init__(self, mapper: Mapper[UUID]) -> None:
        self._mapper = mapper
        transcoder = mapper.transcoder
        self._transcodings = (
            transcoder.names
            if isinstance(transcoder, JSONTranscoder) and not mapper.cipher
            else None
        )
        self._decompress: Callable[[bytes], bytes] = (
            mapper.compressor.decompress if mapper.compressor else bytes
        )
        self._classes: dict[str, tuple[type[Any], Callable[[Any], Any]] | None] = {}

    def __call__(self, originator_id: UUID, version: int, topic: str, state: bytes) -> Any:
        quick = self._quick_of(topic, originator_id)
        if quick is not None:
            event = self._quick(quick, originator_id, version, state)
            if event is not None:
                return event
        return self._mapper.to_domain_event(StoredEvent(originator_id, version, topic, state))

    def rough_values(
        self, originator_id: UUID, topic: str, state: bytes, *, of: type[Any]
    ) -> dict[str, Any] | None:
        """The values of an event of class `of` as orjson parses them, nothing transcoded and
        no event made; None for another class, or where only the mapper may read it (a cipher,
        an upcast, not an object).

        Rough: unlike `__call__`, nothing checks that the standard library would read the
        same numbers (`fast_json.quick_loads`), so the caller must check what it makes of them
        another way, as a bundle checks an opening against the event's own commitment."""
        quick = self._quick_of(topic, originator_id)
        if quick is None or quick[0] is not of:
            return None
        try:
            values = orjson.loads(self._decompress(state))
        except Exception:  # the mapper decides, or raises its own error for the same bytes
            return None
        if type(values) is not dict or "class_version" in values:
            return None
        return values

    def _quick_of(
        self, topic: str, originator_id: UUID
    ) -> tuple[type[Any], Callable[[Any], Any]] | None:
        """`_quick_class` of a topic, found once per topic."""
        try:
            return self._classes[topic]
        except KeyError:
            quick = self._classes[topic] = self._quick_class(topic, type(originator_id))
            return quick

    def _quick_class(
        self, topic: str, id_type: type[Any]
    ) -> tuple[type[Any], Callable[[Any], Any]] | None:
        """The class of a topic and its id convertor, when its events may be made here."""
        if self._transcodings is None:
            return None
        cls = resolve_topic(topic)
        if getattr(cls, "class_version", 1) != 1:
            return None
        return cls, find_id_convertor(cls, cast(Hashable, id_type))

    def _quick(
        self,
        quick: tuple[type[Any], Callable[[Any], Any]],
        originator_id: UUID,
        version: int,
        state: bytes,
    ) -> Any:
        """The event, or None where the mapper must decide."""
        try:
            plain = self._decompress(state)
            values = quick_loads(plain)
        except Exception:  # the mapper decides, or raises its own error for the same bytes
            return None
        if type(values) is not dict or "class_version" in values:
            return None
        expected = plain.count(_TRANSCODED)
        if expected and not self._transcode_top_level(values, expected):
            return None
        cls, id_convertor = quick
        values["originator_id"] = id_convertor(originator_id)
        values["originator_version"] = version
        event = object.__new__(cls)
        object.__setattr__(event, "__dict__", values)
        return event

    def _transcode_top_level(self, values: dict[str, Any], expected: int) -> bool:
        """Transcode the top-level values the mapper would; False when that is not all of the
        `expected` transcoded values in the event (one is deeper: the mapper's job)."""
        assert self._transcodings is not None
        done = 0
        for name, value in values.items():
            if type(value) is dict and len(value) == 2 and "_type_" in value and "_data_" in value:
                transcoding = self._transcodings.get(value["_type_"])
                if transcoding is None:
                    return False
                try:
                    values[name] = transcoding.decode(value["_data_"])
                except Exception:  # the mapper raises its own error for it
                    return False
                done += 1
        return done == expected


def event_rows(rows: Iterable[Sequence[Any]]) -> list[tuple[int, UUID, int, str, bytes]]:
    """Stored events' (position, originator id, version, topic, state) as the driver hands them
    over, with the id as a UUID and the state as bytes: SQLite keeps the id as its 16 bytes,
    PostgreSQL as a uuid."""
    return [
        (
            position,
            originator if isinstance(originator, UUID) else UUID(bytes=bytes(originator)),
            version,
            topic,
            bytes(state),
        )
        for position, originator, version, topic, state in rows
    ]
