"""The transparency log in the database: leaves, stored subtree hashes, subject heads, checkpoints.

Every perfect subtree of the RFC 9162 tree is stored once, when it completes, so a root, an
inclusion proof or a consistency proof at any size costs O(log n) indexed reads, never a rebuild.
"""

from __future__ import annotations

import base64
import functools
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    LargeBinary,
    SmallInteger,
    String,
    Table,
    Text,
    TextualSelect,
    func,
    select,
    text,
)

from ledger.adapters.bulk_writes import COPY_FROM, bulk_write, pipelined
from ledger.adapters.column_types import UTCDateTime
from ledger.adapters.database import BIG_ID, chunks, metadata
from ledger.adapters.driver_reads import driver_rows, driver_rows_together, keys_table
from ledger.integrity import merkle
from ledger.integrity.checkpoints import Checkpoint, NoteSigner
from ledger.integrity.leaves import ZERO_HASH, Leaf

# `hash` is SHA-256(0x00 || leaf), stored by earlier versions; a leaf appended now stores it
# empty (a 32-byte hash per event saved: any reader recomputes it in a microsecond).
leaves = Table(
    "ledger_leaves",
    metadata,
    Column("idx", BIG_ID, primary_key=True, autoincrement=False),
    Column("leaf", LargeBinary, nullable=False),
    Column("hash", LargeBinary(32), nullable=False),
)

# Perfect subtrees: node (level, idx) covers leaves [idx * 2^level, (idx + 1) * 2^level).
# Only levels from NODE_FLOOR up are stored now (earlier versions stored every level from 1):
# a lower subtree is hashed from its at most 2^NODE_FLOOR leaves, one range read, which saves
# seven in eight node rows.
NODE_FLOOR = 4
nodes = Table(
    "ledger_nodes",
    metadata,
    Column("level", SmallInteger, primary_key=True, autoincrement=False),
    Column("idx", BIG_ID, primary_key=True, autoincrement=False),
    Column("hash", LargeBinary(32), nullable=False),
    sqlite_with_rowid=False,
)

subject_heads = Table(
    "ledger_subject_heads",
    metadata,
    Column("subject_tag", String(32), primary_key=True),
    Column("sequence", BIG_ID, nullable=False),
    Column("leaf_hash", LargeBinary(32), nullable=False),
    sqlite_with_rowid=False,
)

checkpoints = Table(
    "ledger_checkpoints",
    metadata,
    Column("tree_size", BIG_ID, primary_key=True, autoincrement=False),
    Column("root_hash", LargeBinary(32), nullable=False),
    Column("note", Text, nullable=False),
    Column("published_at", UTCDateTime, nullable=False),
)


class LogError(Exception):
    """A request the log cannot answer (e.g. a proof beyond the tree), or a broken append."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One stored event to become a leaf: its position, kind, time, subject and digests."""

    position: int
    event_type: str
    recorded_at: datetime
    subject_tag: str
    commitment: bytes
    event_digest: bytes


@dataclass(frozen=True, slots=True)
class LogState:
    """The log as an append found it: its size, and the latest checkpoint's tree size and
    time (None before the first). `loaded` False: nothing was read."""

    size: int
    signed: tuple[int, datetime] | None
    loaded: bool = True


@dataclass(frozen=True, slots=True)
class AppendPlan:
    """The rows an append writes, and the log's state after it."""

    state: LogState
    leaf_rows: list[dict[str, Any]]
    node_rows: list[dict[str, Any]]
    head_rows: list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class StoredCheckpoint:
    tree_size: int
    root_hash: bytes
    note: str
    published_at: datetime

    def as_json(self) -> dict[str, Any]:
        return {
            "note": self.note,
            "tree_size": self.tree_size,
            "root_hash": base64.b64encode(self.root_hash).decode(),
        }


def _level(start: int, end: int) -> int:
    return (end - start).bit_length() - 1


def _covered(level: int, index: int) -> range:
    """The leaf indexes under node (level, index)."""
    return range(index << level, (index + 1) << level)


