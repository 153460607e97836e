"""The database: engines for SQLite and PostgreSQL, the shared table metadata, the writer lock
and bulk writes. The event store on top of it is `ledger.adapters.event_store`."""

from __future__ import annotations

import base64
import binascii
import json
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from functools import lru_cache, partial
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
import sqlalchemy.exc
from eventsourcing.persistence import InterfaceError as StoreInterfaceError
from eventsourcing.persistence import OperationalError as StoreOperationalError
from psycopg.postgres import types as postgres_types
from psycopg.types.string import ByteaBinaryLoader
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Connection,
    DateTime,
    Engine,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    create_engine,
    event,
    func,
    select,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.engine.url import make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.orm import sessionmaker
from sqlalchemy.types import TypeDecorator
from sqlalchemy_utils.types.uuid import UUIDType  # type: ignore[import-untyped]

from ledger.adapters.partitions import EVENT_KEYS, Partitioning, Partitions, relkind
from ledger.adapters.timeouts import PING_TIMEOUT, DeadlineConnection, Timeouts

metadata = MetaData()

# An integer key: 64-bit on PostgreSQL, SQLite's rowid-compatible INTEGER there.
BIG_ID = BigInteger().with_variant(Integer(), "sqlite")

EVENTS_TABLE = "ledger_events"
# SQLite allows 32,766 bound parameters; stay well below for both backends.
CHUNK = 900
# Rows in one multi-row INSERT (`_insert_rows`): far below PostgreSQL's 65,535 parameters.
ROWS_PER_INSERT = 500
# From this many rows on, PostgreSQL's bulk writes go through COPY (`bulk_write`).
COPY_FROM = 64
# Tables that only ever grow; their names, as ledger.integrity.log defines them.
APPEND_ONLY = ("ledger_leaves", "ledger_nodes", "ledger_checkpoints")
# A WAL checkpoint that a reader keeps busy is tried this often, this far apart (seconds).
SCRUB_ATTEMPTS = 20
SCRUB_PAUSE = 0.1
# Makers of one schema's tables wait for each other; ledgers in other schemas do not.
SCHEMA_LOCK = "SELECT pg_advisory_xact_lock(hashtext('ledger-schema:' || current_schema()))"
# The health probe's deadline for PostgreSQL's answer to `SELECT 1`.
PROBE_TIMEOUT = 1.0


class WriterBusy(Exception):
    """Another write held the writer lock for longer than the lock timeout."""

    def __init__(self, waited: float) -> None:
        super().__init__(f"the writer lock was not free within {waited:g} s")
        self.waited = waited


# The database could not take a transaction: unreachable, timed out (a statement, a lock, a
# connect, a free pooled connection, an answer at all) or the writer lock taken for too long.
# Each rolled back one transaction, whatever it held; the API answers 503.
UNAVAILABLE: tuple[type[Exception], ...] = (
    sqlalchemy.exc.OperationalError,
    sqlalchemy.exc.InterfaceError,
    sqlalchemy.exc.TimeoutError,
    StoreOperationalError,
    StoreInterfaceError,
    WriterBusy,
)


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


class CompactUTCDateTime(TypeDecorator[datetime]):
    """`UTCDateTime` for the big read models: PostgreSQL's 8-byte timestamp as there, but on
    SQLite microseconds since the epoch as an integer (8 bytes instead of 26 characters of
    text, in the row and in every index on it), which orders the same."""

    impl = DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        return dialect.type_descriptor(BigInteger() if dialect.name == "sqlite" else DateTime())

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        if dialect.name == "sqlite":
            return micros(value)
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return _EPOCH + timedelta(microseconds=value)
        result: datetime = value.replace(tzinfo=UTC)
        return result


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def micros(moment: datetime) -> int:
    """Microseconds since the epoch: how `CompactUTCDateTime` keeps a moment on SQLite."""
    return (moment - _EPOCH) // _MICROSECOND


class HexBytes(TypeDecorator[str]):
    """A random id or tag given as hex text, stored as its bytes: half the size in the row and
    in every index on it, and the same order."""

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> bytes | None:
        return None if value is None else bytes.fromhex(value)

    def process_result_value(self, value: bytes | None, dialect: Dialect) -> str | None:
        return None if value is None else bytes(value).hex()


class Base64Bytes(TypeDecorator[str]):
    """A sealed value given as base64 text, stored as its bytes (three quarters the size)."""

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> bytes | None:
        return None if value is None else base64.b64decode(value, validate=True)

    def process_result_value(self, value: bytes | None, dialect: Dialect) -> str | None:
        return None if value is None else base64.b64encode(bytes(value)).decode()


