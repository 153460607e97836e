"""The master key and the keys derived from it; nothing here touches the database."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ledger.integrity.checkpoints import NoteSigner
from ledger.settings import Settings, SettingsError

MASTER_KEY_FILE = "master.key"


def _derive(master: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(master)


@dataclass(frozen=True)
class KeyRing:
    """Separate keys per purpose, so that no key serves two roles."""

    wrap: AESGCM
    id_key: bytes
    lookup_key: bytes
    link_key: bytes

    @classmethod
    def from_master(cls, master: bytes) -> KeyRing:
        if len(master) != 32:
            raise SettingsError("LEDGER_MASTER_KEY must be 32 bytes, base64-encoded")
        return cls(
            wrap=AESGCM(_derive(master, b"ledger subject key wrapping v1")),
            id_key=_derive(master, b"ledger disclosure id v1"),
            lookup_key=_derive(master, b"ledger subject lookup v1"),
            link_key=_derive(master, b"ledger overview links v1"),
        )

    def disclosure_id(self, system: str, reference: str) -> UUID:
        """A keyed deterministic id: a retry finds the same aggregate, the id reveals nothing."""
        digest = hmac.new(self.id_key, f"{system}\x1f{reference}".encode(), hashlib.sha256).digest()
        return UUID(bytes=digest[:16], version=5)

    def subject_lookup(self, subject_id: str) -> bytes:
        return hmac.new(self.lookup_key, subject_id.encode(), hashlib.sha256).digest()


def decode_master_key(value: str) -> bytes:
    try:
        return base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise SettingsError("LEDGER_MASTER_KEY is not valid base64") from None


def generate_master_key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


SIGNING_KEY_FILE = "signing.key"


def _local_secret(settings: Settings, filename: str) -> str:
    """A secret generated once into var/ for local use; production configures its own."""
    path = Path(settings.var_dir) / filename
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process made it a moment ago
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(generate_master_key() + "\n")
    return path.read_text()


def load_signer(settings: Settings) -> NoteSigner:
    """The checkpoint signing key: LEDGER_SIGNING_KEY, or one generated into var/ locally."""
    encoded = settings.signing_key or _local_secret(settings, SIGNING_KEY_FILE)
    try:
        seed = base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise SettingsError("LEDGER_SIGNING_KEY is not valid base64") from None
    if len(seed) != 32:
        raise SettingsError("LEDGER_SIGNING_KEY must be 32 bytes (an Ed25519 seed), base64")
    return NoteSigner(settings.checkpoint_origin, Ed25519PrivateKey.from_private_bytes(seed))


def load_key_ring(settings: Settings) -> KeyRing:
    """The configured master key; in development one is generated into var/ on first start."""
    encoded = settings.master_key or _local_secret(settings, MASTER_KEY_FILE)
    return KeyRing.from_master(decode_master_key(encoded))
