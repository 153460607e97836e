"""Column types both backends store alike: aware datetimes as naive UTC (or microseconds),
hexadecimal and base64 text as bytes."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    DateTime,
    LargeBinary,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


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
            return EPOCH + timedelta(microseconds=value)
        result: datetime = value.replace(tzinfo=UTC)
        return result


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)


def micros(moment: datetime) -> int:
    """Microseconds since the epoch: how `CompactUTCDateTime` keeps a moment on SQLite."""
    return (moment - EPOCH) // MICROSECOND


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
