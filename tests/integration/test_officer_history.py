"""The officer's page of one disclosure tells each correction in words: "field: old → new" with
the vocabulary's labels and dates written out, never a Python list or dict."""

from __future__ import annotations

import re
from datetime import datetime
from html import unescape

from flask.testing import FlaskClient

from ledger.app import Ledger
from ledger.domain.suppression import AMSTERDAM
from ledger.domain.values import Recipient
from tests.builders import a_disclosure
from tests.integration.officer_pages import login


def words(html: str) -> str:
    """The page's text as read aloud, less the arrow's spoken form ("wordt")."""
    text = " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())
    return text.replace(" : ", ": ").replace("→ wordt ", "→ ")


def test_a_correction_shows_each_field_as_old_and_new_value_in_words(
    client: FlaskClient, ledger: Ledger, officer: str
) -> None:
    receipt = ledger.recording.record(a_disclosure(1), actor="payroll")
    ledger.recording.correct(
        receipt.id,
        changes={
            "data_categories": ("naam", "bsn"),
            "occurred_at": datetime(2026, 10, 30, 9, 30, tzinfo=AMSTERDAM),
            "purpose": "Loonaangifte oktober 2026 (gecorrigeerd)",
        },
        reason="salaris hoorde er niet bij",
        actor="payroll",
    )
    ledger.recording.correct(
        receipt.id,
        changes={"recipient": Recipient("uwv", "UWV", "00000001003214345001", "NL")},
        reason="verkeerde ontvanger",
        actor="fg",
    )
    login(client, officer)

    page = client.get(f"/officer/disclosures/{receipt.id}?reason=Controle+2026-101")

    assert page.status_code == 200
    html = page.get_data(as_text=True)
    said = words(html)
    assert "salaris hoorde er niet bij" in said
    assert (
        "Gegevens: Naam, Burgerservicenummer (BSN), Salarisgegevens → Naam,"
        " Burgerservicenummer (BSN)"
    ) in said
    assert "Moment: 31 oktober 2026, 12:00 → 30 oktober 2026, 09:30" in said
    assert " wordt " in unescape(html)  # a screen reader hears the arrow as a word
    assert "Doel: Loonaangifte oktober 2026 → Loonaangifte oktober 2026 (gecorrigeerd)" in said
    assert "Ontvanger: Belastingdienst (Belastingdienst), Nederland → UWV (UWV" in said
    assert "kenmerk 00000001003214345001, Nederland" in said
    assert "{'category'" not in unescape(html)  # no Python dict
    assert "['naam'" not in html
    assert "[&#39;naam&#39;" not in html
    assert "data_categories" not in said  # labels, not field names
