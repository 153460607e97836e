"""The demo data set: plausible, repeatable, and stated in Dutch local time all year round."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from ledger.demo import demo_disclosures

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def test_demo_times_carry_the_dutch_offset_of_their_own_date_summer_and_winter() -> None:
    july = list(demo_disclosures(50, month_start=datetime(2026, 7, 1, 8, 0, tzinfo=AMSTERDAM)))
    january = list(demo_disclosures(50, month_start=datetime(2027, 1, 1, 8, 0, tzinfo=AMSTERDAM)))

    assert {item.occurred_at.utcoffset() for item in july} == {timedelta(hours=2)}
    assert {item.occurred_at.utcoffset() for item in january} == {timedelta(hours=1)}


def test_the_demo_set_is_the_same_every_time() -> None:
    assert list(demo_disclosures(20)) == list(demo_disclosures(20))
