"""Restriction of processing (GDPR Art. 18): imposed on a person by the privacy officer with a
reason and an end date, and lifted; as an aggregate whose every step is an event in the
person's chain of the log. And the pure rule that refuses a disclosure of a restricted person
unless it names one of the grounds of Art. 18(2).

The reasons are free text that may name the person, so the aggregate holds them only sealed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.domain.errors import InvalidChange, RestrictionConflict
from ledger.domain.openings import aggregate_opening
from ledger.domain.suppression import dutch_date
from ledger.domain.topics import short_topics
from ledger.domain.values import DisclosureFacts

MAX_REASON = 1000
# A restriction is for the time it takes to settle the person's claim (Art. 18(1)): weeks or
# months. Two years is far beyond any such; a later date is a typing error, and an officer who
# needs longer imposes a new restriction when this one ends.
MAX_DURATION = timedelta(days=2 * 366)
# As for a disclosure's occurred_at: a restriction starts now or started before, never later.
MAX_CLOCK_LEAD = timedelta(minutes=5)
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)

SEALED_FIELDS = frozenset({"sealed_reason"})


def restriction_opening(
    *,
    restriction_id: UUID,
    version: int,
    event_type: str,
    fields: Mapping[str, Any],
    secret: Mapping[str, Any],
) -> bytes:
    """The canonical plaintext one restriction event commits to (as `consent_opening`)."""
    return aggregate_opening(
        "restriction",
        restriction_id,
        version=version,
        event_type=event_type,
        fields=fields,
        secret=secret,
        sealed_fields=SEALED_FIELDS,
    )


# -- the rules of imposing and lifting ----------------------------------------------------------


def check_reason(reason: str | None, *, required: bool = True) -> str | None:
    """The reason stripped: InvalidChange naming `reason` when it is missing or too long."""
    text = (reason or "").strip()
    if not text:
        if required:
            raise InvalidChange({"reason": "is required: say why the processing is restricted"})
        return None
    if len(text) > MAX_REASON:
        raise InvalidChange({"reason": f"may be at most {MAX_REASON} characters"})
    return text


def judge_imposing(*, reason: str | None, since: datetime, until: date, now: datetime) -> str:
    """The reason stripped, once `since` and `until` are sound; InvalidChange naming each
    field at fault. `until` is a Dutch calendar date, the last day the restriction holds."""
    errors: dict[str, str] = {}
    try:
        reason = check_reason(reason)
    except InvalidChange as error:
        errors.update(error.errors)
    if not isinstance(since, datetime) or since.utcoffset() is None:
        errors["since"] = "must be an ISO 8601 date-time with a UTC offset"
    elif since > now + MAX_CLOCK_LEAD:
        errors["since"] = "may not be in the future"
    elif since < EARLIEST:
        errors["since"] = f"may not be before {EARLIEST.date().isoformat()}"
    if not isinstance(until, date) or isinstance(until, datetime):
        errors["until"] = "must be a date (YYYY-MM-DD)"
    elif "since" not in errors:
        today = dutch_date(now)
        if until < max(today, dutch_date(since)):
            errors["until"] = (
                "must be today or later, and not before since: the last day the restriction holds"
            )
        elif until > today + MAX_DURATION:
            errors["until"] = (
                f"may be at most {MAX_DURATION.days} days ahead ({today + MAX_DURATION});"
                " impose a new restriction when this one ends"
            )
    if errors:
        raise InvalidChange(errors)
    assert reason is not None
    return reason


def judge_lifting(*, until: date, lifted_at: datetime | None, now: datetime) -> None:
    """A restriction is lifted once, and only while it has not ended."""
    if lifted_at is not None:
        raise RestrictionConflict({"restriction": f"was lifted before, at {lifted_at.isoformat()}"})
    if until < dutch_date(now):
        raise RestrictionConflict(
            {"restriction": f"ended on {until.isoformat()}: there is nothing to lift"}
        )


# -- the rule for a disclosure ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RestrictionState:
    """One restriction of a disclosure's person, as the rule needs it."""

    since: datetime
    until: date
    lifted_at: datetime | None = None

    def in_force_at(self, moment: datetime) -> bool:
        """True when a disclosure at `moment` falls under it: on or after `since`, on or
        before `until` (Dutch date), and not after it was lifted."""
        return (
            self.since <= moment
            and dutch_date(moment) <= self.until
            and (self.lifted_at is None or moment < self.lifted_at)
        )


