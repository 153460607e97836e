"""Signed checkpoints (C2SP) and leaf encoding, without a database."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.integrity.checkpoints import (
    Checkpoint,
    CheckpointError,
    NoteSigner,
    NoteVerifier,
    key_id,
)
from ledger.integrity.leaves import LEAF_SIZE, Leaf, LeafError, commitment

SEED = bytes(range(32))


def signer(name: str = "ledger.example/log") -> NoteSigner:
    return NoteSigner(name, Ed25519PrivateKey.from_private_bytes(SEED))


def test_a_signed_checkpoint_reads_as_the_c2sp_format() -> None:
    note = signer().sign(Checkpoint("ledger.example/log", 42, bytes(range(32))))
    body, signatures = note.split("\n\n")
    assert body.split("\n") == [
        "ledger.example/log",
        "42",
        base64.b64encode(bytes(range(32))).decode(),
    ]
    assert signatures.startswith("\u2014 ledger.example/log ")
    assert note.endswith("\n")


def test_the_verifier_key_names_its_key_id_and_verifies_the_note() -> None:
    key = signer().verifier_key()
    name, hex_id, encoded = key.split("+", 2)
    raw = base64.b64decode(encoded)
    assert raw[0] == 0x01
    assert bytes.fromhex(hex_id) == key_id(name, raw[1:])
    checkpoint = NoteVerifier.parse(key).verify(
        signer().sign(Checkpoint("ledger.example/log", 7, bytes(32)))
    )
    assert (checkpoint.tree_size, checkpoint.root_hash) == (7, bytes(32))


@pytest.mark.parametrize(
    "tamper",
    [
        lambda note: note.replace("\n7\n", "\n8\n"),
        lambda note: note.replace("ledger.example/log\n", "other.example/log\n", 1),
        lambda note: note[:-10] + "AAAAAAAAA\n",
        lambda note: note.split("\n\n")[0] + "\n",
    ],
    ids=["size", "origin", "signature", "no signature"],
)
def test_a_changed_note_does_not_verify(tamper) -> None:  # type: ignore[no-untyped-def]
    note = signer().sign(Checkpoint("ledger.example/log", 7, bytes(32)))
    with pytest.raises(CheckpointError):
        NoteVerifier.parse(signer().verifier_key()).verify(tamper(note))


def test_another_key_does_not_verify_the_note() -> None:
    other = NoteSigner("ledger.example/log", Ed25519PrivateKey.generate())
    note = signer().sign(Checkpoint("ledger.example/log", 7, bytes(32)))
    with pytest.raises(CheckpointError):
        NoteVerifier.parse(other.verifier_key()).verify(note)


def test_a_malformed_verifier_key_is_refused() -> None:
    for key in ("nonsense", "a+zz+AAAA", signer().verifier_key().replace("+", "+0", 1)):
        with pytest.raises(CheckpointError):
            NoteVerifier.parse(key)


def test_a_leaf_round_trips_and_has_a_fixed_size() -> None:
    leaf = Leaf(
        event_type="DisclosureCorrected",
        position=123_456,
        recorded_at=datetime(2026, 11, 2, 9, 30, 1, 123456, tzinfo=UTC),
        subject_tag="0f" * 16,
        sequence=3,
        previous=bytes(range(32)),
        commitment=bytes(32),
        event_digest=b"\xff" * 32,
    )
    raw = leaf.encode()
    assert len(raw) == LEAF_SIZE
    assert Leaf.decode(raw) == leaf
    with pytest.raises(LeafError):
        Leaf.decode(raw[:-1])
    with pytest.raises(LeafError):
        Leaf.decode(b"\x02" + raw[1:])


def test_a_commitment_depends_on_salt_and_plaintext() -> None:
    salt = bytes(32)
    assert commitment(salt, b"a") != commitment(salt, b"b")
    assert commitment(salt, b"a") != commitment(b"\x01" * 32, b"a")
    with pytest.raises(ValueError, match="32 bytes"):
        commitment(b"short", b"a")
