"""An access request (GDPR Art. 15) and its legal deadline (Art. 12(3)), as an aggregate whose
every step is an event in the person's chain of the verifiable log.

The rules are plain functions over plain values (`judge_*`); the aggregate's public methods
call them, its private `@event` methods only change state, so replaying history never
re-judges old steps against today's rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.domain.deadlines import IsHoliday, answer_due
from ledger.domain.errors import AccessRequestConflict, InvalidChange
from ledger.domain.openings import aggregate_opening
from ledger.domain.suppression import dutch_date
from ledger.domain.topics import short_topics

CHANNELS = ("email", "letter", "web_form", "in_person")
STATES = ("open", "answered", "withdrawn", "refused")
# No Art. 15 request can predate the GDPR's application (25 May 2018): an earlier date is a
# typing error or a system's empty default.
EARLIEST_RECEIPT = date(2018, 5, 25)
MAX_REASON = 1000

SEALED_FIELDS = frozenset({"sealed_reference", "sealed_overview", "sealed_how", "sealed_reason"})


def request_opening(
    *,
    request_id: UUID,
    version: int,
    event_type: str,
    fields: Mapping[str, Any],
    secret: Mapping[str, Any],
) -> bytes:
    """The canonical plaintext one request event commits to: its clear fields and the opened
    sealed ones; sorted keys, no spaces, UTF-8 (as `ledger.domain.disclosure.opening`)."""
    return aggregate_opening(
        "request",
        request_id,
        version=version,
        event_type=event_type,
        fields=fields,
        secret=secret,
        sealed_fields=SEALED_FIELDS,
    )


# -- the rules -------------------------------------------------------------------------------


def judge_opening(*, received_on: date, channel: str, now: datetime) -> None:
    errors = {}
    if received_on > dutch_date(now):
        errors["received_at"] = "may not be in the future (Dutch date)"
    elif received_on < EARLIEST_RECEIPT:
        errors["received_at"] = f"may not be before {EARLIEST_RECEIPT} (the GDPR's application)"
    if channel not in CHANNELS:
        errors["channel"] = f"must be one of {', '.join(CHANNELS)}"
    if errors:
        raise InvalidChange(errors)


def check_reason(reason: str | None, field: str = "reason") -> str:
    text = (reason or "").strip()
    if not text:
        raise InvalidChange({field: "is required"})
    if len(text) > MAX_REASON:
        raise InvalidChange({field: f"may be at most {MAX_REASON} characters"})
    return text


def judge_open_state(state: str) -> None:
    """Identity checks, extensions, answers, withdrawals and refusals happen while it is open."""
    if state != "open":
        raise AccessRequestConflict({"state": f"the request is {state}, no longer open"})


def judge_extension(
    *, state: str, due: date, due_extended: date | None, reason: str | None, now: datetime
) -> str:
    judge_open_state(state)
    if due_extended is not None:
        raise AccessRequestConflict({"due_extended": "the deadline was extended before: once only"})
    if dutch_date(now) > due:
        raise AccessRequestConflict(
            {"due": f"an extension is allowed only until the first deadline, {due}"}
        )
    return check_reason(reason)


def judge_notice(
    *, state: str, due: date, due_extended: date | None, told_on: date, now: datetime
) -> None:
    """The person must be told of an extension within the first month (Art. 12(3))."""
    if due_extended is None:
        raise AccessRequestConflict({"due_extended": "the deadline was not extended"})
    judge_open_state(state)
    if told_on > dutch_date(now):
        raise InvalidChange({"told_on": "may not be in the future (Dutch date)"})
    if told_on > due:
        raise AccessRequestConflict(
            {"told_on": f"the person must be told within the first month, by {due}"}
        )


# -- the aggregate -----------------------------------------------------------------------------


@short_topics
class AccessRequest(Aggregate):
    """One person's request to see their data, from receipt to answer, withdrawal or refusal.

    Every event carries the subject's tag, the actor and a salted commitment (the salt sealed
    for the subject), like a disclosure's, so each is a leaf in the person's chain.
    """

    class AccessRequestOpened(Aggregate.Created):
        subject_tag: str
        received_on: str
        channel: str
        sealed_reference: str | None
        due: str
        actor: str
        commitment: str
        salt: str

    # Free text (how the identity was checked, a reason) may name the person or their
    # circumstances: it is stored only sealed with their key, and committed to in clear.

    class IdentityVerified(Aggregate.Event):
        sealed_how: str
        actor: str
        subject_tag: str
        commitment: str
        salt: str

        def apply(self, aggregate: Any) -> None:
            aggregate.identity_verified = True

    class DeadlineExtended(Aggregate.Event):
        sealed_reason: str
        due_extended: str
        actor: str
        subject_tag: str
        commitment: str
        salt: str

        def apply(self, aggregate: Any) -> None:
            aggregate.due_extended = date.fromisoformat(self.due_extended)

    class PersonToldOfExtension(Aggregate.Event):
        told_on: str
        actor: str
        subject_tag: str
        commitment: str
        salt: str

        def apply(self, aggregate: Any) -> None:
            aggregate.told_on = date.fromisoformat(self.told_on)

    class AccessRequestAnswered(Aggregate.Event):
        overview_sha256: str
        tree_size: int
        root_hash: str
        withheld: list[str]
        sealed_overview: str
        actor: str
        subject_tag: str
        commitment: str
        salt: str

        def apply(self, aggregate: Any) -> None:
            aggregate.state = "answered"

    class AccessRequestWithdrawn(Aggregate.Event):
        sealed_reason: str
        actor: str
        subject_tag: str
        commitment: str
        salt: str

        def apply(self, aggregate: Any) -> None:
            aggregate.state = "withdrawn"

    class AccessRequestRefused(Aggregate.Event):
        sealed_reason: str
        actor: str
        subject_tag: str
        commitment: str
        salt: str

        def apply(self, aggregate: Any) -> None:
            aggregate.state = "refused"

    @event(AccessRequestOpened)
    def __init__(
        self,
        *,
        subject_tag: str,
        received_on: str,
        channel: str,
        sealed_reference: str | None,
        due: str,
        actor: str,
        commitment: str,
        salt: str,
    ) -> None:
        self.subject_tag = subject_tag
        self.received_on = date.fromisoformat(received_on)
        self.channel = channel
        self.sealed_reference = sealed_reference
        self.due = date.fromisoformat(due)
        self.due_extended: date | None = None
        self.state = "open"
        self.identity_verified = False
        self.told_on: date | None = None

    @classmethod
    def open(cls, *, request_id: UUID, **fields: Any) -> AccessRequest:
        """Open a request; the caller judged it with `judge_opening` and computed `due`."""
        return cls._create(cls.AccessRequestOpened, id=request_id, **fields)

    @staticmethod
    def first_due(received_on: date, is_holiday: IsHoliday) -> date:
        return answer_due(received_on, is_holiday=is_holiday)

    @staticmethod
    def extended_due(received_on: date, is_holiday: IsHoliday) -> date:
        return answer_due(received_on, is_holiday=is_holiday, extended=True)

    # Each step is judged by the service before it computes the event's commitment, and
    # judged again here, so the aggregate never holds a step its rules refuse: a free text is
    # judged in clear and kept only sealed. The events apply themselves (`apply`), which only
    # changes state.

    def verify_identity(
        self, *, how: str, sealed_how: str, actor: str, commitment: str, salt: str
    ) -> None:
        judge_open_state(self.state)
        check_reason(how, "how")
        self._step(
            self.IdentityVerified,
            sealed_how=sealed_how,
            actor=actor,
            commitment=commitment,
            salt=salt,
        )

    def extend(
        self,
        *,
        reason: str,
        sealed_reason: str,
        due_extended: str,
        now: datetime,
        actor: str,
        commitment: str,
        salt: str,
    ) -> None:
        judge_extension(
            state=self.state, due=self.due, due_extended=self.due_extended, reason=reason, now=now
        )
        self._step(
            self.DeadlineExtended,
            sealed_reason=sealed_reason,
            due_extended=due_extended,
            actor=actor,
            commitment=commitment,
            salt=salt,
        )

    def tell_of_extension(
        self, *, told_on: str, now: datetime, actor: str, commitment: str, salt: str
    ) -> None:
        judge_notice(
            state=self.state,
            due=self.due,
            due_extended=self.due_extended,
            told_on=date.fromisoformat(told_on),
            now=now,
        )
        self._step(
            self.PersonToldOfExtension,
            told_on=told_on,
            actor=actor,
            commitment=commitment,
            salt=salt,
        )

    def answer(
        self,
        *,
        overview_sha256: str,
        tree_size: int,
        root_hash: str,
        withheld: list[str],
        sealed_overview: str,
        actor: str,
        commitment: str,
        salt: str,
    ) -> None:
        judge_open_state(self.state)
        self._step(
            self.AccessRequestAnswered,
            overview_sha256=overview_sha256,
            tree_size=tree_size,
            root_hash=root_hash,
            withheld=withheld,
            sealed_overview=sealed_overview,
            actor=actor,
            commitment=commitment,
            salt=salt,
        )

    def withdraw(
        self, *, reason: str, sealed_reason: str, actor: str, commitment: str, salt: str
    ) -> None:
        judge_open_state(self.state)
        check_reason(reason)
        self._step(
            self.AccessRequestWithdrawn,
            sealed_reason=sealed_reason,
            actor=actor,
            commitment=commitment,
            salt=salt,
        )

    def refuse(
        self, *, reason: str, sealed_reason: str, actor: str, commitment: str, salt: str
    ) -> None:
        judge_open_state(self.state)
        check_reason(reason)
        self._step(
            self.AccessRequestRefused,
            sealed_reason=sealed_reason,
            actor=actor,
            commitment=commitment,
            salt=salt,
        )

    def _step(self, event_class: type[Aggregate.Event], **fields: Any) -> None:
        self.trigger_event(event_class, subject_tag=self.subject_tag, **fields)


# The free text each kind of step carries, by its name in clear (its stored field is `sealed_`
# and that name).
TEXTS: Mapping[type[Aggregate.Event], str] = {
    AccessRequest.IdentityVerified: "how",
    AccessRequest.DeadlineExtended: "reason",
    AccessRequest.AccessRequestWithdrawn: "reason",
    AccessRequest.AccessRequestRefused: "reason",
}


def sealed_text(event: Aggregate.Event) -> tuple[str, str] | None:
    """(name, sealed value) of the free text a step carries; None for steps without one, and
    for steps stored before free text was sealed (those hold it in clear, as committed)."""
    name = TEXTS.get(type(event))
    sealed = None if name is None else getattr(event, f"sealed_{name}", None)
    return None if name is None or sealed is None else (name, sealed)


EVENTS: tuple[type[Aggregate.Event], ...] = (
    AccessRequest.AccessRequestOpened,
    AccessRequest.IdentityVerified,
    AccessRequest.DeadlineExtended,
    AccessRequest.PersonToldOfExtension,
    AccessRequest.AccessRequestAnswered,
    AccessRequest.AccessRequestWithdrawn,
    AccessRequest.AccessRequestRefused,
)
