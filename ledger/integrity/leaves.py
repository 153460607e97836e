"""The canonical, versioned leaf of one stored event; pure code, no database.

A leaf holds no personal data, so it can be public: the event's type, log position and recorded
time, the subject's random tag, that subject's sequence number and previous leaf hash (a gap in one
person's history shows), a salted commitment to the plaintext the event leaves (a disclosure's or
an access request's or a recipient notice's), and the digest of the
stored event row (so any change to a stored event shows, even once the person is erased).
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

LEAF_VERSION = 1
COMMITMENT_DOMAIN = b"disclosure-ledger commitment v1\x00"
EVENT_DOMAIN = b"disclosure-ledger event v1\x00"
ZERO_HASH = bytes(32)

# A new event type takes the next code; the leaf's layout, and so its version, stays.
EVENT_TYPES = {
    "DisclosureRecorded": 1,
    "DisclosureCorrected": 2,
    "DisclosureRetracted": 3,
    "AccessRequestOpened": 4,
    "IdentityVerified": 5,
    "DeadlineExtended": 6,
    "PersonToldOfExtension": 7,
    "AccessRequestAnswered": 8,
    "AccessRequestWithdrawn": 9,
    "AccessRequestRefused": 10,
    "RecipientNoticeRecorded": 11,
    "RecipientNotified": 12,
    "RecipientNoticeImpossible": 13,
    "RecipientNoticeDisproportionate": 14,
    # 15-19: consent events; 20-24: suppression orders on a disclosure.
    "ConsentGiven": 15,
    "ConsentWithdrawn": 16,
    "SuppressionExtended": 20,
    "SuppressionLifted": 21,
    # 25-29: restriction of processing (Art. 18).
    "RestrictionImposed": 25,
    "RestrictionLifted": 26,
    # 30-34: erasure.
    "ErasureRequested": 30,
    "ErasureScheduled": 31,
    "SubjectErased": 32,
    "ErasureCancelled": 33,
    # 35-39: the end of a person's employment (retention counts from it).
    "EmploymentEndRecorded": 35,
    # 40-44: the register of processing activities (under the register's zero tag, no person's).
    "ActivityDefined": 40,
    "ActivityRevised": 41,
}
EVENT_NAMES = {code: name for name, code in EVENT_TYPES.items()}

# version, type, position, recorded time (µs since epoch), tag, sequence, previous, commitment,
# event digest; big-endian, fixed size.
LEAF_LAYOUT = struct.Struct(">BBQq16sQ32s32s32s")
LEAF_SIZE = LEAF_LAYOUT.size


class LeafError(ValueError):
    """Bytes that are not a leaf of this version."""


@dataclass(frozen=True, slots=True)
class Leaf:
    event_type: str
    position: int
    recorded_at: datetime
    subject_tag: str
    sequence: int
    previous: bytes
    commitment: bytes
    event_digest: bytes

    def encode(self) -> bytes:
        return encode_leaf(
            EVENT_TYPES[self.event_type],
            self.position,
            self.recorded_at,
            bytes.fromhex(self.subject_tag),
            self.sequence,
            self.previous,
            self.commitment,
            self.event_digest,
        )

    @classmethod
    def decode(cls, raw: bytes) -> Leaf:
        if len(raw) != LEAF_SIZE:
            raise LeafError(f"a leaf is {LEAF_SIZE} bytes, not {len(raw)}")
        version, kind, position, micros, tag, sequence, previous, commitment, digest = (
            LEAF_LAYOUT.unpack(raw)
        )
        if version != LEAF_VERSION or kind not in EVENT_NAMES:
            raise LeafError(f"unknown leaf version {version} or event type {kind}")
        return cls(
            event_type=EVENT_NAMES[kind],
            position=position,
            recorded_at=EPOCH + micros * MICROSECOND,
            subject_tag=UUID(bytes=tag).hex,
            sequence=sequence,
            previous=previous,
            commitment=commitment,
            event_digest=digest,
        )


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = EPOCH.resolution


def encode_leaf(
    event_type: int,
    position: int,
    recorded_at: datetime,
    subject_tag: bytes,
    sequence: int,
    previous: bytes,
    commitment: bytes,
    event_digest: bytes,
) -> bytes:
    """The leaf bytes, from plain values (the fast path `ledger verify` runs a million times)."""
    return LEAF_LAYOUT.pack(
        LEAF_VERSION,
        event_type,
        position,
        (recorded_at - EPOCH) // MICROSECOND,
        subject_tag,
        sequence,
        previous,
        commitment,
        event_digest,
    )


def commitment(salt: bytes, plaintext: bytes) -> bytes:
    """SHA-256 over a domain tag, a random 32-byte salt and the canonical plaintext."""
    if len(salt) != 32:
        raise ValueError("a commitment salt is 32 bytes")
    return hashlib.sha256(COMMITMENT_DOMAIN + salt + plaintext).digest()


def event_digest(originator_id: bytes, version: int, topic: str, state: bytes) -> bytes:
    """The digest of a stored event row exactly as stored (`originator_id`: 16 bytes)."""
    digest = hashlib.sha256(
        EVENT_DOMAIN
        + originator_id
        + version.to_bytes(8, "big")
        + len(topic).to_bytes(4, "big")
        + topic.encode()
    )
    digest.update(state)  # not joined to the rest: a stored event is kilobytes
    return digest.digest()