class TransparencyLog:
    def __init__(self, signer: NoteSigner, origin: str) -> None:
        self.signer = signer
        self.origin = origin

    # -- writing ------------------------------------------------------------------------

    def size(self, connection: Connection) -> int:
        last = connection.execute(select(func.max(leaves.c.idx))).scalar()
        return 0 if last is None else int(last) + 1

    def append(self, connection: Connection, entries: Sequence[Entry]) -> LogState:
        """Append one leaf per entry, in log order, inside the caller's transaction; returns
        what the append read of the log (for `publish_if_due`)."""
        plan = self.plan_append(connection, entries)
        # A big batch's writes go by COPY, which a pipeline cannot carry.
        with pipelined(connection, len(plan.leaf_rows) < COPY_FROM):
            self.write_append(connection, plan)
        return plan.state

    def plan_append(self, connection: Connection, entries: Sequence[Entry]) -> AppendPlan:
        """Every read an append needs, then the rows it writes (`write_append`): a caller may
        send those in one pipeline with writes of its own."""
        if not entries:
            return AppendPlan(LogState(0, None, loaded=False), [], [], [])
        state, heads = self._state(connection, {entry.subject_tag for entry in entries})
        size = state.size
        if entries[0].position != size + 1 or any(
            later.position != earlier.position + 1 for earlier, later in itertools.pairwise(entries)
        ):
            raise LogError(f"leaves must follow the log: next position is {size + 1}")
        leaf_rows = []
        hashes: dict[tuple[int, int], bytes] = {}
        for entry in entries:
            sequence, previous = heads.get(entry.subject_tag, (0, ZERO_HASH))
            leaf = Leaf(
                event_type=entry.event_type,
                position=entry.position,
                recorded_at=entry.recorded_at,
                subject_tag=entry.subject_tag,
                sequence=sequence + 1,
                previous=previous,
                commitment=entry.commitment,
                event_digest=entry.event_digest,
            ).encode()
            digest = merkle.leaf_hash(leaf)
            heads[entry.subject_tag] = (sequence + 1, digest)
            index = entry.position - 1
            hashes[(0, index)] = digest
            leaf_rows.append({"idx": index, "leaf": leaf, "hash": b""})
        # The new nodes need the old frontier: read before any write.
        node_rows = self._new_nodes(connection, size, size + len(entries), hashes)
        head_rows = [
            {"subject_tag": tag, "sequence": sequence, "leaf_hash": digest}
            for tag, (sequence, digest) in heads.items()
        ]
        after = LogState(size + len(entries), state.signed, loaded=True)
        return AppendPlan(after, leaf_rows, node_rows, head_rows)

    @staticmethod
    def write_append(connection: Connection, plan: AppendPlan) -> None:
        """The leaves, new subtrees and subject heads of a planned append (no reads)."""
        bulk_write(connection, leaves, plan.leaf_rows)
        bulk_write(connection, nodes, plan.node_rows)
        bulk_write(connection, subject_heads, plan.head_rows, conflict=("subject_tag",))

    def _state(
        self, connection: Connection, tags: Iterable[str]
    ) -> tuple[LogState, dict[str, tuple[int, bytes]]]:
        """The log's size, its latest checkpoint and the stored heads of these subjects, in one
        statement: an append reads them inside the writers' critical section, where each round
        trip is waited for by every writer queued behind it."""
        keys, params = keys_table(connection, {"tag": "text"}, [(tag,) for tag in sorted(tags)])
        query = _state_query(keys, connection.dialect.name)
        size = 0
        signed: tuple[int, datetime] | None = None
        found: dict[str, tuple[int, bytes]] = {}
        for kind, tag, number, digest, signed_at in connection.execute(query, params):
            if kind == "h":
                found[tag] = (int(number), bytes(digest))
            elif kind == "s":
                size = 0 if number is None else int(number) + 1
            else:
                signed = (int(number), signed_at)
        return LogState(size, signed, loaded=True), found

    def _heads(self, connection: Connection, tags: Iterable[str]) -> dict[str, tuple[int, bytes]]:
        found: dict[str, tuple[int, bytes]] = {}
        for part in chunks(sorted(tags)):
            rows = connection.execute(
                select(subject_heads).where(subject_heads.c.subject_tag.in_(part))
            )
            for row in rows:
                found[row.subject_tag] = (row.sequence, bytes(row.leaf_hash))
        return found

    def _new_nodes(
        self, connection: Connection, old: int, new: int, hashes: dict[tuple[int, int], bytes]
    ) -> list[dict[str, Any]]:
        """The perfect subtrees that complete when the tree grows from `old` to `new` leaves."""
        # A new node's left child may be old: those are the old tree's frontier subtrees whose
        # parent completes within `new` (each starts at a multiple of twice its size, so its
        # parent ends at start + 2 * size). One leaf added to an even size completes no node
        # and reads nothing; the others read only the subtrees the new nodes hash.
        frontier = [
            (start, end) for start, end in _decompose(old) if start + 2 * (end - start) <= new
        ]
        for (start, end), digest in zip(
            frontier, self._perfect_hashes(connection, frontier), strict=True
        ):
            hashes[(_level(start, end), start >> _level(start, end))] = digest
        rows = []
        level = 1
        while (1 << level) <= new:
            for index in range(old >> level, new >> level):
                if ((index + 1) << level) > old:
                    digest = merkle.node_hash(
                        hashes[(level - 1, 2 * index)], hashes[(level - 1, 2 * index + 1)]
                    )
                    hashes[(level, index)] = digest
                    if level >= NODE_FLOOR:
                        rows.append({"level": level, "idx": index, "hash": digest})
            level += 1
        return rows

    # -- reading ------------------------------------------------------------------------

    def _perfect_hashes(
        self, connection: Connection, ranges: Sequence[tuple[int, int]]
    ) -> list[bytes]:
        """Hashes of perfect subtrees: from NODE_FLOOR up stored, below it hashed from their
        leaves; one query per table."""
        wanted = [(_level(start, end), start >> _level(start, end)) for start, end in ranges]
        low = sorted({(level, index) for level, index in wanted if level < NODE_FLOOR})
        found = self._low_subtrees(connection, low)
        inner = sorted({(level, index) for level, index in wanted if level >= NODE_FLOOR})
        if inner:
            # One statement for any number of nodes: the keys go in as one derived table.
            keys, params = keys_table(connection, {"level": "smallint", "idx": "bigint"}, inner)
            query = (
                f"SELECT n.level, n.idx, n.hash FROM {keys} "  # noqa: S608 - our own names
                f"JOIN {nodes.name} n ON n.level = k.level AND n.idx = k.idx"
            )
            for row in connection.execute(text(query), params):
                found[(row.level, row.idx)] = bytes(row.hash)
        missing = [key for key in wanted if key not in found]
        if missing:
            raise LogError(f"the stored tree lacks subtrees {missing[:3]}")
        return [found[key] for key in wanted]

    def _low_subtrees(
        self, connection: Connection, wanted: Sequence[tuple[int, int]]
    ) -> dict[tuple[int, int], bytes]:
        """(level, idx) -> hash of perfect subtrees below NODE_FLOOR, from their leaves."""
        indexes = sorted({i for level, index in wanted for i in _covered(level, index)})
        hashes = self._leaf_hashes(connection, indexes)
        found: dict[tuple[int, int], bytes] = {}
        for level, index in wanted:
            covered = _covered(level, index)
            if all(i in hashes for i in covered):
                found[(level, index)] = merkle.root_from_leaf_hashes([hashes[i] for i in covered])
        return found

    def _leaf_hashes(self, connection: Connection, indexes: Sequence[int]) -> dict[int, bytes]:
        if not indexes:
            return {}
        keys, params = keys_table(connection, {"idx": "bigint"}, [(i,) for i in indexes])
        query = (
            f"SELECT l.idx, l.leaf, l.hash FROM {keys} "  # noqa: S608 - our own names
            f"JOIN {leaves.name} l ON l.idx = k.idx"
        )
        return {
            row.idx: bytes(row.hash) or merkle.leaf_hash(bytes(row.leaf))
            for row in connection.execute(text(query), params)
        }

    def leaves_at(self, connection: Connection, indexes: Sequence[int]) -> dict[int, bytes]:
        """The encoded leaves at these indexes, in one statement."""
        return self._leaf_column(connection, indexes, "leaf")

    def _leaf_column(
        self, connection: Connection, indexes: Sequence[int], column: str
    ) -> dict[int, bytes]:
        if not indexes:
            return {}
        keys, params = keys_table(connection, {"idx": "bigint"}, [(i,) for i in indexes])
        query = (
            f"SELECT l.idx, l.{column} AS value FROM {keys} "  # noqa: S608 - our own names
            f"JOIN {leaves.name} l ON l.idx = k.idx"
        )
        return {row.idx: bytes(row.value) for row in connection.execute(text(query), params)}

    def inclusion_proofs(
        self, connection: Connection, indexes: Sequence[int], tree_size: int
    ) -> dict[int, list[bytes]]:
        """An inclusion proof for each index at one tree size, from one fetch of the stored
        subtrees they need together."""
        self._check_size(connection, tree_size)
        for index in indexes:
            if not 0 <= index < tree_size:
                raise LogError(f"index must be at least 0 and below tree_size ({tree_size})")
        ranges = {index: merkle.inclusion_proof_nodes(index, tree_size) for index in indexes}
        hashes = iter(
            self._hash_ranges(connection, [r for index in indexes for r in ranges[index]])
        )
        return {index: [next(hashes) for _ in ranges[index]] for index in indexes}

    def _hash_ranges(
        self, connection: Connection, ranges: Sequence[tuple[int, int]]
    ) -> list[bytes]:
        """MTH of each range, fetching every perfect subtree they need at once."""
        # A bundle asks for tens of thousands of ranges, mostly perfect subtrees and many
        # shared: each distinct range is split and hashed once.
        unique = set(ranges)
        pieces = {r: _pieces(*r) for r in unique}
        needed = sorted({part for parts in pieces.values() for part in parts})
        stored = dict(zip(needed, self._perfect_hashes(connection, needed), strict=True))
        hashed = {
            r: stored[parts[0]]
            if len(parts) == 1
            else merkle.hash_range(r[0], r[1], lambda s, e: stored[(s, e)])
            for r, parts in pieces.items()
        }
        return [hashed[r] for r in ranges]

    def root(self, connection: Connection, tree_size: int) -> bytes:
        if tree_size == 0:
            return merkle.EMPTY_ROOT
        return self._hash_ranges(connection, [(0, tree_size)])[0]

    def inclusion_proof(self, connection: Connection, index: int, tree_size: int) -> list[bytes]:
        self._check_size(connection, tree_size)
        if not 0 <= index < tree_size:
            raise LogError(f"index must be at least 0 and below tree_size ({tree_size})")
        return self._hash_ranges(connection, merkle.inclusion_proof_nodes(index, tree_size))

    def consistency_proof(self, connection: Connection, first: int, second: int) -> list[bytes]:
        self._check_size(connection, second)
        if not 0 < first <= second:
            raise LogError("first must be at least 1 and at most second")
        return self._hash_ranges(connection, merkle.consistency_proof_nodes(first, second))

    def _check_size(self, connection: Connection, tree_size: int) -> None:
        size = self.size(connection)
        if not 1 <= tree_size <= size:
            raise LogError(f"tree_size must be between 1 and the log's size ({size})")

    def leaves_between(
        self, connection: Connection, start: int, end: int
    ) -> list[tuple[int, bytes]]:
        rows = connection.execute(
            select(leaves.c.idx, leaves.c.leaf)
            .where(leaves.c.idx >= start, leaves.c.idx < end)
            .order_by(leaves.c.idx)
        )
        return [(row.idx, row.leaf) for row in rows]

    # -- bulk reads for `ledger verify` -------------------------------------------------
    # Raw driver rows: verification reads every leaf and node, and per-row type processing
    # would cost more than the hashing.

    @staticmethod
    def leaf_rows(
        connection: Connection, first: int | None, last: int
    ) -> list[tuple[int, bytes, bytes]]:
        """(index, leaf, hash) of the stored leaves with `first` <= index <= `last`, in order
        (`first` None: from the very first, whatever its index)."""
        lower = "" if first is None else f" AND idx >= {int(first)}"
        # Both drivers hand a blob or bytea over as bytes (PostgreSQL's in binary format).
        return driver_rows(
            connection,
            f"SELECT idx, leaf, hash FROM {leaves.name} "  # noqa: S608 - our names, ints
            f"WHERE idx <= {int(last)}{lower} ORDER BY idx",
        )

    @staticmethod
    def first_leaf_from(connection: Connection, first: int) -> int | None:
        """The lowest stored leaf index at or after `first`."""
        rows = driver_rows(
            connection,
            f"SELECT MIN(idx) FROM {leaves.name} WHERE idx >= {int(first)}",  # noqa: S608 - ours
        )
        return None if not rows or rows[0][0] is None else int(rows[0][0])

    @staticmethod
    def node_rows(
        connection: Connection, level: int, first: int, end: int | None
    ) -> list[tuple[int, bytes]]:
        """(index, hash) of the stored subtrees of one level with `first` <= index < `end`
        (`end` None: no upper bound), in order."""
        upper = "" if end is None else f" AND idx < {int(end)}"
        return [
            (idx, bytes(digest))
            for idx, digest in driver_rows(
                connection,
                f"SELECT idx, hash FROM {nodes.name} "  # noqa: S608 - our names, ints
                f"WHERE level = {int(level)} AND idx >= {int(first)}{upper} ORDER BY idx",
            )
        ]

    @staticmethod
    def node_levels_above(connection: Connection, level: int) -> list[int]:
        """The stored levels above `level` (a handful: one row per level found by index)."""
        found: list[int] = []
        while True:
            rows = driver_rows(
                connection,
                f"SELECT MIN(level) FROM {nodes.name} WHERE level > {int(level)}",  # noqa: S608
            )
            if not rows or rows[0][0] is None:
                return found
            level = int(rows[0][0])
            found.append(level)

    def frontier(self, connection: Connection, size: int) -> list[tuple[int, bytes]]:
        """(level, hash) of the perfect subtrees that make up the tree of `size` leaves, largest
        first: the right edge a verification picks up from."""
        ranges = _decompose(size)
        return [
            (_level(start, end), digest)
            for (start, end), digest in zip(
                ranges, self._perfect_hashes(connection, ranges), strict=True
            )
        ]

    def subject_heads_of(
        self, connection: Connection, tags: Iterable[str]
    ) -> dict[str, tuple[int, bytes]]:
        """The stored heads of these subjects (those that have one)."""
        return self._heads(connection, tags)

    @staticmethod
    def all_subject_heads(connection: Connection) -> dict[str, tuple[int, bytes]]:
        return {
            tag: (int(sequence), bytes(digest))
            for tag, sequence, digest in driver_rows(
                connection,
                f"SELECT subject_tag, sequence, leaf_hash FROM {subject_heads.name}",  # noqa: S608
            )
        }

    def subject_head(self, connection: Connection, tag: str) -> tuple[int, bytes] | None:
        row = connection.execute(
            select(subject_heads).where(subject_heads.c.subject_tag == tag)
        ).first()
        return None if row is None else (row.sequence, row.leaf_hash)

    # -- checkpoints --------------------------------------------------------------------

    def checkpoint_at(self, connection: Connection, tree_size: int) -> StoredCheckpoint | None:
        row = connection.execute(
            select(checkpoints).where(checkpoints.c.tree_size == tree_size)
        ).first()
        return (
            None
            if row is None
            else StoredCheckpoint(row.tree_size, row.root_hash, row.note, row.published_at)
        )

    def latest_checkpoint(self, connection: Connection) -> StoredCheckpoint | None:
        row = connection.execute(
            select(checkpoints).order_by(checkpoints.c.tree_size.desc()).limit(1)
        ).first()
        return (
            None
            if row is None
            else StoredCheckpoint(row.tree_size, row.root_hash, row.note, row.published_at)
        )

    def all_checkpoints(self, connection: Connection) -> list[StoredCheckpoint]:
        rows = connection.execute(select(checkpoints).order_by(checkpoints.c.tree_size))
        return [StoredCheckpoint(r.tree_size, r.root_hash, r.note, r.published_at) for r in rows]

    def publish(self, connection: Connection, *, now: datetime) -> StoredCheckpoint:
        """Sign the tree as it is now; at an already signed size, the stored checkpoint."""
        size = self.size(connection)
        latest = self.latest_checkpoint(connection)
        if latest is not None and latest.tree_size == size:
            return latest
        return self._sign(connection, size, now)

    def publish_if_due(
        self,
        connection: Connection,
        *,
        now: datetime,
        every_events: int,
        every_seconds: int,
        size: int | None = None,
        state: LogState | None = None,
    ) -> StoredCheckpoint | None:
        """Sign when `every_events` new leaves or `every_seconds` of age are reached (the very
        first leaf is signed at once). `state`: what the caller's append read of the log in this
        transaction (`append`), or `size`: the log's size, when the caller just appended; each
        spares a query inside the writers' critical section."""
        if state is not None and state.loaded:
            size, signed = state.size, state.signed
        else:
            latest = self.latest_checkpoint(connection)
            signed = None if latest is None else (latest.tree_size, latest.published_at)
            if size is None:
                size = self.size(connection)
        if signed is None:
            due = size > 0
        else:
            signed_size, signed_at = signed
            due = size - signed_size >= every_events or (
                size > signed_size and (now - signed_at).total_seconds() >= every_seconds
            )
        return self._sign(connection, size, now) if due else None

    def _sign(self, connection: Connection, size: int, now: datetime) -> StoredCheckpoint:
        root = self.root(connection, size)
        note = self.signer.sign(Checkpoint(self.origin, size, root))
        connection.execute(
            checkpoints.insert().values(tree_size=size, root_hash=root, note=note, published_at=now)
        )
        return StoredCheckpoint(size, root, note, now)


