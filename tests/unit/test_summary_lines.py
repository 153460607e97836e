"""The summary's line per recipient, as the person reads it in Dutch, English and Polish: how
often, what, what for, the basis in a plain sentence, countries by name, numbers labelled, and
no line for a recipient whose only disclosures were retracted. Built from plain data
(`ledger.overview.model.build`), no database."""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from ledger.domain.vocabulary import Vocabulary
from ledger.overview import Overview, PersonRecord, build, load_config
from ledger.overview.countries import country_name
from ledger.overview.texts import how_often

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
TAX = "belastingdienst|name:belastingdienst"
HIRER = "inlener|kvk:87654321"
WRONG = "uwv|name:uwv"


def row(
    number: int,
    key: str,
    occurred: str,
    *,
    basis: str = "legal_obligation",
    provision: str | None = "Wet op de loonbelasting 1964, art. 28",
    categories: str = '["salaris", "bsn"]',
    purpose: str = "Loonaangifte",
    retracted: bool = False,
    transfer: tuple[str, str] | None = None,
) -> tuple[Any, ...]:
    """A row in the column order of `ledger.projections.queries.OVERVIEW_COLUMNS`."""
    country, safeguard = transfer or (None, None)
    return (
        f"{number:032x}",
        "20105245",
        key,
        occurred,
        categories,
        basis,
        provision,
        None,
        None,
        purpose,
        country,
        safeguard,
        None,
        None,
        0,
        retracted,
        "verkeerde persoon" if retracted else None,
        None,
        None,
        None,
        None,
    )


def recipient(key: str, category: str, name: str, rid: str | None, country: str) -> Any:
    return SimpleNamespace(
        recipient_key=key,
        recipient_category=category,
        recipient_name=name,
        recipient_id=rid,
        recipient_country=country,
    )


RECIPIENTS = {
    TAX: recipient(TAX, "belastingdienst", "Belastingdienst", "00000001003214345000", "NL"),
    HIRER: recipient(HIRER, "inlener", "Bouwbedrijf De Vries B.V.", "87654321", "DE"),
    WRONG: recipient(WRONG, "uwv", "UWV", None, "NL"),
}
ROWS = [
    # Every month from January to June 2026: "elke maand".
    *(row(month, TAX, f"2026-{month:02d}-25T12:00:00+01:00") for month in (6, 5, 4, 3, 2, 1)),
    # Once, under the contract, to a hirer in Germany.
    row(
        20,
        HIRER,
        "2026-03-03T09:00:00+01:00",
        basis="contract",
        provision=None,
        categories='["naam", "vca", "beschikbaarheid"]',
        purpose="Planning van uw inzet",
    ),
    # Only a retracted one: the summary leaves UWV out.
    row(30, WRONG, "2026-04-01T09:00:00+02:00", retracted=True),
]


def overview(lang: str, **record: Any) -> Overview:
    person = PersonRecord(
        tag="t" * 32,
        reference="E-00001",
        name=None,
        rows=record.pop("rows", ROWS),
        recipients=RECIPIENTS,
        **record,
    )
    return build(
        person, config=load_config(None), vocabulary=Vocabulary.default(), now=NOW, lang=lang
    )


@pytest.mark.parametrize(
    ("lang", "tax_what", "hirer_what"),
    [
        (
            "nl",
            "Elke maand, van januari 2026 tot en met juni 2026: burgerservicenummer (BSN) en"
            " salarisgegevens",
            "Eén keer, op 3 maart 2026: beschikbaarheid, naam en VCA-certificaat",
        ),
        (
            "en",
            "Every month, from January 2026 to June 2026: citizen service number (BSN) and"
            " salary data",
            "Once, on 3 March 2026: availability, name and VCA safety certificate",
        ),
        (
            "pl",
            "Co miesiąc, od stycznia 2026 do czerwca 2026: dane o wynagrodzeniu i numer BSN"
            " (holenderski numer obywatelski)",
            "Jeden raz, w dniu 3 marca 2026: certyfikat bezpieczeństwa VCA, dostępność i imię"
            " i nazwisko",
        ),
    ],
)
def test_each_recipient_gets_one_line_saying_how_often_and_what(
    lang: str, tax_what: str, hirer_what: str
) -> None:
    view = overview(lang)
    lines = {group.name: group.line_what for group in view.summary_groups}

    assert lines == {"Belastingdienst": tax_what, "Bouwbedrijf De Vries B.V.": hirer_what}


