"""The key ring: the master key and the keys derived from it; nothing here touches the database."""

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
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ledger.settings import Settings, SettingsError


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


def generate_secret() -> str:
    """32 random bytes, base64: a new master key or checkpoint signing seed."""
    return base64.b64encode(os.urandom(32)).decode()


def local_secret(settings: Settings, filename: str) -> str:
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
                handle.write(generate_secret() + "\n")
    return path.read_text()
