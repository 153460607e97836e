"""A deployment adds a language through its overview file (texts and months) and its
vocabulary file (a label for every term): the overview then speaks it, and a missing text or
label stops the start with a message naming it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from ledger.bootstrap import check_languages
from ledger.domain.vocabulary import KINDS, Vocabulary
from ledger.overview import PersonRecord, build, texts
from ledger.overview.config import DEFAULT_CONFIG, parse_config
from ledger.settings import SettingsError

MONTHS = ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
          "Oktober", "November", "Dezember"]  # fmt: skip


@pytest.fixture(autouse=True)
def only_the_shipped_languages() -> Iterator[None]:
    """A language added here is forgotten after the test."""
    before = set(texts.TEXTS)
    yield
    for code in set(texts.TEXTS) - before:
        del texts.TEXTS[code]
        texts.MONTHS.pop(code, None)


def german() -> dict[str, str]:
    """Every key, in "German" (the English text marked, placeholders kept)."""
    return {key: f"[de] {value}" for key, value in texts.TEXTS["en"].items()}


def config_with(pack: dict[str, Any]) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    document["languages"] = {"de": pack}
    return document


def every_label(vocabulary: Vocabulary) -> dict[str, Any]:
    return {
        "labels": {
            "de": {
                kind: {code: f"[de] {term.en}" for code, term in vocabulary.section(kind).items()}
                for kind in KINDS
            }
        }
    }


def test_a_deployments_language_is_spoken_by_the_overview() -> None:
    config = parse_config(config_with({"months": MONTHS, "texts": german()}))
    vocabulary = Vocabulary.default().extended(every_label(Vocabulary.default()))

    check_languages(vocabulary, config)
    view = build(
        PersonRecord(tag=None, reference="E-1", name=None),
        config=config,
        vocabulary=vocabulary,
        now=datetime(2026, 3, 3, 9, tzinfo=UTC),
        lang="de",
    )

    assert config.added_languages == ("de",)
    assert view.lang == "de"
    assert view.texts["title"] == "[de] Who have we given your data to?"
    assert texts.long_date(datetime(2026, 3, 3).date(), "de") == "3 März 2026"
    assert vocabulary.label("legal_bases", "contract", "de") == "[de] performance of a contract"
    # Texts the file does not give in German (the complaint) read in English.
    assert config.said(config.complaint, "de") == config.complaint["en"]


def test_a_deployments_language_missing_a_text_is_refused_naming_the_keys() -> None:
    incomplete = german()
    del incomplete["title"], incomplete["rights"]
    incomplete["summary"] = "{oops}"

    with pytest.raises(ValueError, match="lacks rights, title") as refused:
        parse_config(config_with({"months": MONTHS, "texts": incomplete}))

    assert "languages.de.texts.summary must use the placeholders none" in str(refused.value)
    assert "de" not in texts.TEXTS


@pytest.mark.parametrize(
    ("pack", "message"),
    [
        ({"months": MONTHS[:11], "texts": german()}, "twelve month names"),
        ({"months": MONTHS, "texts": "all of them"}, "must be an object of texts"),
    ],
)
def test_a_deployments_language_pack_must_be_whole(pack: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_config(config_with(pack))


def test_an_added_language_code_must_be_new() -> None:
    document = config_with({"months": MONTHS, "texts": german()})
    document["languages"] = {"pl": document["languages"]["de"]}

    with pytest.raises(ValueError, match="needs a new code"):
        parse_config(document)


def test_the_start_stops_when_the_vocabulary_lacks_the_added_languages_labels() -> None:
    config = parse_config(config_with({"months": MONTHS, "texts": german()}))
    labels = every_label(Vocabulary.default())
    del labels["labels"]["de"]["legal_bases"]["contract"]
    vocabulary = Vocabulary.default().extended(labels)

    with pytest.raises(SettingsError, match=r"no de label for legal_bases\.contract"):
        check_languages(vocabulary, config)


def test_labels_of_unknown_codes_or_languages_are_refused() -> None:
    with pytest.raises(ValueError, match=r"labels\.de\.data_categories\.geen is not a known code"):
        Vocabulary.default().extended({"labels": {"de": {"data_categories": {"geen": "x"}}}})
    with pytest.raises(ValueError, match="a language code of 2 or 3"):
        Vocabulary.default().extended({"labels": {"nl": {"data_categories": {"naam": "x"}}}})
