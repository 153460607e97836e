"""`ledger verify`: recompute every leaf from the stored events, the tree from the leaves, and
check every checkpoint's signature, root and consistency with the one before it.

The log is cut into aligned ranges of 2^k positions, checked in parallel by worker processes
(each with its own connection on the same snapshot): a worker recomputes its leaves, its part
of the tree and its stored subtrees, taking the first link of each subject's chain in its range
as the stored leaf claims it. The parent stitches the ranges in log order (each claimed link
must be the head the ranges before left), combines their subtree roots, and checks checkpoints,
upper subtrees and subject heads. It names the first position where the stored data and the
recomputation disagree, exactly as a single pass in log order would.

`verify_since` does the same for the positions after a verified checkpoint only.
"""

from __future__ import annotations

import hashlib
import itertools
import multiprocessing
from binascii import unhexlify
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, create_engine
from sqlalchemy.pool import NullPool

from ledger.adapters.driver_reads import driver_rows
from ledger.adapters.state_codec import unpack
from ledger.integrity import merkle
from ledger.integrity.checkpoints import CheckpointError, NoteVerifier
from ledger.integrity.leaves import (
    EPOCH,
    EVENT_DOMAIN,
    EVENT_TYPES,
    LEAF_LAYOUT,
    LEAF_VERSION,
    MICROSECOND,
    ZERO_HASH,
)
from ledger.integrity.log import NODE_FLOOR, LogError, StoredCheckpoint, TransparencyLog

PAGE = 16_384
# The subtrees a range keeps to compare with the stored ones, at most (about 240 bytes each):
# past it they are compared at the end of a page and forgotten. A `--since-checkpoint` run
# checks all new events as one range, and over 9M of them it held 2.2 GB of subtrees.
NODES_KEPT = 131_072
_sha256 = hashlib.sha256
# Ranges of 2^14 positions: sixty per million events keep every worker busy to the end.
CHUNK_LEVEL = 14

Heads = dict[str, tuple[int, bytes]]
Stack = tuple[tuple[int, bytes], ...]


@dataclass
class Report:
    events: int = 0
    checkpoints: int = 0
    problems: list[str] = field(default_factory=list)
    first_bad_position: int | None = None
    # Where verification got to: the newest checkpoint checked, and the subject heads there.
    verified: StoredCheckpoint | None = None
    verified_heads: Heads = field(default_factory=dict, repr=False)
    since: int | None = None

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


class _Tree:
    """The right edge of an RFC 9162 tree grown one perfect subtree at a time, remembering the
    subtrees it completes as (level, index)."""

    def __init__(self, size: int = 0, stack: Iterable[tuple[int, bytes]] = ()) -> None:
        self.size = size
        self.stack: list[tuple[int, bytes]] = list(stack)
        self.completed: dict[tuple[int, int], bytes] = {}

    def push(self, digest: bytes, level: int = 0) -> None:
        """Add the perfect subtree of 2^level leaves that starts at the current size."""
        first = self.size
        self.size += 1 << level
        stack = self.stack
        while stack and stack[-1][0] == level:
            # `merkle.node_hash`, inline: this runs once per event.
            digest = _sha256(b"\x01" + stack.pop()[1] + digest).digest()
            level += 1
            self.completed[(level, first >> level)] = digest
        stack.append((level, digest))


def _fold(stack: Iterable[tuple[int, bytes]]) -> bytes:
    """The root of a tree from its right edge (its perfect subtrees, largest first)."""
    hashes = [digest for _, digest in stack]
    if not hashes:
        return merkle.EMPTY_ROOT
    digest = hashes[-1]
    for left in reversed(hashes[:-1]):
        digest = merkle.node_hash(left, digest)
    return digest


# -- one range of positions, in a worker or in process ----------------------------------------