@pytest.mark.parametrize(
    ("lang", "law", "contract", "citation", "why"),
    [
        (
            "nl",
            "Dit moet van de wet.",
            "Dit is nodig voor uw werk via ons.",
            "art. 6 lid 1 onder c AVG — Wet op de loonbelasting 1964, art. 28",
            "Waarvoor: Loonaangifte",
        ),
        (
            "en",
            "The law requires this.",
            "This is needed for your work through us.",
            "GDPR Art. 6(1)(c) — Wet op de loonbelasting 1964, art. 28",
            "What for: Loonaangifte",
        ),
        (
            "pl",
            "Wymaga tego prawo.",
            "Jest to potrzebne do Twojej pracy za naszym pośrednictwem.",
            "art. 6 ust. 1 lit. c RODO — Wet op de loonbelasting 1964, art. 28",
            "Cel: Loonaangifte",
        ),
    ],
)
def test_each_basis_is_one_plain_sentence_with_its_article_beneath(
    lang: str, law: str, contract: str, citation: str, why: str
) -> None:
    groups = {group.name: group for group in overview(lang).summary_groups}

    assert groups["Belastingdienst"].basis_lines == ((law, citation),)
    assert groups["Belastingdienst"].line_why == why
    assert groups["Bouwbedrijf De Vries B.V."].basis_lines[0][0] == contract


@pytest.mark.parametrize(
    ("lang", "summary", "mistake", "country", "kvk", "oin"),
    [
        (
            "nl",
            "Wij gaven uw gegevens 7 keer aan 2 ontvangers.",
            "Deze verstrekking is per vergissing geregistreerd en heeft niet plaatsgevonden.",
            "Duitsland",
            "KvK-nummer 87654321",
            "OIN (nummer van een overheidsorganisatie) 00000001003214345000",
        ),
        (
            "en",
            "We gave your data 7 times to 2 recipients.",
            "This disclosure was registered by mistake and did not happen.",
            "Germany",
            "Chamber of Commerce (KvK) number 87654321",
            "OIN (number of a Dutch government body) 00000001003214345000",
        ),
        (
            "pl",
            "Przekazaliśmy Twoje dane 2 odbiorcom, łącznie 7 razy.",
            "To przekazanie zostało zarejestrowane przez pomyłkę i nie miało miejsca.",
            "Niemcy",
            "Numer w holenderskim rejestrze handlowym (KvK) 87654321",
            "OIN (numer holenderskiej instytucji publicznej) 00000001003214345000",
        ),
    ],
)
def test_a_retracted_only_recipient_is_not_summarised_and_its_disclosure_did_not_happen(
    lang: str, summary: str, mistake: str, country: str, kvk: str, oin: str
) -> None:
    view = overview(lang)
    groups = {group.name: group for group in view.groups}

    assert view.summary == summary
    assert "UWV" not in {group.name for group in view.summary_groups}
    assert groups["UWV"].count == 0
    assert groups["UWV"].items[0].state_text.startswith(mistake)
    assert groups["Bouwbedrijf De Vries B.V."].country_name == country
    assert groups["Bouwbedrijf De Vries B.V."].recipient_id_text == kvk
    assert groups["Belastingdienst"].recipient_id_text == oin


def at(*days: str) -> list[datetime]:
    return [datetime.fromisoformat(f"{day}T12:00:00+01:00") for day in days]


