"""RFC 9162 Merkle tree: the transparency-dev vectors, the reference roots and properties."""

from __future__ import annotations

import base64
import itertools
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.integrity.merkle import (
    EMPTY_ROOT,
    MissingHash,
    ProofError,
    consistency_proof,
    consistency_proof_nodes,
    hash_range,
    inclusion_proof,
    inclusion_proof_nodes,
    leaf_hash,
    node_hash,
    perfect_subtrees,
    plan_proofs,
    prove,
    root_from_leaf_hashes,
    verify_consistency,
    verify_inclusion,
)

# In the repository, with their source and licence (tests/data/rfc9162/README.md and LICENSE).
VECTORS = Path(__file__).resolve().parents[1] / "data" / "rfc9162"


def _vector_params(kind: str) -> list[Any]:
    files = sorted((VECTORS / kind).rglob("*.json"))
    if not files:
        # An empty parameter set would only skip; a missing folder must fail the run instead.
        return [pytest.param(None, id=f"{kind}-vectors-missing")]
    return [pytest.param(f, id=f.relative_to(VECTORS).as_posix()) for f in files]


def _load(path: Path | None) -> dict[str, Any]:
    if path is None:
        pytest.fail(f"no RFC 9162 test vectors found under {VECTORS}")
    case: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return case


def _b64(text: str) -> bytes:
    # The README says hashes are base64; validate=True refuses hex or other stray input.
    return base64.b64decode(text, validate=True)


def _proof(case: dict[str, Any]) -> list[bytes]:
    # Go marshals an empty proof as null in some vectors.
    return [_b64(p) for p in case["proof"] or []]


# The RFC 6962 test inputs and the roots transparency-dev publishes for their prefixes.
REFERENCE_LEAVES = [
    bytes.fromhex(h)
    for h in (
        *("", "00", "10", "2021", "3031", "40414243"),
        *("5051525354555657", "606162636465666768696a6b6c6d6e6f"),
    )
]
REFERENCE_ROOTS = [
    bytes.fromhex(h)
    for h in (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    )
]
REFERENCE_HASHES = [leaf_hash(leaf) for leaf in REFERENCE_LEAVES]


def test_the_vector_folders_hold_every_vector() -> None:
    # A partial copy would otherwise pass, testing less than it seems to.
    for kind, count in (("inclusion", 98), ("consistency", 98)):
        found = len(list((VECTORS / kind).rglob("*.json")))
        assert found == count, f"{found} {kind} vectors under {VECTORS}, expected {count}"


@pytest.mark.parametrize("path", _vector_params("inclusion"))
def test_an_inclusion_vector_verifies_exactly_when_it_should(path: Path | None) -> None:
    case = _load(path)
    args = (case["leafIdx"], case["treeSize"], _b64(case["leafHash"]), _proof(case))
    if case["wantErr"]:
        with pytest.raises(ProofError):
            verify_inclusion(*args, _b64(case["root"]))
    else:
        verify_inclusion(*args, _b64(case["root"]))


@pytest.mark.parametrize("path", _vector_params("consistency"))
def test_a_consistency_vector_verifies_exactly_when_it_should(path: Path | None) -> None:
    case = _load(path)
    args = (case["size1"], case["size2"], _b64(case["root1"]), _b64(case["root2"]), _proof(case))
    if case["wantErr"]:
        with pytest.raises(ProofError):
            verify_consistency(*args)
    else:
        verify_consistency(*args)


@pytest.mark.parametrize("path", _vector_params("inclusion"))
def test_an_inclusion_vector_over_the_reference_tree_is_the_proof_we_generate(
    path: Path | None,
) -> None:
    case = _load(path)
    size = case["treeSize"]
    if (
        case["wantErr"]
        or size >= len(REFERENCE_ROOTS)
        or _b64(case["root"]) != REFERENCE_ROOTS[size]
    ):
        return
    assert inclusion_proof(case["leafIdx"], REFERENCE_HASHES[:size]) == _proof(case)


