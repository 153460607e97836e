"""Time-limited, revocable links that let a person open their own overview without an account.

A link's token is a random id and an HMAC-SHA256 of it under the key ring's `link_key`, so a
copy of the database alone (ids included) cannot be turned into working links. A row holds the
subject's tag and vault lookup, never the clear subject id.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from sqlalchemy import (
    Column,
    ColumnElement,
    Connection,
    Index,
    LargeBinary,
    String,
    Table,
    insert,
    select,
    update,
)

from ledger.adapters.column_types import UTCDateTime
from ledger.adapters.database import metadata
from ledger.adapters.vault import subject_vault

DEFAULT_DAYS = 30
MAX_DAYS = 365
ID_BYTES = 16
MAC_BYTES = 16
_CONTEXT = b"ledger overview link v1\x00"
# What `create` makes an id of; anything else names no link and is never sent to the database
# (PostgreSQL refuses a text parameter with NUL outright).
_LINK_ID = re.compile(f"[0-9a-f]{{{2 * ID_BYTES}}}")

overview_links = Table(
    "overview_links",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("subject_tag", String(32), nullable=False),
    Column("subject_lookup", LargeBinary(32), nullable=False),
    Column("lang", String(2), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("purpose", String(200)),
    Column("revoked_at", UTCDateTime),
    Column("revoked_by", String(64)),
    Index("overview_links_subject", "subject_lookup", "created_at"),
)


@dataclass(frozen=True, slots=True)
class Link:
    id: str
    subject_tag: str
    lang: str
    created_at: datetime
    created_by: str
    expires_at: datetime
    purpose: str | None
    revoked_at: datetime | None
    revoked_by: str | None

    def state(self, now: datetime) -> Literal["active", "expired", "revoked"]:
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if now >= self.expires_at else "active"


@dataclass(frozen=True, slots=True)
class Refused:
    """Why a token opens nothing: `unknown` (altered or never made, 404) or gone (410)."""

    reason: Literal["unknown", "expired", "revoked", "erased"]

    @property
    def status(self) -> int:
        return 404 if self.reason == "unknown" else 410


class LinkError(ValueError):
    """A link cannot be made as asked; the message says why."""


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(link_key: bytes, raw_id: bytes) -> bytes:
    return hmac.new(link_key, _CONTEXT + raw_id, hashlib.sha256).digest()[:MAC_BYTES]


def token_of(link_key: bytes, link_id: str) -> str:
    raw = bytes.fromhex(link_id)
    return f"{_b64(raw)}.{_b64(_mac(link_key, raw))}"


def id_of(link_key: bytes, token: str) -> str | None:
    """The link id a token names, or None when it is not exactly a token this ledger made:
    malformed, signed wrongly, or another spelling of the same bytes (padding, `+/` for `-_`,
    other unused bits in the last character, anything added), since a link is opened by its
    one exact token and nothing else."""
    encoded_id, dot, encoded_mac = token.partition(".")
    if not dot or len(encoded_id) > 32 or len(encoded_mac) > 32:
        return None
    try:
        raw, mac = _unb64(encoded_id), _unb64(encoded_mac)
    except (binascii.Error, ValueError):
        return None
    if len(raw) != ID_BYTES or not hmac.compare_digest(mac, _mac(link_key, raw)):
        return None
    # The decoder is lenient (it drops stray characters and ignores unused bits): only the
    # spelling token_of gives is accepted.
    if not hmac.compare_digest(token.encode(), token_of(link_key, raw.hex()).encode()):
        return None
    return raw.hex()


def expiry(
    now: datetime, *, days: int | None = None, expires_at: datetime | None = None
) -> datetime:
    """When a new link stops working: `expires_at`, else `days` (default 30) from now."""
    if expires_at is not None:
        if expires_at.tzinfo is None:
            raise LinkError("expires_at must have a time zone offset")
        if expires_at <= now:
            raise LinkError("expires_at must be in the future")
        if expires_at > now + timedelta(days=MAX_DAYS):
            raise LinkError(f"expires_at must be at most {MAX_DAYS} days from now")
        return expires_at.astimezone(UTC)
    chosen = DEFAULT_DAYS if days is None else days
    if not 1 <= chosen <= MAX_DAYS:
        raise LinkError(f"a link lasts 1 to {MAX_DAYS} days")
    return now + timedelta(days=chosen)


def create(
    connection: Connection,
    *,
    subject_tag: str,
    subject_lookup: bytes,
    lang: str,
    created_by: str,
    now: datetime,
    expires_at: datetime,
    purpose: str | None = None,
) -> Link:
    link = Link(
        id=os.urandom(ID_BYTES).hex(),
        subject_tag=subject_tag,
        lang=lang,
        created_at=now,
        created_by=created_by,
        expires_at=expires_at,
        purpose=purpose,
        revoked_at=None,
        revoked_by=None,
    )
    connection.execute(
        insert(overview_links).values(
            id=link.id,
            subject_tag=subject_tag,
            subject_lookup=subject_lookup,
            lang=lang,
            created_at=now,
            created_by=created_by,
            expires_at=expires_at,
            purpose=purpose,
        )
    )
    return link


def _from_row(row: object) -> Link:
    return Link(
        id=row.id,  # type: ignore[attr-defined]
        subject_tag=row.subject_tag,  # type: ignore[attr-defined]
        lang=row.lang,  # type: ignore[attr-defined]
        created_at=row.created_at,  # type: ignore[attr-defined]
        created_by=row.created_by,  # type: ignore[attr-defined]
        expires_at=row.expires_at,  # type: ignore[attr-defined]
        purpose=row.purpose,  # type: ignore[attr-defined]
        revoked_at=row.revoked_at,  # type: ignore[attr-defined]
        revoked_by=row.revoked_by,  # type: ignore[attr-defined]
    )


def get(connection: Connection, link_id: str) -> Link | None:
    if not _LINK_ID.fullmatch(link_id):
        return None
    row = connection.execute(select(overview_links).where(overview_links.c.id == link_id)).first()
    return None if row is None else _from_row(row)


def links_of(connection: Connection, subject_lookup: bytes) -> list[Link]:
    """A person's links by their keyed lookup, newest first."""
    return _links_where(connection, overview_links.c.subject_lookup == subject_lookup)


