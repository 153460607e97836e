"""`write_bound` of a few rows, on both backends: on PostgreSQL one multi-row INSERT (psycopg
would send an executemany as a command per row), unless an upsert repeats a key, which one
statement may not update twice; either way the rows stored are those of one statement per row."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa

from ledger.adapters import bulk_writes
from ledger.adapters.bulk_writes import write_bound
from ledger.app import Ledger

probe = sa.Table(
    "probe_bulk_write",
    sa.MetaData(),
    sa.Column("key", sa.String(20), primary_key=True),
    sa.Column("count", sa.Integer, nullable=False),
    sa.Column("blob", sa.LargeBinary, nullable=True),
    sa.Column("at", sa.DateTime, nullable=True),
)
AT = datetime(2026, 12, 3, 7, 30, 15, 123456)
UPDATE = {"count": "{old} + {new}"}


@pytest.fixture
def table(ledger: Ledger) -> Iterator[sa.Table]:
    probe.create(ledger.database.write_engine)
    try:
        yield probe
    finally:
        probe.drop(ledger.database.write_engine)


def stored(ledger: Ledger) -> list[tuple[Any, ...]]:
    with ledger.database.write_engine.connect() as connection:
        return [tuple(row) for row in connection.execute(sa.select(probe).order_by(probe.c.key))]


def inserts_while(ledger: Ledger, write: Any) -> list[str]:
    sent: list[str] = []

    def heard(_connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT"):
            sent.append(statement)

    engine = ledger.database.write_engine
    sa.event.listen(engine, "before_cursor_execute", heard)
    try:
        with engine.begin() as connection:
            write(connection)
    finally:
        sa.event.remove(engine, "before_cursor_execute", heard)
    return sent


def test_a_few_rows_are_stored_as_given(ledger: Ledger, table: sa.Table) -> None:
    rows = [("a", 1, b"\x00\xff", AT), ("b", 2, None, None), ("c", 3, b"", AT)]
    sent = inserts_while(
        ledger, lambda c: write_bound(c, table, ["key", "count", "blob", "at"], rows)
    )
    assert [(k, n, None if b is None else bytes(b), t) for k, n, b, t in stored(ledger)] == rows
    postgres = not ledger.database.is_sqlite
    # PostgreSQL: one statement of three rows; SQLite: its executemany, one statement.
    assert len(sent) == 1
    assert sent[0].count("(") - 1 == (3 if postgres else 1)


def test_an_upsert_of_distinct_keys_is_one_statement(ledger: Ledger, table: sa.Table) -> None:
    columns = ["key", "count"]
    inserts_while(ledger, lambda c: write_bound(c, table, columns, [("a", 1), ("b", 2)]))
    sent = inserts_while(
        ledger,
        lambda c: write_bound(
            c, table, columns, [("a", 10), ("b", 20), ("c", 30)], conflict=["key"], update=UPDATE
        ),
    )
    assert [row[:2] for row in stored(ledger)] == [("a", 11), ("b", 22), ("c", 30)]
    assert len(sent) == 1


def test_an_upsert_that_repeats_a_key_updates_it_once_per_row(
    ledger: Ledger, table: sa.Table
) -> None:
    columns = ["key", "count"]
    inserts_while(ledger, lambda c: write_bound(c, table, columns, [("a", 1)]))
    rows = [("a", 10), ("b", 2), ("a", 100)]
    inserts_while(
        ledger, lambda c: write_bound(c, table, columns, rows, conflict=["key"], update=UPDATE)
    )
    assert [row[:2] for row in stored(ledger)] == [("a", 111), ("b", 2)]
    # Skipping repeated keys keeps the first row, as a statement per row does.
    inserts_while(
        ledger,
        lambda c: write_bound(c, table, columns, [("c", 1), ("c", 5)], conflict=["key"], update={}),
    )
    assert [row[:2] for row in stored(ledger)][-1] == ("c", 1)


def test_many_rows_go_in_parts(
    ledger: Ledger, table: sa.Table, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past ROWS_PER_INSERT rows (inside a pipeline, where COPY cannot go) the rows are split
    over several statements, each within PostgreSQL's limit of bound parameters."""
    monkeypatch.setattr(bulk_writes, "ROWS_PER_INSERT", 4)
    rows = [
        (f"k{n:02d}", n, None, datetime(2026, 1, 1, tzinfo=UTC).replace(tzinfo=None))
        for n in range(10)
    ]

    def write(connection: sa.Connection) -> None:
        with bulk_writes.pipelined(connection):
            write_bound(connection, table, ["key", "count", "blob", "at"], rows)

    sent = inserts_while(ledger, write)
    assert stored(ledger) == rows
    assert len(sent) == (3 if not ledger.database.is_sqlite else 1)
