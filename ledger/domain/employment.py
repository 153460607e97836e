"""The end of a person's employment, the moment some retention periods count from (copies of ID
documents and wage-tax declarations: five years after it, see `ledger.domain.retention`).

Each recording is its own small aggregate with one event in the person's chain of the log; the
latest recorded end of a person counts, so recording again corrects an earlier, wrong date. The
date is a clear field (the retention queries judge it for every person at once); the person is
named only by their vault tag.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.domain.errors import InvalidChange
from ledger.domain.openings import aggregate_opening
from ledger.domain.retention import add_period
from ledger.domain.topics import short_topics

EARLIEST = date(1900, 1, 1)
# An end agreed in advance (a fixed-term contract, notice given) may be recorded before it comes;
# more than a year ahead is more likely a typing error than a plan.
MAX_LEAD_YEARS = 1


def employment_end_opening(
    *, record_id: UUID, version: int, event_type: str, fields: Mapping[str, Any]
) -> bytes:
    """The canonical plaintext one employment-end event commits to; nothing of it is sealed."""
    return aggregate_opening(
        "employment_end",
        record_id,
        version=version,
        event_type=event_type,
        fields=fields,
        secret={},
        sealed_fields=frozenset(),
    )


def judge_ended_on(ended_on: object, *, today: date) -> date:
    """The end date, or InvalidChange naming `ended_on`: a date from 1900 up to one year after
    `today` (the Dutch date)."""
    if not isinstance(ended_on, date) or isinstance(ended_on, datetime):
        raise InvalidChange({"ended_on": "must be an ISO 8601 date (YYYY-MM-DD)"})
    if ended_on < EARLIEST:
        raise InvalidChange({"ended_on": f"may not be before {EARLIEST.isoformat()}"})
    latest = add_period(today, years=MAX_LEAD_YEARS)
    if ended_on > latest:
        raise InvalidChange(
            {"ended_on": f"may be at most {MAX_LEAD_YEARS} year ahead ({latest.isoformat()})"}
        )
    return ended_on


@short_topics
class EmploymentEnd(Aggregate):
    """One recording of the date a person's employment ended."""

    class EmploymentEndRecorded(Aggregate.Created):
        subject_tag: str
        ended_on: str
        actor: str
        commitment: str
        salt: str

    @event(EmploymentEndRecorded)
    def __init__(
        self, *, subject_tag: str, ended_on: str, actor: str, commitment: str, salt: str
    ) -> None:
        self.subject_tag = subject_tag
        self.ended_on = date.fromisoformat(ended_on)
        self.actor = actor

    @classmethod
    def record(cls, *, record_id: UUID, **fields: Any) -> EmploymentEnd:
        """Record an end; the caller judged it with `judge_ended_on`."""
        return cls._create(cls.EmploymentEndRecorded, id=record_id, **fields)


EVENTS: tuple[type[Aggregate.Event], ...] = (EmploymentEnd.EmploymentEndRecorded,)
