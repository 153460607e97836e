"""RFC 9162 Merkle tree hashes, inclusion proofs and consistency proofs.

Proofs are first described as leaf ranges, so a store can answer them with O(log n) reads.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

PerfectHash = Callable[[int, int], bytes]


class ProofError(ValueError):
    """An inclusion or consistency proof does not verify."""


def leaf_hash(leaf: bytes) -> bytes:
    """SHA-256(0x00 || leaf): the prefix keeps a leaf from passing for an interior node."""
    return hashlib.sha256(b"\x00" + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(size: int) -> int:
    """The largest power of two strictly smaller than `size` (size >= 2): RFC 9162's k."""
    return 1 << ((size - 1).bit_length() - 1)


def root_from_leaf_hashes(hashes: Sequence[bytes]) -> bytes:
    """MTH(D[n]) of RFC 9162 §2.1.1, in O(n), given the leaf hashes."""
    if not hashes:
        return EMPTY_ROOT
    level = list(hashes)
    while len(level) > 1:
        paired = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        # MTH splits at a power of two, so an odd node out has no sibling on this level and
        # rises unchanged; pairing level by level therefore yields the same root.
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def perfect_subtrees(start: int, end: int) -> list[tuple[int, int]]:
    """The aligned power-of-two subtrees, left to right, whose MTH combine to MTH(D[start:end]).

    Only ranges that occur as nodes of some tree qualify: `start` must be a multiple of the
    smallest power of two that is at least `end - start` (so any range from 0 does).
    """
    if not 0 <= start < end:
        raise ValueError(f"empty or negative range [{start}, {end})")
    if start % (1 << (end - start - 1).bit_length()):
        raise ValueError(f"[{start}, {end}) is not a node of any Merkle tree")
    # With an aligned start, the pieces are the binary digits of the size, largest first,
    # which is exactly how MTH splits the range.
    pieces = []
    while start < end:
        size = 1 << ((end - start).bit_length() - 1)
        pieces.append((start, start + size))
        start += size
    return pieces


def hash_range(start: int, end: int, perfect_hash: PerfectHash) -> bytes:
    """MTH(D[start:end]) from the hashes of its perfect subtrees, combined right to left."""
    pieces = perfect_subtrees(start, end)
    result = perfect_hash(*pieces[-1])
    for piece in reversed(pieces[:-1]):
        result = node_hash(perfect_hash(*piece), result)
    return result


def inclusion_proof_nodes(index: int, tree_size: int) -> list[tuple[int, int]]:
    """The [start, end) ranges whose MTH make up PATH(index, D[tree_size]) (§2.1.3.1)."""
    if not 0 <= index < tree_size:
        raise ValueError(f"leaf index {index} is outside a tree of size {tree_size}")
    nodes = []
    start, end = 0, tree_size
    while end - start > 1:
        mid = start + _split(end - start)
        if index < mid:
            nodes.append((mid, end))
            end = mid
        else:
            nodes.append((start, mid))
            start = mid
    # The recursion appends on the way back up, so the root's sibling comes last.
    nodes.reverse()
    return nodes


def consistency_proof_nodes(first: int, second: int) -> list[tuple[int, int]]:
    """The [start, end) ranges whose MTH make up PROOF(first, D[second]) (§2.1.4.1)."""
    if not 0 < first <= second:
        raise ValueError(f"no consistency proof from size {first} to size {second}")
    nodes = []
    start, end = 0, second
    whole = True  # SUBPROOF's b: is [start, end) still a prefix the verifier already knows?
    while first != end:
        mid = start + _split(end - start)
        if first <= mid:
            nodes.append((mid, end))
            end = mid
        else:
            nodes.append((start, mid))
            start = mid
            whole = False
    if not whole:
        nodes.append((start, end))
    nodes.reverse()
    return nodes


