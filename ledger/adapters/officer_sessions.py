"""The privacy officer's sessions, kept on the server so that logging out, revoking the key or
expiry ends one at once, whoever holds a copy of its cookie.

A row is found by the SHA-256 of the session id (32 random bytes, so a plain hash suffices, as
for API keys): the id itself lives only in the officer's cookie, so a copy of the database
cannot be turned into a session. How long a session lives is `ledger.app.sessions`' rule.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    Column,
    Connection,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Table,
    delete,
    insert,
    select,
    update,
)

from ledger.adapters.api_keys import api_keys
from ledger.adapters.column_types import UTCDateTime
from ledger.adapters.database import metadata

officer_sessions = Table(
    "officer_sessions",
    metadata,
    Column("id_hash", LargeBinary(32), primary_key=True),
    Column("key_name", String(64), ForeignKey(api_keys.c.name), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_seen_at", UTCDateTime, nullable=False),
    Column("ended_at", UTCDateTime),
    # logout, revoked
    Column("ended_why", String(16)),
    # The link made on the last page, shown once on the next (post/redirect/get): its id is
    # kept here, not in the cookie.
    Column("made_link", String(32)),
    Index("officer_sessions_key", "key_name"),
    Index("officer_sessions_created", "created_at"),
)


@dataclass(frozen=True, slots=True)
class StoredSession:
    key_name: str
    created_at: datetime
    last_seen_at: datetime
    ended_at: datetime | None
    # Whether the session's key is still an active officer key.
    key_active: bool


def id_hash(session_id: str) -> bytes:
    return hashlib.sha256(session_id.encode()).digest()


def start(connection: Connection, *, session_id: str, key_name: str, now: datetime) -> None:
    connection.execute(
        insert(officer_sessions).values(
            id_hash=id_hash(session_id), key_name=key_name, created_at=now, last_seen_at=now
        )
    )


def find(connection: Connection, session_id: str) -> StoredSession | None:
    """The session with this id and whether its key is still an active officer key."""
    row = connection.execute(
        select(
            officer_sessions.c.key_name,
            officer_sessions.c.created_at,
            officer_sessions.c.last_seen_at,
            officer_sessions.c.ended_at,
            api_keys.c.role,
            api_keys.c.revoked_at,
        )
        .join(api_keys, api_keys.c.name == officer_sessions.c.key_name)
        .where(officer_sessions.c.id_hash == id_hash(session_id))
    ).first()
    if row is None:
        return None
    return StoredSession(
        key_name=row.key_name,
        created_at=row.created_at,
        last_seen_at=row.last_seen_at,
        ended_at=row.ended_at,
        key_active=row.role == "officer" and row.revoked_at is None,
    )


def touch(connection: Connection, session_id: str, *, now: datetime) -> None:
    connection.execute(
        update(officer_sessions)
        .where(officer_sessions.c.id_hash == id_hash(session_id))
        .values(last_seen_at=now)
    )


def end(connection: Connection, session_id: str, *, why: str, now: datetime) -> None:
    """End one session; ending it twice changes nothing."""
    connection.execute(
        update(officer_sessions)
        .where(
            officer_sessions.c.id_hash == id_hash(session_id),
            officer_sessions.c.ended_at.is_(None),
        )
        .values(ended_at=now, ended_why=why, made_link=None)
    )


def end_all_of(connection: Connection, key_name: str, *, why: str, now: datetime) -> int:
    """End every open session of a key; how many there were."""
    result = connection.execute(
        update(officer_sessions)
        .where(officer_sessions.c.key_name == key_name, officer_sessions.c.ended_at.is_(None))
        .values(ended_at=now, ended_why=why, made_link=None)
    )
    return result.rowcount or 0


def hold_link(connection: Connection, session_id: str, link_id: str | None) -> None:
    connection.execute(
        update(officer_sessions)
        .where(officer_sessions.c.id_hash == id_hash(session_id))
        .values(made_link=link_id)
    )


def take_link(connection: Connection, session_id: str) -> str | None:
    """The link id held for the next page, cleared as it is read."""
    held = connection.execute(
        select(officer_sessions.c.made_link).where(
            officer_sessions.c.id_hash == id_hash(session_id)
        )
    ).scalar()
    if held is not None:
        hold_link(connection, session_id, None)
    return held


def prune(connection: Connection, *, started_before: datetime) -> None:
    """Forget sessions started before this time (long over by then)."""
    connection.execute(
        delete(officer_sessions).where(officer_sessions.c.created_at < started_before)
    )
