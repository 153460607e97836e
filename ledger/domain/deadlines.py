"""Legal deadlines counted as the law counts them: months by Regulation (EEC, Euratom) 1182/71,
ending on a working day. The holidays are given by the caller (a deployment's calendar)."""

from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import date, timedelta

# GDPR Art. 12(3): one month, extendable by two further months.
ANSWER_MONTHS = 1
EXTENDED_MONTHS = 3

IsHoliday = Callable[[date], bool]


def months_after(start: date, months: int) -> date:
    """The end of a period of `months` months from the day `start` (not counted itself): the
    same date `months` later, or that month's last day when it has no such date (1182/71
    art. 3(2)(c))."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def working_day_on_or_after(day: date, is_holiday: IsHoliday) -> date:
    """A period ending on a Saturday, Sunday or public holiday ends at the end of the next
    working day (1182/71 art. 3(4))."""
    while day.weekday() >= 5 or is_holiday(day):
        day += timedelta(days=1)
    return day


def answer_due(received: date, *, is_holiday: IsHoliday, extended: bool = False) -> date:
    """The last day to answer an access request received on `received` (a Dutch calendar date).

    An extension moves the deadline to three months after receipt by the same rules, not two
    months after the first deadline (which may itself have rolled over a weekend).
    """
    months = EXTENDED_MONTHS if extended else ANSWER_MONTHS
    return working_day_on_or_after(months_after(received, months), is_holiday)
