"""The default vocabulary holds every code of SPEC §2; an extension adds codes and changes none."""

from __future__ import annotations

import re
from typing import Any

import pytest

from ledger.domain.values import SUBJECT_KINDS
from ledger.domain.vocabulary import (
    EEA_COUNTRIES,
    KINDS,
    PREFIXES,
    DataCategory,
    Term,
    Vocabulary,
    iri,
    is_country_code,
    is_eea,
)

VOCABULARY = Vocabulary.default()

SPEC_CODES = {
    "recipient_categories": [
        "inlener", "uwv", "belastingdienst", "arbodienst", "pensioenfonds", "intermediair",
        "opleidingsinstituut", "financiele_dienstverlener", "accountant",
        "juridisch_dienstverlener", "deurwaarder", "verzekeraar", "certificeringsinstantie",
        "toezichthouder", "overheidsinstantie", "opsporingsinstantie", "reintegratiepartner",
        "hulpverlener",
    ],
    "data_categories": [
        "nationaliteit", "bsn", "kopie_id", "werkvergunning", "loonheffingsverklaring",
        "bankrekening", "gezinsleden", "vog", "vca", "diploma", "referenties", "medisch",
        "verzuim", "beschikbaarheid", "verlof", "sociale_premies", "salaris",
        "personeelsdossier", "beoordeling", "klachten_waarschuwingen", "kvk_uittreksel",
        "btw_nummer", "verzekeringspolis", "naam", "contactgegevens", "geboortedatum", "functie",
        "pasfoto", "camerabeelden",
    ],
    "legal_bases": [
        "consent", "contract", "legal_obligation", "vital_interests", "public_task",
        "legitimate_interests",
    ],
    "special_conditions": [
        "explicit_consent", "employment_social_security", "vital_interests", "legal_claims",
        "substantial_public_interest", "occupational_medicine",
    ],
    "safeguards": [
        "adequacy_decision", "standard_contractual_clauses", "binding_corporate_rules",
        "derogation",
    ],
    "subject_kinds": ["employee", "zzp", "contact", "candidate"],
}  # fmt: skip

LOWER_SNAKE_CASE = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)*")

ALL_TERMS = [
    pytest.param(kind, term, id=f"{kind}.{code}")
    for kind in KINDS
    for code, term in VOCABULARY.section(kind).items()
]


@pytest.mark.parametrize(("kind", "codes"), SPEC_CODES.items())
def test_the_default_vocabulary_holds_exactly_the_codes_of_the_spec(
    kind: str, codes: list[str]
) -> None:
    assert list(VOCABULARY.section(kind)) == codes


def test_the_subject_kinds_are_those_of_the_value_objects() -> None:
    assert tuple(VOCABULARY.subject_kinds) == SUBJECT_KINDS


@pytest.mark.parametrize(("kind", "term"), ALL_TERMS)
def test_every_term_has_a_lower_snake_case_code_and_both_labels(kind: str, term: Term) -> None:
    assert LOWER_SNAKE_CASE.fullmatch(term.code)
    assert term.nl.strip()
    assert term.en.strip()
    assert VOCABULARY.section(kind)[term.code] is term


@pytest.mark.parametrize(("kind", "term"), ALL_TERMS)
def test_every_dpv_term_expands_to_a_full_iri(kind: str, term: Term) -> None:
    if term.dpv is None:
        assert term.dpv_iri is None
    else:
        assert term.dpv_iri is not None
        assert term.dpv_iri.startswith("https://w3id.org/dpv")


@pytest.mark.parametrize(
    ("kind", "code", "dpv"),
    [
        ("legal_bases", "legal_obligation", "eu-gdpr:A6-1-c"),
        ("special_conditions", "occupational_medicine", "eu-gdpr:A9-2-h"),
        ("data_categories", "medisch", "pd:Health"),
        ("legal_bases", "consent", "eu-gdpr:A6-1-a"),
        ("legal_bases", "legitimate_interests", "eu-gdpr:A6-1-f"),
        ("special_conditions", "explicit_consent", "eu-gdpr:A9-2-a"),
        ("safeguards", "adequacy_decision", "eu-gdpr:A45-3"),
        ("safeguards", "standard_contractual_clauses", "eu-gdpr:A46-2-c"),
    ],
)
def test_codes_map_to_the_dpv_terms_the_spec_names(kind: str, code: str, dpv: str) -> None:
    assert VOCABULARY.section(kind)[code].dpv == dpv


