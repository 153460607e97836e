"""Consents: given and withdrawn per person and purpose, each step an event in the person's
chain of the log; and the look-up the recording service makes to judge a batch's disclosures
on a consent basis.

The person is named only by their vault tag. The consent reference (the signed form's number,
which may identify them) is sealed with their key, and found by a lookup keyed with that same
key (an HMAC): it is never stored in clear, and erasing the person makes both unreadable.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from ledger.adapters.vault import SubjectKey, SubjectVault, VaultError
from ledger.app.consent_lookup import reference_lookup
from ledger.app.reading import Reader, Reading
from ledger.app.sealing import open_consent_reason, seal_consent_reason, sealed_commitment
from ledger.app.uow import UnitOfWork
from ledger.domain.consent import (
    MAX_REASON,
    Consent,
    consent_opening,
    judge_giving,
    judge_withdrawal,
)
from ledger.domain.errors import ConsentConflict, ConsentNotFound, InvalidChange, InvalidSubjectId
from ledger.domain.subjects import normal_subject_id
from ledger.projections import consent_queries


class Consents:
    def __init__(self, *, uow: UnitOfWork, vault: SubjectVault, reading: Reading) -> None:
        self.uow = uow
        self.vault = vault
        self.reading = reading

    def give(
        self,
        *,
        subject_id: str,
        consent_reference: str,
        purpose: str,
        given_at: datetime,
        actor: str,
    ) -> UUID:
        """Record a consent; the person gets a vault key here if the ledger had none for them.
        The same reference may be given again only once the earlier one was withdrawn."""
        try:
            subject_id = normal_subject_id(subject_id)
        except InvalidSubjectId as error:
            raise InvalidChange({"subject_id": next(iter(error.errors.values()))}) from None
        now = self.uow.now()
        reference, purpose = judge_giving(
            consent_reference=consent_reference, purpose=purpose, given_at=given_at, now=now
        )
        consent_id = uuid.uuid4()
        with self.uow.write() as connection:
            key = self.vault.keys_for(connection, [subject_id], now=now)[subject_id]
            lookup = reference_lookup(self.vault, key, reference)
            for row in consent_queries.consents_of_tags(connection, [key.tag]):
                if row["reference_lookup"] == lookup and row["withdrawn_at"] is None:
                    raise ConsentConflict(
                        {
                            "consent_reference": "was given before for this person and is in"
                            f" force (consent {UUID(hex=row['consent_id'])})"
                        }
                    )
            fields: dict[str, Any] = {
                "subject_tag": key.tag,
                "purpose": purpose,
                "given_at": given_at.isoformat(),
                "sealed_reference": self.vault.seal(key, consent_id, {"reference": reference}),
                "reference_lookup": lookup,
                "actor": actor,
            }
            commitment, salt = self._commit(
                key, consent_id, 1, "ConsentGiven", fields, {"reference": reference}
            )
            consent = Consent.give(
                consent_id=consent_id, **fields, commitment=commitment, salt=salt
            )
            self.uow.save(connection, [consent])
        return consent_id

    def withdraw(
        self, consent_id: UUID, *, withdrawn_at: datetime, reason: str | None, actor: str
    ) -> None:
        """Art. 7(3): from `withdrawn_at` on, no disclosure may rest on this consent."""
        reason = (reason or "").strip() or None
        if reason is not None and len(reason) > MAX_REASON:
            raise InvalidChange({"reason": f"may be at most {MAX_REASON} characters"})
        with self.uow.write() as connection:
            consent = self._get(consent_id)
            now = self.uow.now()
            judge_withdrawal(
                given_at=consent.given_at,
                withdrawn_at=consent.withdrawn_at,
                at=withdrawn_at,
                now=now,
            )
            key = self.vault.keys_by_tag(connection, [consent.subject_tag]).get(consent.subject_tag)
            if key is None:
                raise InvalidChange({"subject": "was erased: this consent can no longer change"})
            version = consent.version + 1
            fields: dict[str, Any] = {
                "withdrawn_at": withdrawn_at.isoformat(),
                "actor": actor,
                "subject_tag": consent.subject_tag,
            }
            commitment, salt = self._commit(
                key, consent_id, version, "ConsentWithdrawn", fields, {"reason": reason}
            )
            sealed_reason = (
                None if reason is None else seal_consent_reason(self.vault, key, consent_id, reason)
            )
            consent.withdraw(
                withdrawn_at=fields["withdrawn_at"],
                sealed_reason=sealed_reason,
                now=now,
                actor=actor,
                commitment=commitment,
                salt=salt,
            )
            self.uow.save(connection, [consent])

    # -- reads ------------------------------------------------------------------------------

    def of_subject(self, subject_id: str, *, reader: Reader) -> list[dict[str, Any]]:
        """A person's consents, oldest first, references and reasons opened; a logged read."""
        key = self.reading.person(reader, subject_id=subject_id)
        if key is None:
            return []
        with self.uow.read() as connection:
            rows = consent_queries.consents_of_tags(connection, [key.tag])
        return [self._shown(row, key) for row in rows]

    def get(self, consent_id: UUID, *, reader: Reader) -> dict[str, Any]:
        with self.uow.read() as connection:
            row = consent_queries.consent(connection, consent_id.hex)
        if row is None:
            raise ConsentNotFound(consent_id)
        key = self.reading.person(reader, tag=row["subject_tag"])
        return self._shown(row, key)

    def _shown(self, row: dict[str, Any], key: SubjectKey | None) -> dict[str, Any]:
        consent_id = UUID(hex=row["consent_id"])
        reference = reason = None
        if key is not None:
            try:
                reference = self.vault.open(key, consent_id, row["sealed_reference"])["reference"]
                if row["sealed_reason"] is not None:
                    reason = open_consent_reason(self.vault, key, consent_id, row["sealed_reason"])
            except VaultError:
                pass
        return {
            "id": str(consent_id),
            "subject_tag": row["subject_tag"],
            "consent_reference": reference,
            "purpose": row["purpose"],
            "given_at": row["given_at"],
            "withdrawn_at": row["withdrawn_at"],
            "withdrawal_reason": reason,
            "recorded_at": row["recorded_at"],
        }

    # -- plumbing ---------------------------------------------------------------------------

    def _commit(
        self,
        key: SubjectKey,
        consent_id: UUID,
        version: int,
        event_type: str,
        fields: dict[str, Any],
        secret: dict[str, Any],
    ) -> tuple[str, str]:
        """A salted commitment to the event's opening, and the salt sealed for the person."""
        plaintext = consent_opening(
            consent_id=consent_id,
            version=version,
            event_type=event_type,
            fields=fields,
            secret=secret,
        )
        return sealed_commitment(self.vault, key, consent_id, version, plaintext)

    def _get(self, consent_id: UUID) -> Consent:
        try:
            consent: Consent = self.uow.store.repository.get(consent_id)
        except AggregateNotFoundError:
            raise ConsentNotFound(consent_id) from None
        if not isinstance(consent, Consent):
            raise ConsentNotFound(consent_id)
        return consent
