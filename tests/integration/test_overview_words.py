"""The person's overview through their link, as they read it in Dutch, English and Polish: the
question as the title, who sends it and why, one plain line per recipient, "Is something wrong?"
with a mailto carrying their request's reference, and an empty answer that says what it means.
Through the real Flask app on both backends."""

from __future__ import annotations

import json
from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator

from ledger.app import Ledger
from ledger.overview.config import ASSETS
from tests.builders import a_disclosure, to_inlener
from tests.integration.officer_pages import login
from tests.integration.test_pages import Page, make_link, record_person

WORDS = {
    "nl": [
        '<html lang="nl">',
        "Aan wie hebben wij uw gegevens gegeven?",
        "Van <strong>Backoffice Plus B.V.</strong>",
        "U vroeg ons op 30 oktober 2026 aan wie wij uw gegevens hebben gegeven.",
        "Het kenmerk van uw vraag is AVG-2026-017.",
        "Wij gaven uw gegevens 2 keer aan 2 ontvangers.",
        "Eén keer, op 31 oktober 2026: burgerservicenummer (BSN), naam en salarisgegevens",
        "Dit moet van de wet.",
        "art. 6 lid 1 onder c AVG — Wet op de loonbelasting 1964, art. 28",
        "Dit is nodig voor uw werk via ons.",
        "Klopt er iets niet?",
        "KvK-nummer 87654321",
        "Nederland",
    ],
    "en": [
        '<html lang="en">',
        "Who have we given your data to?",
        "From <strong>Backoffice Plus B.V.</strong>",
        "On 30 October 2026 you asked us who we have given your data to.",
        "The reference of your request is AVG-2026-017.",
        "We gave your data 2 times to 2 recipients.",
        "Once, on 31 October 2026: citizen service number (BSN), name and salary data",
        "The law requires this.",
        "This is needed for your work through us.",
        "Is something wrong?",
        "Chamber of Commerce (KvK) number 87654321",
        "the Netherlands",
    ],
    "pl": [
        '<html lang="pl">',
        "Komu przekazaliśmy Twoje dane?",
        "Od <strong>Backoffice Plus B.V.</strong>",
        "W dniu 30 października 2026 otrzymaliśmy Twoje pytanie",
        "Numer Twojej sprawy: AVG-2026-017.",
        "Przekazaliśmy Twoje dane 2 odbiorcom, łącznie 2 razy.",
        "Jeden raz, w dniu 31 października 2026: dane o wynagrodzeniu, imię i nazwisko i numer",
        "Wymaga tego prawo.",
        "art. 6 ust. 1 lit. c RODO",
        "Coś się nie zgadza?",
        "Belastingdienst (holenderski urząd skarbowy)",
        "Holandia",
        ">Polski<",
    ],
}
SUBJECTS = {
    "nl": "Vraag over mijn gegevens, kenmerk AVG-2026-017",
    "en": "Question about my data, reference AVG-2026-017",
    "pl": "Pytanie o moje dane, numer AVG-2026-017",
}


@pytest.mark.parametrize("lang", ["nl", "en", "pl"])
def test_the_person_reads_the_answer_in_their_language_with_a_mailto_naming_their_request(
    client: FlaskClient, ledger: Ledger, officer: str, lang: str
) -> None:
    record_person(ledger)
    ledger.requests.open(
        subject_id="E-00001",
        received_on=date(2026, 10, 30),
        channel="email",
        reference="AVG-2026-017",
        actor="fg",
    )
    path = make_link(client, officer, lang=lang)

    page = client.get(path)

    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for words in WORDS[lang]:
        assert words in html, (lang, words)
    # The summary comes before the details, and "Is something wrong?" right after it.
    assert html.index('id="summary-title"') < html.index('id="rights-title"')
    assert html.index('id="rights-title"') < html.index('id="recipients-title"')
    # ...and the way to it is in the first screen's context, before the answer.
    assert html.index('<a href="#rights">') < html.index('id="summary-title"')
    mailtos = [
        a["href"] for a in Page(html).all("a") if (a.get("href") or "").startswith("mailto:")
    ]
    # Near the top and twice at the bottom (with the complaint too), all prefilled; no script.
    assert len(mailtos) == 3
    assert all("?subject=" in str(m) for m in mailtos)
    mail = urlsplit(str(mailtos[0]))
    assert mail.path == "privacy@backofficeplus.nl"
    assert parse_qs(mail.query)["subject"] == [SUBJECTS[lang]]
    assert "AVG-2026-017" in parse_qs(mail.query)["body"][0]
    assert "<script" not in html
    # No recipient says "0 times", and the withheld police request stays invisible.
    assert "Politie" not in html


def test_a_person_whose_only_disclosure_was_retracted_reads_that_nothing_was_given(
    client: FlaskClient, ledger: Ledger, officer: str
) -> None:
    wrong = ledger.recording.record(a_disclosure(1), actor="payroll")
    ledger.recording.retract(wrong.id, reason="verkeerde werknemer", actor="payroll")
    path = make_link(client, officer)

    html = client.get(path).get_data(as_text=True)
    polish = client.get(path + "?lang=pl").get_data(as_text=True)

    assert "Wij hebben uw gegevens aan niemand gegeven." in html
    assert "in ons register staat niet één keer" in html
    assert "Hoe vaak" not in html.split('id="rights-title"')[0]
    assert "Deze verstrekking is per vergissing geregistreerd en heeft niet plaatsgevonden." in html
    assert "U mag altijd weten aan wie wij uw gegevens geven." in html
    assert "Nie przekazaliśmy Twoich danych nikomu." in polish
    assert "To przekazanie zostało zarejestrowane przez pomyłkę i nie miało miejsca." in polish
    # Without a request, the mail names the person's own reference.
    assert "kenmerk%20E-00001" in html


def test_the_officers_embedded_view_offers_polish_and_keeps_its_headings_a_level_down(
    client: FlaskClient, ledger: Ledger, officer: str
) -> None:
    ledger.recording.record(a_disclosure(1), actor="payroll")
    ledger.recording.record(to_inlener(1), actor="planning")
    login(client, officer)

    html = client.get("/officer/subject?id=E-00001&reason=AVG-verzoek&lang=pl").get_data(
        as_text=True
    )

    assert '<h2 id="overview-title">Komu przekazaliśmy Twoje dane?</h2>' in html
    assert ">Polski<" in html
    assert "Wymaga tego prawo." in html


def test_the_json_copy_in_polish_validates_and_carries_the_plain_words(
    client: FlaskClient, ledger: Ledger, officer: str
) -> None:
    record_person(ledger)
    path = make_link(client, officer, lang="pl")

    document = json.loads(client.get(f"{path}/overview.json?lang=pl").data)

    schema = json.loads((ASSETS / "overview.schema.json").read_text(encoding="utf-8"))
    assert not list(Draft202012Validator(schema).iter_errors(document))
    assert document["language"] == "pl"
    assert document["rights"]["heading"] == "Coś się nie zgadza?"
    assert document["context"]["sender"] == "Backoffice Plus B.V."
    tax = next(g for g in document["recipients"] if g["recipient"]["name"] == "Belastingdienst")
    assert tax["summary_line"]["bases"][0]["text"] == "Wymaga tego prawo."
    assert tax["recipient"]["country_name"] == "Holandia"
    assert tax["legal_bases"][0]["plain"] == "Wymaga tego prawo."
