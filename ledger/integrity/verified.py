"""Where `ledger verify` got to: the newest checkpoint it checked, with every subject's head
there, so `ledger verify --since-checkpoint` starts from it instead of from position 1.

Kept in the database (`ledger_verified`, one row per successful run, and
`ledger_verified_heads`) or, for an auditor who trusts nothing in the database, in a file of
their own.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Column, Connection, LargeBinary, String, Table, delete, select, text

from ledger.adapters.bulk_writes import bulk_write
from ledger.adapters.column_types import UTCDateTime
from ledger.adapters.database import BIG_ID, chunks, metadata
from ledger.adapters.driver_reads import driver_rows, keys_table
from ledger.integrity.log import StoredCheckpoint

FORMAT = "disclosure-ledger-verified/1"

verified = Table(
    "ledger_verified",
    metadata,
    Column("tree_size", BIG_ID, primary_key=True, autoincrement=False),
    Column("root_hash", LargeBinary(32), nullable=False),
    Column("verified_at", UTCDateTime, nullable=False),
)

# The subjects' heads at the newest `ledger_verified` size: what the first new leaf of each
# subject must link to.
verified_heads = Table(
    "ledger_verified_heads",
    metadata,
    Column("subject_tag", String(32), primary_key=True),
    Column("sequence", BIG_ID, nullable=False),
    Column("leaf_hash", LargeBinary(32), nullable=False),
    sqlite_with_rowid=False,
)

Heads = dict[str, tuple[int, bytes]]


class StateError(ValueError):
    """A state file that cannot be read."""


class VerifiedState(Protocol):
    def checkpoint(self, connection: Connection) -> StoredCheckpoint | None: ...

    def heads(self, connection: Connection, tags: Iterable[str]) -> Heads: ...

    def save(
        self,
        connection: Connection,
        checkpoint: StoredCheckpoint,
        heads: Mapping[str, tuple[int, bytes]],
        *,
        replace: bool,
    ) -> None:
        """Remember `checkpoint`; `heads` are all of them (`replace`) or those that changed."""


class TableState:
    """The state in the ledger's own database."""

    def checkpoint(self, connection: Connection) -> StoredCheckpoint | None:
        row = connection.execute(
            select(verified).order_by(verified.c.tree_size.desc()).limit(1)
        ).first()
        if row is None:
            return None
        return StoredCheckpoint(row.tree_size, bytes(row.root_hash), "", row.verified_at)

    def heads(self, connection: Connection, tags: Iterable[str]) -> Heads:
        wanted = sorted(set(tags))
        if not wanted:
            return {}
        keys, params = keys_table(connection, {"tag": "text"}, [(tag,) for tag in wanted])
        query = (
            f"SELECT h.subject_tag, h.sequence, h.leaf_hash FROM {keys} "  # noqa: S608 - ours
            f"JOIN {verified_heads.name} h ON h.subject_tag = k.tag"
        )
        return {
            row.subject_tag: (int(row.sequence), bytes(row.leaf_hash))
            for row in connection.execute(text(query), params)
        }

    def save(
        self,
        connection: Connection,
        checkpoint: StoredCheckpoint,
        heads: Mapping[str, tuple[int, bytes]],
        *,
        replace: bool,
    ) -> None:
        changed = dict(heads)
        if replace:
            # Most heads of a repeated full verify are as remembered: write only the others.
            stored = {
                tag: (int(sequence), bytes(digest))
                for tag, sequence, digest in driver_rows(
                    connection,
                    f"SELECT subject_tag, sequence, leaf_hash FROM {verified_heads.name}",  # noqa: S608
                )
            }
            changed = {tag: head for tag, head in heads.items() if stored.get(tag) != head}
            for part in chunks(sorted(stored.keys() - heads.keys())):
                connection.execute(
                    delete(verified_heads).where(verified_heads.c.subject_tag.in_(part))
                )
        bulk_write(
            connection,
            verified_heads,
            [
                {"subject_tag": tag, "sequence": sequence, "leaf_hash": digest}
                for tag, (sequence, digest) in changed.items()
            ],
            conflict=("subject_tag",),
        )
        bulk_write(
            connection,
            verified,
            [
                {
                    "tree_size": checkpoint.tree_size,
                    "root_hash": checkpoint.root_hash,
                    "verified_at": datetime.now(UTC),
                }
            ],
            conflict=("tree_size",),
        )


class FileState:
    """The state in a JSON file the auditor keeps (written whole, then renamed into place)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._loaded: dict[str, Any] | None = None

    def _load(self) -> dict[str, Any] | None:
        if self._loaded is None and self.path.exists():
            try:
                loaded = json.loads(self.path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
                raise StateError(f"cannot read {self.path}: {error}") from None
            if not isinstance(loaded, dict) or loaded.get("format") != FORMAT:
                raise StateError(f"{self.path} is not a verification state ({FORMAT})")
            self._loaded = loaded
        return self._loaded

    def checkpoint(self, connection: Connection) -> StoredCheckpoint | None:
        state = self._load()
        if state is None:
            return None
        try:
            return StoredCheckpoint(
                int(state["tree_size"]),
                base64.b64decode(state["root_hash"], validate=True),
                "",
                datetime.fromisoformat(state["verified_at"]),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise StateError(f"{self.path} is malformed ({error})") from None

    def heads(self, connection: Connection, tags: Iterable[str]) -> Heads:
        stored = (self._load() or {}).get("heads", {})
        found: Heads = {}
        for tag in tags:
            if tag in stored:
                sequence, digest = stored[tag]
                found[tag] = (int(sequence), base64.b64decode(digest))
        return found

    def save(
        self,
        connection: Connection,
        checkpoint: StoredCheckpoint,
        heads: Mapping[str, tuple[int, bytes]],
        *,
        replace: bool,
    ) -> None:
        kept = {} if replace else dict((self._load() or {}).get("heads", {}))
        kept.update(
            {tag: [sequence, base64.b64encode(d).decode()] for tag, (sequence, d) in heads.items()}
        )
        state = {
            "format": FORMAT,
            "tree_size": checkpoint.tree_size,
            "root_hash": base64.b64encode(checkpoint.root_hash).decode(),
            "verified_at": datetime.now(UTC).isoformat(),
            "heads": kept,
        }
        partial = self.path.with_name(self.path.name + ".partial")
        partial.write_text(json.dumps(state, separators=(",", ":")), encoding="utf-8")
        os.replace(partial, self.path)
        self._loaded = state
