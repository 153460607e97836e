"""Reads through the driver, past SQLAlchemy's per-row work: scans of millions of rows, a
person's thousands, rows by many ids or keys, and index scans whatever the statistics."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from psycopg.types.string import ByteaBinaryLoader
from sqlalchemy import (
    Connection,
    text,
)

from ledger.adapters.bulk_writes import pipelined

SEQUENTIAL_SCANS_OFF = "SET LOCAL enable_seqscan = off"
SEQUENTIAL_SCANS_ON = "SET LOCAL enable_seqscan = on"


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


def driver_rows_together(
    connection: Connection, statements: Sequence[tuple[str, Mapping[str, Any]]]
) -> list[list[tuple[Any, ...]]]:
    """`driver_rows` of each of several queries, in order. On PostgreSQL they go in one
    pipeline: one round trip, and the server runs each while the rows of the one before are
    on their way (a spread bundle's leaves and stored nodes: 50 against 56 ms)."""
    if connection.dialect.name != "postgresql":
        return [driver_rows(connection, sql, params) for sql, params in statements]
    cursors = []
    try:
        with pipelined(connection):
            for sql, params in statements:
                cursor = _driver_cursor(connection)
                cursors.append(cursor)
                statement, bound = _driver_statement(connection, cursor, sql, params)
                cursor.execute(statement, bound)
        return [list(cursor.fetchall()) for cursor in cursors]
    finally:
        for cursor in cursors:
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
