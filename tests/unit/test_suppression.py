"""The suppression rule as a table: each row a date, a moment, and whether the person sees it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest

from ledger.domain.suppression import AMSTERDAM, dutch_date, is_withheld


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def row(name: str, suppressed_until: date | None, now: datetime, withheld: bool) -> Any:
    return pytest.param(suppressed_until, now, withheld, id=name)


SUMMER_DAY = date(2026, 7, 1)  # CEST, UTC+2: the day starts at 22:00 UTC the evening before
WINTER_DAY = date(2027, 1, 15)  # CET, UTC+1: the day starts at 23:00 UTC the evening before

ROWS = [
    row("no suppression", None, utc("2026-06-30T12:00"), False),
    row("no suppression, long ago", None, datetime(1999, 1, 1, tzinfo=UTC), False),
    # summer: midnight in Amsterdam is 22:00 UTC
    row("summer: the day before, at noon", SUMMER_DAY, utc("2026-06-30T10:00"), True),
    row("summer: 23:30 Amsterdam the evening before", SUMMER_DAY, utc("2026-06-30T21:30"), True),
    row("summer: one second before midnight", SUMMER_DAY, utc("2026-06-30T21:59:59"), True),
    row("summer: midnight Amsterdam", SUMMER_DAY, utc("2026-06-30T22:00"), False),
    row("summer: 00:30 Amsterdam, 30 June in UTC", SUMMER_DAY, utc("2026-06-30T22:30"), False),
    row("summer: later that day", SUMMER_DAY, utc("2026-07-01T15:00"), False),
    row("summer: a year on", SUMMER_DAY, utc("2027-07-01T15:00"), False),
    # winter: midnight in Amsterdam is 23:00 UTC
    row("winter: 23:30 Amsterdam the evening before", WINTER_DAY, utc("2027-01-14T22:30"), True),
    row("winter: one second before midnight", WINTER_DAY, utc("2027-01-14T22:59:59"), True),
    row("winter: midnight Amsterdam", WINTER_DAY, utc("2027-01-14T23:00"), False),
    row("winter: 00:30 Amsterdam, 14 Jan in UTC", WINTER_DAY, utc("2027-01-14T23:30"), False),
    row("winter: a month before", WINTER_DAY, utc("2026-12-15T12:00"), True),
    # the same moments written with other offsets
    row(
        "summer: 00:30 written in Amsterdam time",
        SUMMER_DAY,
        datetime(2026, 7, 1, 0, 30, tzinfo=AMSTERDAM),
        False,
    ),
    row(
        "summer: 23:59 written in Amsterdam time",
        SUMMER_DAY,
        datetime(2026, 6, 30, 23, 59, tzinfo=AMSTERDAM),
        True,
    ),
    row(
        "winter: 00:30 in Amsterdam written as New York time",
        WINTER_DAY,
        datetime(2027, 1, 14, 18, 30, tzinfo=timezone(timedelta(hours=-5))),
        False,
    ),
    row(
        "winter: 23:30 Amsterdam written as Tokyo time, already 15 Jan there",
        WINTER_DAY,
        datetime(2027, 1, 15, 7, 30, tzinfo=timezone(timedelta(hours=9))),
        True,
    ),
    # the days the clocks change
    row(
        "spring forward: 00:30 on 29 March, still UTC+1",
        date(2026, 3, 29),
        utc("2026-03-28T23:30"),
        False,
    ),
    row(
        "fall back: 23:30 on 24 October, still UTC+2",
        date(2026, 10, 25),
        utc("2026-10-24T21:30"),
        True,
    ),
    row(
        "fall back: midnight on 25 October, still UTC+2",
        date(2026, 10, 25),
        utc("2026-10-24T22:00"),
        False,
    ),
]


@pytest.mark.parametrize(("suppressed_until", "now", "withheld"), ROWS)
def test_a_disclosure_is_withheld_before_its_date_and_shown_from_it_on_in_amsterdam(
    suppressed_until: date | None, now: datetime, withheld: bool
) -> None:
    assert is_withheld(suppressed_until, now=now) is withheld


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (utc("2026-06-30T21:59:59"), date(2026, 6, 30)),
        (utc("2026-06-30T22:00"), date(2026, 7, 1)),
        (utc("2027-01-14T22:59:59"), date(2027, 1, 14)),
        (utc("2027-01-14T23:00"), date(2027, 1, 15)),
        (utc("2026-12-31T23:00"), date(2027, 1, 1)),
        (datetime(2026, 7, 1, 1, 0, tzinfo=timezone(timedelta(hours=3))), date(2026, 7, 1)),
        (datetime(2026, 7, 1, 1, 0, tzinfo=timezone(timedelta(hours=4))), date(2026, 6, 30)),
    ],
)
def test_the_dutch_date_is_the_calendar_date_in_amsterdam(moment: datetime, expected: date) -> None:
    assert dutch_date(moment) == expected


def test_a_naive_moment_has_no_dutch_date() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        dutch_date(datetime(2026, 7, 1, 12, 0))


@pytest.mark.parametrize("suppressed_until", [None, date(2026, 7, 1)])
def test_a_naive_clock_is_a_programming_error_with_or_without_a_suppression(
    suppressed_until: date | None,
) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        is_withheld(suppressed_until, now=datetime(2026, 7, 1, 12, 0))


def test_amsterdam_is_the_zone_of_the_dutch_calendar() -> None:
    assert AMSTERDAM.key == "Europe/Amsterdam"
    assert datetime(2026, 7, 1, tzinfo=AMSTERDAM).utcoffset() == timedelta(hours=2)
    assert datetime(2027, 1, 15, tzinfo=AMSTERDAM).utcoffset() == timedelta(hours=1)
