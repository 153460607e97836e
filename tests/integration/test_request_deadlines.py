"""The deadline table of issue 10, through the API on both backends: each case the law's way of
counting gives (Regulation 1182/71 on the Dutch calendar of the Algemene termijnenwet)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from flask.testing import FlaskClient

from ledger.app import Ledger
from tests.conftest import FixedClock

# received, due, due once extended (None: not asked here), why
CASES = [
    (date(2025, 1, 31), date(2025, 2, 28), None, "no 31 February: the month's last day"),
    (date(2026, 1, 31), date(2026, 3, 2), date(2026, 4, 30), "Saturday 28 Feb; extended: 3 months"),
    (date(2028, 1, 31), date(2028, 2, 29), None, "a leap year"),
    (date(2026, 3, 3), date(2026, 4, 7), None, "Good Friday, the weekend, Easter Monday"),
    (date(2026, 3, 27), date(2026, 4, 28), None, "King's Day"),
    (date(2026, 4, 5), date(2026, 5, 6), None, "Liberation Day, every year"),
    (date(2026, 10, 30), date(2026, 11, 30), date(2027, 2, 1), "extended across the year end"),
]


@pytest.mark.parametrize(("received", "due", "extended", "why"), CASES, ids=[c[3] for c in CASES])
def test_the_api_answers_the_due_date_the_law_counts(
    client: FlaskClient,
    ledger: Ledger,
    clock: FixedClock,
    received: date,
    due: date,
    extended: date | None,
    why: str,
) -> None:
    officer = {"Authorization": f"Bearer {ledger.api_keys.create(name='fg', role='officer')[1]}"}
    clock.now = datetime.combine(received + timedelta(days=1), datetime.min.time(), UTC)
    opened = client.post(
        "/api/v1/access-requests",
        json={"subject_id": "E-00001", "received_at": received.isoformat(), "channel": "email"},
        headers=officer,
    )
    assert opened.status_code == 201, opened.get_json()
    assert opened.get_json()["due"] == due.isoformat(), why
    if extended is None:
        return
    answer = client.post(
        f"/api/v1/access-requests/{opened.get_json()['id']}/extension",
        json={"reason": "the data sit in twelve systems"},
        headers=officer,
    )
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["due_extended"] == extended.isoformat(), why
