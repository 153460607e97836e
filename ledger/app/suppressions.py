"""Suppressions managed, never silent: a public authority's order to withhold a disclosure from
the person longer, or to show it now, each an event on the disclosure with authority and sealed
reason, committed like a correction; and the officer's list of suppressions.
"""

from __future__ import annotations

import os
from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from sqlalchemy import Connection

from ledger.adapters.vault import SubjectKey, SubjectVault
from ledger.app.recording import Receipt
from ledger.app.sealing import salt_context, suppression_reason_context
from ledger.app.uow import UnitOfWork
from ledger.domain.corrections import check_reason
from ledger.domain.disclosure import Disclosure, opening
from ledger.domain.errors import DisclosureNotFound, DisclosureRetractedError, InvalidChange
from ledger.domain.suppression import dutch_date, is_withheld
from ledger.domain.suppression_orders import (
    after_extension,
    after_lifting,
    judge_extension,
    judge_lifting,
)
from ledger.integrity.leaves import commitment as commitment_of
from ledger.projections import consent_queries


class Suppressions:
    def __init__(self, *, uow: UnitOfWork, vault: SubjectVault) -> None:
        self.uow = uow
        self.vault = vault

    def extend(
        self, disclosure_id: UUID, *, until: date, authority: str, reason: str, actor: str
    ) -> Receipt:
        """Withhold the disclosure from the person until `until`, on `authority`'s order."""
        with self.uow.write() as connection:
            disclosure = self._get(disclosure_id)
            now = self.uow.now()
            authority, reason = judge_extension(
                current_until=_until(disclosure.fields),
                until=until,
                authority=authority,
                reason=reason,
                now=now,
            )
            reason = check_reason(reason)
            after = after_extension(disclosure.fields, until=until.isoformat(), authority=authority)
            arguments = self._committed(
                connection, disclosure, "SuppressionExtended", after, reason
            )
            disclosure.extend_suppression(
                until=until.isoformat(), authority=authority, actor=actor, **arguments
            )
            return self._save(connection, disclosure)

    def lift(self, disclosure_id: UUID, *, authority: str, reason: str, actor: str) -> Receipt:
        """Show a withheld disclosure from today on (Dutch date), on `authority`'s order."""
        with self.uow.write() as connection:
            disclosure = self._get(disclosure_id)
            authority, reason, today = judge_lifting(
                current_until=_until(disclosure.fields),
                authority=authority,
                reason=reason,
                now=self.uow.now(),
            )
            reason = check_reason(reason)
            after = after_lifting(disclosure.fields, lifted_on=today.isoformat())
            arguments = self._committed(connection, disclosure, "SuppressionLifted", after, reason)
            disclosure.lift_suppression(
                lifted_on=today.isoformat(), authority=authority, actor=actor, **arguments
            )
            return self._save(connection, disclosure)

    def listing(self, *, current_only: bool = True) -> list[dict[str, Any]]:
        """Disclosures with a suppression, by the date it ends; `current_only`: those still
        withheld today. Tags and dates only, so no person is read."""
        now = self.uow.now()
        with self.uow.read() as connection:
            rows = consent_queries.suppressions(connection)
        today = dutch_date(now)
        return [
            {
                "disclosure_id": str(UUID(hex=row["disclosure_id"])),
                "subject_tag": row["subject_tag"],
                "suppressed_until": row["suppressed_until"],
                "suppression_authority": row["suppression_authority"],
                "withheld": is_withheld(row["suppressed_until"], now=now),
                "days_left": max((row["suppressed_until"] - today).days, 0),
                "retracted": row["retracted"],
            }
            for row in rows
            if not current_only or is_withheld(row["suppressed_until"], now=now)
        ]

    # -- plumbing ---------------------------------------------------------------------------

    def _committed(
        self,
        connection: Connection,
        disclosure: Disclosure,
        event_type: str,
        after: dict[str, Any],
        reason: str,
    ) -> dict[str, str]:
        """The event's commitment to the disclosure as it stands after it (as a correction's),
        its salt and its reason, both sealed for the person."""
        key = self._key(connection, disclosure)
        secret = self.vault.open(key, disclosure.id, disclosure.sealed)
        version = disclosure.version + 1
        plaintext = opening(
            disclosure_id=disclosure.id,
            version=version,
            event_type=event_type,
            clear=after,
            secret=secret,
            reason=reason,
        )
        salt = os.urandom(32)
        return {
            "commitment": commitment_of(salt, plaintext).hex(),
            "salt": self.vault.seal_bytes(key, salt_context(disclosure.id, version), salt),
            "sealed_reason": self.vault.seal_bytes(
                key, suppression_reason_context(disclosure.id, version), reason.encode()
            ),
        }

    def _key(self, connection: Connection, disclosure: Disclosure) -> SubjectKey:
        key = self.vault.keys_by_tag(connection, [disclosure.subject_tag]).get(
            disclosure.subject_tag
        )
        if key is None:
            raise InvalidChange({"subject": "was erased: this disclosure can no longer change"})
        return key

    def _get(self, disclosure_id: UUID) -> Disclosure:
        try:
            disclosure: Any = self.uow.store.repository.get(disclosure_id)
        except AggregateNotFoundError:
            raise DisclosureNotFound(disclosure_id) from None
        if not isinstance(disclosure, Disclosure):
            raise DisclosureNotFound(disclosure_id)
        if disclosure.is_retracted:
            raise DisclosureRetractedError(disclosure_id)
        return disclosure

    def _save(self, connection: Connection, disclosure: Disclosure) -> Receipt:
        last: Any = self.uow.save(connection, [disclosure])[-1]
        return Receipt(disclosure.id, last.domain_event.timestamp, last.notification.id)


def _until(fields: dict[str, Any]) -> date | None:
    value = fields.get("suppressed_until")
    return date.fromisoformat(value) if value else None
