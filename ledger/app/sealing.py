"""What a person's sealed values are bound to (every event's salt; the free text of consents,
suppression orders, access requests and restrictions), and the salted commitment every event of
theirs carries; shared by the services that seal and the proof bundle that opens."""

from __future__ import annotations

import os
from uuid import UUID

from ledger.adapters.vault import SubjectKey, SubjectVault
from ledger.integrity.leaves import commitment

CONSENT_REASON = b"consent withdrawal reason"
SUPPRESSION_REASON = b"suppression reason"
REQUEST_TEXT = b"access request text"
RESTRICTION_REASON = b"restriction reason"


def salt_context(aggregate_id: UUID, version: int) -> bytes:
    """What a commitment's sealed salt is bound to: one event (version) of one aggregate."""
    return aggregate_id.bytes + version.to_bytes(8, "big")


def suppression_reason_context(disclosure_id: UUID, version: int) -> bytes:
    """A suppression order's reason is bound to that one event of the disclosure."""
    return salt_context(disclosure_id, version) + SUPPRESSION_REASON


def seal_consent_reason(vault: SubjectVault, key: SubjectKey, consent_id: UUID, reason: str) -> str:
    return vault.seal_bytes(key, consent_id.bytes + CONSENT_REASON, reason.encode())


def open_consent_reason(vault: SubjectVault, key: SubjectKey, consent_id: UUID, sealed: str) -> str:
    return vault.open_bytes(key, consent_id.bytes + CONSENT_REASON, sealed).decode()


def request_text_context(request_id: UUID, version: int) -> bytes:
    """An access request's free text (how the identity was checked, a reason) is bound to that
    one event of the request: each event carries at most one."""
    return salt_context(request_id, version) + REQUEST_TEXT


def seal_request_text(
    vault: SubjectVault, key: SubjectKey, request_id: UUID, version: int, text: str
) -> str:
    return vault.seal_bytes(key, request_text_context(request_id, version), text.encode())


def open_request_text(
    vault: SubjectVault, key: SubjectKey, request_id: UUID, version: int, sealed: str
) -> str:
    return vault.open_bytes(key, request_text_context(request_id, version), sealed).decode()


def restriction_reason_context(restriction_id: UUID, version: int) -> bytes:
    """A restriction's reason (imposing or lifting) is bound to that one event of it."""
    return salt_context(restriction_id, version) + RESTRICTION_REASON


def seal_restriction_reason(
    vault: SubjectVault, key: SubjectKey, restriction_id: UUID, version: int, reason: str
) -> str:
    return vault.seal_bytes(
        key, restriction_reason_context(restriction_id, version), reason.encode()
    )


def open_restriction_reason(
    vault: SubjectVault, key: SubjectKey, restriction_id: UUID, version: int, sealed: str
) -> str:
    return vault.open_bytes(
        key, restriction_reason_context(restriction_id, version), sealed
    ).decode()


def sealed_commitment(
    vault: SubjectVault, key: SubjectKey, aggregate_id: UUID, version: int, opening: bytes
) -> tuple[str, str]:
    """A salted commitment (hex) to an event's opening, and its salt sealed for the person,
    bound to that one event: what every event of a person's aggregate carries."""
    salt = os.urandom(32)
    sealed_salt = vault.seal_bytes(key, salt_context(aggregate_id, version), salt)
    return commitment(salt, opening).hex(), sealed_salt
