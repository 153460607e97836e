"""The consents a batch of disclosures relies on, looked up in one query for the recording
service, and the keyed lookup a consent reference is found by (never stored in clear)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection

from ledger.adapters.vault import SubjectKey, SubjectVault
from ledger.domain.consent import ConsentState, rests_on_consent
from ledger.domain.values import DisclosureFacts
from ledger.projections import consent_queries

LOOKUP_DOMAIN = b"ledger consent reference v1\x00"


def reference_lookup(vault: SubjectVault, key: SubjectKey, reference: str) -> str:
    """The keyed lookup of a consent reference: an HMAC under the person's own digest key, so
    equal references of two people do not match and an erased person's cannot be recomputed."""
    return vault.digest(key, LOOKUP_DOMAIN + reference.strip().encode())


def recorded_consents(
    connection: Connection,
    vault: SubjectVault,
    items: Sequence[DisclosureFacts],
    *,
    now: datetime,
) -> list[list[ConsentState]]:
    """Per item, the consents recorded for its person under its `consent_reference`; one query
    for the whole batch's people. Call inside the write transaction that records them."""
    relying = [facts for facts in items if rests_on_consent(facts) and facts.consent_reference]
    if not relying:
        return [[] for _ in items]
    # The batch's people get their vault entries here rather than a moment later in the same
    # transaction; a refusal rolls both back.
    keys = vault.keys_for(connection, {facts.subject.id for facts in relying}, now=now)
    by_lookup: dict[tuple[str, str], list[ConsentState]] = {}
    for row in consent_queries.consents_of_tags(connection, {key.tag for key in keys.values()}):
        by_lookup.setdefault((row["subject_tag"], row["reference_lookup"]), []).append(
            ConsentState(given_at=row["given_at"], withdrawn_at=row["withdrawn_at"])
        )
    found: list[list[ConsentState]] = []
    for facts in items:
        if not (rests_on_consent(facts) and facts.consent_reference):
            found.append([])
            continue
        key = keys[facts.subject.id]
        lookup = reference_lookup(vault, key, facts.consent_reference)
        found.append(by_lookup.get((key.tag, lookup), []))
    return found