@pytest.mark.parametrize("path", _vector_params("consistency"))
def test_a_consistency_vector_over_the_reference_tree_is_the_proof_we_generate(
    path: Path | None,
) -> None:
    case = _load(path)
    first, second = case["size1"], case["size2"]
    if case["wantErr"] or second >= len(REFERENCE_ROOTS) or first == 0:
        return
    if _b64(case["root2"]) != REFERENCE_ROOTS[second]:
        return
    assert consistency_proof(first, REFERENCE_HASHES[:second]) == _proof(case)


def test_the_happy_path_vectors_are_all_over_the_reference_tree() -> None:
    # Guards the two tests above against silently comparing nothing.
    happy = sorted(VECTORS.rglob("happy-path.json"))
    assert happy
    for path in happy:
        case = _load(path)
        size, root = (
            (case["treeSize"], case["root"]) if "root" in case else (case["size2"], case["root2"])
        )
        assert _b64(root) == REFERENCE_ROOTS[size], path


@pytest.mark.parametrize(("size", "root"), list(enumerate(REFERENCE_ROOTS)))
def test_the_reference_roots_are_reproduced(size: int, root: bytes) -> None:
    assert root_from_leaf_hashes(REFERENCE_HASHES[:size]) == root
    if size:

        def perfect(start: int, end: int) -> bytes:
            return root_from_leaf_hashes(REFERENCE_HASHES[start:end])

        assert hash_range(0, size, perfect) == root


def test_the_empty_tree_hashes_to_sha256_of_nothing() -> None:
    assert root_from_leaf_hashes([]) == EMPTY_ROOT
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


# Straight transcriptions of RFC 9162 §2.1.1, §2.1.3.1 and §2.1.4.1, to check the iterative code.
def _mth(d: Sequence[bytes]) -> bytes:
    if len(d) == 0:
        return EMPTY_ROOT
    if len(d) == 1:
        return d[0]
    k = 1 << ((len(d) - 1).bit_length() - 1)
    return node_hash(_mth(d[:k]), _mth(d[k:]))


def _path(m: int, d: Sequence[bytes]) -> list[bytes]:
    if len(d) == 1:
        return []
    k = 1 << ((len(d) - 1).bit_length() - 1)
    if m < k:
        return [*_path(m, d[:k]), _mth(d[k:])]
    return [*_path(m - k, d[k:]), _mth(d[:k])]


def _subproof(m: int, d: Sequence[bytes], b: bool) -> list[bytes]:
    if m == len(d):
        return [] if b else [_mth(d)]
    k = 1 << ((len(d) - 1).bit_length() - 1)
    if m <= k:
        return [*_subproof(m, d[:k], b), _mth(d[k:])]
    return [*_subproof(m - k, d[k:], False), _mth(d[:k])]


LEAF_HASHES = [leaf_hash(i.to_bytes(4, "big")) for i in range(256)]
sizes = st.integers(min_value=1, max_value=200)


