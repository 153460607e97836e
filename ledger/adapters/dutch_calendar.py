"""The Dutch public holidays of the Algemene termijnenwet, plus dates a deployment adds.

The `holidays` package knows the Dutch holidays, but counts Liberation Day (5 May) only in
lustrum years, as the collective labour agreements do; the Algemene termijnenwet (art. 3) counts
it every year, so it is added here.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from functools import lru_cache

import holidays


class DutchCalendar:
    def __init__(self, extra: Iterable[date] = ()) -> None:
        self.extra = frozenset(extra)

    def is_holiday(self, day: date) -> bool:
        return day in self.extra or day in _termijnenwet(day.year)

    def holidays_in(self, year: int) -> list[date]:
        return sorted(_termijnenwet(year) | {d for d in self.extra if d.year == year})


@lru_cache(maxsize=64)
def _termijnenwet(year: int) -> frozenset[date]:
    days = set(holidays.country_holidays("NL", years=year))
    days.add(date(year, 5, 5))
    return frozenset(days)