@dataclass(frozen=True)
class _Job:
    first: int  # first position of the range (1-based)
    last: int  # last position, inclusive
    stack: Stack  # right edge of the tree of first - 1 leaves (empty at an aligned start)
    top_level: int | None  # check stored subtrees up to this level (None: every level)
    checkpoint_sizes: tuple[int, ...]
    remember_at: int | None
    from_start: bool  # the first range: a leaf below index 0 is a leaf without its event


@dataclass
class _Outcome:
    job: _Job
    events: int = 0
    failure: tuple[int, str] | None = None
    # tag -> (position, sequence, previous) of the subject's first leaf in the range, as stored
    firsts: dict[str, tuple[int, int, bytes]] = field(default_factory=dict)
    lasts: Heads = field(default_factory=dict)
    lasts_at: Heads | None = None
    stack: Stack = ()
    stacks_at: dict[int, Stack] = field(default_factory=dict)
    node_mismatch: tuple[int, int] | None = None
    nodes_stored: int = 0
    nodes_computed: int = 0


_TAG = b'"subject_tag":"'
_COMMITMENT = b'"commitment":"'
_TIMESTAMP = b'"timestamp":{"_type_":"datetime_iso","_data_":"'
_LINK = slice(34, 42), slice(42, 74)  # sequence and previous inside an encoded leaf