def test_the_legal_bases_carry_their_letter_of_article_6_1() -> None:
    letters = {code: basis.letter for code, basis in VOCABULARY.legal_bases.items()}

    assert letters == {
        "consent": "a",
        "contract": "b",
        "legal_obligation": "c",
        "vital_interests": "d",
        "public_task": "e",
        "legitimate_interests": "f",
    }
    assert VOCABULARY.legal_bases["legal_obligation"].citation == "Art. 6(1)(c)"
    assert VOCABULARY.special_conditions["occupational_medicine"].citation == "Art. 9(2)(h)"


def test_the_legal_bases_read_as_plain_phrases() -> None:
    basis = VOCABULARY.legal_bases["legal_obligation"]

    assert (basis.nl, basis.en) == ("wettelijke verplichting", "legal obligation")


def test_only_health_is_special_vog_is_criminal_and_bsn_is_an_identifier() -> None:
    flagged = {
        code: category.sensitivity
        for code, category in VOCABULARY.data_categories.items()
        if category.sensitivity != "ordinary"
    }

    assert flagged == {
        "medisch": "special",
        "verzuim": "special",
        "vog": "criminal",
        "bsn": "identifier",
    }


def test_labels_come_in_dutch_and_english() -> None:
    assert VOCABULARY.label("data_categories", "bsn", "nl") == "Burgerservicenummer (BSN)"
    assert VOCABULARY.label("data_categories", "bsn", "en") == "Citizen service number (BSN)"
    assert VOCABULARY.label("data_categories", "verzuim", "nl") == "Verzuimgegevens"
    assert VOCABULARY.label("legal_bases", "legal_obligation", "en") == "legal obligation"


def test_a_code_without_an_entry_is_labelled_as_itself() -> None:
    assert VOCABULARY.label("recipient_categories", "vervallen_categorie", "nl") == (
        "vervallen_categorie"
    )


@pytest.mark.parametrize(
    ("kind", "lang"), [("recipients", "en"), ("data_categories", "de")], ids=["kind", "lang"]
)
def test_a_label_of_an_unknown_kind_or_language_is_refused(kind: str, lang: str) -> None:
    with pytest.raises(ValueError, match="use one of"):
        VOCABULARY.label(kind, "naam", lang)


def test_iri_expands_each_known_prefix() -> None:
    assert iri("eu-gdpr:A6-1-c") == "https://w3id.org/dpv/legal/eu/gdpr#A6-1-c"
    assert iri("pd:Health") == "https://w3id.org/dpv/pd#Health"
    assert iri("dpv:Employee") == "https://w3id.org/dpv#Employee"
    assert iri("loc:NL") == "https://w3id.org/dpv/loc#NL"
    assert set(PREFIXES) == {"dpv", "pd", "eu-gdpr", "loc"}


@pytest.mark.parametrize("compact", ["schema:Person", "Health", "pd:", ""])
def test_iri_refuses_an_unknown_prefix_or_a_malformed_name(compact: str) -> None:
    with pytest.raises(ValueError, match="known prefix"):
        iri(compact)


def test_the_eea_is_the_eu_27_with_iceland_liechtenstein_and_norway() -> None:
    assert len(EEA_COUNTRIES) == 30
    assert {"NL", "BE", "DE", "GR", "IS", "LI", "NO"} <= EEA_COUNTRIES
    assert not {"GB", "CH", "US", "EL", "UK"} & EEA_COUNTRIES
    assert all(is_country_code(country) for country in EEA_COUNTRIES)
    assert is_eea("NO")
    assert not is_eea("CH")


@pytest.mark.parametrize(
    ("value", "expected"),
    [("NL", True), ("US", True), ("nl", False), ("NLD", False), ("N", False), ("", False),
     ("N1", False), ("ÑL", False)],
)  # fmt: skip
def test_a_country_code_is_two_capital_letters(value: str, expected: bool) -> None:
    assert is_country_code(value) is expected


# -- extension ------------------------------------------------------------------------------------


def test_an_extension_adds_codes_and_keeps_the_defaults() -> None:
    extended = VOCABULARY.extended(
        {
            "recipient_categories": [
                {"code": "vakbond", "nl": "Vakbond", "en": "Trade union", "dpv": None}
            ],
            "data_categories": [
                {
                    "code": "loonstrook",
                    "nl": "Loonstrook",
                    "en": "Payslip",
                    "dpv": "pd:Salary",
                    "sensitivity": "ordinary",
                }
            ],
            "special_conditions": [
                {
                    "code": "public_health",
                    "nl": "algemeen belang op het gebied van de volksgezondheid",
                    "en": "public interest in public health",
                    "dpv": "eu-gdpr:A9-2-i",
                    "letter": "i",
                }
            ],
        }
    )

    assert extended.recipient_categories["vakbond"] == Term(
        "vakbond", "Vakbond", "Trade union", None
    )
    assert extended.data_categories["loonstrook"] == DataCategory(
        "loonstrook", "Loonstrook", "Payslip", "pd:Salary", "ordinary"
    )
    assert extended.special_conditions["public_health"].citation == "Art. 9(2)(i)"
    assert list(extended.recipient_categories)[:-1] == SPEC_CODES["recipient_categories"]
    assert "vakbond" not in VOCABULARY.recipient_categories
    assert extended.label("recipient_categories", "vakbond", "nl") == "Vakbond"


