"""API keys: created with the CLI, shown once, stored only as a SHA-256 hash.

A key is 32 random bytes, so a plain hash suffices (no password stretching needed): guessing
one is as hard as guessing the key itself.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    Column,
    Connection,
    LargeBinary,
    String,
    Table,
    Text,
    bindparam,
    select,
    update,
)

from ledger.adapters.column_types import UTCDateTime
from ledger.adapters.database import metadata
from ledger.domain.errors import LedgerError
from ledger.domain.patterns import KEY_NAME, KVK_NUMBER, SOURCE_SYSTEM

ROLES = ("source", "officer", "auditor")
KEY_PREFIX = "ldg_"

api_keys = Table(
    "api_keys",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("key_hash", LargeBinary(32), nullable=False, unique=True),
    Column("role", String(16), nullable=False),
    Column("system", String(64)),
    Column("controllers", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime),
)


class KeyError_(LedgerError):
    """A key cannot be created or revoked as asked."""


@dataclass(frozen=True, slots=True)
class ApiKey:
    name: str
    role: str
    system: str | None
    controllers: tuple[str, ...]
    created_at: datetime
    revoked_at: datetime | None = None

    def may_post_for(self, controller: str) -> bool:
        return self.role == "source" and (not self.controllers or controller in self.controllers)


def _hash(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def fingerprint(secret: str) -> str:
    """The first 8 hex digits of the secret's hash: enough to tell in a log whether the same
    wrong or revoked secret comes back (the stored hash starts with them), never the secret."""
    return _hash(secret).hex()[:8]


def _from_row(row: object) -> ApiKey:
    return ApiKey(
        name=row.name,  # type: ignore[attr-defined]
        role=row.role,  # type: ignore[attr-defined]
        system=row.system,  # type: ignore[attr-defined]
        controllers=tuple(json.loads(row.controllers)),  # type: ignore[attr-defined]
        created_at=row.created_at,  # type: ignore[attr-defined]
        revoked_at=row.revoked_at,  # type: ignore[attr-defined]
    )


def create_key(
    connection: Connection,
    *,
    name: str,
    role: str,
    controllers: tuple[str, ...] = (),
    system: str | None = None,
    now: datetime,
) -> tuple[ApiKey, str]:
    """A new key and its secret; the secret is never stored and cannot be shown again."""
    if not KEY_NAME.fullmatch(name):
        raise KeyError_("a key name is 1-64 characters: a-z, 0-9, '_', '.', '-'")
    if role not in ROLES:
        raise KeyError_(f"role must be one of {', '.join(ROLES)}")
    for controller in controllers:
        if not KVK_NUMBER.fullmatch(controller):
            raise KeyError_(f"controller {controller!r} is not a KvK number (8 digits)")
    if role != "source" and (controllers or system):
        raise KeyError_("only source keys are scoped to controllers and a system")
    if role == "source":
        system = system or name
        if not SOURCE_SYSTEM.fullmatch(system):
            raise KeyError_("a system name is lower case: a-z, 0-9, '_', '.', '-'")
    secret = KEY_PREFIX + base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=")
    key = ApiKey(name, role, system, tuple(controllers), now)
    if connection.execute(select(api_keys.c.name).where(api_keys.c.name == name)).first():
        raise KeyError_(f"a key named {name!r} exists already (names are never reused)")
    connection.execute(
        api_keys.insert().values(
            name=name,
            key_hash=_hash(secret),
            role=role,
            system=system,
            controllers=json.dumps(list(controllers)),
            created_at=now,
        )
    )
    return key, secret


def list_keys(connection: Connection) -> list[ApiKey]:
    rows = connection.execute(select(api_keys).order_by(api_keys.c.name))
    return [_from_row(row) for row in rows]


def revoke_key(connection: Connection, name: str, *, now: datetime) -> None:
    result = connection.execute(
        update(api_keys)
        .where(api_keys.c.name == name, api_keys.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    if not result.rowcount:
        raise KeyError_(f"no active key named {name!r}")


# Built once: every request asks it.
_ACTIVE = select(api_keys).where(
    api_keys.c.key_hash == bindparam("key_hash"), api_keys.c.revoked_at.is_(None)
)


def authenticate(connection: Connection, secret: str) -> ApiKey | None:
    """The active key with this secret, or None."""
    if not secret.startswith(KEY_PREFIX):
        return None
    row = connection.execute(_ACTIVE, {"key_hash": _hash(secret)}).first()
    return None if row is None else _from_row(row)


def holder(connection: Connection, secret: str) -> ApiKey | None:
    """The key with this secret, revoked or not: to say in a log that a revoked key is still in
    use, never to admit it."""
    row = connection.execute(select(api_keys).where(api_keys.c.key_hash == _hash(secret))).first()
    return None if row is None else _from_row(row)
