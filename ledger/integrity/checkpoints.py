"""C2SP tlog-checkpoints as Ed25519 signed notes (c2sp.org/tlog-checkpoint, c2sp.org/signed-note).

A checkpoint body is three lines: the log's origin, the tree size in decimal, the root hash in
base64. The signature line is "— <key name> <base64(4-byte key id || signature)>".
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ED25519 = 0x01
SIGNATURE_PREFIX = "\u2014 "


class CheckpointError(ValueError):
    """A note or verifier key that does not parse or verify."""


@dataclass(frozen=True, slots=True)
class Checkpoint:
    origin: str
    tree_size: int
    root_hash: bytes

    def body(self) -> str:
        return f"{self.origin}\n{self.tree_size}\n{base64.b64encode(self.root_hash).decode()}\n"


def key_id(name: str, public_key: bytes) -> bytes:
    """The signed-note key id: the first 4 bytes of SHA-256(name || 0x0A || 0x01 || key)."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([ED25519]) + public_key).digest()[:4]


@dataclass(frozen=True)
class NoteSigner:
    name: str
    private_key: Ed25519PrivateKey

    @property
    def public_key(self) -> bytes:
        return self.private_key.public_key().public_bytes_raw()

    def verifier_key(self) -> str:
        """`name+keyid(hex)+base64(0x01 || public key)`, the C2SP verifier key encoding."""
        return (
            f"{self.name}+{key_id(self.name, self.public_key).hex()}+"
            + base64.b64encode(bytes([ED25519]) + self.public_key).decode()
        )

    def sign(self, checkpoint: Checkpoint) -> str:
        body = checkpoint.body()
        signature = self.private_key.sign(body.encode())
        blob = base64.b64encode(key_id(self.name, self.public_key) + signature).decode()
        return f"{body}\n{SIGNATURE_PREFIX}{self.name} {blob}\n"


@dataclass(frozen=True)
class NoteVerifier:
    name: str
    key_id: bytes
    public_key: Ed25519PublicKey

    @classmethod
    def parse(cls, verifier_key: str) -> NoteVerifier:
        try:
            name, hex_id, encoded = verifier_key.strip().split("+", 2)
            raw = base64.b64decode(encoded, validate=True)
            identifier = bytes.fromhex(hex_id)
        except (ValueError, binascii.Error):
            raise CheckpointError("a verifier key reads name+keyid+base64key") from None
        if len(raw) != 33 or raw[0] != ED25519 or len(identifier) != 4:
            raise CheckpointError("only Ed25519 verifier keys are supported")
        if key_id(name, raw[1:]) != identifier:
            raise CheckpointError("the verifier key's id does not match its name and key")
        return cls(name, identifier, Ed25519PublicKey.from_public_bytes(raw[1:]))

    def verify(self, note: str) -> Checkpoint:
        """The checkpoint of a note that carries a valid signature by this key."""
        body, separator, signatures = note.partition("\n\n")
        if not separator or not body:
            raise CheckpointError("a signed note has a body, a blank line and signatures")
        body += "\n"
        for line in signatures.splitlines():
            if not line.startswith(SIGNATURE_PREFIX):
                raise CheckpointError("a signature line starts with an em dash and a space")
            name, _, blob = line[len(SIGNATURE_PREFIX) :].partition(" ")
            if name != self.name:
                continue
            try:
                raw = base64.b64decode(blob, validate=True)
            except binascii.Error:
                raise CheckpointError("a signature is not base64") from None
            if raw[:4] != self.key_id:
                continue
            try:
                self.public_key.verify(raw[4:], body.encode())
            except InvalidSignature:
                raise CheckpointError("the checkpoint's signature does not verify") from None
            return parse_body(body)
        raise CheckpointError(f"the note carries no signature by {self.name}")


def parse_body(body: str) -> Checkpoint:
    lines = body.split("\n")
    if len(lines) < 4 or lines[-1] != "":
        raise CheckpointError("a checkpoint body is origin, size and root, each on a line")
    origin, size, root = lines[0], lines[1], lines[2]
    if not origin or not size.isdigit() or (size != "0" and size.startswith("0")):
        raise CheckpointError("a checkpoint's size is a decimal number without leading zeros")
    try:
        root_hash = base64.b64decode(root, validate=True)
    except binascii.Error:
        raise CheckpointError("a checkpoint's root is base64") from None
    if len(root_hash) != 32:
        raise CheckpointError("a checkpoint's root is a 32-byte hash")
    return Checkpoint(origin, int(size), root_hash)