@pytest.mark.parametrize(
    ("moments", "nl", "en", "pl"),
    [
        (at("2026-03-03"), "één keer, op 3 maart 2026", "once, on 3 March 2026", None),
        (
            at("2026-03-03", "2026-03-03"),
            "2 keer op 3 maart 2026",
            "2 times on 3 March 2026",
            "2 razy w dniu 3 marca 2026",
        ),
        (
            at("2026-01-31", "2026-02-28", "2026-03-31"),
            "elke maand, van januari 2026 tot en met maart 2026",
            "every month, from January 2026 to March 2026",
            "co miesiąc, od stycznia 2026 do marca 2026",
        ),
        # A month missing, or two in one month: not "every month".
        (
            at("2026-01-05", "2026-03-05", "2026-04-05"),
            "3 keer tussen 5 januari 2026 en 5 april 2026",
            "3 times between 5 January 2026 and 5 April 2026",
            "3 razy, od 5 stycznia 2026 do 5 kwietnia 2026",
        ),
        (
            at("2026-01-05", "2026-01-20", "2026-02-05"),
            "3 keer tussen 5 januari 2026 en 5 februari 2026",
            None,
            None,
        ),
        (
            at("2025-12-01", "2026-01-01"),
            "2 keer tussen 1 december 2025 en 1 januari 2026",
            None,
            None,
        ),
    ],
)
def test_how_often_is_said_in_words(
    moments: list[datetime], nl: str, en: str | None, pl: str | None
) -> None:
    assert how_often(moments, "nl") == nl
    if en is not None:
        assert how_often(moments, "en") == en
    if pl is not None:
        assert how_often(moments, "pl") == pl


@pytest.mark.parametrize(
    ("code", "nl", "en", "pl"),
    [
        ("PL", "Polen", "Poland", "Polska"),
        ("NL", "Nederland", "the Netherlands", "Holandia"),
        ("US", "de Verenigde Staten", "the United States", "Stany Zjednoczone"),
        ("XK", "XK", "XK", "XK"),  # not in the table: the code
    ],
)
def test_countries_are_named_in_the_persons_language(code: str, nl: str, en: str, pl: str) -> None:
    assert (country_name(code, "nl"), country_name(code, "en"), country_name(code, "pl")) == (
        nl,
        en,
        pl,
    )
    assert country_name(code, "de") == en  # a language the table lacks: English


def test_the_context_names_the_sender_the_request_and_the_period() -> None:
    view = overview(
        "nl",
        request=(date(2026, 10, 30), "AVG-2026-017"),
        ledger_since=datetime(2025, 6, 1, 8, 0, tzinfo=UTC),
    )

    assert view.sender == "Backoffice Plus B.V."
    assert view.context == (
        "U vroeg ons op 30 oktober 2026 aan wie wij uw gegevens hebben gegeven. Dit is ons"
        " antwoord.",
        "Het kenmerk van uw vraag is AVG-2026-017.",
        "Het overzicht gaat over de tijd van 1 juni 2025 tot vandaag. Sinds die dag schrijven"
        " wij elke keer op als wij uw gegevens aan een ander geven.",
    )
    mail = urlsplit(view.mailto)
    assert mail.scheme == "mailto"
    assert mail.path == "privacy@backofficeplus.nl"
    query = parse_qs(mail.query)
    assert query["subject"] == ["Vraag over mijn gegevens, kenmerk AVG-2026-017"]
    assert query["body"] == ["Mijn kenmerk: AVG-2026-017\n\nMijn vraag:\n"]
    assert " " not in view.mailto  # encoded, so every mail program reads it whole


def test_without_a_request_the_context_says_why_and_the_period_starts_at_the_first_record() -> None:
    view = overview("en")

    assert view.context[0] == (
        "You may always know who we give your data to. That is why you get this overview."
    )
    assert "from 25 January 2026 until today" in view.context[1]
    assert "Question%20about%20my%20data%2C%20reference%20E-00001" in view.mailto


def test_an_empty_overview_says_what_nothing_found_means_in_each_language() -> None:
    for lang, words in (
        ("nl", "Wij hebben uw gegevens aan niemand gegeven."),
        ("en", "We have not given your data to anyone."),
        ("pl", "Nie przekazaliśmy Twoich danych nikomu."),
    ):
        view = overview(lang, rows=[])
        assert view.summary_groups == ()
        assert view.texts["empty"] == words
        assert view.texts["empty_meaning"]


def test_a_request_older_than_three_months_is_not_what_the_overview_answers() -> None:
    recent = overview("nl", request=(date(2026, 8, 3), "AVG-2026-009"))
    old = overview("nl", request=(date(2026, 7, 1), "AVG-2026-001"))

    assert recent.request_reference == "AVG-2026-009"
    assert old.request_on is None
    assert old.context[0].startswith("U mag altijd weten")
    assert "E-00001" in old.mailto