def restriction_problem(
    facts: DisclosureFacts,
    restrictions: Sequence[RestrictionState],
    grounds: Mapping[str, object] | Sequence[str] = (),
) -> str | None:
    """What is wrong with a disclosure of a person under restriction, judged at its
    `occurred_at`; None when nothing is.

    While a restriction is in force the person's data may be disclosed only on a ground of
    Art. 18(2), named in `restriction_ground` (whose code `check_disclosure` checked). A ground
    given while no restriction is in force is no problem: it is recorded as given.
    `grounds` are the codes the message lists.
    """
    if facts.restriction_ground is not None:
        return None
    moment = facts.occurred_at
    holding = [state for state in restrictions if state.in_force_at(moment)]
    if not holding:
        return None
    until = max(state.until for state in holding)
    codes = ", ".join(grounds) or "consent, legal_claims, protection_of_others, public_interest"
    return (
        f"is required: the processing of this person's data is restricted (GDPR Art. 18) until"
        f" {until.isoformat()}, so a disclosure at {moment.isoformat()} must name its ground of"
        f" Art. 18(2): one of {codes}"
    )


# -- the aggregate ------------------------------------------------------------------------------


@short_topics
class Restriction(Aggregate):
    """One restriction of one person's processing, from imposing to lifting (or its end).

    Every event carries the subject's tag, the actor and a salted commitment (the salt sealed
    for the subject), so each is a leaf in the person's chain.
    """

    class RestrictionImposed(Aggregate.Created):
        subject_tag: str
        since: str
        until: str
        sealed_reason: str
        # The Art. 19 notice recorded with it, telling the recipients (None: there were none).
        notice_id: str | None
        actor: str
        commitment: str
        salt: str

    class RestrictionLifted(Aggregate.Event):
        lifted_at: str
        sealed_reason: str | None
        actor: str
        subject_tag: str
        commitment: str
        salt: str

        def apply(self, aggregate: Any) -> None:
            aggregate.lifted_at = datetime.fromisoformat(self.lifted_at)

    @event(RestrictionImposed)
    def __init__(
        self,
        *,
        subject_tag: str,
        since: str,
        until: str,
        sealed_reason: str,
        notice_id: str | None,
        actor: str,
        commitment: str,
        salt: str,
    ) -> None:
        self.subject_tag = subject_tag
        self.since = datetime.fromisoformat(since)
        self.until = date.fromisoformat(until)
        self.lifted_at: datetime | None = None

    @classmethod
    def impose(cls, *, restriction_id: UUID, **fields: Any) -> Restriction:
        """Record a restriction; the caller judged it with `judge_imposing`."""
        return cls._create(cls.RestrictionImposed, id=restriction_id, **fields)

    def lift(
        self,
        *,
        lifted_at: str,
        sealed_reason: str | None,
        now: datetime,
        actor: str,
        commitment: str,
        salt: str,
    ) -> None:
        judge_lifting(until=self.until, lifted_at=self.lifted_at, now=now)
        self.trigger_event(
            self.RestrictionLifted,
            lifted_at=lifted_at,
            sealed_reason=sealed_reason,
            actor=actor,
            subject_tag=self.subject_tag,
            commitment=commitment,
            salt=salt,
        )


EVENTS: tuple[type[Aggregate.Event], ...] = (
    Restriction.RestrictionImposed,
    Restriction.RestrictionLifted,
)
