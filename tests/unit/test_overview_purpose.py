"""The person's overview says an activity's purpose in their language: built from plain data
(`ledger.overview.model.build`), no database."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest

from ledger.domain.vocabulary import Vocabulary
from ledger.overview import ActivityText, PersonRecord, build, load_config

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
URI = "urn:disclosure-ledger:register:loonaangifte"


def row(number: int, activity: str | None, version: int | None) -> tuple[Any, ...]:
    """A row in the column order of `ledger.projections.queries.OVERVIEW_COLUMNS`."""
    return (
        f"{number:032x}",
        "12345678",
        "belastingdienst|name:belastingdienst",
        f"2026-10-{number:02d}T12:00:00+01:00",
        '["naam", "salaris"]',
        "legal_obligation",
        "Wet op de loonbelasting 1964, art. 28",
        None,
        None,
        "Opgeslagen doel",
        None,
        None,
        None,
        None,
        0,
        False,
        None,
        None,
        None,  # restriction_ground
        activity,
        version,
    )


def purposes(lang: str, texts: dict[str, str]) -> dict[str, tuple[str, str | None]]:
    recipient = SimpleNamespace(
        recipient_key="belastingdienst|name:belastingdienst",
        recipient_category="belastingdienst",
        recipient_name="Belastingdienst",
        recipient_id=None,
        recipient_country="NL",
    )
    record = PersonRecord(
        tag="t" * 32,
        reference="E-1",
        name=None,
        rows=[row(3, "loonaangifte", 2), row(2, "loonaangifte", 1), row(1, None, None)],
        recipients={recipient.recipient_key: recipient},
        activities={("loonaangifte", 2): ActivityText(uri=URI, purpose=texts)},
    )
    view = build(
        record, config=load_config(None), vocabulary=Vocabulary.default(), now=NOW, lang=lang
    )
    return {
        item.occurred_local[:10]: (item.purpose, item.activity_uri) for item in view.groups[0].items
    }


@pytest.mark.parametrize(
    ("lang", "texts", "shown"),
    [
        ("en", {"nl": "Loonaangifte", "en": "Payroll tax return"}, "Payroll tax return"),
        ("nl", {"nl": "Loonaangifte", "en": "Payroll tax return"}, "Loonaangifte"),
        ("en", {"nl": "Loonaangifte"}, "Loonaangifte"),  # no English: the Dutch
        ("pl", {"nl": "Loonaangifte", "en": "Payroll tax return"}, "Payroll tax return"),
        ("pl", {"nl": "Loonaangifte", "pl": "Zgłoszenie płacowe"}, "Zgłoszenie płacowe"),
    ],
)
def test_an_activitys_purpose_is_said_in_the_overviews_language(
    lang: str, texts: dict[str, str], shown: str
) -> None:
    found = purposes(lang, texts)

    assert found["2026-10-03"] == (shown, URI)
    # A version the reading service did not pass, and a disclosure without activity: as stored.
    assert found["2026-10-02"] == ("Opgeslagen doel", None)
    assert found["2026-10-01"] == ("Opgeslagen doel", None)
