"""RFC 9162 Merkle tree hashes, inclusion proofs and consistency proofs.

Proofs are first described as leaf ranges, so a store can answer them with O(log n) reads.
"""

from __future__ import annotations

import hashlib
import hmac
from bisect import bisect_left
from collections.abc import Callable, Sequence

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


def shared_proof_subtrees(indexes: Sequence[int], tree_size: int) -> list[tuple[int, int]]:
    """The perfect subtrees whose hashes `inclusion_proofs` needs for these indexes (sorted,
    distinct): each index's own leaf and the subtrees beside the paths that hold no index."""
    _check_indexes(indexes, tree_size)
    wanted: list[tuple[int, int]] = []

    # `_walk`'s descent, naming what it would hash instead of hashing: a walk that hashed
    # placeholders cost as much as the real one.
    def walk(start: int, end: int, lo: int, hi: int) -> None:
        size = end - start
        if size & (size - 1) == 0 and (lo == hi or size == 1):
            wanted.append((start, end))
        elif lo == hi:
            wanted.extend(perfect_subtrees(start, end))
        else:
            mid = start + _split(end - start)
            cut = bisect_left(indexes, mid, lo, hi)
            walk(start, mid, lo, cut)
            walk(mid, end, cut, hi)

    walk(0, tree_size, 0, len(indexes))
    return wanted


def inclusion_proofs(
    indexes: Sequence[int], tree_size: int, perfect_hash: PerfectHash
) -> tuple[dict[int, list[bytes]], bytes]:
    """PATH(index, D[tree_size]) for every index (sorted, distinct) and the root, from one walk
    down the tree that descends only where an index lies: a subtree shared by many paths is
    hashed once. `perfect_hash` answers for the subtrees `shared_proof_subtrees` names."""
    proofs: dict[int, list[bytes]] = {index: [] for index in indexes}
    root = _walk(indexes, tree_size, perfect_hash, proofs)
    return proofs, root


def _walk(
    indexes: Sequence[int],
    tree_size: int,
    perfect_hash: PerfectHash,
    proofs: dict[int, list[bytes]],
) -> bytes:
    _check_indexes(indexes, tree_size)

    def walk(start: int, end: int, lo: int, hi: int) -> bytes:
        # indexes[lo:hi] are the indexes inside [start, end); a proof gets its siblings from
        # the leaf up, so each is appended on the way back up.
        size = end - start
        if size & (size - 1) == 0:  # a perfect subtree (every node of the walk is aligned)
            if lo == hi or size == 1:
                return perfect_hash(start, end)
        elif lo == hi:
            return hash_range(start, end, perfect_hash)
        mid = start + _split(size)
        cut = bisect_left(indexes, mid, lo, hi)
        left = walk(start, mid, lo, cut)
        right = walk(mid, end, cut, hi)
        for index in indexes[lo:cut]:
            proofs[index].append(right)
        for index in indexes[cut:hi]:
            proofs[index].append(left)
        return node_hash(left, right)

    return walk(0, tree_size, 0, len(indexes))


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