def _flip(proof: list[bytes], position: int, bit: int) -> list[bytes]:
    element = bytearray(proof[position])
    element[bit // 8] ^= 1 << (bit % 8)
    return [*proof[:position], bytes(element), *proof[position + 1 :]]


@given(size=st.integers(min_value=0, max_value=200))
def test_the_root_follows_the_recursive_definition(size: int) -> None:
    assert root_from_leaf_hashes(LEAF_HASHES[:size]) == _mth(LEAF_HASHES[:size])


@given(size=sizes, data=st.data())
def test_an_inclusion_proof_verifies_and_fails_once_tampered_with(
    size: int, data: st.DataObject
) -> None:
    hashes = LEAF_HASHES[:size]
    root = root_from_leaf_hashes(hashes)
    index = data.draw(st.integers(0, size - 1), label="index")
    proof = inclusion_proof(index, hashes)
    assert proof == _path(index, hashes)
    verify_inclusion(index, size, hashes[index], proof, root)

    if proof:
        position = data.draw(st.integers(0, len(proof) - 1), label="position")
        bit = data.draw(st.integers(0, 255), label="bit")
        with pytest.raises(ProofError):
            verify_inclusion(index, size, hashes[index], _flip(proof, position, bit), root)
    with pytest.raises(ProofError):
        verify_inclusion(index, size, _flip([hashes[index]], 0, 7)[0], proof, root)
    other = data.draw(st.integers(0, 2 * size).filter(lambda i: i != index), label="other")
    with pytest.raises(ProofError):
        verify_inclusion(other, size, hashes[index], proof, root)


@given(size=sizes, data=st.data())
def test_a_consistency_proof_verifies_and_fails_once_tampered_with(
    size: int, data: st.DataObject
) -> None:
    first = data.draw(st.integers(1, size), label="first")
    hashes = LEAF_HASHES[:size]
    first_root, second_root = root_from_leaf_hashes(hashes[:first]), root_from_leaf_hashes(hashes)
    proof = consistency_proof(first, hashes)
    assert proof == _subproof(first, hashes, True)
    verify_consistency(first, size, first_root, second_root, proof)

    if proof:
        position = data.draw(st.integers(0, len(proof) - 1), label="position")
        bit = data.draw(st.integers(0, 255), label="bit")
        with pytest.raises(ProofError):
            verify_consistency(first, size, first_root, second_root, _flip(proof, position, bit))
    other = data.draw(st.integers(1, size).filter(lambda m: m != first), label="other")
    with pytest.raises(ProofError):
        verify_consistency(other, size, first_root, second_root, proof)
    if first < size:
        with pytest.raises(ProofError):
            verify_consistency(first, size, second_root, second_root, proof)


@given(size=sizes, data=st.data())
def test_every_proof_range_splits_into_aligned_power_of_two_subtrees(
    size: int, data: st.DataObject
) -> None:
    index = data.draw(st.integers(0, size - 1), label="index")
    first = data.draw(st.integers(1, size), label="first")
    for start, end in inclusion_proof_nodes(index, size) + consistency_proof_nodes(first, size):
        pieces = perfect_subtrees(start, end)
        assert pieces[0][0] == start
        assert pieces[-1][1] == end
        assert all(a[1] == b[0] for a, b in itertools.pairwise(pieces))
        for s, e in pieces:
            width = e - s
            assert width & (width - 1) == 0
            assert s % width == 0


def test_a_range_that_is_no_tree_node_is_refused() -> None:
    with pytest.raises(ValueError, match="not a node"):
        perfect_subtrees(1, 4)
    with pytest.raises(ValueError, match="empty"):
        perfect_subtrees(3, 3)


def test_proofs_at_ten_million_leaves_read_logarithmically_many_subtrees() -> None:
    # Every leaf alike, so a perfect subtree's hash depends only on its height and costs nothing.
    levels = [leaf_hash(b"same")]
    for _ in range(30):
        levels.append(node_hash(levels[-1], levels[-1]))
    reads: list[tuple[int, int]] = []

    def perfect_hash(start: int, end: int) -> bytes:
        width = end - start
        assert width & (width - 1) == 0
        assert start % width == 0
        reads.append((start, end))
        return levels[width.bit_length() - 1]

    size, index, first = 10_000_000, 6_543_210, 9_999_999
    root = hash_range(0, size, perfect_hash)
    reads.clear()
    proof = [hash_range(s, e, perfect_hash) for s, e in inclusion_proof_nodes(index, size)]
    assert len(reads) <= 2 * size.bit_length()
    verify_inclusion(index, size, levels[0], proof, root)

    reads.clear()
    proof = [hash_range(s, e, perfect_hash) for s, e in consistency_proof_nodes(first, size)]
    assert len(reads) <= 2 * size.bit_length()
    verify_consistency(first, size, hash_range(0, first, perfect_hash), root, proof)


def test_generating_a_proof_outside_the_tree_is_refused() -> None:
    with pytest.raises(ValueError, match="outside"):
        inclusion_proof_nodes(5, 5)
    with pytest.raises(ValueError, match="no consistency proof"):
        consistency_proof_nodes(0, 5)
    with pytest.raises(ValueError, match="no consistency proof"):
        consistency_proof_nodes(6, 5)


@given(size=st.integers(min_value=1, max_value=256), floor=st.integers(0, 5), data=st.data())
def test_planned_proofs_are_the_rfc_paths_from_only_the_named_leaves_and_subtrees(
    size: int, floor: int, data: st.DataObject
) -> None:
    leaves = [i.to_bytes(4, "big") for i in range(size)]
    hashes = [leaf_hash(leaf) for leaf in leaves]
    indexes = sorted(data.draw(st.sets(st.integers(0, size - 1), min_size=1), label="indexes"))
    plan = plan_proofs(indexes, size, floor)
    given_leaves: dict[int, bytes] = {}
    for block in plan.blocks:
        start, end = plan.block_span(block)
        assert start == block << floor
        assert 0 < end - start <= 1 << floor
        given_leaves.update((index, leaves[index]) for index in range(start, end))
    # From `floor` up, perfect subtrees only, so a store answers each by key.
    for level, index in plan.stored:
        assert level >= floor
        assert (index + 1) << level <= size
    stored = {
        (level, index): root_from_leaf_hashes(hashes[index << level : (index + 1) << level])
        for level, index in plan.stored
    }
    assert len(stored) == len(plan.stored)

    proofs, root = prove(plan, given_leaves, stored)
    assert root == _mth(hashes)
    assert sorted(proofs) == indexes
    for index in indexes:
        assert proofs[index] == _path(index, hashes)
        verify_inclusion(index, size, hashes[index], proofs[index], root)
    # Every named leaf and subtree goes into the root: without any one of them, no proof.
    for missing in [*given_leaves, *stored]:
        fewer_leaves = {k: v for k, v in given_leaves.items() if k != missing}
        fewer_stored = {k: v for k, v in stored.items() if k != missing}
        with pytest.raises(MissingHash, match="no hash was given"):
            prove(plan, fewer_leaves, fewer_stored)


@given(size=st.integers(min_value=2, max_value=256), data=st.data())
def test_a_changed_leaf_or_subtree_changes_the_root_the_proofs_come_with(
    size: int, data: st.DataObject
) -> None:
    leaves = [i.to_bytes(4, "big") for i in range(size)]
    hashes = [leaf_hash(leaf) for leaf in leaves]
    indexes = sorted(data.draw(st.sets(st.integers(0, size - 1), min_size=1), label="indexes"))
    plan = plan_proofs(indexes, size, 2)
    given_leaves = {
        index: leaves[index] for block in plan.blocks for index in range(*plan.block_span(block))
    }
    stored = {
        (level, index): root_from_leaf_hashes(hashes[index << level : (index + 1) << level])
        for level, index in plan.stored
    }
    changed = data.draw(st.sampled_from([*given_leaves, *stored]), label="changed")
    if isinstance(changed, int):
        given_leaves[changed] += b"!"
    else:
        stored[changed] = bytes(32)
    _, root = prove(plan, given_leaves, stored)
    assert root != _mth(hashes)


def test_a_proof_plan_refuses_no_index_or_one_outside_the_tree() -> None:
    with pytest.raises(ValueError, match="outside"):
        plan_proofs([3], 3, 4)
    with pytest.raises(ValueError, match="no leaf"):
        plan_proofs([], 3, 4)


def test_a_plan_for_scattered_leaves_of_a_large_tree_names_a_block_and_a_path_each() -> None:
    size = 10_000_000
    indexes = list(range(17, size, size // 100))
    plan = plan_proofs(indexes, size, 4)
    # Each index's block and the last leaf's, and about one stored sibling a level a path.
    assert plan.blocks == sorted({index >> 4 for index in indexes} | {(size - 1) >> 4})
    assert len(plan.stored) <= (len(indexes) + 1) * (size.bit_length() - 4)
    assert plan.paths[-1] == [0]
