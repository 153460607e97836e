"""The database: engines for SQLite and PostgreSQL, the shared table metadata and the writer lock.
Beside it: the column types (`column_types`), bulk writes (`bulk_writes`) and reads through the
driver (`driver_reads`); the event store on top of it is `ledger.adapters.event_store`."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import sqlalchemy.exc
from eventsourcing.persistence import InterfaceError as StoreInterfaceError
from eventsourcing.persistence import OperationalError as StoreOperationalError
from sqlalchemy import (
    BigInteger,
    Connection,
    Engine,
    Integer,
    MetaData,
    Table,
    create_engine,
    event,
    func,
    select,
    text,
)
from sqlalchemy.engine.url import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import sessionmaker

from ledger.adapters.partitions import EVENT_KEYS, Partitioning, Partitions, relkind
from ledger.adapters.timeouts import PING_TIMEOUT, DeadlineConnection, Timeouts

metadata = MetaData()

# An integer key: 64-bit on PostgreSQL, SQLite's rowid-compatible INTEGER there.
BIG_ID = BigInteger().with_variant(Integer(), "sqlite")

EVENTS_TABLE = "ledger_events"
# SQLite allows 32,766 bound parameters; stay well below for both backends.
CHUNK = 900
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


def chunks(values: list[Any], size: int = CHUNK) -> Iterable[list[Any]]:
    """`values` in slices small enough for one statement's bound parameters."""
    for start in range(0, len(values), size):
        yield values[start : start + size]