def links_of_tag(connection: Connection, subject_tag: str) -> list[Link]:
    """A person's links by their vault tag, newest first."""
    return _links_where(connection, overview_links.c.subject_tag == subject_tag)


def expiring(connection: Connection, *, now: datetime, until: datetime) -> list[Link]:
    """Links still open now that expire by `until`, soonest first."""
    rows = connection.execute(
        select(overview_links)
        .where(
            overview_links.c.revoked_at.is_(None),
            overview_links.c.expires_at > now,
            overview_links.c.expires_at <= until,
        )
        .order_by(overview_links.c.expires_at, overview_links.c.id)
    )
    return [_from_row(row) for row in rows]


def _links_where(connection: Connection, condition: ColumnElement[bool]) -> list[Link]:
    rows = connection.execute(
        select(overview_links).where(condition).order_by(overview_links.c.created_at.desc())
    )
    return [_from_row(row) for row in rows]


def revoke(connection: Connection, link_id: str, *, actor: str, now: datetime) -> Link | None:
    """Revoke a link at once; None when there is no such link. Revoking twice changes nothing."""
    if not _LINK_ID.fullmatch(link_id):
        return None
    connection.execute(
        update(overview_links)
        .where(overview_links.c.id == link_id, overview_links.c.revoked_at.is_(None))
        .values(revoked_at=now, revoked_by=actor)
    )
    return get(connection, link_id)


def resolve(
    connection: Connection, link_key: bytes, token: str, *, now: datetime
) -> Link | Refused:
    """The link a person opened, or why it opens nothing."""
    link_id = id_of(link_key, token)
    link = None if link_id is None else get(connection, link_id)
    if link is None:
        return Refused("unknown")
    state = link.state(now)
    if state != "active":
        return Refused(state)
    erased = (
        connection.execute(
            select(subject_vault.c.tag).where(subject_vault.c.tag == link.subject_tag)
        ).first()
        is None
    )
    return Refused("erased") if erased else link


def forget_subject(connection: Connection, subject_tag: str) -> None:
    """At erasure: blank the keyed lookup (from the subject id, it could tie the links back to
    the person); the links stay, so opening one still answers that the person was erased."""
    connection.execute(
        update(overview_links)
        .where(overview_links.c.subject_tag == subject_tag)
        .values(subject_lookup=bytes(32))
    )
