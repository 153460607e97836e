"""Access-request deadlines as the law counts them: the table of cases that must hold."""

from __future__ import annotations

from datetime import date

import pytest

from ledger.adapters.dutch_calendar import DutchCalendar
from ledger.domain.deadlines import answer_due, months_after, working_day_on_or_after

CALENDAR = DutchCalendar()


@pytest.mark.parametrize(
    ("received", "extended", "due", "why"),
    [
        (date(2025, 1, 31), False, date(2025, 2, 28), "no 31 February: the month's last day"),
        (date(2026, 1, 31), False, date(2026, 3, 2), "28 Feb 2026 is a Saturday: Monday"),
        (date(2028, 1, 31), False, date(2028, 2, 29), "a leap year: Tuesday 29 February"),
        (date(2026, 3, 3), False, date(2026, 4, 7), "Good Friday, the weekend, Easter Monday"),
        (date(2026, 3, 27), False, date(2026, 4, 28), "King's Day 2026 is a Monday"),
        (date(2026, 4, 5), False, date(2026, 5, 6), "5 May every year, not only in lustra"),
        (date(2026, 1, 31), True, date(2026, 4, 30), "three months from receipt, not 2 from 2 Mar"),
        (date(2026, 11, 25), False, date(2026, 12, 28), "both Christmas days and a Sunday"),
        (date(2026, 4, 14), False, date(2026, 5, 15), "Ascension Day is 14 May 2026"),
        (date(2026, 4, 25), False, date(2026, 5, 26), "Whit Monday 25 May 2026"),
        (date(2025, 12, 1), False, date(2026, 1, 2), "New Year's Day"),
        (date(2026, 10, 30), True, date(2027, 2, 1), "across the year: 30 Jan 2027 is a Saturday"),
        (date(2026, 6, 10), False, date(2026, 7, 10), "a plain Friday stays"),
    ],
)
def test_the_answer_is_due_as_the_law_counts(
    received: date, extended: bool, due: date, why: str
) -> None:
    assert answer_due(received, is_holiday=CALENDAR.is_holiday, extended=extended) == due, why


def test_liberation_day_counts_every_year_although_the_library_knows_it_in_lustra_only() -> None:
    import holidays

    assert date(2026, 5, 5) not in holidays.country_holidays("NL", years=2026)
    assert date(2025, 5, 5) in holidays.country_holidays("NL", years=2025)
    assert CALENDAR.is_holiday(date(2026, 5, 5))
    assert CALENDAR.is_holiday(date(2027, 5, 5))


def test_kings_day_moves_to_saturday_when_the_27th_is_a_sunday() -> None:
    assert date(2025, 4, 27).weekday() == 6
    assert date(2025, 4, 26) in CALENDAR.holidays_in(2025)
    assert date(2025, 4, 27) not in CALENDAR.holidays_in(2025)


def test_a_deployment_adds_its_own_days() -> None:
    closed = DutchCalendar(extra=[date(2026, 7, 10)])
    assert answer_due(date(2026, 6, 10), is_holiday=closed.is_holiday) == date(2026, 7, 13)
    assert date(2026, 7, 10) in closed.holidays_in(2026)


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2026, 3, 31), 1, date(2026, 4, 30)),
        (date(2026, 12, 15), 1, date(2027, 1, 15)),
        (date(2026, 11, 30), 3, date(2027, 2, 28)),
        (date(2027, 11, 30), 3, date(2028, 2, 29)),
    ],
)
def test_months_after_ends_on_the_same_date_or_the_months_last_day(
    start: date, months: int, end: date
) -> None:
    assert months_after(start, months) == end


def test_a_working_day_stays_and_a_weekend_rolls_to_monday() -> None:
    never = lambda _day: False  # noqa: E731
    assert working_day_on_or_after(date(2026, 7, 10), never) == date(2026, 7, 10)
    assert working_day_on_or_after(date(2026, 7, 11), never) == date(2026, 7, 13)