@dataclass(frozen=True, slots=True)
class ProofPlan:
    """What `prove` needs for the inclusion proofs of many leaves of one tree at once.

    The tree is seen level by level, as `root_from_leaf_hashes` pairs it: node p of level L
    covers [p << L, min((p + 1) << L, size)), and an odd node out rises unchanged. A proof is
    then, from the leaf up, the sibling p ^ 1 of each node on the leaf's path, where there is
    one: RFC 9162's PATH. Below `floor` the plan reads whole aligned blocks of 2^floor leaves
    (every sibling below that level lies in the leaf's own block); from `floor` up, the
    siblings that lie on no path are perfect subtrees, which a store answers by key. The last
    leaf's path is walked too, so that every node of the right edge, the only ones that are not
    perfect, is hashed from its children: the store is asked for perfect subtrees only.
    """

    indexes: Sequence[int]
    tree_size: int
    floor: int
    # The nodes on the paths, per level from `floor` up to the root's (sorted, distinct);
    # the first level's are the blocks whose leaves are read.
    paths: list[list[int]]
    # (level, index) of the perfect subtrees beside the paths, from `floor` up.
    stored: list[tuple[int, int]]

    @property
    def blocks(self) -> list[int]:
        return self.paths[0]

    def block_span(self, block: int) -> tuple[int, int]:
        start = block << self.floor
        return start, min(start + (1 << self.floor), self.tree_size)


def plan_proofs(indexes: Sequence[int], tree_size: int, floor: int) -> ProofPlan:
    """The plan for the inclusion proofs of these leaf indexes (sorted, distinct) in a tree of
    `tree_size`, reading leaves below level `floor` and stored subtrees from it up."""
    _check_indexes(indexes, tree_size)
    last = tree_size - 1
    level = sorted({index >> floor for index in indexes} | {last >> floor})
    paths = [level]
    stored: list[tuple[int, int]] = []
    height = floor
    while (last >> height) > 0:  # more than one node on this level
        count = (last >> height) + 1
        on_path = set(level)
        stored.extend(
            (height, node ^ 1) for node in level if node ^ 1 < count and node ^ 1 not in on_path
        )
        level = sorted({node >> 1 for node in level})
        paths.append(level)
        height += 1
    return ProofPlan(indexes, tree_size, floor, paths, stored)


class MissingHash(LookupError):
    """`prove` was not given a leaf or a stored subtree that its plan names."""


def prove(
    plan: ProofPlan, leaves: Mapping[int, bytes], stored: Mapping[tuple[int, int], bytes]
) -> tuple[dict[int, list[bytes]], bytes]:
    """PATH(index, D[tree_size]) for every index of the plan and the tree's root, from the
    leaves (encoded, not hashed) of the plan's blocks and the hashes of its stored subtrees.
    Each node is hashed once, however many paths share it, and every given hash goes into the
    root, so a proof that `verify_inclusion` would refuse cannot come with the right root."""
    try:
        return _prove(plan, leaves, stored)
    except KeyError as missing:
        (key,) = missing.args
        what = f"the leaf at index {key}" if isinstance(key, int) else f"the subtree {key}"
        raise MissingHash(f"no hash was given for {what}") from None


def _prove(
    plan: ProofPlan, leaves: Mapping[int, bytes], stored: Mapping[tuple[int, int], bytes]
) -> tuple[dict[int, list[bytes]], bytes]:
    sha256 = hashlib.sha256
    floor, indexes = plan.floor, plan.indexes
    proofs: dict[int, list[bytes]] = {}
    hashes: dict[int, bytes] = {}  # the path nodes of the current level
    at = 0
    for block in plan.blocks:
        start, end = plan.block_span(block)
        level = [sha256(b"\x00" + leaves[index]).digest() for index in range(start, end)]
        levels = [level]
        for _ in range(floor):
            up = [
                sha256(b"\x01" + level[i] + level[i + 1]).digest()
                for i in range(0, len(level) - 1, 2)
            ]
            if len(level) & 1:
                up.append(level[-1])
            levels.append(up)
            level = up
        hashes[block] = level[0]
        while at < len(indexes) and indexes[at] < end:
            offset = indexes[at] - start
            proof = []
            for height in range(floor):
                lower = levels[height]
                sibling = (offset >> height) ^ 1
                if sibling < len(lower):
                    proof.append(lower[sibling])
            proofs[indexes[at]] = proof
            at += 1

    last = plan.tree_size - 1
    siblings: list[dict[int, bytes]] = []  # per level from `floor`: path node -> its sibling
    for height, nodes in enumerate(plan.paths[:-1], floor):
        count = (last >> height) + 1
        beside: dict[int, bytes] = {}
        for node in nodes:
            other = node ^ 1
            if other < count:
                beside[node] = hashes[other] if other in hashes else stored[(height, other)]
        upper: dict[int, bytes] = {}
        for node in nodes:
            parent = node >> 1
            if parent in upper:
                continue
            if node & 1:
                upper[parent] = sha256(b"\x01" + beside[node] + hashes[node]).digest()
            elif node in beside:
                upper[parent] = sha256(b"\x01" + hashes[node] + beside[node]).digest()
            else:  # the odd node out rises
                upper[parent] = hashes[node]
        siblings.append(beside)
        hashes = upper
    for index in indexes:
        proof = proofs[index]
        for height, beside in enumerate(siblings, floor):
            found = beside.get(index >> height)
            if found is not None:
                proof.append(found)
    (root,) = hashes.values()
    return proofs, root


