"""Recipient notifications (GDPR Art. 19): a rectification (later also an erasure or a
restriction) of a person's data is recorded, every recipient that received the affected data is
derived from the recorded disclosures, and each notification is marked sent, impossible or
disproportionate; each step an event in the person's chain of the verifiable log.

The person is named only by their vault tag; their subject id and every reason are sealed with
their key, so erasure reaches them. The notifications of an erasure's own notice are marked
after the key is gone: their salt and reason are then kept in clear (the reason must not name
the person; see the README, "Erasure").
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Collection
from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from sqlalchemy import Connection

from ledger.adapters.vault import SubjectKey, SubjectVault, VaultError
from ledger.app.reading import Reader, Reading
from ledger.app.sealing import salt_context
from ledger.app.uow import UnitOfWork
from ledger.domain.errors import (
    NotificationNotFound,
    SubjectUnknown,
)
from ledger.domain.recipient_notice import (
    NOT_SENT,
    RecipientNotice,
    judge_not_sent,
    judge_recording,
    judge_sent,
    notice_opening,
)
from ledger.domain.subjects import normal_subject_id
from ledger.domain.suppression import dutch_date
from ledger.domain.vocabulary import Vocabulary
from ledger.integrity.leaves import commitment as commitment_of
from ledger.projections import notice_queries


class RecipientNotifications:
    def __init__(
        self, *, uow: UnitOfWork, vault: SubjectVault, reading: Reading, vocabulary: Vocabulary
    ) -> None:
        self.uow = uow
        self.vault = vault
        self.reading = reading
        self.vocabulary = vocabulary

    # -- steps ------------------------------------------------------------------------------

    def record(
        self,
        *,
        subject_id: str,
        cause: str,
        data_categories: list[str],
        since: date | None,
        reason: str,
        person_asked: bool,
        actor: str,
    ) -> UUID:
        """Record that the person's data was rectified (or erased, or restricted) and create
        one notification per recipient that received any of `data_categories`."""
        subject_id = normal_subject_id(subject_id)  # InvalidSubjectId: no one has it
        with self.uow.write() as connection:
            key = self.vault.find(connection, subject_id)
            if key is None:
                raise SubjectUnknown()
            notice = self.notice_for(
                connection,
                key,
                subject_id=subject_id,
                cause=cause,
                data_categories=data_categories,
                since=since,
                reason=reason,
                person_asked=person_asked,
                actor=actor,
            )
            self.uow.save(connection, [notice])
        return notice.id

    def notice_for(
        self,
        connection: Connection,
        key: SubjectKey,
        *,
        subject_id: str,
        cause: str,
        data_categories: Collection[str],
        since: date | None,
        reason: str,
        person_asked: bool,
        actor: str,
    ) -> RecipientNotice:
        """The notice with its recipients as they stand in this write transaction, not yet
        saved: erasure derives the list here and saves it with its own events, before the
        person's key is destroyed."""
        categories = list(dict.fromkeys(data_categories))
        reason = judge_recording(
            cause=cause,
            data_categories=categories,
            known_categories=self.vocabulary.data_categories,
            since=since,
            today=dutch_date(self.uow.now()),
            reason=reason,
        )
        notice_id = uuid.uuid4()
        recipients = notice_queries.recipients_of_data(connection, key.tag, categories, since)
        for recipient in recipients:
            recipient["notification_id"] = uuid.uuid4().hex
        fields: dict[str, Any] = {
            "subject_tag": key.tag,
            "cause": cause,
            "data_categories": categories,
            "since": None if since is None else since.isoformat(),
            "recorded_on": dutch_date(self.uow.now()).isoformat(),
            "person_asked": person_asked,
            "recipients": recipients,
            "actor": actor,
        }
        secret = {"subject_id": subject_id, "reason": reason}
        commitment, salt = self._commit(
            key, notice_id, 1, "RecipientNoticeRecorded", fields, secret
        )
        return RecipientNotice.record(
            notice_id=notice_id,
            **fields,
            sealed_reason=self.vault.seal(key, notice_id, secret),
            commitment=commitment,
            salt=salt,
        )

    def mark_sent(self, notification_id: UUID, *, sent_on: date, channel: str, actor: str) -> None:
        """The recipient was told, on `sent_on`, through `channel`."""
        with self.uow.write() as connection:
            notice, key = self._for_marking(connection, notification_id)
            today = dutch_date(self.uow.now())
            judge_sent(
                state=notice.state_of(notification_id) or "",
                sent_on=sent_on,
                channel=channel,
                recorded_on=notice.recorded_on,
                today=today,
            )
            fields = {
                "notification_id": notification_id.hex,
                "sent_on": sent_on.isoformat(),
                "channel": channel,
                "actor": actor,
            }
            commitment, salt = self._commit(
                key,
                notice.id,
                notice.version + 1,
                "RecipientNotified",
                {**fields, "subject_tag": notice.subject_tag},
                {},
            )
            notice.mark_sent(**fields, today=today, commitment=commitment, salt=salt)
            self.uow.save(connection, [notice])

    def mark_not_sent(self, notification_id: UUID, *, why: str, reason: str, actor: str) -> None:
        """Telling the recipient proved impossible or would take disproportionate effort
        (Art. 19), for the reason given; `why` is `impossible` or `disproportionate`."""
        with self.uow.write() as connection:
            notice, key = self._for_marking(connection, notification_id)
            reason = judge_not_sent(state=notice.state_of(notification_id) or "", reason=reason)
            fields = {"notification_id": notification_id.hex, "actor": actor}
            commitment, salt = self._commit(
                key,
                notice.id,
                notice.version + 1,
                NOT_SENT[why].__name__,
                {**fields, "subject_tag": notice.subject_tag},
                {"reason": reason},
            )
            notice.mark_not_sent(
                why=why,
                **fields,
                sealed_reason=_clear_reason(reason)
                if key is None
                else self.vault.seal(key, notification_id, {"reason": reason}),
                commitment=commitment,
                salt=salt,
            )
            self.uow.save(connection, [notice])

    # -- reads ------------------------------------------------------------------------------

    def notifications(self, *, reader: Reader, state: str | None = None) -> list[dict[str, Any]]:
        """Notifications (those still to send, by default all), oldest notice first; opening
        whose data they concern reads every person listed."""
        with self.uow.read() as connection:
            rows = notice_queries.notifications(connection, state=state)
            notices = {
                row["notice_id"]: notice_queries.notice(connection, row["notice_id"])
                for row in rows
            }
            keys = self.vault.keys_by_tag(connection, {row["subject_tag"] for row in rows})
        self.reading.log_reads(reader, {row["subject_tag"] for row in rows})
        return [
            self._shown(row, notices[row["notice_id"]], keys.get(row["subject_tag"]))
            for row in rows
        ]

    def notification(self, notification_id: UUID, *, reader: Reader) -> dict[str, Any]:
        with self.uow.read() as connection:
            row = notice_queries.notification(connection, notification_id.hex)
            if row is None:
                raise NotificationNotFound(notification_id)
            notice = notice_queries.notice(connection, row["notice_id"])
        key = self.reading.person(reader, tag=row["subject_tag"])
        return self._shown(row, notice, key)

    def of_subject(
        self, subject_id: str, *, reader: Reader, cause: str | None = None
    ) -> list[dict[str, Any]]:
        """A person's notices (rectifications, later erasures and restrictions; `cause` picks
        one kind), oldest first, each with its notifications."""
        key = self.reading.person(reader, subject_id=subject_id)
        if key is None:
            return []
        with self.uow.read() as connection:
            notices = [
                notice
                for notice in notice_queries.notices_of_subject(connection, key.tag)
                if cause is None or notice["cause"] == cause
            ]
            rows = notice_queries.notifications(
                connection, notice_ids=[notice["notice_id"] for notice in notices]
            )
        return [
            {
                **self._notice(notice, key),
                "notifications": [
                    self._shown(row, notice, key, with_notice=False)
                    for row in rows
                    if row["notice_id"] == notice["notice_id"]
                ],
            }
            for notice in notices
        ]

    def notice(self, notice_id: UUID, *, reader: Reader) -> dict[str, Any]:
        with self.uow.read() as connection:
            notice = notice_queries.notice(connection, notice_id.hex)
            if notice is None:
                raise NotificationNotFound(notice_id)
            rows = notice_queries.notifications(connection, notice_ids=[notice_id.hex])
        key = self.reading.person(reader, tag=notice["subject_tag"])
        return {
            **self._notice(notice, key),
            "notifications": [self._shown(row, notice, key, with_notice=False) for row in rows],
        }

    # -- plumbing ---------------------------------------------------------------------------

    def _for_marking(
        self, connection: Connection, notification_id: UUID
    ) -> tuple[RecipientNotice, SubjectKey | None]:
        row = notice_queries.notification(connection, notification_id.hex)
        if row is None:
            raise NotificationNotFound(notification_id)
        try:
            notice: RecipientNotice = self.uow.store.repository.get(UUID(hex=row["notice_id"]))
        except AggregateNotFoundError:
            raise NotificationNotFound(notification_id) from None
        # None once the person is erased: the erasure's own notice must still be marked.
        return notice, self.vault.keys_by_tag(connection, [notice.subject_tag]).get(
            notice.subject_tag
        )

    def _commit(
        self,
        key: SubjectKey | None,
        notice_id: UUID,
        version: int,
        event_type: str,
        fields: dict[str, Any],
        secret: dict[str, Any],
    ) -> tuple[str, str]:
        """A salted commitment to the event's opening, and the salt sealed for the person; once
        the person is erased (marking the erasure's notice) the salt is kept in clear, as hex."""
        plaintext = notice_opening(
            notice_id=notice_id,
            version=version,
            event_type=event_type,
            fields=fields,
            secret=secret,
        )
        salt = os.urandom(32)
        if key is None:
            return commitment_of(salt, plaintext).hex(), salt.hex()
        sealed_salt = self.vault.seal_bytes(key, salt_context(notice_id, version), salt)
        return commitment_of(salt, plaintext).hex(), sealed_salt

    def _notice(self, notice: dict[str, Any], key: SubjectKey | None) -> dict[str, Any]:
        notice_id = UUID(hex=notice["notice_id"])
        secret = _opened(self.vault, key, notice_id, notice["sealed_reason"])
        return {
            "id": str(notice_id),
            "subject_tag": notice["subject_tag"],
            "subject_id": secret.get("subject_id"),
            "cause": notice["cause"],
            "data_categories": notice["data_categories"],
            "since": notice["since"],
            "reason": secret.get("reason"),
            "person_asked": notice["person_asked"],
            "recorded_on": notice["recorded_on"],
            "recorded_at": notice["recorded_at"],
            "actor": notice["actor"],
        }

    def _shown(
        self,
        row: dict[str, Any],
        notice: dict[str, Any] | None,
        key: SubjectKey | None,
        *,
        with_notice: bool = True,
    ) -> dict[str, Any]:
        notification_id = UUID(hex=row["notification_id"])
        reason = None
        if row["sealed_reason"] is not None:
            reason = _opened(self.vault, key, notification_id, row["sealed_reason"]).get("reason")
            if reason is None and row["sealed_reason"].startswith("{"):
                reason = json.loads(row["sealed_reason"])["reason"]
        shown: dict[str, Any] = {
            "id": str(notification_id),
            "notice_id": str(UUID(hex=row["notice_id"])),
            "recipient": {
                "category": row["recipient_category"],
                "name": row["recipient_name"],
                "id": row["recipient_id"],
            },
            "data_categories": row["data_categories"],
            "first_on": row["first_on"],
            "last_on": row["last_on"],
            "state": row["state"],
            "sent_on": row["sent_on"],
            "channel": row["channel"],
            "reason": reason,
            "marked_at": row["marked_at"],
            "marked_by": row["marked_by"],
        }
        if with_notice and notice is not None:
            shown["notice"] = self._notice(notice, key)
        return shown


def _clear_reason(reason: str) -> str:
    """A reason kept in clear, marking a notification after the person's erasure: JSON, which
    base64 (every sealed value) never starts with. It must not name the person."""
    return json.dumps({"reason": reason}, ensure_ascii=False)


def _opened(
    vault: SubjectVault, key: SubjectKey | None, sealed_for: UUID, sealed: str
) -> dict[str, Any]:
    """A sealed value opened, or nothing once the person is erased."""
    if key is None:
        return {}
    try:
        return vault.open(key, sealed_for, sealed)
    except VaultError:
        return {}