@functools.cache
def _state_query(keys: str, dialect: str) -> TextualSelect:
    """`TransparencyLog._state`'s statement, built once per backend (`keys` is the tags'
    derived table, the same SQL whatever their number)."""
    # The first branch names every column's type: PostgreSQL matches a union's NULLs to the
    # branch before them.
    moment = "timestamp" if dialect == "postgresql" else "text"
    return text(
        "SELECT 'h' AS kind, h.subject_tag AS tag, h.sequence AS number,"  # noqa: S608
        f" h.leaf_hash AS digest, CAST(NULL AS {moment}) AS signed_at FROM {keys}"
        f" JOIN {subject_heads.name} h ON h.subject_tag = k.tag"
        f" UNION ALL SELECT 's', NULL, (SELECT MAX(idx) FROM {leaves.name}), NULL, NULL"
        " UNION ALL SELECT 'c', NULL, c.tree_size, NULL, c.published_at FROM"
        f" (SELECT tree_size, published_at FROM {checkpoints.name}"
        "  ORDER BY tree_size DESC LIMIT 1) c"
    ).columns(
        kind=String,
        tag=String,
        number=BIG_ID,
        digest=LargeBinary,
        signed_at=UTCDateTime,
    )


def _pieces(start: int, end: int) -> list[tuple[int, int]]:
    size = end - start
    if size & (size - 1) == 0 and start % size == 0:
        return [(start, end)]
    return merkle.perfect_subtrees(start, end)