def _check_indexes(indexes: Sequence[int], tree_size: int) -> None:
    if not indexes:
        raise ValueError("no leaf index to prove")
    if indexes[0] < 0 or indexes[-1] >= tree_size:
        raise ValueError(f"a leaf index is outside a tree of size {tree_size}")


def _in_memory(hashes: Sequence[bytes]) -> PerfectHash:
    return lambda start, end: root_from_leaf_hashes(hashes[start:end])


def inclusion_proof(index: int, hashes: Sequence[bytes]) -> list[bytes]:
    """PATH(index, D[n]) for the tree whose leaf hashes are `hashes`."""
    perfect_hash = _in_memory(hashes)
    return [hash_range(s, e, perfect_hash) for s, e in inclusion_proof_nodes(index, len(hashes))]


def consistency_proof(first: int, hashes: Sequence[bytes]) -> list[bytes]:
    """PROOF(first, D[n]) for the tree whose leaf hashes are `hashes`."""
    perfect_hash = _in_memory(hashes)
    nodes = consistency_proof_nodes(first, len(hashes))
    return [hash_range(s, e, perfect_hash) for s, e in nodes]


def _check_hash_sizes(proof: Sequence[bytes]) -> None:
    for position, element in enumerate(proof):
        if len(element) != HASH_SIZE:
            raise ProofError(f"proof element {position} is {len(element)} bytes, not {HASH_SIZE}")


def _shift_until_odd_or_zero(fn: int, sn: int) -> tuple[int, int]:
    while fn and not fn & 1:
        fn, sn = fn >> 1, sn >> 1
    return fn, sn


def verify_inclusion(
    index: int, tree_size: int, leaf_hash: bytes, proof: Sequence[bytes], root: bytes
) -> None:
    """Raise ProofError unless `proof` shows `leaf_hash` at `index` under `root` (§2.1.3.2)."""
    if index < 0 or index >= tree_size:
        raise ProofError(f"leaf index {index} is outside a tree of size {tree_size}")
    if len(leaf_hash) != HASH_SIZE:
        raise ProofError(f"leaf hash is {len(leaf_hash)} bytes, not {HASH_SIZE}")
    _check_hash_sizes(proof)
    fn, sn, r = index, tree_size - 1, leaf_hash
    for p in proof:
        if sn == 0:
            raise ProofError(f"inclusion proof is longer than the path in a tree of {tree_size}")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            fn, sn = _shift_until_odd_or_zero(fn, sn)
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError(f"inclusion proof is shorter than the path in a tree of {tree_size}")
    if not hmac.compare_digest(r, root):
        raise ProofError("inclusion proof does not lead to the given root")


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> None:
    """Raise ProofError unless `proof` shows tree `first` is a prefix of `second` (§2.1.4.2)."""
    if first < 0 or second < first:
        raise ProofError(f"no consistency proof from size {first} to size {second}")
    if first == 0:
        # RFC 9162 defines PROOF(m, D[n]) only for 0 < m: the empty tree proves nothing.
        raise ProofError("a consistency proof from the empty tree is meaningless")
    if first == second:
        # Outside the RFC's 0 < m < n, but the vectors accept equal sizes with equal roots.
        if proof:
            raise ProofError("trees of equal size need an empty consistency proof")
        if not hmac.compare_digest(first_root, second_root):
            raise ProofError("trees of equal size have different roots")
        return
    if not proof:
        raise ProofError("consistency proof is empty")
    _check_hash_sizes(proof)
    path = list(proof)
    if first & (first - 1) == 0:
        # The old tree is then a node of the new one; the proof omits it because the verifier
        # already holds its hash.
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError(f"consistency proof is too long for sizes {first} and {second}")
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            fn, sn = _shift_until_odd_or_zero(fn, sn)
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError(f"consistency proof is too short for sizes {first} and {second}")
    if not hmac.compare_digest(fr, first_root):
        raise ProofError("consistency proof does not lead to the first root")
    if not hmac.compare_digest(sr, second_root):
        raise ProofError("consistency proof does not lead to the second root")
