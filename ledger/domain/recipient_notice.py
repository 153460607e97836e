"""Recipient notifications (GDPR Art. 19): a rectification, erasure or restriction of a
person's data, and the notification of every recipient that received the affected data, each
step an event in the person's chain of the verifiable log.

Which recipients are affected is derived from the recorded disclosures by the service; the
aggregate keeps the list it was given and each notification's state. The rules are plain
functions over plain values (`judge_*`); the aggregate's private events only change state.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.domain.access_request import MAX_REASON, check_reason
from ledger.domain.errors import InvalidChange, NotificationConflict
from ledger.domain.openings import aggregate_opening
from ledger.domain.topics import short_topics

# What makes the controller tell the recipients (Art. 16, 17(1), 18): the erasure issue adds
# the last two through the same service.
CAUSES = ("rectification", "erasure", "restriction")
CHANNELS = ("email", "letter", "portal", "phone")
STATES = ("to_send", "sent", "impossible", "disproportionate")
EARLIEST = date(2018, 5, 25)  # the GDPR's application: an earlier date is a typing error

SEALED_FIELDS = frozenset({"sealed_reason"})

__all__ = ["CAUSES", "CHANNELS", "MAX_REASON", "STATES", "RecipientNotice"]


def notice_opening(
    *,
    notice_id: UUID,
    version: int,
    event_type: str,
    fields: Mapping[str, Any],
    secret: Mapping[str, Any],
) -> bytes:
    """The canonical plaintext one notice event commits to: its clear fields and the opened
    sealed reason; sorted keys, no spaces, UTF-8 (as the access request's)."""
    return aggregate_opening(
        "notice",
        notice_id,
        version=version,
        event_type=event_type,
        fields=fields,
        secret=secret,
        sealed_fields=SEALED_FIELDS,
    )


# -- the rules -------------------------------------------------------------------------------


def judge_recording(
    *,
    cause: str,
    data_categories: Collection[str],
    known_categories: Collection[str],
    since: date | None,
    today: date,
    reason: str | None,
) -> str:
    """The cause, the affected data and the date are sound; returns the trimmed reason."""
    errors: dict[str, str] = {}
    if cause not in CAUSES:
        errors["cause"] = f"must be one of {', '.join(CAUSES)}"
    if not data_categories:
        errors["data_categories"] = "name at least one data category"
    for number, code in enumerate(data_categories):
        if code not in known_categories:
            errors[f"data_categories.{number}"] = f"unknown data category {code!r}"
    if since is not None and since > today:
        errors["since"] = "may not be in the future (Dutch date)"
    elif since is not None and since < EARLIEST:
        errors["since"] = f"may not be before {EARLIEST}"
    try:
        reason = check_reason(reason)
    except InvalidChange as error:
        errors.update(error.errors)
    if errors:
        raise InvalidChange(errors)
    assert reason is not None
    return reason


def judge_unmarked(state: str) -> None:
    """A notification is marked once: sent, impossible or disproportionate."""
    if state != "to_send":
        raise NotificationConflict({"state": f"the notification was marked {state} before"})


def judge_sent(*, state: str, sent_on: date, channel: str, recorded_on: date, today: date) -> None:
    judge_unmarked(state)
    errors = {}
    if sent_on > today:
        errors["sent_on"] = "may not be in the future (Dutch date)"
    elif sent_on < recorded_on:
        errors["sent_on"] = f"may not be before the {recorded_on} it was recorded"
    if channel not in CHANNELS:
        errors["channel"] = f"must be one of {', '.join(CHANNELS)}"
    if errors:
        raise InvalidChange(errors)


def judge_not_sent(*, state: str, reason: str | None) -> str:
    """Impossible or disproportionate (Art. 19): only with the reason why."""
    judge_unmarked(state)
    return check_reason(reason)


# -- the aggregate -----------------------------------------------------------------------------


@short_topics
class RecipientNotice(Aggregate):
    """One rectification, erasure or restriction of a person's data, with one notification per
    recipient that received the affected data. Every event carries the subject's tag, the actor
    and a salted commitment (the salt sealed for the subject): a leaf in the person's chain.
    """

    class RecipientNoticeRecorded(Aggregate.Created):
        subject_tag: str
        cause: str
        data_categories: list[str]
        since: str | None
        recorded_on: str
        person_asked: bool
        recipients: list[dict[str, Any]]
        sealed_reason: str
        actor: str
        commitment: str
        salt: str

    class RecipientNotified(Aggregate.Event):
        notification_id: str
        sent_on: str
        channel: str
        actor: str
        subject_tag: str
        commitment: str
        salt: str

        def apply(self, aggregate: Any) -> None:
            aggregate.states[self.notification_id] = "sent"

    class RecipientNoticeImpossible(Aggregate.Event):
        notification_id: str
        sealed_reason: str
        actor: str
        subject_tag: str
        commitment: str
        salt: str

        def apply(self, aggregate: Any) -> None:
            aggregate.states[self.notification_id] = "impossible"

    class RecipientNoticeDisproportionate(Aggregate.Event):
        notification_id: str
        sealed_reason: str
        actor: str
        subject_tag: str
        commitment: str
        salt: str

        def apply(self, aggregate: Any) -> None:
            aggregate.states[self.notification_id] = "disproportionate"

    @event(RecipientNoticeRecorded)
    def __init__(
        self,
        *,
        subject_tag: str,
        cause: str,
        data_categories: list[str],
        since: str | None,
        recorded_on: str,
        person_asked: bool,
        recipients: list[dict[str, Any]],
        sealed_reason: str,
        actor: str,
        commitment: str,
        salt: str,
    ) -> None:
        self.subject_tag = subject_tag
        self.cause = cause
        self.recorded_on = date.fromisoformat(recorded_on)
        self.states: dict[str, str] = {r["notification_id"]: "to_send" for r in recipients}

    @classmethod
    def record(cls, *, notice_id: UUID, **fields: Any) -> RecipientNotice:
        """Record it; the caller judged it with `judge_recording` and derived the recipients."""
        return cls._create(cls.RecipientNoticeRecorded, id=notice_id, **fields)

    def state_of(self, notification_id: UUID) -> str | None:
        return self.states.get(notification_id.hex)

    # Each marking is judged by the service before it computes the event's commitment, and
    # judged again here, so the aggregate never holds a marking its rules refuse.

    def mark_sent(
        self,
        *,
        notification_id: str,
        sent_on: str,
        channel: str,
        today: date,
        actor: str,
        commitment: str,
        salt: str,
    ) -> None:
        judge_sent(
            state=self.states[notification_id],
            sent_on=date.fromisoformat(sent_on),
            channel=channel,
            recorded_on=self.recorded_on,
            today=today,
        )
        self._step(
            self.RecipientNotified,
            notification_id=notification_id,
            sent_on=sent_on,
            channel=channel,
            actor=actor,
            commitment=commitment,
            salt=salt,
        )

    def mark_not_sent(
        self,
        *,
        why: str,
        notification_id: str,
        sealed_reason: str,
        actor: str,
        commitment: str,
        salt: str,
    ) -> None:
        judge_unmarked(self.states[notification_id])
        event_class = (
            self.RecipientNoticeImpossible
            if why == "impossible"
            else self.RecipientNoticeDisproportionate
        )
        self._step(
            event_class,
            notification_id=notification_id,
            sealed_reason=sealed_reason,
            actor=actor,
            commitment=commitment,
            salt=salt,
        )

    def _step(self, event_class: type[Aggregate.Event], **fields: Any) -> None:
        self.trigger_event(event_class, subject_tag=self.subject_tag, **fields)


EVENTS: tuple[type[Aggregate.Event], ...] = (
    RecipientNotice.RecipientNoticeRecorded,
    RecipientNotice.RecipientNotified,
    RecipientNotice.RecipientNoticeImpossible,
    RecipientNotice.RecipientNoticeDisproportionate,
)
NOT_SENT: dict[str, type[Aggregate.Event]] = {
    "impossible": RecipientNotice.RecipientNoticeImpossible,
    "disproportionate": RecipientNotice.RecipientNoticeDisproportionate,
}
