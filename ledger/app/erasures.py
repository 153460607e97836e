"""Erasure (GDPR Art. 17) by crypto-shredding: a request is carried out at once when no
retention rule holds the person's data, else scheduled for the day the last one ends; a
retention run erases everyone whose every period has ended and carries out the scheduled
erasures that came due.

Carrying one out is one write transaction: the Art. 19 notice of the recipients to tell (saved
before the key goes), the `SubjectErased` fact, the tag added to the list of shredded tags
(fsynced before the commit), the vault row deleted and the person's read rows removed by the
projector. After the commit the database is scrubbed of the deleted bytes. On start the ledger
carries out again every listed erasure whose key a restored database still holds (`reapply`).
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from sqlalchemy import Connection, select

from ledger.adapters import overview_links
from ledger.adapters.database import Database
from ledger.adapters.erased_tags import ErasedTag, ErasedTags
from ledger.adapters.vault import SubjectKey, SubjectVault, VaultError
from ledger.app.notifications import RecipientNotifications
from ledger.app.retention import Retention
from ledger.app.sealing import seal_request_text, sealed_commitment
from ledger.app.uow import UnitOfWork
from ledger.domain.access_request import check_reason
from ledger.domain.erasure import (
    ErasedSubject,
    Erasure,
    erased_subject_id,
    erasure_opening,
    judge_request,
)
from ledger.domain.errors import ErasureConflict, ErasureNotFound, InvalidChange, InvalidSubjectId
from ledger.domain.retention import Hold, erasable_from
from ledger.domain.subjects import normal_subject_id
from ledger.domain.suppression import dutch_date
from ledger.integrity.leaves import commitment as commitment_of
from ledger.projections import erasures as erasure_queries
from ledger.projections import notice_queries
from ledger.projections.tables import disclosure_rows, disclosures, term_sets

# What the vacuum rewrites on PostgreSQL: the vault, and the links whose lookup was blanked.
SCRUBBED_TABLES = ("subject_vault", "overview_links")
RETENTION_REASON = "the retention period of every disclosure of this person has ended"
RETENTION_ACTOR = "retention"
RESTORE_REASON = "an erasure on the list of shredded tags, carried out again on start"


@dataclass(frozen=True, slots=True)
class ErasureOutcome:
    """What an erasure request came to: `nothing_held` (nothing recorded), `scheduled` (a rule
    holds: `holds`, `erasable_from`) or `erased` (`notice_id`, `notifications` to send)."""

    state: str
    erasure_id: UUID | None = None
    erasable_from: date | None = None
    holds: list[dict[str, Any]] = field(default_factory=list)
    notice_id: UUID | None = None
    notifications: list[dict[str, Any]] = field(default_factory=list)
    scrubbed: bool = True


@dataclass(frozen=True, slots=True)
class RunLine:
    """One person of a retention run: `erased` (basis) or `held` (still, until `until`)."""

    tag: str
    action: str
    basis: str | None = None
    until: date | None = None
    erasure_id: str | None = None


@dataclass(frozen=True, slots=True)
class RetentionRun:
    """What a retention run did, person by person; `scrubbed` False when SQLite's WAL stayed
    busy (or PostgreSQL kept a deleted row for an older snapshot) after the last erasure."""

    lines: list[RunLine]
    scrubbed: bool = True


class Erasures:
    def __init__(
        self,
        *,
        uow: UnitOfWork,
        database: Database,
        vault: SubjectVault,
        notifications: RecipientNotifications,
        retention: Retention,
        erased_tags: ErasedTags,
    ) -> None:
        self.uow = uow
        self.database = database
        self.vault = vault
        self.notifications = notifications
        self.retention = retention
        self.erased_tags = erased_tags

    # -- a person's request -----------------------------------------------------------------

    def request(
        self, *, subject_id: str, reason: str, requested_on: date | None, actor: str
    ) -> ErasureOutcome:
        """Erase the person now, or schedule it while a retention rule holds their data."""
        try:
            subject_id = normal_subject_id(subject_id)
        except InvalidSubjectId as error:
            raise InvalidChange({"subject_id": next(iter(error.errors.values()))}) from None
        now = self.uow.now()
        today = dutch_date(now)
        requested_on = requested_on or today
        reason = judge_request(requested_on=requested_on, reason=reason, now=now)
        with self.uow.write() as connection:
            key = self.vault.find(connection, subject_id)
            if key is None:
                return ErasureOutcome(state="nothing_held")
            waiting = erasure_queries.scheduled_of_subject(connection, key.tag)
            if waiting is not None:
                when = waiting["erasable_from"] or "no date yet"
                raise ErasureConflict(
                    UUID(hex=waiting["erasure_id"]),
                    {
                        "subject_id": "an erasure of this person is already scheduled (from"
                        f" {when}): erasure {UUID(hex=waiting['erasure_id'])}"
                    },
                )
            erasure_id = uuid.uuid4()
            fields: dict[str, Any] = {
                "subject_tag": key.tag,
                "requested_on": requested_on.isoformat(),
                "actor": actor,
            }
            secret = {"subject_id": subject_id, "reason": reason}
            commitment, salt = self._sealed_commit(
                key, "erasure", erasure_id, 1, "ErasureRequested", fields, secret
            )
            erasure = Erasure.request(
                erasure_id=erasure_id,
                **fields,
                sealed_reason=self.vault.seal(key, erasure_id, secret),
                commitment=commitment,
                salt=salt,
            )
            holds = list(self.retention.holds_of(connection, key.tag, today=today))
            if holds:
                until = self._schedule(key, erasure, holds, actor)
                self.uow.save(connection, [erasure])
                return ErasureOutcome(
                    state="scheduled",
                    erasure_id=erasure_id,
                    erasable_from=until,
                    holds=[self._hold_shown(hold) for hold in holds],
                )
            notice_id, notifications = self._erase(
                connection,
                key,
                subject_id=subject_id,
                reason=reason,
                basis="request",
                erasure=erasure,
                actor=actor,
            )
        scrubbed = self.database.scrub(SCRUBBED_TABLES)
        return ErasureOutcome(
            state="erased",
            erasure_id=erasure_id,
            notice_id=notice_id,
            notifications=notifications,
            scrubbed=scrubbed,
        )

    def cancel(self, erasure_id: UUID, *, reason: str, actor: str) -> None:
        """The person withdrew their request before it was carried out (the officer records
        it); the reason is sealed with their key."""
        reason = check_reason(reason)
        with self.uow.write() as connection:
            erasure = self._get(erasure_id)
            key = self.vault.keys_by_tag(connection, [erasure.subject_tag]).get(erasure.subject_tag)
            if key is None:
                raise ErasureConflict(
                    erasure_id, {"state": "the person was erased: it can no longer change"}
                )
            version = erasure.version + 1
            fields: dict[str, Any] = {"subject_tag": erasure.subject_tag, "actor": actor}
            commitment, salt = self._sealed_commit(
                key, "erasure", erasure_id, version, "ErasureCancelled", fields, {"reason": reason}
            )
            erasure.cancel(
                sealed_reason=seal_request_text(self.vault, key, erasure_id, version, reason),
                actor=actor,
                commitment=commitment,
                salt=salt,
            )
            self.uow.save(connection, [erasure])

    # -- the retention run ------------------------------------------------------------------

    def apply_retention(
        self,
        *,
        today: date | None = None,
        dry_run: bool = False,
        report: Callable[[RunLine], None] = lambda line: None,
    ) -> RetentionRun:
        """Erase every person whose every retention period has ended, and carry out every
        scheduled erasure whose date has come (judged again today: a new hold schedules it
        again). Each person in a transaction of their own, so an interrupted run loses
        nothing and a second run finds nothing left to do."""
        today = today or dutch_date(self.uow.now())
        with self.uow.read() as connection:
            waiting = [
                row
                for row in erasure_queries.erasures_in_state(connection, "scheduled")
                if row["erasable_from"] is None or row["erasable_from"] <= today
            ]
            expired = self.retention.expired_tags(connection, today=today)
        candidates: dict[str, str | None] = {
            row["subject_tag"]: row["erasure_id"] for row in waiting
        }
        for tag in expired:
            candidates.setdefault(tag, None)
        lines = []
        for tag, erasure_id in candidates.items():
            line = self._retention_step(tag, erasure_id, today=today, dry_run=dry_run)
            if line is not None:
                report(line)
                lines.append(line)
        # Every run scrubs, so one an earlier erasure could not finish (a busy WAL) is done now.
        scrubbed = dry_run or self.database.scrub(SCRUBBED_TABLES)
        return RetentionRun(lines, scrubbed)

    def _retention_step(
        self, tag: str, erasure_id: str | None, *, today: date, dry_run: bool
    ) -> RunLine | None:
        transaction = self.uow.read() if dry_run else self.uow.write()
        with transaction as connection:
            key = self.vault.keys_by_tag(connection, [tag]).get(tag)
            if key is None:
                return None  # erased since the list was made
            holds = list(self.retention.holds_of(connection, tag, today=today))
            erasure = None if erasure_id is None else self._get(UUID(hex=erasure_id))
            if holds:
                if erasure is None:
                    return None  # not a candidate after all
                until = erasable_from(holds)
                if until != erasure.erasable_from and not dry_run:
                    self._schedule(key, erasure, holds, RETENTION_ACTOR)
                    self.uow.save(connection, [erasure])
                return RunLine(tag, "held", until=until, erasure_id=erasure_id)
            basis = "retention" if erasure is None else "request"
            if not dry_run:
                subject_id, reason = self._opened_request(key, erasure)
                self._erase(
                    connection,
                    key,
                    subject_id=subject_id or self._subject_id_of(connection, key),
                    reason=reason or RETENTION_REASON,
                    basis=basis,
                    erasure=erasure,
                    actor=RETENTION_ACTOR,
                )
            return RunLine(tag, "erased", basis=basis, erasure_id=erasure_id)

    # -- re-applying the list on start ------------------------------------------------------

    def reapply(self) -> int:
        """Carry out again every listed erasure whose key the database still holds (a restored
        backup from before it, or a crash between the list and the commit); the number done.
        One query per chunk of tags when there is nothing to do."""
        listed = {entry.tag: entry for entry in self.erased_tags.read()}
        if not listed:
            return 0
        with self.uow.read() as connection:
            present = self.vault.present_tags(connection, listed)
        done = 0
        for tag in present:
            with self.uow.write() as connection:
                key = self.vault.keys_by_tag(connection, [tag]).get(tag)
                if key is None:
                    continue
                if self._is_recorded(tag):
                    # The fact is in the log, its rows already gone with it: only the key is left.
                    self.vault.shred(connection, tag)
                    overview_links.forget_subject(connection, tag)
                else:
                    waiting = erasure_queries.scheduled_of_subject(connection, tag)
                    erasure = (
                        None if waiting is None else self._get(UUID(hex=waiting["erasure_id"]))
                    )
                    subject_id, reason = self._opened_request(key, erasure)
                    self._erase(
                        connection,
                        key,
                        subject_id=subject_id or self._subject_id_of(connection, key),
                        reason=reason or RESTORE_REASON,
                        basis=listed[tag].basis,
                        erasure=erasure,
                        actor="restore",
                        listed=True,
                    )
            done += 1
        if done:
            self.database.scrub(SCRUBBED_TABLES)
        return done

    # -- reads ------------------------------------------------------------------------------

    def in_state(self, state: str | None = None) -> list[dict[str, Any]]:
        """Erasures (requested, scheduled, done, cancelled), oldest first; they name no one but
        the tag."""
        with self.uow.read() as connection:
            rows = erasure_queries.erasures_in_state(connection, state)
        return [self._shown(row) for row in rows]

    def get(self, erasure_id: UUID) -> dict[str, Any]:
        with self.uow.read() as connection:
            row = erasure_queries.erasure(connection, erasure_id.hex)
        if row is None:
            raise ErasureNotFound(erasure_id)
        return self._shown(row)

    def outcome_shown(self, outcome: ErasureOutcome) -> dict[str, Any]:
        """An outcome as the API and pages show it."""
        return {
            "state": outcome.state,
            "erasure_id": None if outcome.erasure_id is None else str(outcome.erasure_id),
            "erasable_from": outcome.erasable_from,
            "holds": outcome.holds,
            "notice_id": None if outcome.notice_id is None else str(outcome.notice_id),
            "notifications": outcome.notifications,
        }

    # -- plumbing ---------------------------------------------------------------------------

    def _erase(
        self,
        connection: Connection,
        key: SubjectKey,
        *,
        subject_id: str | None,
        reason: str,
        basis: str,
        erasure: Erasure | None,
        actor: str,
        listed: bool = False,
    ) -> tuple[UUID | None, list[dict[str, Any]]]:
        """Inside a write: the notice (while the person's disclosures can still be read),
        the fact, the list, the key and the links; the projector removes the read rows."""
        count, categories = _held(connection, key.tag)
        notice = None
        if categories and subject_id is not None:
            notice = self.notifications.notice_for(
                connection,
                key,
                subject_id=subject_id,
                cause="erasure",
                data_categories=sorted(categories),
                since=None,
                reason=reason,
                person_asked=False,
                actor=actor,
            )
        erased_at = self.uow.now().isoformat()
        fields: dict[str, Any] = {
            "subject_tag": key.tag,
            "erased_at": erased_at,
            "basis": basis,
            "erasure_id": None if erasure is None else erasure.id.hex,
            "disclosures": count,
            "notice_id": None if notice is None else notice.id.hex,
            "actor": actor,
        }
        salt = os.urandom(32)
        plaintext = erasure_opening(
            "erased",
            erased_subject_id(key.tag),
            version=1,
            event_type="SubjectErased",
            fields=fields,
            secret={},
        )
        erased = ErasedSubject.record(
            **fields, commitment=commitment_of(salt, plaintext).hex(), salt=salt.hex()
        )
        self.uow.save(connection, [a for a in (notice, erasure, erased) if a is not None])
        if not listed:
            # Before the commit: a crash after it leaves an erasure the next start completes.
            self.erased_tags.append(ErasedTag(key.tag, erased_at, basis))
        self.vault.shred(connection, key.tag)
        overview_links.forget_subject(connection, key.tag)
        if notice is None:
            return None, []
        rows = notice_queries.notifications(connection, notice_ids=[notice.id.hex])
        return notice.id, [_notification_shown(row) for row in rows]

    def _schedule(
        self, key: SubjectKey, erasure: Erasure, holds: Sequence[Hold], actor: str
    ) -> date | None:
        until = erasable_from(holds)
        fields: dict[str, Any] = {
            "subject_tag": key.tag,
            "erasable_from": None if until is None else until.isoformat(),
            "holds": [
                {
                    "rule": hold.rule.code,
                    "until": None if hold.until is None else hold.until.isoformat(),
                    "disclosure_ids": list(hold.disclosure_ids),
                }
                for hold in holds
            ],
            "actor": actor,
        }
        version = erasure.version + 1
        commitment, salt = self._sealed_commit(
            key, "erasure", erasure.id, version, "ErasureScheduled", fields, {}
        )
        erasure.schedule(
            erasable_from=fields["erasable_from"],
            holds=fields["holds"],
            actor=actor,
            commitment=commitment,
            salt=salt,
        )
        return until

    def _sealed_commit(
        self,
        key: SubjectKey,
        kind: str,
        aggregate_id: UUID,
        version: int,
        event_type: str,
        fields: dict[str, Any],
        secret: dict[str, Any],
    ) -> tuple[str, str]:
        plaintext = erasure_opening(
            kind,
            aggregate_id,
            version=version,
            event_type=event_type,
            fields=fields,
            secret=secret,
        )
        return sealed_commitment(self.vault, key, aggregate_id, version, plaintext)

    def _opened_request(
        self, key: SubjectKey, erasure: Erasure | None
    ) -> tuple[str | None, str | None]:
        if erasure is None:
            return None, None
        try:
            secret = self.vault.open(key, erasure.id, erasure.sealed_reason)
        except VaultError:
            return None, None
        return secret.get("subject_id"), secret.get("reason")

    def _subject_id_of(self, connection: Connection, key: SubjectKey) -> str | None:
        """The person's id, from the sealed fields of one of their disclosures."""
        row = connection.execute(
            select(disclosures.c.disclosure_id, disclosures.c.sealed)
            .where(disclosures.c.subject_tag == key.tag)
            .limit(1)
        ).first()
        if row is None:
            return None
        try:
            subject_id: str = self.vault.open(key, UUID(hex=row.disclosure_id), row.sealed)[
                "subject_id"
            ]
        except (VaultError, KeyError):
            return None
        return subject_id

    def _is_recorded(self, tag: str) -> bool:
        return bool(self.uow.store.recorder.select_events(erased_subject_id(tag), limit=1))

    def _get(self, erasure_id: UUID) -> Erasure:
        try:
            erasure: Any = self.uow.store.repository.get(erasure_id)
        except AggregateNotFoundError:
            raise ErasureNotFound(erasure_id) from None
        if not isinstance(erasure, Erasure):
            raise ErasureNotFound(erasure_id)
        return erasure

    def _hold_shown(self, hold: Hold) -> dict[str, Any]:
        return {
            "rule": hold.rule.code,
            "label": dict(hold.rule.label),
            "law": hold.rule.law,
            "until": hold.until,
            "disclosures": [_disclosure_id(value) for value in hold.disclosure_ids],
        }

    def _shown(self, row: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": str(UUID(hex=row["erasure_id"])),
            "subject_tag": row["subject_tag"],
            "state": row["state"],
            "requested_on": row["requested_on"],
            "erasable_from": row["erasable_from"],
            "holds": [
                {
                    "rule": hold["rule"],
                    "until": None if hold["until"] is None else date.fromisoformat(hold["until"]),
                    "disclosures": [_disclosure_id(value) for value in hold["disclosure_ids"]],
                }
                for hold in row["holds"]
            ],
            "erased_at": row["erased_at"],
            "basis": row["basis"],
            "disclosures": row["disclosures"],
            "notice_id": None if row["notice_id"] is None else str(UUID(hex=row["notice_id"])),
            "actor": row["actor"],
            "recorded_at": row["recorded_at"],
        }


def _disclosure_id(value: str) -> str:
    """A disclosure's id as the API spells it (the read model keeps it as hex)."""
    return str(UUID(hex=value))


def _held(connection: Connection, tag: str) -> tuple[int, set[str]]:
    """How many current disclosures of the person there are, and their data categories."""
    rows = connection.execute(
        select(term_sets.c.data_categories)
        .select_from(disclosure_rows)
        .where(disclosures.c.subject_tag == tag, ~disclosures.c.retracted)
    ).scalars()
    categories: set[str] = set()
    count = 0
    for value in rows:
        count += 1
        categories |= set(json.loads(value))
    return count, categories


def _notification_shown(row: dict[str, Any]) -> dict[str, Any]:
    """A recipient to tell of the erasure, as the notice derived it."""
    return {
        "id": str(UUID(hex=row["notification_id"])),
        "recipient": {
            "category": row["recipient_category"],
            "name": row["recipient_name"],
            "id": row["recipient_id"],
        },
        "data_categories": row["data_categories"],
        "first_on": row["first_on"],
        "last_on": row["last_on"],
    }
