"""Erasure (GDPR Art. 17) by crypto-shredding: a request, scheduled while a retention rule
still holds the person's data, and the fact that a person was erased.

`Erasure` is one erasure request: requested (the reason sealed with the person's key, so it
goes with the key), scheduled for the date the last rule stops holding (again when a new hold
appears), or cancelled when the person withdraws it first. `ErasedSubject` is the fact that a
tag's key was destroyed, once per person (its id derives from the tag, so the event store
itself refuses a second one), for a request or at the end of retention. Its commitment cannot
use a sealed salt, since the key is going: its salt is stored in clear, and it names no one
but the random tag.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from ledger.domain.access_request import check_reason
from ledger.domain.errors import ErasureConflict, InvalidChange
from ledger.domain.openings import aggregate_opening
from ledger.domain.suppression import dutch_date
from ledger.domain.topics import short_topics

EARLIEST_REQUEST = date(2018, 5, 25)  # the GDPR's application: an earlier date is a typing error
BASES = ("request", "retention")
STATES = ("requested", "scheduled", "done", "cancelled")
SEALED_FIELDS = frozenset({"sealed_reason"})
# The ids of ErasedSubject aggregates: uuid5 of the tag in this namespace.
_ERASED_NAMESPACE = UUID("6f1d8c52-3f0e-4a53-9a53-0b7e3c1d2e45")


def erased_subject_id(subject_tag: str) -> UUID:
    """The one id a person's erasure fact can have: a second one is a version conflict."""
    return uuid5(_ERASED_NAMESPACE, subject_tag)


def erasure_opening(
    kind: str,
    aggregate_id: UUID,
    *,
    version: int,
    event_type: str,
    fields: Mapping[str, Any],
    secret: Mapping[str, Any],
) -> bytes:
    """The canonical plaintext an erasure event commits to (`kind`: `erasure` or `erased`)."""
    return aggregate_opening(
        kind,
        aggregate_id,
        version=version,
        event_type=event_type,
        fields=fields,
        secret=secret,
        sealed_fields=SEALED_FIELDS,
    )


def judge_request(*, requested_on: date, reason: str | None, now: datetime) -> str:
    """The request's date and reason are sound; returns the trimmed reason."""
    errors: dict[str, str] = {}
    if requested_on > dutch_date(now):
        errors["requested_at"] = "may not be in the future (Dutch date)"
    elif requested_on < EARLIEST_REQUEST:
        errors["requested_at"] = f"may not be before {EARLIEST_REQUEST} (the GDPR's application)"
    try:
        reason = check_reason(reason)
    except InvalidChange as error:
        errors.update(error.errors)
    if errors:
        raise InvalidChange(errors)
    assert reason is not None
    return reason


@short_topics
class Erasure(Aggregate):
    """One erasure request, from request to scheduling, cancellation or being carried out
    (the last is an `ErasedSubject` naming this request's id)."""

    class ErasureRequested(Aggregate.Created):
        subject_tag: str
        requested_on: str
        sealed_reason: str
        actor: str
        commitment: str
        salt: str

    class ErasureScheduled(Aggregate.Event):
        subject_tag: str
        erasable_from: str | None
        holds: list[dict[str, Any]]
        actor: str
        commitment: str
        salt: str

        def apply(self, aggregate: Any) -> None:
            aggregate.state = "scheduled"
            aggregate.erasable_from = (
                None if self.erasable_from is None else date.fromisoformat(self.erasable_from)
            )

    class ErasureCancelled(Aggregate.Event):
        subject_tag: str
        sealed_reason: str
        actor: str
        commitment: str
        salt: str

        def apply(self, aggregate: Any) -> None:
            aggregate.state = "cancelled"

    @event(ErasureRequested)
    def __init__(
        self,
        *,
        subject_tag: str,
        requested_on: str,
        sealed_reason: str,
        actor: str,
        commitment: str,
        salt: str,
    ) -> None:
        self.subject_tag = subject_tag
        self.requested_on = date.fromisoformat(requested_on)
        self.sealed_reason = sealed_reason
        self.state = "requested"
        self.erasable_from: date | None = None

    @classmethod
    def request(cls, *, erasure_id: UUID, **fields: Any) -> Erasure:
        """Record a request; the caller judged it with `judge_request`."""
        return cls._create(cls.ErasureRequested, id=erasure_id, **fields)

    def schedule(self, **fields: Any) -> None:
        """A rule still holds: erasure waits for `erasable_from` (None: no date known yet)."""
        self._open_or_refuse()
        self.trigger_event(self.ErasureScheduled, subject_tag=self.subject_tag, **fields)

    def cancel(self, **fields: Any) -> None:
        """The person withdrew the request before it was carried out."""
        self._open_or_refuse()
        self.trigger_event(self.ErasureCancelled, subject_tag=self.subject_tag, **fields)

    def _open_or_refuse(self) -> None:
        if self.state not in ("requested", "scheduled"):
            raise ErasureConflict(
                self.id, {"state": f"the erasure is {self.state}: it can no longer change"}
            )


@short_topics
class ErasedSubject(Aggregate):
    """The person of `subject_tag` was erased: their key and tag mapping destroyed, their read
    rows removed. One per person; names no one but the random tag."""

    class SubjectErased(Aggregate.Created):
        subject_tag: str
        erased_at: str
        basis: str
        erasure_id: str | None
        disclosures: int
        notice_id: str | None
        actor: str
        commitment: str
        salt: str  # in clear (hex): the key it would be sealed with is being destroyed

    @event(SubjectErased)
    def __init__(
        self,
        *,
        subject_tag: str,
        erased_at: str,
        basis: str,
        erasure_id: str | None,
        disclosures: int,
        notice_id: str | None,
        actor: str,
        commitment: str,
        salt: str,
    ) -> None:
        self.subject_tag = subject_tag
        self.basis = basis

    @classmethod
    def record(cls, **fields: Any) -> ErasedSubject:
        if fields["basis"] not in BASES:
            raise ValueError(f"an erasure's basis is one of {BASES}")
        return cls._create(cls.SubjectErased, id=erased_subject_id(fields["subject_tag"]), **fields)


EVENTS: tuple[type[Aggregate.Event], ...] = (
    Erasure.ErasureRequested,
    Erasure.ErasureScheduled,
    Erasure.ErasureCancelled,
    ErasedSubject.SubjectErased,
)
