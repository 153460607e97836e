"""`bulk_write` converts a column's values itself, without SQLAlchemy's per-value processor
layers: what it hands the driver must be what SQLAlchemy's own bind processing gives, for every
column of every table, on both backends."""

from __future__ import annotations

import base64
import binascii
import os
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import Boolean, Column, Date
from sqlalchemy.dialects.postgresql import psycopg
from sqlalchemy.dialects.sqlite import pysqlite
from sqlalchemy.engine import Dialect
from sqlalchemy_utils.types.uuid import UUIDType  # type: ignore[import-untyped]

import ledger.adapters.vault  # its table
import ledger.integrity.log  # its tables
import ledger.projections.tables  # noqa: F401 - the read models
from ledger.adapters.bulk_writes import _bound_rows, column_converter
from ledger.adapters.column_types import Base64Bytes, CompactUTCDateTime, HexBytes, UTCDateTime
from ledger.adapters.database import metadata

DIALECTS = {"sqlite": pysqlite.dialect(), "postgresql": psycopg.dialect()}
AMSTERDAM = timezone(timedelta(hours=2))


def samples(column: Column[Any]) -> list[Any] | None:
    """Values of the column's type as the code gives them, None among them."""
    kind = column.type
    moments = [
        datetime(2026, 11, 30, 23, 59, 59, 999_999, tzinfo=UTC),
        datetime(2026, 3, 29, 1, 30, tzinfo=AMSTERDAM),
        datetime(2000, 1, 1, tzinfo=UTC),
        None,
    ]
    by_type: list[tuple[type, list[Any]]] = [
        (HexBytes, [uuid.uuid4().hex, os.urandom(32).hex(), None]),
        (Base64Bytes, [base64.b64encode(os.urandom(n)).decode() for n in (1, 2, 3, 90)] + [None]),
        (UTCDateTime, moments),
        (CompactUTCDateTime, moments),
        (Boolean, [True, False, None]),
        (UUIDType, [uuid.uuid4(), uuid.uuid4(), None]),
        (Date, [date(2026, 12, 1), None]),
    ]
    for cls, values in by_type:
        if isinstance(kind, cls):
            return values
    return None


def processor(dialect: Dialect, column: Column[Any]) -> Callable[[Any], Any]:
    bind: Callable[[Any], Any] | None = column.type._cached_bind_processor(dialect)
    return bind or (lambda value: value)


COLUMNS = [
    column for table in metadata.sorted_tables for column in table.columns if samples(column)
]


@pytest.mark.parametrize("dialect", DIALECTS.values(), ids=list(DIALECTS))
@pytest.mark.parametrize("column", COLUMNS, ids=[f"{c.table.name}.{c.name}" for c in COLUMNS])
def test_a_column_binds_as_sqlalchemy_binds_it(dialect: Dialect, column: Column[Any]) -> None:
    values = samples(column)
    assert values
    expected = [processor(dialect, column)(value) for value in values]
    # Without a None too: some conversions take a faster way when a column holds none.
    for given, wanted in ((values, expected), (values[:-1], expected[:-1])):
        rows = [{column.name: value} for value in given]
        bound = [row[0] for row in _bound_rows(dialect, [column], rows)]
        assert bound == wanted
        assert [type(value) for value in bound] == [type(value) for value in wanted] or (
            isinstance(column.type, Boolean)  # SQLite gets True, not 1: its driver binds both
        )


@pytest.mark.parametrize("dialect", DIALECTS.values(), ids=list(DIALECTS))
def test_rows_of_many_columns_keep_their_order(dialect: Dialect) -> None:
    table = metadata.tables["read_disclosures"]
    columns = [c for c in table.columns if c.name in ("position", "disclosure_id", "occurred_at")]
    moment = datetime(2026, 5, 1, 12, tzinfo=UTC)
    rows = [
        {"position": n, "disclosure_id": f"{n:032x}", "occurred_at": moment + timedelta(n)}
        for n in range(1, 4)
    ]
    bound = _bound_rows(dialect, columns, rows)
    assert [row[0] for row in bound] == [1, 2, 3]
    assert [row[1] for row in bound] == [bytes.fromhex(f"{n:032x}") for n in range(1, 4)]
    convert = processor(dialect, columns[2])
    assert [row[2] for row in bound] == [convert(row["occurred_at"]) for row in rows]


def outcome(convert: Callable[[], Any]) -> tuple[str, Any]:
    try:
        return ("bound", convert())
    except (binascii.Error, ValueError) as error:
        return ("refused", type(error))


@pytest.mark.parametrize("dialect", DIALECTS.values(), ids=list(DIALECTS))
def test_what_sqlalchemy_refuses_is_refused(dialect: Dialect) -> None:
    tables = metadata.tables
    naive = datetime(2026, 5, 1, 12)
    for column in (
        tables["ledger_checkpoints"].c.published_at,
        tables["read_disclosures"].c.occurred_at,
    ):
        convert = column_converter(dialect, column)
        assert convert is not None
        with pytest.raises(ValueError, match="naive datetime"):
            convert([naive])
    sealed = column_converter(dialect, tables["read_disclosures"].c.sealed)
    assert sealed is not None
    bind = processor(dialect, tables["read_disclosures"].c.sealed)
    # Refused (or, for a stray "=" after full groups, taken) exactly as SQLAlchemy's way does.
    for given in ("not base64!", "YWJj=", "=YWJj", "YWJjZA", "YWJj\n", "YWJjé===", "YWJj"):
        ours = outcome(lambda given=given: sealed([given])[0])
        theirs = outcome(lambda given=given: bind(given))
        assert ours == theirs, given
    assert outcome(lambda: sealed(["YWJj", "YWJjZA"])) == ("refused", binascii.Error)
    retracted = column_converter(dialect, tables["read_disclosures"].c.retracted)
    assert retracted is not None
    with pytest.raises(ValueError, match="not None, True, or False"):
        retracted([True, 2])


def test_uuids_given_as_text_still_bind_on_sqlite() -> None:
    column = Column("originator_id", UUIDType())
    dialect = DIALECTS["sqlite"]
    given = uuid.uuid4()
    convert = column_converter(dialect, column)
    assert convert is not None
    assert list(convert([given, str(given)])) == [given.bytes, given.bytes]
    assert column_converter(DIALECTS["postgresql"], column) is None
