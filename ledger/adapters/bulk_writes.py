"""Bulk writes inside the caller's transaction, the fastest way each backend has: PostgreSQL's COPY
(or a multi-row INSERT, or a pipeline), SQLite's executemany; values bound by each column type's
own conversion."""

from __future__ import annotations

import binascii
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import lru_cache, partial
from typing import Any

import psycopg
from psycopg.postgres import types as postgres_types
from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    LargeBinary,
    Table,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.types import TypeDecorator
from sqlalchemy_utils.types.uuid import UUIDType  # type: ignore[import-untyped]

from ledger.adapters.column_types import (
    EPOCH,
    MICROSECOND,
    Base64Bytes,
    CompactUTCDateTime,
    HexBytes,
    UTCDateTime,
)
from ledger.adapters.database import chunks

# Rows in one multi-row INSERT (`_insert_rows`): far below PostgreSQL's 65,535 parameters.
ROWS_PER_INSERT = 500
# From this many rows on, PostgreSQL's bulk writes go through COPY (`bulk_write`).
COPY_FROM = 64


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
        result.append((value - EPOCH) // MICROSECOND)
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
