"""`ledger verify`: recompute every leaf from the stored events, the tree from the leaves, and
check every checkpoint's signature, root and consistency with the one before it.

It streams the log once, in position order, and names the first position where the stored data
and the recomputation disagree.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, Table, select, text

from ledger.adapters.state_codec import unpack
from ledger.integrity import merkle
from ledger.integrity.checkpoints import CheckpointError, NoteVerifier
from ledger.integrity.leaves import EVENT_TYPES, ZERO_HASH, encode_leaf, event_digest
from ledger.integrity.log import NODE_FLOOR, TransparencyLog, leaves, nodes, subject_heads

PAGE = 20_000


@dataclass
class Report:
    events: int = 0
    checkpoints: int = 0
    problems: list[str] = field(default_factory=list)
    first_bad_position: int | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def fail(self, position: int | None, message: str) -> None:
        if position is not None and (
            self.first_bad_position is None or position < self.first_bad_position
        ):
            self.first_bad_position = position
        where = f"position {position}: " if position is not None else ""
        self.problems.append(where + message)


def _pages(
    connection: Connection,
    query_for: Callable[[int], Any],
    fetcher: ThreadPoolExecutor | None = None,
) -> Generator[Any, None, None]:
    """Keyset pagination over a table ordered by an integer key.

    With a `fetcher` (one thread, shared by every stream on the connection) the next page is read
    while this one is hashed: the database driver releases the GIL while it works.
    """

    def fetch(after: int) -> list[Any]:
        return list(connection.execute(query_for(after)).all())

    if fetcher is None:
        after = -1
        while rows := fetch(after):
            yield from rows
            after = rows[-1][0]
        return
    pending = fetcher.submit(fetch, -1)
    while rows := pending.result():
        pending = fetcher.submit(fetch, rows[-1][0])
        yield from rows


class _Tree:
    """The RFC 9162 tree grown one leaf hash at a time, remembering every completed subtree."""

    def __init__(self) -> None:
        self.size = 0
        self.stack: list[tuple[int, bytes]] = []  # (level, hash) of the right edge
        self.completed: dict[int, list[bytes]] = {}

    def push(self, digest: bytes) -> None:
        level = 0
        while self.stack and self.stack[-1][0] == level:
            _, left = self.stack.pop()
            digest = merkle.node_hash(left, digest)
            level += 1
            self.completed.setdefault(level, []).append(digest)
        self.stack.append((level, digest))
        self.size += 1

    def root(self) -> bytes:
        if not self.stack:
            return merkle.EMPTY_ROOT
        digest = self.stack[-1][1]
        for _, left in reversed(self.stack[:-1]):
            digest = merkle.node_hash(left, digest)
        return digest


def verify_log(
    connection: Connection,
    *,
    events: Table,
    log: TransparencyLog,
    verifier: NoteVerifier,
    progress: Callable[[int], None] | None = None,
) -> Report:
    with ThreadPoolExecutor(max_workers=1) as fetcher:
        return _verify(connection, events, log, verifier, progress, fetcher)


def _verify(
    connection: Connection,
    events: Table,
    log: TransparencyLog,
    verifier: NoteVerifier,
    progress: Callable[[int], None] | None,
    fetcher: ThreadPoolExecutor,
) -> Report:
    report = Report()
    checkpoints = log.all_checkpoints(connection)
    by_size = {c.tree_size: c for c in checkpoints}
    # Plain SQL text: no per-value type processing, which cost more than the hashing.
    stored_leaves = _pages(
        connection,
        lambda after: text(
            f"SELECT idx, leaf, hash FROM {leaves.name} "  # noqa: S608 - our table name
            f"WHERE idx > :after ORDER BY idx LIMIT {PAGE}"
        ).bindparams(after=after),
        fetcher,
    )
    stored_events = _pages(
        connection,
        lambda after: text(
            "SELECT id, originator_id, originator_version, topic, state "  # noqa: S608
            f"FROM {events.name} WHERE id > :after ORDER BY id LIMIT {PAGE}"
        ).bindparams(after=after),
        fetcher,
    )
    heads: dict[str, tuple[int, bytes]] = {}
    tree = _Tree()
    expected = 1
    for row in stored_events:
        if row.id != expected:
            report.fail(expected, f"no stored event (the next one is at position {row.id})")
            return report
        stored = next(stored_leaves, None)
        if stored is None or stored.idx != expected - 1:
            report.fail(expected, "no leaf for this event")
            return report
        try:
            leaf, tag, sequence = _recompute(row, heads)
        except (ValueError, KeyError, TypeError) as error:
            report.fail(expected, f"the stored event does not decode ({error})")
            return report
        digest = merkle.leaf_hash(leaf)
        # Leaves appended since NODE_FLOOR came store their hash empty: the leaf is enough.
        if leaf != stored.leaf or (stored.hash and digest != stored.hash):
            report.fail(
                expected,
                "the stored event does not match its leaf: it was changed, moved or replaced",
            )
            return report
        heads[tag] = (sequence, digest)
        tree.push(digest)
        report.events += 1
        checkpoint = by_size.get(tree.size)
        if checkpoint is not None:
            _check_checkpoint(report, checkpoint.note, checkpoint.root_hash, tree, verifier)
        if progress is not None and report.events % PAGE == 0:
            progress(PAGE)
        expected += 1
    extra = next(stored_leaves, None)
    # No stream reads any further: let a page still being fetched finish before the checks
    # below use the connection from this thread.
    stored_leaves.close()
    fetcher.submit(lambda: None).result()
    if extra is not None:
        report.fail(extra.idx + 1, "a leaf without a stored event")
    for checkpoint in checkpoints:
        if checkpoint.tree_size > tree.size:
            report.fail(None, f"checkpoint at size {checkpoint.tree_size} is beyond the log")
    _check_consistency(report, connection, log, checkpoints)
    _check_nodes(report, connection, tree)
    _check_heads(report, connection, heads)
    return report


def _field(state: bytes, key: bytes, length: int | None = None) -> bytes:
    """A top-level string value of the stored JSON, found without parsing the whole event.

    Safe for verification: any change to the stored bytes changes the event digest in the
    leaf, whatever this finds. A quote cannot occur unescaped inside a JSON string, so the
    key pattern matches keys only.
    """
    start = state.index(key) + len(key)
    end = start + length if length is not None else state.index(b'"', start)
    return state[start:end]


_TAG = b'"subject_tag":"'
_COMMITMENT = b'"commitment":"'
_TIMESTAMP = b'"timestamp":{"_type_":"datetime_iso","_data_":"'


def _recompute(row: Any, heads: dict[str, tuple[int, bytes]]) -> tuple[bytes, str, int]:
    """The leaf this stored event must have, given the subjects' sequences so far."""
    state = bytes(row.state)
    # The fields are read from the JSON; the digest is over the bytes as stored.
    plain = unpack(state)
    tag = _field(plain, _TAG, 32).decode()
    sequence, previous = heads.get(tag, (0, ZERO_HASH))
    topic = row.topic
    leaf = encode_leaf(
        EVENT_TYPES[topic[topic.rindex(".") + 1 :]],
        row.id,
        datetime.fromisoformat(_field(plain, _TIMESTAMP).decode()),
        bytes.fromhex(tag),
        sequence + 1,
        previous,
        bytes.fromhex(_field(plain, _COMMITMENT, 64).decode()),
        event_digest(
            # SQLite keeps the id as 16 bytes, PostgreSQL as a uuid.
            row.originator_id.bytes
            if isinstance(row.originator_id, UUID)
            else bytes(row.originator_id),
            row.originator_version,
            topic,
            state,
        ),
    )
    return leaf, tag, sequence + 1


