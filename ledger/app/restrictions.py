"""Restriction of processing (GDPR Art. 18): the privacy officer restricts a person's processing
with a reason and an end date, and may lift it; each step an event in the person's chain of the
log. While a restriction holds, `recording` refuses a disclosure of the person that names no
ground of Art. 18(2). Imposing one records, in the same transaction, the Art. 19 notice that
tells every recipient of the person's data.

The person is named only by their vault tag; the reasons are sealed with their key.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from ledger.adapters.vault import SubjectKey, SubjectVault, VaultError
from ledger.app.notifications import RecipientNotifications
from ledger.app.reading import Reader, Reading
from ledger.app.sealing import open_restriction_reason, seal_restriction_reason, sealed_commitment
from ledger.app.uow import UnitOfWork
from ledger.domain.errors import InvalidChange, InvalidSubjectId, RestrictionNotFound
from ledger.domain.restriction import (
    Restriction,
    check_reason,
    judge_imposing,
    judge_lifting,
    restriction_opening,
)
from ledger.domain.subjects import normal_subject_id
from ledger.domain.suppression import dutch_date
from ledger.projections import restriction_queries

# The officer's list marks restrictions that end within this many days.
ENDING_SOON_DAYS = 30


@dataclass(frozen=True, slots=True)
class Imposed:
    """A restriction recorded, and the Art. 19 notice recorded with it (None: no recipient
    had received the person's data)."""

    restriction_id: UUID
    notice_id: UUID | None


class Restrictions:
    def __init__(
        self,
        *,
        uow: UnitOfWork,
        vault: SubjectVault,
        reading: Reading,
        notifications: RecipientNotifications,
    ) -> None:
        self.uow = uow
        self.vault = vault
        self.reading = reading
        self.notifications = notifications

    def impose(
        self,
        *,
        subject_id: str,
        reason: str,
        until: date,
        since: datetime | None = None,
        actor: str,
    ) -> Imposed:
        """Restrict the person's processing from `since` (default now) through the Dutch date
        `until`. A person the ledger knows nothing of yet gets a vault key here, as a consent
        does. Overlapping restrictions are allowed: each counts until it ends or is lifted."""
        try:
            subject_id = normal_subject_id(subject_id)
        except InvalidSubjectId as error:
            raise InvalidChange({"subject_id": next(iter(error.errors.values()))}) from None
        now = self.uow.now()
        since = now if since is None else since
        reason = judge_imposing(reason=reason, since=since, until=until, now=now)
        restriction_id = uuid.uuid4()
        with self.uow.write() as connection:
            key = self.vault.keys_for(connection, [subject_id], now=now)[subject_id]
            categories = restriction_queries.data_categories_of(connection, key.tag)
            notice = None
            if categories:
                notice = self.notifications.notice_for(
                    connection,
                    key,
                    subject_id=subject_id,
                    cause="restriction",
                    data_categories=categories,
                    since=None,
                    reason=reason,
                    person_asked=False,
                    actor=actor,
                )
            fields: dict[str, Any] = {
                "subject_tag": key.tag,
                "since": since.isoformat(),
                "until": until.isoformat(),
                "notice_id": None if notice is None else notice.id.hex,
                "actor": actor,
            }
            # The person's id is sealed with the reason: a person the ledger knows only by this
            # restriction has no disclosure to find it in.
            secret = {"subject_id": subject_id, "reason": reason}
            commitment, salt = self._commit(
                key, restriction_id, 1, "RestrictionImposed", fields, secret
            )
            restriction = Restriction.impose(
                restriction_id=restriction_id,
                **fields,
                sealed_reason=self.vault.seal(key, restriction_id, secret),
                commitment=commitment,
                salt=salt,
            )
            self.uow.save(connection, [restriction] if notice is None else [notice, restriction])
        return Imposed(restriction_id, None if notice is None else notice.id)

    def lift(self, restriction_id: UUID, *, reason: str | None, actor: str) -> None:
        """End the restriction now: from this moment the person's data may be disclosed again
        without a ground of Art. 18(2). Once only, and only before it ended by itself."""
        reason = check_reason(reason, required=False)
        with self.uow.write() as connection:
            restriction = self._get(restriction_id)
            now = self.uow.now()
            judge_lifting(until=restriction.until, lifted_at=restriction.lifted_at, now=now)
            tag = restriction.subject_tag
            key = self.vault.keys_by_tag(connection, [tag]).get(tag)
            if key is None:
                raise InvalidChange(
                    {"subject": "was erased: this restriction can no longer change"}
                )
            version = restriction.version + 1
            fields: dict[str, Any] = {
                "lifted_at": now.isoformat(),
                "actor": actor,
                "subject_tag": tag,
            }
            commitment, salt = self._commit(
                key, restriction_id, version, "RestrictionLifted", fields, {"reason": reason}
            )
            restriction.lift(
                lifted_at=fields["lifted_at"],
                sealed_reason=None
                if reason is None
                else seal_restriction_reason(self.vault, key, restriction_id, version, reason),
                now=now,
                actor=actor,
                commitment=commitment,
                salt=salt,
            )
            self.uow.save(connection, [restriction])

    # -- reads ------------------------------------------------------------------------------

    def of_subject(self, subject_id: str, *, reader: Reader) -> list[dict[str, Any]]:
        """A person's restrictions, oldest first, reasons opened; a logged read."""
        key = self.reading.person(reader, subject_id=subject_id)
        if key is None:
            return []
        with self.uow.read() as connection:
            rows = restriction_queries.restrictions_of_tags(connection, [key.tag])
        return [self._shown(row, key) for row in rows]

    def of_tag(self, tag: str) -> list[dict[str, Any]]:
        """A person's restrictions, for a caller that has just logged its read of them
        (through `reading.person` or `reading.overview`, as the officer's page does)."""
        with self.uow.read() as connection:
            rows = restriction_queries.restrictions_of_tags(connection, [tag])
            key = self.vault.keys_by_tag(connection, [tag]).get(tag)
        return [self._shown(row, key) for row in rows]

    def get(self, restriction_id: UUID, *, reader: Reader) -> dict[str, Any]:
        with self.uow.read() as connection:
            row = restriction_queries.restriction(connection, restriction_id.hex)
        if row is None:
            raise RestrictionNotFound(restriction_id)
        key = self.reading.person(reader, tag=row["subject_tag"])
        return self._shown(row, key)

    def in_force(self, *, reader: Reader, today: date | None = None) -> list[dict[str, Any]]:
        """Restrictions not lifted that end today or later, soonest end first, each with the
        person's id (a logged read of every person listed) and `ending_soon` when it ends
        within 30 days."""
        today = dutch_date(self.uow.now()) if today is None else today
        with self.uow.read() as connection:
            rows = restriction_queries.not_ended(connection, today=today)
            keys = self.vault.keys_by_tag(connection, {row["subject_tag"] for row in rows})
        self.reading.log_reads(reader, keys)
        shown = []
        for row in rows:
            key = keys.get(row["subject_tag"])
            item = self._shown(row, key, today=today)
            item["ending_soon"] = row["until"] <= today + timedelta(days=ENDING_SOON_DAYS)
            shown.append(item)
        return shown

    def _shown(
        self, row: dict[str, Any], key: SubjectKey | None, *, today: date | None = None
    ) -> dict[str, Any]:
        restriction_id = UUID(hex=row["restriction_id"])
        reason = lift_reason = subject_id = None
        if key is not None:
            try:
                imposed = self.vault.open(key, restriction_id, row["sealed_reason"])
                subject_id, reason = imposed["subject_id"], imposed["reason"]
                if row["sealed_lift_reason"] is not None:
                    lift_reason = open_restriction_reason(
                        self.vault, key, restriction_id, row["version"], row["sealed_lift_reason"]
                    )
            except VaultError:
                pass
        now = self.uow.now()
        today = dutch_date(now) if today is None else today
        return {
            "id": str(restriction_id),
            "subject_tag": row["subject_tag"],
            "subject_id": subject_id,
            "since": row["since"],
            "until": row["until"],
            "reason": reason,
            "actor": row["actor"],
            "notice_id": None if row["notice_id"] is None else str(UUID(hex=row["notice_id"])),
            "lifted_at": row["lifted_at"],
            "lift_reason": lift_reason,
            "lifted_by": row["lifted_by"],
            "recorded_at": row["recorded_at"],
            "in_force": row["lifted_at"] is None and row["since"] <= now and row["until"] >= today,
        }

    # -- plumbing ---------------------------------------------------------------------------

    def _commit(
        self,
        key: SubjectKey,
        restriction_id: UUID,
        version: int,
        event_type: str,
        fields: dict[str, Any],
        secret: dict[str, Any],
    ) -> tuple[str, str]:
        """A salted commitment to the event's opening, and the salt sealed for the person."""
        plaintext = restriction_opening(
            restriction_id=restriction_id,
            version=version,
            event_type=event_type,
            fields=fields,
            secret=secret,
        )
        return sealed_commitment(self.vault, key, restriction_id, version, plaintext)

    def _get(self, restriction_id: UUID) -> Restriction:
        try:
            restriction: Restriction = self.uow.store.repository.get(restriction_id)
        except AggregateNotFoundError:
            raise RestrictionNotFound(restriction_id) from None
        if not isinstance(restriction, Restriction):
            raise RestrictionNotFound(restriction_id)
        return restriction