class Database:
    """Two engines on one database: writes serialise (SQLite `BEGIN IMMEDIATE`, PostgreSQL table
    lock in the recorder); reads never wait for a writer."""

    def __init__(
        self,
        url: str,
        timeouts: Timeouts | None = None,
        partitioning: Partitioning | None = None,
        *,
        replica_url: str | None = None,
    ) -> None:
        self.url = url
        self.timeouts = timeouts = timeouts or Timeouts()
        self.is_sqlite = url.startswith("sqlite")
        # When the current thread's write must have the writer lock by (time.monotonic()).
        self._writer = threading.local()
        if self.is_sqlite:
            path = make_url(url).database
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            self.write_engine = _sqlite_engine(url, timeouts, begin=self._begin_immediate)
            self.read_engine = _sqlite_engine(url, timeouts, begin=_begin_deferred)
            # Reading SQLite never waits for a writer or a server.
            self.probe_engine = self.read_engine
        else:
            self.write_engine = _postgres_engine(url, timeouts)
            self.read_engine = self.write_engine
            # The health check's own connection, with a short deadline: it answers whether
            # PostgreSQL answers, even while every pooled connection waits on a hung server.
            self.probe_engine = _postgres_engine(
                url, timeouts, pool_size=1, max_overflow=0, round_trip=PROBE_TIMEOUT
            )
        # A hot standby that serves reads (`ledger.app.replica` routes them); its sessions are
        # read-only even where the server is not, so no write can ever land there.
        self.replica_engine: Engine | None = None
        if replica_url is not None and not self.is_sqlite:
            self.replica_engine = _postgres_engine(replica_url, timeouts, read_only=True)
        self.session_maker = sessionmaker(bind=self.write_engine, autoflush=False)
        self._write_lock = threading.RLock() if self.is_sqlite else None
        # PostgreSQL only: SQLite has no partitions, and its tables stay as they are.
        self.partitions = None if self.is_sqlite else Partitions(partitioning or Partitioning())

    def create_schema(
        self, events: Table, upgrades: Sequence[Callable[[Connection], None]] = ()
    ) -> None:
        """Create what is missing, once: concurrent starters (server workers, CLI calls) wait
        for each other instead of racing on the same DDL. `upgrades` first bring tables of an
        earlier version up to this one, in the same transaction."""
        with self.writing(), self.write_engine.begin() as connection:
            if not self.is_sqlite:
                connection.execute(text(SCHEMA_LOCK))
                connection.execute(
                    text(
                        "CREATE OR REPLACE FUNCTION ledger_append_only() RETURNS trigger "
                        "LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION "
                        "'the ledger is append-only: % on % is refused', TG_OP, TG_TABLE_NAME; "
                        "END $$"
                    )
                )
            for upgrade in upgrades:
                upgrade(connection)
            self.create_tables(connection, [events, *metadata.sorted_tables], events=events)
            append_only = [events.name, *APPEND_ONLY]
            if not self.is_sqlite and relkind(connection, EVENT_KEYS) is not None:
                append_only.append(EVENT_KEYS)
            self._make_append_only(connection, append_only)
            if self.partitions is not None:
                self.partitions.protect(connection)

    def partition(self, events: Table) -> list[str]:
        """Partition a PostgreSQL database made before partitions (`ledger db partition`): the
        event log, the leaves and the per-person read models, in one transaction that every
        reader and writer waits for. Returns the tables converted; none on SQLite."""
        if self.partitions is None:
            return []
        with self.writing(), self.write_engine.begin() as connection:
            connection.execute(text(SCHEMA_LOCK))
            converted = self.partitions.convert(
                connection, [events, *metadata.sorted_tables], events=events
            )
            if converted:
                self._make_append_only(connection, [events.name, *APPEND_ONLY, EVENT_KEYS])
                self.partitions.protect(connection)
        return converted

    def create_tables(self, connection: Connection, tables: list[Table], *, events: Table) -> None:
        """Create those of `tables` that are missing: on a partitioned PostgreSQL database
        (`ledger.adapters.partitions`) the big ones partitioned, with their partitions."""
        if self.partitions is not None and self.partitions.active(connection, events):
            last = 0
            if relkind(connection, events.name) is not None:
                last = connection.execute(select(func.max(events.c.id))).scalar() or 0
            self.partitions.create(connection, tables, next_position=last + 1)
        for table in tables:
            table.create(connection, checkfirst=True)

    def extend_partitions(self, connection: Connection, last_position: int) -> None:
        """Before positions up to `last_position` are written, under the writer lock: the next
        range partitions when they are due (free when none is; nothing on SQLite)."""
        if self.partitions is not None:
            self.partitions.extend(connection, last_position)

    def _make_append_only(self, connection: Connection, tables: list[str]) -> None:
        """Triggers refuse UPDATE and DELETE (and on PostgreSQL TRUNCATE) on these tables."""
        if self.is_sqlite:
            for table in tables:
                for operation in ("UPDATE", "DELETE"):
                    connection.execute(
                        text(
                            f"CREATE TRIGGER IF NOT EXISTS {table}_no_{operation.lower()} "
                            f"BEFORE {operation} ON {table} BEGIN SELECT RAISE(ABORT, "
                            f"'the ledger is append-only: {operation} on {table} "
                            "is refused'); END"
                        )
                    )
            return
        for table in tables:
            for timing, level in (("UPDATE OR DELETE", "ROW"), ("TRUNCATE", "STATEMENT")):
                name = f"{table}_append_only_{level.lower()}"
                connection.execute(
                    text(
                        f"CREATE OR REPLACE TRIGGER {name} BEFORE {timing} ON {table} "
                        f"FOR EACH {level} EXECUTE FUNCTION ledger_append_only()"
                    )
                )

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Threads of one process queue for SQLite's single writer in order, instead of
        polling its busy handler (which gave second-long tails under concurrent posts).

        The whole wait, in this queue and then for SQLite's own lock (another process may
        hold it), is bounded by the lock timeout: past it, `WriterBusy` or SQLite's "database
        is locked". On PostgreSQL the server's lock_timeout bounds the wait for the table lock.
        """
        if self._write_lock is None:
            yield
            return
        if getattr(self._writer, "deadline", None) is not None:  # a write inside a write
            with self._write_lock:
                yield
            return
        since = getattr(self._writer, "since", None)
        deadline = (time.monotonic() if since is None else since) + self.timeouts.lock
        if not self._write_lock.acquire(timeout=max(0.0, deadline - time.monotonic())):
            raise WriterBusy(self.timeouts.lock)
        self._writer.deadline = deadline
        try:
            yield
        finally:
            self._writer.deadline = None
            self._write_lock.release()

    @contextmanager
    def queued(self, since: float) -> Iterator[None]:
        """The writes inside count their wait for the writer from `since` (`time.monotonic()`),
        when their caller began to wait for its turn: a group commit's first posting waited
        for the group before it, and its whole wait stays within the lock timeout (SQLite; on
        PostgreSQL the server's lock_timeout bounds each wait for a lock)."""
        self._writer.since = since
        try:
            yield
        finally:
            self._writer.since = None

    def _begin_immediate(self, connection: Connection) -> None:
        """Take SQLite's write lock, waiting only what is left of this write's lock timeout."""
        deadline = getattr(self._writer, "deadline", None)
        left = self.timeouts.lock if deadline is None else deadline - time.monotonic()
        connection.exec_driver_sql(f"PRAGMA busy_timeout={max(1, round(left * 1000))}")
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    def ping(self) -> None:
        """`SELECT 1`; on PostgreSQL on the probe's own connection, answered within
        PROBE_TIMEOUT seconds or failed."""
        with self.probe_engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    def scrub(self, tables: Sequence[str]) -> bool:
        """After an erasure has committed, leave no copy of the deleted rows' bytes: SQLite
        (deleting with secure_delete) copies the WAL into the file and truncates it to nothing;
        PostgreSQL rewrites `tables` into new files (plain VACUUM would leave a dead tuple's
        bytes in the page's free space). False when SQLite's WAL stayed busy (a long reader):
        the next scrub or checkpoint completes it."""
        if self.is_sqlite:
            for _attempt in range(SCRUB_ATTEMPTS):
                # On the driver's connection: SQLAlchemy's would begin a transaction first,
                # and no checkpoint runs inside one.
                with self.writing(), self.write_engine.connect() as connection:
                    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
                    try:
                        busy = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
                    finally:
                        cursor.close()
                if not busy:
                    return True
                time.sleep(SCRUB_PAUSE)
            return False
        clean = True
        with self.write_engine.connect() as connection:
            autocommit = connection.execution_options(isolation_level="AUTOCOMMIT")
            for table in tables:
                clean = _vacuum_full(autocommit, table) and clean
        return clean

    def dispose(self) -> None:
        for engine in {self.write_engine, self.read_engine, self.probe_engine}:
            engine.dispose()
        if self.replica_engine is not None:
            self.replica_engine.dispose()


def _vacuum_full(connection: Connection, table: str) -> bool:
    """VACUUM FULL copies a deleted row that an older snapshot (any session of the database)
    may still see: its new file then holds more rows (pg_class.reltuples) than are live. Try
    again until none is kept, a while; False when one still was."""
    for _attempt in range(SCRUB_ATTEMPTS):
        connection.exec_driver_sql(f"VACUUM FULL {table}")
        # Summed over the table's leaves: a partitioned table's own pg_class row holds none.
        kept = connection.execute(
            text(
                "SELECT coalesce(sum(greatest(c.reltuples, 0)), 0)"  # noqa: S608
                f" - (SELECT count(*) FROM {table}) FROM pg_partition_tree(to_regclass(:table)) t"
                " JOIN pg_class c ON c.oid = t.relid WHERE t.isleaf"
            ),
            {"table": table},
        ).scalar_one()
        if kept <= 0:
            return True
        time.sleep(SCRUB_PAUSE)
    return False


def _sqlite_engine(url: str, timeouts: Timeouts, *, begin: Callable[[Connection], None]) -> Engine:
    busy_ms = round(timeouts.lock * 1000)
    engine = create_engine(
        url,
        connect_args={"timeout": timeouts.lock, "check_same_thread": False},
        pool_timeout=timeouts.pool,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event decide how a transaction starts (pysqlite would not).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        # Deleted rows are overwritten with zeros, not left in free pages: an erased person's
        # key must not survive in the file (see `Database.scrub`).
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
        cursor.execute("PRAGMA cache_size=-65536")  # 64 MiB: index pages of a big batch stay hot
        cursor.close()
        # UUIDs are stored as 16 bytes here; `keys_table` sends them as hex in a JSON array.
        dbapi_connection.create_function("ledger_unhex", 1, _unhex, deterministic=True)

    event.listen(engine, "begin", begin)
    return engine


def _begin_deferred(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN")


def _postgres_engine(
    url: str,
    timeouts: Timeouts,
    *,
    pool_size: int = 5,
    max_overflow: int = 10,
    round_trip: float | None = None,
    read_only: bool = False,
) -> Engine:
    """An engine whose every wait on PostgreSQL is bounded: for a pooled connection
    (`pool_timeout`), a new one (`connect_timeout`), the server's work (`statement_timeout`,
    `lock_timeout`) and any answer at all (`DeadlineConnection`)."""
    engine = create_engine(
        url, pool_size=pool_size, max_overflow=max_overflow, pool_timeout=timeouts.pool
    )
    deadline = timeouts.round_trip if round_trip is None else round_trip
    # No JIT: the ledger's statements are short index lookups, and a plan whose estimate
    # crosses jit_above_cost (a large table not yet analysed) would spend more compiling than
    # running (about 8 ms of JIT for a person's events at 100,000, measured).
    options = f"{timeouts.server_options()} -c jit=off"
    if read_only:
        options += " -c default_transaction_read_only=on"

    @event.listens_for(engine, "do_connect")
    def _connect(_dialect: Any, record: Any, cargs: Any, cparams: dict[str, Any]) -> Any:
        cparams.setdefault("connect_timeout", timeouts.connect)
        # Added to the URL's own options (a test's search_path, say), not in their place.
        cparams["options"] = f"{cparams.get('options', '')} {options}".strip()
        connection = DeadlineConnection.connect(*cargs, **cparams)
        connection.round_trip_timeout = deadline
        record.info["fresh"] = True
        return connection

    # SQLAlchemy's pool_pre_ping would wait for its ping as long as for any statement: a
    # pooled connection to a hung server is given up after PING_TIMEOUT instead.
    @event.listens_for(engine, "checkout")
    def _ping(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if record.info.pop("fresh", False):
            return
        try:
            dbapi_connection.ping(min(PING_TIMEOUT, deadline))
        except psycopg.Error as error:
            raise DisconnectionError(f"the pooled connection did not answer: {error}") from error

    return engine


def _unhex(value: str | None) -> bytes | None:
    return None if value is None else bytes.fromhex(value)


def bulk_write(
    connection: Connection,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    *,
    conflict: Sequence[str] = (),
    update: Mapping[str, str] | None = None,
) -> None:
    """Insert many rows the fastest way each backend has, inside the caller's transaction.

    Plain inserts go to PostgreSQL with one `COPY` and to SQLite with one `executemany` of a
    prepared INSERT. With `conflict` (the key columns), an existing row is updated: by default
    every other column takes the new value; `update` gives SQL per column instead (`{old}` is
    the stored value, `{new}` the offered one), and an empty `update` leaves the row alone.
    COPY cannot do that, so on PostgreSQL the rows are copied into a temporary table and
    merged with one `INSERT .. SELECT .. ON CONFLICT` (for 30,000 key rows twice as fast as
    one statement over arrays, and 2.5 times as fast as executemany). Their keys must then be
    distinct (one statement may not update a row twice); callers merge them first.

    Values go through each column type's own bind conversion, so rows read back exactly as if
    SQLAlchemy had written them; skipping its per-row statement machinery makes a 10,000-row
    batch several times cheaper.
    """
    if not rows:
        return
    columns = [column for column in table.columns if column.name in rows[0]]
    params = _bound_rows(connection.dialect, columns, rows)
    write_bound(
        connection,
        table,
        [column.name for column in columns],
        params,
        conflict=conflict,
        update=update,
    )


def write_bound(
    connection: Connection,
    table: Table,
    columns: Sequence[str],
    params: Sequence[Sequence[Any]],
    *,
    conflict: Sequence[str] = (),
    update: Mapping[str, str] | None = None,
) -> None:
    """`bulk_write` of rows already bound: each a tuple of `columns`' values as the driver takes
    them (what `column_converter` makes), for a writer that knows its columns' types and so
    skips a TypeDecorator call per value."""
    if not params:
        return
    dialect = connection.dialect
    quote = dialect.identifier_preparer.quote
    names = ", ".join(quote(name) for name in columns)
    postgres = dialect.name == "postgresql"
    # A few rows (a single post) go in one executemany: COPY's extra round trips would cost
    # more than it saves, and a pipeline (`pipelined`) cannot carry a COPY.
    copying = postgres and len(params) >= COPY_FROM and not _pipelining(connection)
    if copying and not conflict:
        _copy(connection, table, quote(table.name), columns, params)
        return
    stage = quote(f"ledger_stage_{table.name}")
    if copying:
        # Only the given columns, without constraints; dropped again once merged.
        connection.exec_driver_sql(
            f"CREATE TEMPORARY TABLE {stage} ON COMMIT DROP AS "  # noqa: S608 - our own names
            f"SELECT {names} FROM {quote(table.name)} WITH NO DATA"
        )
        _copy(connection, table, stage, columns, params)
        source = f"SELECT {names} FROM {stage}"  # noqa: S608 - names come from our tables
    else:
        mark = "%s" if postgres else "?"
        source = f"VALUES ({', '.join(mark for _ in columns)})"
    into = f"INSERT INTO {quote(table.name)} ({names}) "
    on_conflict = ""
    if conflict:
        target = ", ".join(quote(k) for k in conflict)
        if update is None:
            update = {name: "{new}" for name in columns if name not in conflict}
        if update:
            assignments = ", ".join(
                f"{quote(name)} = "
                + expression.format(
                    old=f"{quote(table.name)}.{quote(name)}", new=f"excluded.{quote(name)}"
                )
                for name, expression in update.items()
            )
            on_conflict = f" ON CONFLICT ({target}) DO UPDATE SET {assignments}"
        else:
            on_conflict = f" ON CONFLICT ({target}) DO NOTHING"
    sql = into + source + on_conflict
    if copying:
        connection.exec_driver_sql(sql)
        connection.exec_driver_sql(f"DROP TABLE {stage}")
    elif postgres and len(params) > 1 and _distinct_keys(columns, params, conflict):
        _insert_rows(connection, into, on_conflict, len(columns), params)
    else:
        connection.exec_driver_sql(sql, params)


def _insert_rows(
    connection: Connection,
    into: str,
    on_conflict: str,
    width: int,
    params: Sequence[Sequence[Any]],
) -> None:
    """A few rows on PostgreSQL as one INSERT of many VALUES rows, not an executemany: psycopg
    sends an executemany as one command per row, and each costs a turn of its pipeline loop
    (under 16 concurrent writers that loop was an eighth of the server's time). The statement
    goes with PostgreSQL's own `$n` placeholders through a raw cursor: psycopg parses a query
    of more than 50 parameters for its `%s` again each time."""
    driver: psycopg.Connection[Any] = connection.connection.driver_connection  # type: ignore[assignment]
    try:
        with psycopg.RawCursor(driver) as cursor:
            for part in chunks(list(params), ROWS_PER_INSERT):
                statement = into + _placeholders(width, len(part)) + on_conflict
                values = [value for one in part for value in one]
                # Whoever listens for the statements sent hears of these too (`driver_rows`).
                connection.dispatch.before_cursor_execute(
                    connection, cursor, statement, values, None, False
                )
                cursor.execute(statement, values)
    except psycopg.Error as error:
        # Outside SQLAlchemy: its type, as any statement's error has (IntegrityError, ...).
        raise DBAPIError.instance(None, None, error, psycopg.Error) from error


@lru_cache(maxsize=1024)
def _placeholders(width: int, rows: int) -> str:
    """`VALUES ($1, $2), ($3, $4)` for `rows` rows of `width` values."""
    return "VALUES " + ", ".join(
        "(" + ", ".join(f"${row * width + n}" for n in range(1, width + 1)) + ")"
        for row in range(rows)
    )


def _distinct_keys(
    columns: Sequence[str], params: Sequence[Sequence[Any]], conflict: Sequence[str]
) -> bool:
    """Whether no two rows share a conflict key: one INSERT .. ON CONFLICT DO UPDATE may not
    touch a row twice, where an executemany's statements may, one after the other."""
    if not conflict:
        return True
    at = [columns.index(name) for name in conflict]
    try:
        return len({tuple(one[index] for index in at) for one in params}) == len(params)
    except TypeError:  # a key that cannot be hashed: one statement per row, as ever
        return False


def _bound_rows(
    dialect: Dialect, columns: Sequence[Column[Any]], rows: Sequence[Mapping[str, Any]]
) -> list[tuple[Any, ...]]:
    """Each row's values in column order, as the driver takes them.

    Gathered and converted column by column, then zipped into rows once: a column's values go
    through one function that loops over them (or a C builtin mapped over them), instead of
    two or three Python calls of SQLAlchemy's processor layers per value, which cost a tenth of
    a 10,000-disclosure batch.
    """
    by_column: list[Sequence[Any]] = []
    for column in columns:
        name = column.name
        values = [row[name] for row in rows]
        converter = column_converter(dialect, column)
        by_column.append(values if converter is None else converter(values))
    return list(zip(*by_column, strict=True))


# One column's values converted at once.
ColumnConverter = Callable[[Sequence[Any]], Sequence[Any]]


def column_converter(dialect: Dialect, column: Column[Any]) -> ColumnConverter | None:
    """The bind conversion of one column's values, without SQLAlchemy's layers where they cost
    most per value: both drivers take bytes as they are, and the ledger's own types (hex, base64,
    UTC times) are converted directly, to exactly what their `process_bind_param` gives."""
    kind = column.type
    sqlite = dialect.name == "sqlite"
    if isinstance(kind, LargeBinary):
        return None
    if isinstance(kind, UUIDType):
        if not sqlite:
            return None  # psycopg sends a UUID as it is; the type's processor makes it a string
        if kind.binary:
            return _fallback(_uuid_bytes, kind, dialect)
    if isinstance(kind, HexBytes):
        return _from_hex
    if isinstance(kind, Base64Bytes):
        return _from_base64
    if isinstance(kind, UTCDateTime):
        return _utc_texts if sqlite else _utc_naives
    if isinstance(kind, CompactUTCDateTime):
        return _micros_column if sqlite else _utc_naives
    if isinstance(kind, Boolean):
        # Both drivers bind a bool as they are (SQLite's as the integer SQLAlchemy makes of it).
        return _fallback(_booleans, kind, dialect)
    processor: Callable[[Any], Any] | None = kind._cached_bind_processor(dialect)
    if processor is None:
        return None
    if (
        isinstance(kind, TypeDecorator)
        and kind.impl_instance._cached_bind_processor(dialect) is None
    ):
        # A decorator over a type the driver takes as it is (a code stored as one letter).
        bind = kind.process_bind_param
        return lambda values: [bind(value, dialect) for value in values]
    return lambda values: list(map(processor, values))


def _fallback(
    fast: Callable[[Sequence[Any]], Sequence[Any] | None], kind: Any, dialect: Dialect
) -> ColumnConverter:
    """`fast`, or where it declines (returns None) SQLAlchemy's own processor on every value."""
    processor: Callable[[Any], Any] = kind._cached_bind_processor(dialect)

    def convert(values: Sequence[Any]) -> Sequence[Any]:
        done = fast(values)
        return list(map(processor, values)) if done is None else done

    return convert


def _uuid_bytes(values: Sequence[Any]) -> list[bytes] | None:
    """UUIDs as their 16 bytes (UUIDType(binary=True) off PostgreSQL); None unless all are."""
    try:
        return [value.bytes for value in values]
    except AttributeError:  # a None, or an id given as text: the type's own processor
        return None


def _booleans(values: Sequence[Any]) -> Sequence[Any] | None:
    """Bools as they are; None unless all are bools (SQLAlchemy refuses 2 and "yes")."""
    return values if all(value is True or value is False for value in values) else None


def _from_hex(values: Sequence[str | None]) -> list[bytes | None]:
    """`HexBytes`'s bind conversion of a column."""
    if None in values:
        return [None if value is None else bytes.fromhex(value) for value in values]
    return list(map(bytes.fromhex, values))  # type: ignore[arg-type]


# `base64.b64decode(value, validate=True)`, which is this on a str, called from C.
_STRICT_BASE64 = partial(binascii.a2b_base64, strict_mode=True)


def _from_base64(values: Sequence[str | None]) -> list[bytes | None]:
    """`Base64Bytes`'s bind conversion of a column."""
    if None in values:
        return [None if value is None else _STRICT_BASE64(value) for value in values]
    return list(map(_STRICT_BASE64, values))


def _utc_texts(values: Sequence[datetime | None]) -> list[str | None]:
    """`UTCDateTime` on SQLite, of a column."""
    return [
        value.isoformat(" ", "microseconds")[:26]
        if value is not None and value.tzinfo is UTC
        else _utc_text(value)
        for value in values
    ]


def _utc_naives(values: Sequence[datetime | None]) -> list[datetime | None]:
    """`UTCDateTime` and `CompactUTCDateTime` on PostgreSQL, of a column."""
    return [
        value.replace(tzinfo=None)
        if value is not None and value.tzinfo is UTC
        else _utc_naive(value)
        for value in values
    ]


def _micros_column(values: Sequence[datetime | None]) -> list[int | None]:
    """`CompactUTCDateTime` on SQLite, of a column: microseconds since the epoch."""
    result: list[int | None] = []
    for value in values:
        if value is None:
            result.append(None)
            continue
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        result.append((value - _EPOCH) // _MICROSECOND)
    return result


def _utc_naive(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("naive datetime given to a UTC column")
    return (
        value.replace(tzinfo=None)
        if value.tzinfo is UTC
        else value.astimezone(UTC).replace(tzinfo=None)
    )


def _utc_text(value: datetime | None) -> str | None:
    """SQLAlchemy's SQLite DATETIME storage format (`YYYY-MM-DD HH:MM:SS.ffffff`)."""
    if value is not None and value.tzinfo is UTC:
        return value.isoformat(" ", "microseconds")[:26]  # without its "+00:00"
    naive = _utc_naive(value)
    return None if naive is None else naive.isoformat(" ", "microseconds")


def _pipelining(connection: Connection) -> bool:
    """Whether psycopg's pipeline mode (`pipelined`) is on for this transaction."""
    driver: psycopg.Connection[Any] = connection.connection.driver_connection  # type: ignore[assignment]
    return bool(driver.pgconn.pipeline_status)


def _copy(
    connection: Connection,
    table: Table,
    target: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
) -> None:
    """PostgreSQL's COPY FROM STDIN of `columns` of `table` (into `target`, the table or its
    staging copy) on the transaction's own driver connection. Binary where every column is of
    a built-in type (`_copy_types`): each value goes as the driver holds it instead of being
    formatted as text for the server to parse again (a disclosure's row: a third of the
    client's time, measured); text otherwise."""
    driver: psycopg.Connection[Any] = connection.connection.driver_connection  # type: ignore[assignment]
    types = _copy_types(connection.dialect, table, tuple(columns))
    quote = connection.dialect.identifier_preparer.quote
    statement = f"COPY {target} ({', '.join(quote(name) for name in columns)}) FROM STDIN"
    with driver.cursor() as cursor:
        if types is None:
            with cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row(row)
            return
        with cursor.copy(statement + " (FORMAT BINARY)") as copy:
            copy.set_types(types)
            for row in rows:
                copy.write_row(row)


@lru_cache(maxsize=256)
def _copy_types(dialect: Dialect, table: Table, columns: tuple[str, ...]) -> tuple[int, ...] | None:
    """The type oids of a binary COPY of these columns (PostgreSQL's built-in types, as the
    table declares them); None when one is of a type the driver does not know by name."""
    oids = []
    for name in columns:
        declared = table.c[name].type.compile(dialect=dialect)
        try:
            oids.append(postgres_types.get_oid(declared.split("(")[0].strip().lower()))
        except KeyError:
            return None
    return tuple(oids)


@contextmanager
def pipelined(
    connection: Connection, enabled: bool = True
) -> Iterator[psycopg.Connection[Any] | None]:
    """On PostgreSQL, psycopg's pipeline mode for statements whose answers are not read
    (inserts, upserts): they go out without waiting for each other, and the block costs one
    round trip instead of one each; an error among them is raised when the block ends.
    SQLAlchemy cannot read a query's rows inside it: reads go before or after, or through the
    driver connection it yields (None on SQLite), whose cursors hold their rows once the block
    has ended."""
    if not enabled or connection.dialect.name != "postgresql":
        yield None
        return
    driver = connection.connection.driver_connection
    assert isinstance(driver, psycopg.Connection)
    try:
        with driver.pipeline():
            yield driver
    except psycopg.Error as error:
        # Raised by the closing sync, outside SQLAlchemy: give it SQLAlchemy's type, as any
        # statement's error has (a unique violation is an IntegrityError, and so on).
        raise DBAPIError.instance(None, None, error, psycopg.Error) from error


SEQUENTIAL_SCANS_OFF = "SET LOCAL enable_seqscan = off"
SEQUENTIAL_SCANS_ON = "SET LOCAL enable_seqscan = on"


def chunks(values: list[Any], size: int = CHUNK) -> Iterable[list[Any]]:
    """`values` in slices small enough for one statement's bound parameters."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def driver_rows(
    connection: Connection,
    sql: str,
    params: Mapping[str, Any] | None = None,
    *,
    uuids_as_bytes: bool = False,
) -> list[tuple[Any, ...]]:
    """The rows of a query as the driver returns them, inside the connection's transaction: for
    scans of millions of rows, or thousands of a person's, where SQLAlchemy's per-row work
    would dominate. `params` bind `:name` as in `text()`, and go to the driver as `text()`
    hands them over. `uuids_as_bytes`: a uuid column comes as its 16 bytes, as SQLite keeps
    it, not as a `UUID` (making one cost `ledger verify` half of fetching its event rows)."""
    cursor = _driver_cursor(connection, uuids_as_bytes=uuids_as_bytes)
    statement, bound = _driver_statement(connection, cursor, sql, params)
    try:
        if bound is None:
            cursor.execute(statement)
        else:
            cursor.execute(statement, bound)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def indexed_rows(
    connection: Connection, sql: str, params: Mapping[str, Any] | None = None
) -> list[tuple[Any, ...]]:
    """`driver_rows` of a query planned `by_index`: on PostgreSQL the setting, the query and
    the setting back go in one pipeline, one round trip where they took three."""
    if connection.dialect.name != "postgresql":
        return driver_rows(connection, sql, params)
    cursor = _driver_cursor(connection)
    statement, bound = _driver_statement(connection, cursor, sql, params)
    try:
        with pipelined(connection) as driver:
            assert driver is not None
            driver.execute(SEQUENTIAL_SCANS_OFF)
            cursor.execute(statement, bound)
            driver.execute(SEQUENTIAL_SCANS_ON)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def _driver_cursor(connection: Connection, *, uuids_as_bytes: bool = False) -> Any:
    raw: Any = connection.connection.driver_connection
    if connection.dialect.name != "postgresql":
        return raw.cursor()
    # psycopg's binary format hands bytea over as it is, not as hex text to decode (18,000
    # leaves of a bundle: 24 against 48 ms).
    cursor = raw.cursor(binary=True)
    if uuids_as_bytes:
        # A binary uuid is its 16 bytes: psycopg's bytea loader hands them over as they are.
        cursor.adapters.register_loader("uuid", ByteaBinaryLoader)
    return cursor


def _driver_statement(
    connection: Connection, cursor: Any, sql: str, params: Mapping[str, Any] | None
) -> tuple[str, Any]:
    """`sql` with `:name` binds as the driver takes it, and `params` in its order."""
    statement: str = sql
    bound: Any = None
    if params is not None:
        compiled = text(sql).compile(dialect=connection.dialect)
        statement, named = compiled.string, compiled.construct_params(params)
        order = compiled.positiontup if compiled.positional else None
        bound = named if order is None else [named[name] for name in order]
    # Whoever listens for the statements sent (a count in a test, a benchmark's EXPLAIN) hears
    # of these too, as SQLAlchemy would tell them.
    connection.dispatch.before_cursor_execute(connection, cursor, statement, bound, None, False)
    return statement, bound


@contextmanager
def by_index(connection: Connection) -> Iterator[None]:
    """PostgreSQL: the statements inside, in the connection's transaction, are planned without
    a sequential scan where an index can answer. An `= ANY` of thousands of ids (a heavy
    person's events) is planned, on a table autovacuum has not analysed yet, as if each id
    matched half a percent of the rows, so as a scan of every row: at 1,000,000 events that
    was 356 ms of a 500 ms bundle, for 2,000 rows an index finds in a few. If a statement
    inside fails, the transaction is lost and the setting with it."""
    if connection.dialect.name != "postgresql":
        yield
        return
    connection.exec_driver_sql(SEQUENTIAL_SCANS_OFF)
    yield
    connection.exec_driver_sql(SEQUENTIAL_SCANS_ON)


def select_by_ids(
    connection: Connection,
    table: str,
    columns: str,
    ids: Sequence[UUID] | Sequence[int],
    *,
    key: str = "originator_id",
    where: str = "",
    kind: str = "uuid",
) -> tuple[str, dict[str, Any]]:
    """`SELECT columns FROM table e` of the rows whose `key` is one of `ids`, in one statement,
    and its parameters; `where` adds a condition on `e`; `kind` is the key's type (`uuid`,
    `bigint`). An `= ANY` of positions on a range-partitioned table prunes to the partitions
    that hold them.

    PostgreSQL takes `= ANY` of one array: an index scan of each partition whatever the
    statistics, where a join with unnest() was planned as a hash join over a sequential scan of
    every row while the table was not yet analysed (a light person's bundle at 1M: 250 ms).
    SQLite joins `keys_table`."""
    extra = f" AND {where}" if where else ""
    if connection.dialect.name == "postgresql":
        query = (
            f"SELECT {columns} FROM {table} e WHERE e.{key} = ANY(CAST(:ids AS {kind}[])){extra}"  # noqa: S608
        )
        return query, {"ids": list(ids)}
    keys, params = keys_table(connection, {"id": kind}, [(id_,) for id_ in ids])
    return f"SELECT {columns} FROM {keys} JOIN {table} e ON e.{key} = k.id{extra}", params  # noqa: S608


def keys_table(
    connection: Connection, columns: Mapping[str, str], rows: Sequence[Sequence[Any]]
) -> tuple[str, dict[str, Any]]:
    """Any number of key tuples as one derived table `k(<columns>)` with one bound parameter per
    column, so a lookup of many keys is one statement whatever their number (an `IN` list needs
    a parameter per value, and chunks past the drivers' limits).

    `columns` maps each column to its PostgreSQL type (`bigint`, `uuid`, `text`); values go in
    as the database stores them (a UUID as its 32 hex digits on SQLite). Returns the SQL to use
    after FROM or JOIN, and its parameters.
    """
    names = list(columns)
    if connection.dialect.name == "postgresql":
        arrays = ", ".join(f"CAST(:k_{n} AS {columns[n]}[])" for n in names)
        params = {f"k_{n}": [row[i] for row in rows] for i, n in enumerate(names)}
        return f"unnest({arrays}) AS k({', '.join(names)})", params
    picks = ", ".join(
        (
            f"ledger_unhex(json_extract(value, '$[{i}]')) AS {n}"
            if columns[n] == "uuid"
            else f"json_extract(value, '$[{i}]') AS {n}"
        )
        for i, n in enumerate(names)
    )
    encoded = json.dumps(
        [[value.hex if isinstance(value, UUID) else value for value in row] for row in rows]
    )
    return f"(SELECT {picks} FROM json_each(:k_rows)) AS k", {"k_rows": encoded}  # noqa: S608
