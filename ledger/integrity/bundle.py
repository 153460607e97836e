"""A person's proof bundle, checked offline with nothing but the log's public key.

The bundle holds a signed checkpoint and, for each of the person's events, its leaf, its
inclusion proof, and the opened commitment (the canonical plaintext and the salt). Checking it
shows that these disclosures are in the signed log as stated and that the person's sequence has
no gaps.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any

from ledger.integrity import merkle
from ledger.integrity.checkpoints import CheckpointError, NoteVerifier
from ledger.integrity.leaves import ZERO_HASH, Leaf, LeafError, commitment

FORMAT = "disclosure-ledger-proof-bundle/1"


def _b64(value: Any, what: str) -> bytes:
    if not isinstance(value, str):
        raise ValueError(f"{what} must be base64 text")
    try:
        return base64.b64decode(value, validate=True)
    except binascii.Error:
        raise ValueError(f"{what} is not valid base64") from None


def verify_bundle(bundle: Mapping[str, Any], verifier_key: str) -> list[str]:
    """The problems found; an empty list means every check passed."""
    if "proof" in bundle and isinstance(bundle["proof"], Mapping):
        bundle = bundle["proof"]  # an overview export that carries its bundle
    if bundle.get("format") != FORMAT:
        return [f"not a proof bundle (format must be {FORMAT!r})"]
    try:
        verifier = NoteVerifier.parse(verifier_key)
        checkpoint = verifier.verify(bundle["checkpoint"]["note"])
    except (CheckpointError, KeyError, TypeError) as error:
        return [f"checkpoint: {error}"]
    problems: list[str] = []
    chain: list[tuple[Leaf, bytes]] = []
    for number, item in enumerate(bundle.get("events", [])):
        where = f"event {number} (index {item.get('index')})"
        try:
            raw = _b64(item["leaf"], "leaf")
            leaf = Leaf.decode(raw)
            digest = merkle.leaf_hash(raw)
            merkle.verify_inclusion(
                int(item["index"]),
                checkpoint.tree_size,
                digest,
                [_b64(p, "proof") for p in item["inclusion_proof"]],
                checkpoint.root_hash,
            )
            if leaf.position != int(item["index"]) + 1:
                problems.append(f"{where}: the leaf is not at its stated index")
            plaintext = item["plaintext"].encode()
            if commitment(_b64(item["salt"], "salt"), plaintext) != leaf.commitment:
                problems.append(f"{where}: the opened commitment does not match the leaf")
            chain.append((leaf, digest))
        except merkle.ProofError as error:
            problems.append(f"{where}: inclusion proof fails ({error})")
        except (KeyError, TypeError, ValueError, LeafError) as error:
            problems.append(f"{where}: malformed ({error})")
    problems += _check_sequence(chain, bundle.get("subject_head"))
    return problems


def _check_sequence(chain: list[tuple[Leaf, bytes]], head: Any) -> list[str]:
    if not chain:
        return []
    problems = []
    tags = {leaf.subject_tag for leaf, _ in chain}
    if len(tags) != 1:
        problems.append("the events belong to more than one subject")
    chain.sort(key=lambda pair: pair[0].sequence)
    previous = ZERO_HASH
    for expected, (leaf, digest) in enumerate(chain, start=1):
        if leaf.sequence != expected:
            problems.append(f"the subject's sequence has a gap: number {expected} is missing")
            return problems
        if leaf.previous != previous:
            problems.append(f"sequence number {expected} does not follow the one before it")
        previous = digest
    if isinstance(head, Mapping):
        try:
            if int(head["sequence"]) != len(chain) or _b64(head["leaf_hash"], "head") != previous:
                problems.append("the subject's sequence head is not the last event in the bundle")
        except (KeyError, TypeError, ValueError):
            problems.append("the subject's sequence head is malformed")
    else:
        problems.append("the bundle carries no subject sequence head")
    return problems