def _check_range(connection: Connection, events: str, job: _Job) -> _Outcome:
    """Recompute the leaves and subtrees of one range of positions from the stored events: each
    event's leaf from its JSON (`plain`) and its digest over the bytes as stored (`state`), at
    its place in its subject's chain.

    This runs once per event of the log. What every event repeats (a topic's code and digest
    bytes, the digest's domain) is worked out once; the leaf's encoding, its hash and the
    tree's growth (`_Tree.push`) are written out here rather than called (with the ids
    fetched as bytes, a fifth of `ledger verify`'s time went); a subject is known by its tag's
    ASCII bytes until the range is done."""
    out = _Outcome(job)
    tree = _Tree(job.first - 1, job.stack)
    stack, completed = tree.stack, tree.completed
    heads: dict[bytes, tuple[int, bytes]] = {}
    firsts: dict[bytes, tuple[int, int, bytes]] = {}
    sizes = set(job.checkpoint_sizes)
    remember_at = job.remember_at
    position = job.first
    topics: dict[str, tuple[int, bytes]] = {}
    domain = hashlib.sha256(EVENT_DOMAIN)
    pack, epoch, microsecond = LEAF_LAYOUT.pack, EPOCH, MICROSECOND
    checked = job.first - 1  # the subtrees completed up to this position are compared
    sha256 = _sha256
    for page_start in range(job.first, job.last + 1, PAGE):
        page_end = min(page_start + PAGE - 1, job.last)
        rows = driver_rows(
            connection,
            "SELECT id, originator_id, originator_version, topic, state "  # noqa: S608
            f"FROM {events} WHERE id >= {page_start} AND id <= {page_end} ORDER BY id",
            uuids_as_bytes=True,
        )
        stored_leaves = iter(
            TransparencyLog.leaf_rows(
                connection,
                None if job.from_start and page_start == job.first else page_start - 1,
                page_end - 1,
            )
        )
        for row in rows:
            if row[0] != position:
                out.failure = (position, f"no stored event (the next one is at position {row[0]})")
                return out
            stored = next(stored_leaves, None)
            if stored is None or stored[0] != position - 1:
                out.failure = (position, "no leaf for this event")
                return out
            try:
                state = bytes(row[4])
                # The fields are read from the JSON; the digest is over the bytes as stored.
                plain = unpack(state)
                start = plain.index(_TAG) + 15
                tag = plain[start : start + 32]
                known = heads.get(tag)
                if known is None:
                    # The subject's first leaf in this range: take the link as stored; the
                    # parent checks it against the head the earlier ranges left.
                    sequence = int.from_bytes(stored[1][_LINK[0]])
                    previous = stored[1][_LINK[1]]
                else:
                    sequence, previous = known[0] + 1, known[1]
                topic: str = row[3]
                known_topic = topics.get(topic)
                if known_topic is None:
                    known_topic = topics[topic] = (
                        EVENT_TYPES[topic[topic.rindex(".") + 1 :]],
                        len(topic).to_bytes(4, "big") + topic.encode(),
                    )
                start = plain.index(_TIMESTAMP) + 47
                timestamp = plain[start : plain.index(b'"', start)].decode()
                start = plain.index(_COMMITMENT) + 14
                # `leaves.event_digest`, from the domain's hash state: SHA-256 over the same
                # bytes. The id as its 16 bytes: SQLite keeps it so, PostgreSQL's are fetched so.
                event_digest = domain.copy()
                event_digest.update(bytes(row[1]) + row[2].to_bytes(8, "big") + known_topic[1])
                event_digest.update(state)
                # `leaves.encode_leaf`, inline; a tag or commitment that is not hexadecimal
                # raises `binascii.Error`, a ValueError.
                leaf = pack(
                    LEAF_VERSION,
                    known_topic[0],
                    position,
                    (datetime.fromisoformat(timestamp) - epoch) // microsecond,
                    unhexlify(tag),
                    sequence,
                    previous,
                    unhexlify(plain[start : start + 64]),
                    event_digest.digest(),
                )
            except (ValueError, KeyError, TypeError) as error:
                out.failure = (position, f"the stored event does not decode ({error})")
                return out
            digest = sha256(b"\x00" + leaf).digest()  # `merkle.leaf_hash`, inline
            # Leaves appended since NODE_FLOOR came store their hash empty: the leaf is enough.
            if leaf != stored[1] or (stored[2] and digest != stored[2]):
                out.failure = (
                    position,
                    "the stored event does not match its leaf: it was changed, moved or replaced",
                )
                return out
            if known is None:
                firsts[tag] = (position, sequence, previous)
            heads[tag] = (sequence, digest)
            # `_Tree.push(digest)`, inline.
            index, level = position - 1, 0
            while stack and stack[-1][0] == level:
                digest = sha256(b"\x01" + stack.pop()[1] + digest).digest()
                level += 1
                completed[(level, index >> level)] = digest
            stack.append((level, digest))
            if position in sizes:
                out.stacks_at[position] = tuple(stack)
            if position == remember_at:
                out.lasts_at = _by_name(heads)
            position += 1
        tree.size = position - 1
        if position <= page_end:
            following = driver_rows(
                connection,
                f"SELECT MIN(id) FROM {events} WHERE id > {page_end}",  # noqa: S608 - ours
            )
            out.failure = (
                position,
                f"no stored event (the next one is at position {following[0][0]})",
            )
            return out
        if len(completed) >= NODES_KEPT:
            _check_range_nodes(connection, job, tree, out, checked, page_end)
            checked = page_end
    out.events = position - job.first
    out.firsts = _by_name(firsts)
    out.lasts = _by_name(heads)
    out.stack = tuple(stack)
    _check_range_nodes(connection, job, tree, out, checked, job.last)
    return out


def _by_name(tags: Mapping[bytes, Any]) -> dict[str, Any]:
    """Per subject, keyed by their tag as text (as the log's subject heads are)."""
    return {tag.decode(): value for tag, value in tags.items()}


def _check_range_nodes(
    connection: Connection, job: _Job, tree: _Tree, out: _Outcome, start: int, end: int
) -> None:
    """The stored subtrees completed after position `start` up to `end` (all of the range, or
    the part since the last call) equal the recomputed ones, which are then forgotten. Over
    several calls `out.node_mismatch` keeps the lowest (level, index), as one call over the
    whole range finds it."""
    computed = tree.completed
    # Every subtree from NODE_FLOOR up is stored; lower ones only by earlier versions.
    out.nodes_computed += sum(level >= NODE_FLOOR for level, _ in computed)
    top = job.top_level if job.top_level is not None else max(tree.size.bit_length(), 1)
    try:
        for level in range(1, top + 1):
            low, high = start >> level, end >> level
            if high <= low:
                continue
            for index, digest in TransparencyLog.node_rows(connection, level, low, high):
                out.nodes_stored += level >= NODE_FLOOR
                if computed.get((level, index)) != digest:
                    if out.node_mismatch is None or (level, index) < out.node_mismatch:
                        out.node_mismatch = (level, index)
                    return
    finally:
        computed.clear()


