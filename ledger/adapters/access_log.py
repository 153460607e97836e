"""The access log: every read of a person's data, by whom, when, through which channel and why.

A row names the person by their vault tag only, and the channel by its route pattern
(`GET /api/v1/subjects/{subject_id}/recipients`), never by a request path: no subject id is
ever stored here in clear, and erasing the person (their tag mapping) leaves the rows unlinkable.
Rows are written only by `ledger.app.reading`, inside the read they record.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    Column,
    Connection,
    Index,
    LargeBinary,
    MetaData,
    String,
    Table,
    insert,
    inspect,
    select,
    text,
)

from ledger.adapters.column_types import UTCDateTime
from ledger.adapters.database import BIG_ID, metadata
from ledger.adapters.vault import subject_vault

access_log = Table(
    "access_log",
    metadata,
    Column("id", BIG_ID, primary_key=True),
    Column("subject_tag", String(32), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("actor", String(64), nullable=False),
    Column("role", String(16), nullable=False),
    Column("endpoint", String(200), nullable=False),
    Column("purpose", String(200)),
    Index("access_log_subject_at", "subject_tag", "at"),
)


@dataclass(frozen=True, slots=True)
class Access:
    at: datetime
    actor: str
    role: str
    endpoint: str
    purpose: str | None


def record_accesses(
    connection: Connection,
    *,
    subject_tags: Iterable[str],
    at: datetime,
    actor: str,
    role: str,
    endpoint: str,
    purpose: str | None,
) -> None:
    rows = [
        {
            "subject_tag": tag,
            "at": at,
            "actor": actor[:64],
            "role": role,
            "endpoint": endpoint[:200],
            "purpose": None if purpose is None else purpose[:200],
        }
        for tag in sorted(set(subject_tags))
    ]
    if rows:
        connection.execute(insert(access_log), rows)


def accesses(connection: Connection, subject_tag: str, *, limit: int = 1000) -> list[Access]:
    rows = connection.execute(
        select(access_log)
        .where(access_log.c.subject_tag == subject_tag)
        .order_by(access_log.c.at.desc(), access_log.c.id.desc())
        .limit(limit)
    )
    return [Access(row.at, row.actor, row.role, row.endpoint, row.purpose) for row in rows]


# Request paths as the first version stored them, and the route patterns they stand for.
_OLD_PATHS = (
    (re.compile(r"^(\w+ /api/v1/subjects/)[^/]+(/.*)?$"), r"\1{subject_id}\2"),
    (re.compile(r"^(\w+ /api/v1/disclosures/)[^/]+(/.*)?$"), r"\1{disclosure_id}\2"),
    (re.compile(r"^(\w+ /officer/disclosures/)[^/]+$"), r"\1{disclosure_id}"),
    (re.compile(r"^(\w+ /officer/recipients/)[^/]+$"), r"\1{category}"),
)


def upgrade(connection: Connection) -> None:
    """Rewrite a first-version access log (person by lookup hash, endpoint as a request path
    with the subject id in it) to this one, inside the schema transaction; rows of people no
    longer in the vault are dropped, since nothing can tie them to anyone any more."""
    inspector = inspect(connection)
    if not inspector.has_table("access_log"):
        return
    if "subject_lookup" not in {c["name"] for c in inspector.get_columns("access_log")}:
        return
    old = Table(
        "access_log",
        MetaData(),
        Column("id", BIG_ID, primary_key=True),
        Column("subject_lookup", LargeBinary(32)),
        Column("at", UTCDateTime),
        Column("actor", String(64)),
        Column("role", String(16)),
        Column("endpoint", String(200)),
        Column("purpose", String(200)),
    )
    rows = connection.execute(
        select(old, subject_vault.c.tag)
        .join(subject_vault, subject_vault.c.lookup == old.c.subject_lookup)
        .order_by(old.c.id)
    ).all()
    connection.execute(text("DROP TABLE access_log"))
    access_log.create(connection)
    upgraded = []
    for row in rows:
        endpoint = row.endpoint
        for pattern, replacement in _OLD_PATHS:
            endpoint = pattern.sub(replacement, endpoint)
        upgraded.append(
            {
                "subject_tag": row.tag,
                "at": row.at,
                "actor": row.actor,
                "role": row.role,
                "endpoint": endpoint,
                "purpose": row.purpose,
            }
        )
    if upgraded:
        connection.execute(insert(access_log), upgraded)