def _check_checkpoint(
    report: Report, note: str, root: bytes, tree: _Tree, verifier: NoteVerifier
) -> None:
    report.checkpoints += 1
    try:
        signed = verifier.verify(note)
    except CheckpointError as error:
        report.fail(tree.size, f"checkpoint at size {tree.size}: {error}")
        return
    recomputed = tree.root()
    if signed.tree_size != tree.size or signed.root_hash != root or root != recomputed:
        report.fail(
            tree.size,
            f"checkpoint at size {tree.size} does not match the tree recomputed from the leaves",
        )


def _check_consistency(
    report: Report, connection: Connection, log: TransparencyLog, checkpoints: list[Any]
) -> None:
    for earlier, later in itertools.pairwise(checkpoints):
        if earlier.tree_size == 0 or later.tree_size > log.size(connection):
            continue
        try:
            proof = log.consistency_proof(connection, earlier.tree_size, later.tree_size)
            merkle.verify_consistency(
                earlier.tree_size, later.tree_size, earlier.root_hash, later.root_hash, proof
            )
        except (merkle.ProofError, ValueError) as error:
            report.fail(
                later.tree_size,
                f"checkpoints at sizes {earlier.tree_size} and {later.tree_size} "
                f"are not consistent ({error})",
            )


def _check_nodes(report: Report, connection: Connection, tree: _Tree) -> None:
    """Every stored subtree hash (what proofs are made of) equals the recomputed one."""
    stored_count = 0
    for level, index, digest in _pages_by_level(connection):
        computed = tree.completed.get(level, [])
        if index >= len(computed) or computed[index] != digest:
            first_leaf = (index << level) + 1
            report.fail(first_leaf, f"stored subtree ({level}, {index}) differs from the leaves")
            return
        # Every subtree from NODE_FLOOR up is stored; lower ones only by earlier versions.
        stored_count += level >= NODE_FLOOR
    if stored_count != sum(len(v) for k, v in tree.completed.items() if k >= NODE_FLOOR):
        report.fail(None, "stored subtrees are missing")


def _pages_by_level(connection: Connection) -> Iterator[tuple[int, int, bytes]]:
    level_rows = connection.execute(select(nodes.c.level).distinct().order_by(nodes.c.level))
    for (level,) in list(level_rows):

        def page(after: int, level: int = level) -> Any:
            return (
                select(nodes.c.idx, nodes.c.hash)
                .where(nodes.c.level == level, nodes.c.idx > after)
                .order_by(nodes.c.idx)
                .limit(PAGE)
            )

        for row in _pages(connection, page):
            yield level, row.idx, row.hash


def _check_heads(
    report: Report, connection: Connection, heads: dict[str, tuple[int, bytes]]
) -> None:
    stored = {
        row.subject_tag: (row.sequence, row.leaf_hash)
        for row in connection.execute(select(subject_heads))
    }
    if stored != heads:
        report.fail(None, "the stored subject heads differ from the recomputed sequences")