# -- worker processes ---------------------------------------------------------------------------

_worker_connection: Connection | None = None


def _start_worker(url: str, snapshot: str | None) -> None:
    global _worker_connection
    engine = create_engine(url, poolclass=NullPool)
    connection = engine.connect()
    if snapshot is not None:
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
        connection.begin()
        connection.exec_driver_sql(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
    else:
        connection.begin()
    _worker_connection = connection


def _work(events: str, job: _Job) -> _Outcome:
    assert _worker_connection is not None
    return _check_range(_worker_connection, events, job)


@dataclass(frozen=True)
class Parallelism:
    """How to spread a verification: worker processes on a database URL (`workers` 1: in this
    process), and the size of a range as a power of two."""

    workers: int = 1
    url: str | None = None
    chunk_level: int = CHUNK_LEVEL


def _outcomes(
    connection: Connection, events: str, jobs: list[_Job], parallel: Parallelism
) -> Iterator[_Outcome]:
    if parallel.workers <= 1 or len(jobs) <= 1 or parallel.url is None:
        for job in jobs:
            yield _check_range(connection, events, job)
        return
    snapshot = None
    if connection.dialect.name == "postgresql":
        snapshot = connection.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()
    # Forked where the platform can: a spawned worker first spends most of a second importing.
    # A forked worker leaves the parent's connections alone (it opens its own and ends with
    # `os._exit`, which closes nothing it inherited).
    methods = multiprocessing.get_all_start_methods()
    with ProcessPoolExecutor(
        max_workers=min(parallel.workers, len(jobs)),
        mp_context=multiprocessing.get_context("fork" if "fork" in methods else "spawn"),
        initializer=_start_worker,
        initargs=(parallel.url, snapshot),
    ) as pool:
        futures = [pool.submit(_work, events, job) for job in jobs]
        try:
            for future in futures:
                yield future.result()
        finally:
            for future in futures:
                future.cancel()


# -- the parent: stitching ranges, checkpoints, upper subtrees, heads --------------------------


def verify_log(
    connection: Connection,
    *,
    events: Table,
    log: TransparencyLog,
    verifier: NoteVerifier,
    progress: Callable[[int], None] | None = None,
    parallel: Parallelism | None = None,
) -> Report:
    """The whole log, from position 1."""
    parallel = parallel or Parallelism()
    report = Report()
    checkpoints = log.all_checkpoints(connection)
    size = _last_event(connection, events.name)
    level = parallel.chunk_level
    jobs = _aligned_jobs(1, size, level)
    jobs = _with_checkpoints(jobs, checkpoints)
    heads: Heads = {}
    upper = _Tree()
    outcomes: list[_Outcome] = []
    if not _stitch(
        report,
        _outcomes(connection, events.name, jobs, parallel),
        heads,
        upper,
        checkpoints,
        verifier,
        progress,
        outcomes,
    ):
        return report
    _check_extra_leaf(report, connection, log, size)
    for checkpoint in checkpoints:
        if checkpoint.tree_size > size:
            report.fail(None, f"checkpoint at size {checkpoint.tree_size} is beyond the log")
    _check_consistency(report, connection, log, checkpoints, size)
    _check_nodes(report, connection, outcomes, upper, size, above=level)
    _check_heads(report, log.all_subject_heads(connection), heads)
    _remember(report, checkpoints, size, heads, outcomes, base={})
    return report


def verify_since(
    connection: Connection,
    *,
    events: Table,
    log: TransparencyLog,
    verifier: NoteVerifier,
    verified: StoredCheckpoint,
    verified_heads: Callable[[Iterable[str]], Heads],
    progress: Callable[[int], None] | None = None,
    parallel: Parallelism | None = None,
) -> Report:
    """The positions after a verified checkpoint, and the consistency of the newer checkpoints
    with it; the old log is not read, only the subtrees on its right edge.

    With workers, the new positions up to the next aligned boundary are one range that starts
    from the verified tree's right edge, and those after it aligned ranges checked in parallel,
    whose upper subtrees the parent builds on that first range's edge, as a full verify does
    from the empty tree."""
    parallel = parallel or Parallelism()
    report = Report(since=verified.tree_size)
    old = verified.tree_size
    stored = log.checkpoint_at(connection, old)
    if (
        stored is None
        or stored.root_hash != verified.root_hash
        or _signed_root(verifier, stored.note) != (old, verified.root_hash)
    ):
        report.fail(
            None,
            f"the verified checkpoint at size {old} is no longer in the log with the same "
            "root: run a full verify",
        )
        return report
    size = _last_event(connection, events.name)
    try:
        frontier = log.frontier(connection, old)
    except LogError as error:
        report.fail(None, f"the subtrees of the verified tree are missing ({error})")
        return report
    if _fold(frontier) != verified.root_hash:
        report.fail(old, f"the stored subtrees no longer make the verified root at size {old}")
        return report
    checkpoints = [c for c in log.all_checkpoints(connection) if c.tree_size > old]
    if size < old:
        report.fail(old + 1 if size else 1, f"the log is shorter than the verified size {old}")
        return report
    level = parallel.chunk_level if parallel.workers > 1 and parallel.url is not None else None
    jobs = _with_checkpoints(_since_jobs(old, size, tuple(frontier), level), checkpoints)
    # The tree the aligned ranges join: empty until the first range (which starts from the
    # verified edge) is stitched, or that edge itself when the verified size is aligned.
    from_edge = bool(jobs) and bool(jobs[0].stack)
    upper = _Tree() if from_edge else _Tree(old, frontier)
    upper_from = jobs[0].last if from_edge else old
    outcomes: list[_Outcome] = []
    heads: Heads = {}
    base: Heads = {}
    pending = _outcomes(connection, events.name, jobs, parallel)

    def with_old_heads() -> Iterator[_Outcome]:
        # The heads the new leaves link to, as the verified state remembers them: for the
        # people no earlier range has met (a later range's first link continues theirs).
        for outcome in pending:
            old_heads = verified_heads([tag for tag in outcome.firsts if tag not in heads])
            base.update(old_heads)
            heads.update(old_heads)
            yield outcome

    if not _stitch(
        report, with_old_heads(), heads, upper, checkpoints, verifier, progress, outcomes
    ):
        return report
    _check_extra_leaf(report, connection, log, size)
    for checkpoint in checkpoints:
        if checkpoint.tree_size > size:
            report.fail(None, f"checkpoint at size {checkpoint.tree_size} is beyond the log")
    _check_consistency(report, connection, log, [verified, *checkpoints], size)
    _check_nodes(report, connection, outcomes, upper, size, above=level, upper_from=upper_from)
    touched = {tag for outcome in outcomes for tag in outcome.lasts}
    _check_heads(report, log.subject_heads_of(connection, touched), {t: heads[t] for t in touched})
    _remember(report, checkpoints, size, heads, outcomes, base=base, fallback=verified)
    return report


def _since_jobs(old: int, size: int, frontier: Stack, level: int | None) -> list[_Job]:
    """The ranges of the positions after `old`: one from the verified tree's edge (every level
    of its subtrees checked in it), or with `level` that one up to the next multiple of
    2^level and aligned ranges of 2^level after it (their subtrees up to `level`)."""
    if size <= old:
        return []
    first_end = size if level is None else min(-(-old >> level) << level, size)
    jobs = []
    if first_end > old:
        jobs.append(
            _Job(
                first=old + 1,
                last=first_end,
                stack=frontier,
                top_level=None,
                checkpoint_sizes=(),
                remember_at=None,
                from_start=False,
            )
        )
    if level is not None:
        jobs += _aligned_jobs(first_end + 1, size, level)
    return jobs


def _aligned_jobs(first: int, size: int, level: int) -> list[_Job]:
    """Ranges of 2^level positions from `first` (one past a multiple of 2^level) to `size`,
    each checking its subtrees up to `level`."""
    return [
        _Job(
            first=start,
            last=min(start + (1 << level) - 1, size),
            stack=(),
            top_level=level,
            checkpoint_sizes=(),
            remember_at=None,
            from_start=start == 1,
        )
        for start in range(first, size + 1, 1 << level)
    ]


def _last_event(connection: Connection, events: str) -> int:
    rows = driver_rows(connection, f"SELECT MAX(id) FROM {events}")  # noqa: S608 - our table
    return 0 if not rows or rows[0][0] is None else int(rows[0][0])


def _signed_root(verifier: NoteVerifier, note: str) -> tuple[int, bytes] | None:
    try:
        signed = verifier.verify(note)
    except CheckpointError:
        return None
    return signed.tree_size, signed.root_hash


def _with_checkpoints(jobs: list[_Job], checkpoints: list[StoredCheckpoint]) -> list[_Job]:
    """Each range with the checkpoint sizes inside it; the newest of them is remembered."""
    if not jobs:
        return jobs
    size = jobs[-1].last
    inside = [c.tree_size for c in checkpoints if 0 < c.tree_size <= size]
    newest = max(inside, default=None)
    return [
        _Job(
            first=job.first,
            last=job.last,
            stack=job.stack,
            top_level=job.top_level,
            checkpoint_sizes=tuple(s for s in inside if job.first <= s <= job.last),
            remember_at=newest if newest is not None and job.first <= newest <= job.last else None,
            from_start=job.from_start,
        )
        for job in jobs
    ]


def _stitch(
    report: Report,
    outcomes: Iterable[_Outcome],
    heads: Heads,
    upper: _Tree,
    checkpoints: list[StoredCheckpoint],
    verifier: NoteVerifier,
    progress: Callable[[int], None] | None,
    done: list[_Outcome],
) -> bool:
    """Join the ranges in log order; False (with the finding) at the first bad position."""
    by_size = {c.tree_size: c for c in checkpoints}
    for outcome in outcomes:
        failure = outcome.failure
        for tag, (position, sequence, previous) in outcome.firsts.items():
            if failure is not None and position >= failure[0]:
                continue
            expected_sequence, expected_previous = heads.get(tag, (0, ZERO_HASH))
            if sequence != expected_sequence + 1 or previous != expected_previous:
                failure = (
                    position,
                    "the stored event does not match its leaf: it was changed, moved or replaced",
                )
        for size in sorted(outcome.stacks_at):
            if failure is not None and size >= failure[0]:
                break
            root = _fold([*upper.stack, *outcome.stacks_at[size]])
            _check_checkpoint(report, by_size[size], size, root, verifier)
        if failure is not None:
            report.fail(*failure)
            return False
        if outcome.lasts_at is not None:
            outcome.lasts_at = {**heads, **outcome.lasts_at}
        heads.update(outcome.lasts)
        if not outcome.job.stack:  # an aligned range: its subtrees join the upper tree
            for level, digest in outcome.stack:
                upper.push(digest, level)
        else:  # a range from the tree before it (`verify_since`): its edge is the tree's now
            upper.size, upper.stack = outcome.job.last, list(outcome.stack)
        report.events += outcome.events
        done.append(outcome)
        if progress is not None:
            progress(outcome.events)
    return True


def _check_checkpoint(
    report: Report,
    checkpoint: StoredCheckpoint,
    size: int,
    recomputed: bytes,
    verifier: NoteVerifier,
) -> None:
    report.checkpoints += 1
    try:
        signed = verifier.verify(checkpoint.note)
    except CheckpointError as error:
        report.fail(size, f"checkpoint at size {size}: {error}")
        return
    if (
        signed.tree_size != size
        or signed.root_hash != checkpoint.root_hash
        or checkpoint.root_hash != recomputed
    ):
        report.fail(
            size, f"checkpoint at size {size} does not match the tree recomputed from the leaves"
        )


def _check_extra_leaf(
    report: Report, connection: Connection, log: TransparencyLog, size: int
) -> None:
    extra = log.first_leaf_from(connection, size)
    if extra is not None:
        report.fail(extra + 1, "a leaf without a stored event")


def _check_consistency(
    report: Report,
    connection: Connection,
    log: TransparencyLog,
    checkpoints: list[StoredCheckpoint],
    size: int,
) -> None:
    log_size = log.size(connection)
    for earlier, later in itertools.pairwise(checkpoints):
        if earlier.tree_size == 0 or later.tree_size > log_size:
            continue
        try:
            proof = log.consistency_proof(connection, earlier.tree_size, later.tree_size)
            merkle.verify_consistency(
                earlier.tree_size, later.tree_size, earlier.root_hash, later.root_hash, proof
            )
        except (merkle.ProofError, ValueError, LogError) as error:
            report.fail(
                later.tree_size,
                f"checkpoints at sizes {earlier.tree_size} and {later.tree_size} "
                f"are not consistent ({error})",
            )


def _check_nodes(
    report: Report,
    connection: Connection,
    outcomes: list[_Outcome],
    upper: _Tree,
    size: int,
    *,
    above: int | None,
    upper_from: int = 0,
) -> None:
    """Every stored subtree (what proofs are made of) equals the recomputed one: the ranges
    checked theirs, the parent checks the levels above them and anything beyond the tree.
    `upper_from`: the size the upper tree grew from (a subtree that was whole there was
    checked before)."""
    found = [o.node_mismatch for o in outcomes if o.node_mismatch is not None]
    stored = sum(o.nodes_stored for o in outcomes)
    computed = sum(o.nodes_computed for o in outcomes) + sum(
        level >= NODE_FLOOR for level, _ in upper.completed
    )
    top = max(size.bit_length(), 1)
    for level in TransparencyLog.node_levels_above(connection, -(1 << 15)):
        if not 1 <= level <= top:
            rows = TransparencyLog.node_rows(connection, level, -(1 << 62), None)
            found += [(level, rows[0][0])] if rows else []
            continue
        if above is not None and level > above:
            for index, digest in TransparencyLog.node_rows(
                connection, level, upper_from >> level, size >> level
            ):
                stored += level >= NODE_FLOOR
                if upper.completed.get((level, index)) != digest:
                    found.append((level, index))
                    break
        beyond = TransparencyLog.node_rows(connection, level, size >> level, None)
        if beyond:
            found.append((level, beyond[0][0]))
    if found:
        level, index = min(found)
        report.fail(
            (index << level) + 1, f"stored subtree ({level}, {index}) differs from the leaves"
        )
        return
    if stored != computed:
        report.fail(None, "stored subtrees are missing")


def _check_heads(report: Report, stored: Mapping[str, tuple[int, bytes]], heads: Heads) -> None:
    if dict(stored) != heads:
        report.fail(None, "the stored subject heads differ from the recomputed sequences")


def _remember(
    report: Report,
    checkpoints: list[StoredCheckpoint],
    size: int,
    heads: Heads,
    outcomes: list[_Outcome],
    *,
    base: Heads,
    fallback: StoredCheckpoint | None = None,
) -> None:
    """Where this verification got to: the newest checkpoint inside the log, with the heads
    there (only the changed ones when `base` holds the earlier heads)."""
    if not report.ok:
        return
    newest = max(
        (c for c in checkpoints if 0 < c.tree_size <= size),
        key=lambda c: c.tree_size,
        default=None,
    )
    if newest is None:
        report.verified, report.verified_heads = fallback, {}
        return
    for outcome in outcomes:
        if outcome.lasts_at is not None:
            report.verified = newest
            report.verified_heads = {
                tag: head for tag, head in outcome.lasts_at.items() if base.get(tag) != head
            }
            return
