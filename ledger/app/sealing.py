"""What the sealed free text of consents, suppression orders, access requests and restrictions
is bound to, shared by the services that seal it and the proof bundle that opens it."""

from __future__ import annotations

from uuid import UUID

from ledger.adapters.vault import SubjectKey, SubjectVault
from ledger.app.recording import salt_context

CONSENT_REASON = b"consent withdrawal reason"
SUPPRESSION_REASON = b"suppression reason"
REQUEST_TEXT = b"access request text"
RESTRICTION_REASON = b"restriction reason"


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
