"""Consent (GDPR Art. 6(1)(a), Art. 9(2)(a), Art. 7(3)): given and withdrawn per person and
purpose, as an aggregate whose every step is an event in the person's chain of the log; and the
pure rule that refuses a disclosure on a consent basis whose consent was withdrawn, or (strict)
never recorded.

The consent reference (the signed form's reference) may identify the person, so the aggregate
holds it only sealed, beside a keyed lookup to find it by; both are opaque here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.domain.errors import ConsentConflict, InvalidChange
from ledger.domain.openings import aggregate_opening
from ledger.domain.topics import short_topics
from ledger.domain.values import DisclosureFacts

MAX_REFERENCE = 200
MAX_PURPOSE = 500
MAX_REASON = 1000
# As for a disclosure's occurred_at: a consent is a fact, not a plan, and no consent this ledger
# relies on predates the disclosures it covers.
MAX_CLOCK_LEAD = timedelta(minutes=5)
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
CONSENT_BASES = ("consent",)
CONSENT_CONDITIONS = ("explicit_consent",)

SEALED_FIELDS = frozenset({"sealed_reference", "sealed_reason"})


def consent_opening(
    *,
    consent_id: UUID,
    version: int,
    event_type: str,
    fields: Mapping[str, Any],
    secret: Mapping[str, Any],
) -> bytes:
    """The canonical plaintext one consent event commits to: its clear fields and the opened
    sealed ones; sorted keys, no spaces, UTF-8 (as `ledger.domain.access_request`)."""
    return aggregate_opening(
        "consent",
        consent_id,
        version=version,
        event_type=event_type,
        fields=fields,
        secret=secret,
        sealed_fields=SEALED_FIELDS,
    )


# -- the rules of giving and withdrawing -------------------------------------------------------


def _moment_problem(moment: object, now: datetime) -> str | None:
    if not isinstance(moment, datetime) or moment.utcoffset() is None:
        return "must be an ISO 8601 date-time with a UTC offset"
    if moment > now + MAX_CLOCK_LEAD:
        return "may not be in the future"
    if moment < EARLIEST:
        return f"may not be before {EARLIEST.date().isoformat()}"
    return None


def _text(value: str | None, field: str, maximum: int, errors: dict[str, str]) -> str:
    text = (value or "").strip()
    if not text:
        errors[field] = "is required"
    elif len(text) > maximum:
        errors[field] = f"may be at most {maximum} characters"
    return text


def judge_giving(
    *, consent_reference: str, purpose: str, given_at: datetime, now: datetime
) -> tuple[str, str]:
    """The reference and purpose, stripped; InvalidChange naming each field at fault."""
    errors: dict[str, str] = {}
    reference = _text(consent_reference, "consent_reference", MAX_REFERENCE, errors)
    purpose = _text(purpose, "purpose", MAX_PURPOSE, errors)
    if problem := _moment_problem(given_at, now):
        errors["given_at"] = problem
    if errors:
        raise InvalidChange(errors)
    return reference, purpose


def judge_withdrawal(
    *, given_at: datetime, withdrawn_at: datetime | None, at: datetime, now: datetime
) -> None:
    if withdrawn_at is not None:
        raise ConsentConflict(
            {"withdrawn_at": f"the consent was withdrawn before, at {withdrawn_at.isoformat()}"}
        )
    if problem := _moment_problem(at, now):
        raise InvalidChange({"withdrawn_at": problem})
    if at < given_at:
        raise InvalidChange(
            {"withdrawn_at": f"may not be before the consent was given ({given_at.isoformat()})"}
        )


# -- the rule for a disclosure -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ConsentState:
    """One recorded consent under the reference a disclosure names, for the same person."""

    given_at: datetime
    withdrawn_at: datetime | None


def rests_on_consent(facts: DisclosureFacts) -> bool:
    return (
        facts.legal_basis in CONSENT_BASES or facts.special_category_condition in CONSENT_CONDITIONS
    )


def consent_problem(
    facts: DisclosureFacts, recorded: Sequence[ConsentState], *, strict: bool
) -> str | None:
    """What is wrong with a disclosure's consent, judged against the consents recorded for its
    person under its `consent_reference`; None when nothing is.

    A consent withdrawn at or before `occurred_at` no longer covers it (Art. 7(3): withdrawal
    works from then on, so a disclosure after it has no basis). With `strict`, a reference never
    recorded for this person is refused too; without it, the ledger takes the posting system's
    word, as it did before consents were recorded here.
    """
    if not rests_on_consent(facts) or facts.consent_reference is None:
        return None
    if not recorded:
        if strict:
            return (
                "names a consent never recorded for this person: record it first"
                " (POST /api/v1/subjects/{subject_id}/consents)"
            )
        return None
    occurred_at = facts.occurred_at
    if any(state.withdrawn_at is None or state.withdrawn_at > occurred_at for state in recorded):
        return None
    last = max(state.withdrawn_at for state in recorded if state.withdrawn_at is not None)
    return (
        f"the consent was withdrawn at {last.isoformat()}, before occurred_at"
        f" ({occurred_at.isoformat()}): there is no consent for this disclosure"
    )


# -- the aggregate -----------------------------------------------------------------------------


@short_topics
class Consent(Aggregate):
    """One person's consent for one purpose, from giving to withdrawal.

    Every event carries the subject's tag, the actor and a salted commitment (the salt sealed
    for the subject), like a disclosure's, so each is a leaf in the person's chain.
    """

    class ConsentGiven(Aggregate.Created):
        subject_tag: str
        purpose: str
        given_at: str
        sealed_reference: str
        reference_lookup: str
        actor: str
        commitment: str
        salt: str

    class ConsentWithdrawn(Aggregate.Event):
        withdrawn_at: str
        sealed_reason: str | None
        actor: str
        subject_tag: str
        commitment: str
        salt: str

        def apply(self, aggregate: Any) -> None:
            aggregate.withdrawn_at = datetime.fromisoformat(self.withdrawn_at)

    @event(ConsentGiven)
    def __init__(
        self,
        *,
        subject_tag: str,
        purpose: str,
        given_at: str,
        sealed_reference: str,
        reference_lookup: str,
        actor: str,
        commitment: str,
        salt: str,
    ) -> None:
        self.subject_tag = subject_tag
        self.purpose = purpose
        self.given_at = datetime.fromisoformat(given_at)
        self.sealed_reference = sealed_reference
        self.reference_lookup = reference_lookup
        self.withdrawn_at: datetime | None = None

    @classmethod
    def give(cls, *, consent_id: UUID, **fields: Any) -> Consent:
        """Record a consent; the caller judged it with `judge_giving`."""
        return cls._create(cls.ConsentGiven, id=consent_id, **fields)

    def withdraw(
        self,
        *,
        withdrawn_at: str,
        sealed_reason: str | None,
        now: datetime,
        actor: str,
        commitment: str,
        salt: str,
    ) -> None:
        judge_withdrawal(
            given_at=self.given_at,
            withdrawn_at=self.withdrawn_at,
            at=datetime.fromisoformat(withdrawn_at),
            now=now,
        )
        self.trigger_event(
            self.ConsentWithdrawn,
            withdrawn_at=withdrawn_at,
            sealed_reason=sealed_reason,
            actor=actor,
            subject_tag=self.subject_tag,
            commitment=commitment,
            salt=salt,
        )


EVENTS: tuple[type[Aggregate.Event], ...] = (Consent.ConsentGiven, Consent.ConsentWithdrawn)