def _decompose(size: int) -> list[tuple[int, int]]:
    """[0, size) as its perfect subtrees, largest first."""
    return merkle.perfect_subtrees(0, size) if size else []


# -- a person's proofs at once (read-only) ------------------------------------------------------


def proof_material(
    connection: Connection, indexes: Sequence[int], tree_size: int
) -> tuple[dict[int, bytes], dict[int, list[bytes]], bytes]:
    """The encoded leaves at these indexes (sorted, distinct, below `tree_size`), an inclusion
    proof for each at `tree_size`, and that tree's root: two statements for any number of
    indexes. The leaves come as whole aligned blocks of 2^NODE_FLOOR (the subtrees below the
    stored levels are hashed from them), the stored subtrees beside the paths by key, in one
    round trip; each node is then hashed once, level by level (`merkle.prove`)."""
    plan = merkle.plan_proofs(indexes, tree_size, NODE_FLOOR)
    spans: list[tuple[int, int]] = []
    for block in plan.blocks:
        low, high = plan.block_span(block)
        if spans and spans[-1][1] == low:
            spans[-1] = (spans[-1][0], high)
        else:
            spans.append((low, high))
    keys, params = keys_table(connection, {"lo": "bigint", "hi": "bigint"}, spans)
    statements = [
        (
            f"SELECT l.idx, l.leaf FROM {keys} "  # noqa: S608 - our own names
            f"JOIN {leaves.name} l ON l.idx >= k.lo AND l.idx < k.hi",
            params,
        )
    ]
    if plan.stored:
        keys, params = keys_table(connection, {"level": "smallint", "idx": "bigint"}, plan.stored)
        statements.append(
            (
                f"SELECT n.level, n.idx, n.hash FROM {keys} "  # noqa: S608 - our own names
                f"JOIN {nodes.name} n ON n.level = k.level AND n.idx = k.idx",
                params,
            )
        )
    found = driver_rows_together(connection, statements)
    raw = {idx: bytes(leaf) for idx, leaf in found[0]}
    stored = {(level, idx): bytes(node) for rows in found[1:] for level, idx, node in rows}
    try:
        proofs, root = merkle.prove(plan, raw, stored)
    except merkle.MissingHash as missing:
        raise LogError(f"the stored tree is incomplete: {missing}") from None
    return {index: raw[index] for index in indexes}, proofs, root
