"""Every text the person reads and every vocabulary label exists in every language of
LANGUAGES: a text or label added in one language only fails here."""

from __future__ import annotations

import pytest

from ledger.domain import vocabulary
from ledger.domain.vocabulary import KINDS, Vocabulary
from ledger.overview import texts
from ledger.overview.countries import _NAMES as COUNTRY_NAMES


def test_the_overview_and_the_vocabulary_speak_the_same_languages() -> None:
    assert texts.LANGUAGES == vocabulary.LANGUAGES == ("nl", "en", "pl")


@pytest.mark.parametrize("lang", texts.LANGUAGES)
def test_every_text_key_has_every_language(lang: str) -> None:
    every_key = set().union(*(set(found) for found in texts.TEXTS.values()))

    missing = sorted(every_key - set(texts.TEXTS[lang]))

    assert missing == [], f"{lang} lacks {missing}"
    assert all(value.strip() for value in texts.TEXTS[lang].values())
    assert len(texts.MONTHS[lang]) == 12


@pytest.mark.parametrize("lang", texts.LANGUAGES)
def test_every_text_uses_the_placeholders_of_the_dutch_one(lang: str) -> None:
    import string

    def names(template: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(template) if name}

    differ = [
        key
        for key, dutch in texts.TEXTS["nl"].items()
        if names(dutch) != names(texts.TEXTS[lang][key])
    ]
    assert differ == []


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("lang", vocabulary.LANGUAGES)
def test_every_vocabulary_label_has_every_language(kind: str, lang: str) -> None:
    terms = Vocabulary.default().section(kind)

    missing = [code for code, term in terms.items() if not term.has_label(lang)]

    assert missing == [], f"{kind} lacks {lang} labels for {missing}"
    assert all(term.label(lang).strip() for term in terms.values())


def test_every_legal_basis_has_a_plain_sentence_in_every_language() -> None:
    for lang in texts.LANGUAGES:
        for code in Vocabulary.default().legal_bases:
            assert texts.TEXTS[lang][f"basis_sentence_{code}"]


def test_every_eea_country_has_a_name() -> None:
    assert set(COUNTRY_NAMES) >= vocabulary.EEA_COUNTRIES
    assert all(len(names) == len(texts.LANGUAGES) for names in COUNTRY_NAMES.values())


def test_a_deployments_entry_may_add_a_polish_label_and_falls_back_to_english() -> None:
    extended = Vocabulary.default().extended(
        {
            "data_categories": [
                {"code": "loonstrook", "nl": "Loonstrook", "en": "Payslip", "pl": "Pasek płacowy",
                 "sensitivity": "ordinary"},
                {"code": "rijbewijs", "nl": "Rijbewijs", "en": "Driving licence",
                 "sensitivity": "ordinary"},
            ]
        }
    )  # fmt: skip

    assert extended.label("data_categories", "loonstrook", "pl") == "Pasek płacowy"
    assert extended.label("data_categories", "rijbewijs", "pl") == "Driving licence"
    # Repeating a default entry as it stands (without Polish) is still allowed.
    bsn = Vocabulary.default().data_categories["bsn"]
    again = Vocabulary.default().extended(
        {
            "data_categories": [
                {"code": "bsn", "nl": bsn.nl, "en": bsn.en, "dpv": bsn.dpv,
                 "sensitivity": bsn.sensitivity}
            ]
        }
    )  # fmt: skip
    assert again.data_categories["bsn"].label("pl") == bsn.label("pl")
