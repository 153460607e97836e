"""Retention: which rules still keep a person's data, who is past every period (the retention
run's candidates), and what expires in the coming months (the officer's report).

The rules are configuration (`ledger/retention.toml` or LEDGER_RETENTION_FILE); the judging is
the pure `ledger.domain.retention`; this service feeds it the live disclosures and recorded
employment ends from the read models. "Today" is the Dutch date.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from itertools import groupby
from typing import Any

from sqlalchemy import Connection

from ledger.app.reading import Contact, Reader, Reading
from ledger.app.uow import UnitOfWork
from ledger.domain.errors import InvalidChange
from ledger.domain.retention import (
    Hold,
    RetainedDisclosure,
    RetentionRules,
    add_period,
    erasable_from,
)
from ledger.domain.suppression import dutch_date
from ledger.projections import employment_ends, retention_queries

DEFAULT_MONTHS = 3
MAX_MONTHS = 120


@dataclass(frozen=True, slots=True)
class PersonRetention:
    """One person in the report: every rule that keeps (or kept) their live disclosures, each
    with the first day it no longer holds, and when the last of them ends (None: never, while
    an employment end is missing)."""

    subject_tag: str
    contact: Contact
    disclosures: int
    rules: tuple[Hold, ...]
    ends: date | None
    employment_ended: date | None

    @property
    def missing_employment_end(self) -> tuple[Hold, ...]:
        return tuple(hold for hold in self.rules if hold.until is None)

    def as_dict(self, *, today: date) -> dict[str, Any]:
        """Plain data (dates as dates) for the API and `ledger retention report --format json`."""
        return {
            "subject_id": self.contact.subject_id,
            "subject_tag": self.subject_tag,
            "name": self.contact.name,
            "disclosures": self.disclosures,
            "ends": self.ends,
            "expired": self.ends is not None and self.ends <= today,
            "employment_ended": self.employment_ended,
            "rules": [
                {
                    "code": hold.rule.code,
                    "label": hold.rule.title("en"),
                    "period": hold.rule.period_text(),
                    "counts_from": hold.rule.counts_from,
                    "law": hold.rule.law,
                    "until": hold.until,
                }
                for hold in self.rules
            ],
        }


@dataclass(frozen=True, slots=True)
class RetentionReport:
    today: date
    months: int
    horizon: date
    # Whose last period ends before `horizon`, soonest first; an end on or before `today` means
    # the next retention run erases them.
    expiring: list[PersonRetention]
    # Kept without end: a rule counts from an employment end the ledger does not know.
    held_indefinitely: list[PersonRetention]

    def as_dict(self) -> dict[str, Any]:
        return {
            "today": self.today,
            "months": self.months,
            "horizon": self.horizon,
            "expiring": [person.as_dict(today=self.today) for person in self.expiring],
            "held_indefinitely": {
                "count": len(self.held_indefinitely),
                "items": [person.as_dict(today=self.today) for person in self.held_indefinitely],
            },
        }


@dataclass(frozen=True, slots=True)
class _Judged:
    subject_tag: str
    disclosures: int
    rules: tuple[Hold, ...]
    ends: date | None
    employment_ended: date | None


class Retention:
    def __init__(self, *, uow: UnitOfWork, reading: Reading, rules: RetentionRules) -> None:
        self.uow = uow
        self.reading = reading
        self.rules = rules

    def today(self) -> date:
        return dutch_date(self.uow.now())

    def holds_of(self, connection: Connection, tag: str, *, today: date) -> list[Hold]:
        """The rules that still keep this person's data today, judged on their live
        disclosures and the latest employment end recorded for them; [] = erasable today."""
        return self.rules.holds(
            retention_queries.live_disclosures_of_tag(connection, tag),
            employment_ended=employment_ends.latest_end(connection, tag),
            today=today,
        )

    def expired_tags(self, connection: Connection, *, today: date) -> list[str]:
        """The people with at least one live disclosure whose every period has ended by today:
        the retention run's candidates. Someone a rule keeps until an unrecorded employment end
        is never one. Two statements whatever the number of people."""
        return [
            judged.subject_tag
            for judged in self._judge_everyone(connection)
            if judged.ends is not None and judged.ends <= today
        ]

    def report(self, *, reader: Reader, months: int = DEFAULT_MONTHS) -> RetentionReport:
        """Whose data expires within `months` months (or has expired), and who is kept without
        end for want of an employment end; every person listed is a logged read."""
        if isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= MAX_MONTHS:
            raise InvalidChange({"months": f"must be a whole number from 1 to {MAX_MONTHS}"})
        today = self.today()
        horizon = add_period(today, months=months)
        with self.uow.read() as connection:
            judged = list(self._judge_everyone(connection))
        expiring = [j for j in judged if j.ends is not None and j.ends <= horizon]
        indefinite = [j for j in judged if j.ends is None]
        contacts = self.reading.contacts(reader, [j.subject_tag for j in (*expiring, *indefinite)])

        def person(judged: _Judged) -> PersonRetention:
            return PersonRetention(
                subject_tag=judged.subject_tag,
                contact=contacts.get(judged.subject_tag, Contact(None, None, None)),
                disclosures=judged.disclosures,
                rules=judged.rules,
                ends=judged.ends,
                employment_ended=judged.employment_ended,
            )

        return RetentionReport(
            today=today,
            months=months,
            horizon=horizon,
            expiring=[
                person(j) for j in sorted(expiring, key=lambda j: (j.ends or today, j.subject_tag))
            ],
            held_indefinitely=[person(j) for j in indefinite],
        )

    def _judge_everyone(self, connection: Connection) -> Iterator[_Judged]:
        """Every person with a live disclosure, judged from one grouped statement (per person
        and set of categories: the latest date) and one of employment ends."""
        ends = employment_ends.latest_ends(connection)
        rows = retention_queries.latest_per_tag_and_categories(connection)
        for tag, group in groupby(rows, key=lambda row: row[0]):
            groups = list(group)
            ended = ends.get(tag)
            # Judged as of the first day ever, each rule comes back with its last end.
            rules = self.rules.holds(
                [RetainedDisclosure("", latest, categories) for _, categories, latest, _ in groups],
                employment_ended=ended,
                today=date.min,
            )
            yield _Judged(
                subject_tag=tag,
                disclosures=sum(number for *_, number in groups),
                rules=tuple(
                    Hold(rule=hold.rule, disclosure_ids=(), until=hold.until) for hold in rules
                ),
                ends=erasable_from(rules),
                employment_ended=ended,
            )
