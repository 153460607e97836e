"""The access log: every read of a subject's data, by whom, when, through which endpoint, why.

Entries reference the subject by the same keyed lookup hash as the vault, never by clear id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    Column,
    Connection,
    Index,
    LargeBinary,
    String,
    Table,
    insert,
    select,
)

from ledger.store import BIG_ID, UTCDateTime, metadata

access_log = Table(
    "access_log",
    metadata,
    Column("id", BIG_ID, primary_key=True),
    Column("subject_lookup", LargeBinary(32), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("actor", String(64), nullable=False),
    Column("role", String(16), nullable=False),
    Column("endpoint", String(200), nullable=False),
    Column("purpose", String(200)),
    Index("access_log_subject", "subject_lookup", "at"),
)


@dataclass(frozen=True, slots=True)
class Access:
    at: datetime
    actor: str
    role: str
    endpoint: str
    purpose: str | None


def record_access(
    connection: Connection,
    *,
    subject_lookup: bytes,
    at: datetime,
    actor: str,
    role: str,
    endpoint: str,
    purpose: str | None,
) -> None:
    connection.execute(
        insert(access_log).values(
            subject_lookup=subject_lookup,
            at=at,
            actor=actor,
            role=role,
            endpoint=endpoint,
            purpose=purpose,
        )
    )


def accesses(connection: Connection, subject_lookup: bytes, *, limit: int = 1000) -> list[Access]:
    rows = connection.execute(
        select(access_log)
        .where(access_log.c.subject_lookup == subject_lookup)
        .order_by(access_log.c.at.desc(), access_log.c.id.desc())
        .limit(limit)
    )
    return [Access(row.at, row.actor, row.role, row.endpoint, row.purpose) for row in rows]
