"""The subject vault: a random tag and data key per person, and crypto-shredding.

Events and projections reference the tag only; identifying fields are sealed with the
subject's key, which is itself wrapped by the master key. Deleting the vault row (erasure)
leaves every event in place but unreadable and unlinkable.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Column, Connection, LargeBinary, String, Table, bindparam, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from ledger.adapters import fast_json
from ledger.adapters.bulk_writes import bulk_write
from ledger.adapters.column_types import UTCDateTime
from ledger.adapters.database import chunks, metadata
from ledger.adapters.keyring import KeyRing

subject_vault = Table(
    "subject_vault",
    metadata,
    Column("tag", String(32), primary_key=True),
    Column("lookup", LargeBinary(32), nullable=False, unique=True),
    Column("wrapped_key", LargeBinary, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)


# Unwrapped keys kept for the people read or written most recently: about half a kilobyte each,
# so an import of a year's payroll for a hundred thousand people does not keep them all.
UNWRAPPED_KEPT = 20_000
# New subjects stored by one INSERT .. RETURNING (a row of bound values each); more go by
# `bulk_write`, whose COPY or executemany takes any number.
FEW_NEW = 64


# Built once: a statement built for each call cost a single posting as much again as running it.
_BY_LOOKUP = select(subject_vault.c.lookup, subject_vault.c.tag, subject_vault.c.wrapped_key).where(
    subject_vault.c.lookup.in_(bindparam("lookups", expanding=True))
)
_BY_TAG = select(subject_vault.c.tag, subject_vault.c.wrapped_key).where(
    subject_vault.c.tag.in_(bindparam("tags", expanding=True))
)
# A new subject's row, unless another writer stored its lookup first; says which it stored.
_INSERT_NEW = {
    name: insert(subject_vault)
    .on_conflict_do_nothing(index_elements=[subject_vault.c.lookup])
    .returning(subject_vault.c.lookup)
    for name, insert in (("postgresql", postgresql.insert), ("sqlite", sqlite.insert))
}


class VaultError(Exception):
    """A sealed value could not be opened: wrong key, tampered data, or an erased subject."""


@dataclass(frozen=True, slots=True)
class SubjectKey:
    tag: str
    aead: AESGCM
    digest_key: bytes


class SubjectVault:
    def __init__(self, keys: KeyRing) -> None:
        self._keys = keys
        self._unwrapped: dict[tuple[str, bytes], SubjectKey] = {}

    def _unwrap(self, tag: str, wrapped: bytes) -> SubjectKey:
        # The row was just read from the database, so a cached unwrap never outlives an erasure.
        cached = self._unwrapped.pop((tag, wrapped), None)
        if cached is not None:
            self._unwrapped[(tag, wrapped)] = cached  # the most recently used go last
            return cached
        raw = self._keys.wrap.decrypt(wrapped[:12], wrapped[12:], tag.encode())
        return self._keep(tag, wrapped, raw)

    def _keep(self, tag: str, wrapped: bytes, raw: bytes) -> SubjectKey:
        """The key of `raw`, kept as the unwrapping of (tag, wrapped)."""
        key = SubjectKey(
            tag=tag,
            aead=AESGCM(raw),
            digest_key=hmac.digest(raw, b"ledger content digest v1", hashlib.sha256),
        )
        if len(self._unwrapped) >= UNWRAPPED_KEPT:
            del self._unwrapped[next(iter(self._unwrapped))]
        self._unwrapped[(tag, wrapped)] = key
        return key

    def find(self, connection: Connection, subject_id: str) -> SubjectKey | None:
        row = connection.execute(
            select(subject_vault.c.tag, subject_vault.c.wrapped_key).where(
                subject_vault.c.lookup == self._keys.subject_lookup(subject_id)
            )
        ).first()
        return None if row is None else self._unwrap(row.tag, row.wrapped_key)

    def keys_for(
        self, connection: Connection, subject_ids: Iterable[str], *, now: datetime
    ) -> dict[str, SubjectKey]:
        """The key of every subject, creating a vault entry for each one seen for the first time.

        Call inside the write transaction. Two writers may create the same subject at once on
        PostgreSQL (new disclosures are judged before the sequencer is taken): the unique lookup
        makes the second insert wait for the first to commit and then skip its row, and the
        second takes the key the first stored.
        """
        lookups = {subject_id: self._keys.subject_lookup(subject_id) for subject_id in subject_ids}
        by_lookup: dict[bytes, SubjectKey] = {}
        for row in self._rows_of(connection, list(lookups.values())):
            by_lookup[row.lookup] = self._unwrap(row.tag, row.wrapped_key)
        found = set(by_lookup)
        new_rows = []
        for lookup in lookups.values():
            if lookup in by_lookup:
                continue
            tag = uuid.uuid4().hex
            raw = AESGCM.generate_key(bit_length=256)
            nonce = os.urandom(12)
            wrapped = nonce + self._keys.wrap.encrypt(nonce, raw, tag.encode())
            new_rows.append(
                {"tag": tag, "lookup": lookup, "wrapped_key": wrapped, "created_at": now}
            )
            # Kept as if unwrapped: reading the rows back below finds it without a decryption.
            by_lookup[lookup] = self._keep(tag, wrapped, raw)
        if new_rows:
            created = self._insert_new(connection, new_rows)
            # A row another writer stored first: the key it holds is the subject's.
            lost = [
                lookup
                for lookup in lookups.values()
                if lookup not in found and lookup not in created
            ]
            for row in self._rows_of(connection, lost):
                by_lookup[row.lookup] = self._unwrap(row.tag, row.wrapped_key)
        return {subject_id: by_lookup[lookup] for subject_id, lookup in lookups.items()}

    @staticmethod
    def _insert_new(connection: Connection, rows: list[dict[str, Any]]) -> set[bytes]:
        """Store new subjects' rows, skipping any whose lookup another writer stored first;
        the lookups stored here. A few rows (a single post) say so in the insert's answer, so
        only a lost race costs a read again; many go in the bulk way and are all read again."""
        if len(rows) >= FEW_NEW:
            bulk_write(connection, subject_vault, rows, conflict=("lookup",), update={})
            return set()
        inserted = connection.execute(_INSERT_NEW[connection.dialect.name], rows)
        return {bytes(lookup) for lookup in inserted.scalars()}

    @staticmethod
    def _rows_of(connection: Connection, lookups: list[bytes]) -> Iterator[Any]:
        for part in chunks(lookups):
            yield from connection.execute(_BY_LOOKUP, {"lookups": part})

    def keys_by_tag(self, connection: Connection, tags: Iterable[str]) -> dict[str, SubjectKey]:
        found: dict[str, SubjectKey] = {}
        for part in chunks(sorted(set(tags))):
            for row in connection.execute(_BY_TAG, {"tags": part}):
                found[row.tag] = self._unwrap(row.tag, row.wrapped_key)
        return found

    def present_tags(self, connection: Connection, tags: Iterable[str]) -> list[str]:
        """Which of these tags still have a key (no key is unwrapped)."""
        found: list[str] = []
        for part in chunks(sorted(set(tags))):
            found += connection.execute(
                select(subject_vault.c.tag).where(subject_vault.c.tag.in_(part))
            ).scalars()
        return found

    def lookups_of_tags(self, connection: Connection, tags: Iterable[str]) -> list[bytes]:
        found: list[bytes] = []
        for part in chunks(sorted(set(tags))):
            found += connection.execute(
                select(subject_vault.c.lookup).where(subject_vault.c.tag.in_(part))
            ).scalars()
        return found

    def shred(self, connection: Connection, tag: str) -> bool:
        """Crypto-shredding: the key and the link from subject id to tag are gone for good."""
        result = connection.execute(delete(subject_vault).where(subject_vault.c.tag == tag))
        self._unwrapped = {k: v for k, v in self._unwrapped.items() if k[0] != tag}
        return bool(result.rowcount)

    @staticmethod
    def seal_bytes(key: SubjectKey, context: bytes, plaintext: bytes) -> str:
        """AES-GCM bound to `context`, so a sealed value cannot be moved elsewhere."""
        nonce = os.urandom(12)
        return base64.b64encode(nonce + key.aead.encrypt(nonce, plaintext, context)).decode()

    @staticmethod
    def open_bytes(key: SubjectKey, context: bytes, sealed: str) -> bytes:
        raw = binascii.a2b_base64(sealed)  # base64.b64decode without its wrapper
        try:
            return key.aead.decrypt(raw[:12], raw[12:], context)
        except InvalidTag:
            raise VaultError("a sealed value does not open with this key here") from None

    @classmethod
    def seal(cls, key: SubjectKey, disclosure_id: UUID, payload: dict[str, Any]) -> str:
        """The identifying fields of one disclosure, bound to its id."""
        plaintext = fast_json.canonical(payload)
        # The sealed bytes have always escaped what is not printable ASCII, DEL included.
        if not plaintext.isascii() or b"\x7f" in plaintext:
            plaintext = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
        return cls.seal_bytes(key, disclosure_id.bytes, plaintext)

    @classmethod
    def open(cls, key: SubjectKey, disclosure_id: UUID, sealed: str) -> dict[str, Any]:
        result: dict[str, Any] = fast_json.loads(cls.open_bytes(key, disclosure_id.bytes, sealed))
        return result

    @staticmethod
    def digest(key: SubjectKey, content: bytes) -> str:
        """A keyed fingerprint of what was posted, to tell a retry from a conflicting re-use."""
        return hmac.digest(key.digest_key, content, "sha256").hex()
