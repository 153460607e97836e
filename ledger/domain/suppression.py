"""When a disclosure is withheld from the person: the suppression a public authority ordered."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

# The order names a Dutch calendar date, so the day turns at midnight in Amsterdam, not in UTC.
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def dutch_date(moment: datetime) -> date:
    """The calendar date in the Netherlands at `moment`."""
    if moment.utcoffset() is None:
        raise ValueError("moment must be timezone-aware")
    return moment.astimezone(AMSTERDAM).date()


def is_withheld(suppressed_until: date | None, *, now: datetime) -> bool:
    """True while a suppressed disclosure stays out of the person's own view.

    It is withheld before `suppressed_until` and shown from that date on, Dutch time.
    """
    # The clock is judged even without a suppression, so a naive clock fails on every path.
    today = dutch_date(now)
    return suppressed_until is not None and today < suppressed_until