def test_an_extension_may_repeat_a_default_entry_unchanged() -> None:
    uwv = VOCABULARY.recipient_categories["uwv"]
    entry = {"code": "uwv", "nl": uwv.nl, "en": uwv.en, "dpv": uwv.dpv}

    assert VOCABULARY.extended({"recipient_categories": [entry]}) == VOCABULARY


def test_an_empty_extension_changes_nothing() -> None:
    assert VOCABULARY.extended({}) == VOCABULARY


GOOD_ENTRY = {"code": "vakbond", "nl": "Vakbond", "en": "Trade union", "dpv": None}


def with_entry(**changes: Any) -> dict[str, Any]:
    entry = {**GOOD_ENTRY, **changes}
    return {"recipient_categories": [{k: v for k, v in entry.items() if v is not ...}]}


@pytest.mark.parametrize(
    ("extension", "fragment"),
    [
        pytest.param(with_entry(code="Vakbond"), "lower_snake_case", id="upper-case code"),
        pytest.param(with_entry(code="vak-bond"), "lower_snake_case", id="code with a dash"),
        pytest.param(with_entry(code="_vakbond"), "lower_snake_case", id="leading underscore"),
        pytest.param(with_entry(code="v" * 65), "at most 64", id="code too long"),
        pytest.param(with_entry(code=...), "code must be", id="missing code"),
        pytest.param(with_entry(nl=""), "nl must be a non-empty label", id="empty nl label"),
        pytest.param(with_entry(en="  "), "en must be a non-empty label", id="blank en label"),
        pytest.param(with_entry(en=...), "en must be a non-empty label", id="missing en label"),
        pytest.param(with_entry(dpv="schema:Union"), "known prefix", id="unknown dpv prefix"),
        pytest.param(with_entry(dpv=7), "compact DPV IRI", id="dpv not a string"),
        pytest.param(with_entry(colour="red"), "unknown keys colour", id="unknown key"),
        pytest.param(
            with_entry(code="uwv", en="Unemployment office"),
            "'uwv' already means 'UWV (Employee Insurance Agency)'",
            id="a default code with another meaning",
        ),
        pytest.param(
            {"recipient_categories": [GOOD_ENTRY, {**GOOD_ENTRY, "nl": "Bond"}]},
            "'vakbond' already means 'Trade union'",
            id="one new code given two meanings",
        ),
        pytest.param(
            {"data_categories": [{**GOOD_ENTRY, "code": "loonstrook"}]},
            "sensitivity must be one of",
            id="data category without sensitivity",
        ),
        pytest.param(
            {"data_categories": [{**GOOD_ENTRY, "sensitivity": "secret"}]},
            "not 'secret'",
            id="unknown sensitivity",
        ),
        pytest.param(
            {"special_conditions": [{**GOOD_ENTRY, "letter": "z"}]},
            "point of GDPR Art. 9(2)",
            id="special condition with a wrong letter",
        ),
        pytest.param({"legal_bases": [GOOD_ENTRY]}, "exactly six", id="a seventh legal basis"),
        pytest.param({"recipients": []}, "'recipients' is not a part", id="unknown kind"),
        pytest.param({"safeguards": {"code": "x"}}, "must be a list", id="entries not a list"),
        pytest.param({"safeguards": ["x"]}, "must be an object", id="entry not an object"),
    ],
)
def test_an_extension_is_refused_with_a_message_naming_the_problem(
    extension: dict[str, Any], fragment: str
) -> None:
    with pytest.raises(ValueError, match="the vocabulary extension is refused") as refused:
        VOCABULARY.extended(extension)

    assert fragment in str(refused.value)


def test_an_extension_names_every_problem_at_once() -> None:
    extension = {
        "recipient_categories": [{"code": "Bad", "nl": "", "en": "x"}],
        "subject_kinds": [{"code": "employee", "nl": "Medewerker", "en": "Staff member"}],
    }

    with pytest.raises(ValueError, match="refused") as refused:
        VOCABULARY.extended(extension)

    message = str(refused.value)
    assert "recipient_categories[0].code" in message
    assert "recipient_categories[0].nl" in message
    assert "subject_kinds[0].code 'employee' already means" in message


def test_an_extension_that_is_no_object_is_refused() -> None:
    with pytest.raises(ValueError, match="must be an object"):
        VOCABULARY.extended([])  # type: ignore[arg-type]
