"""The codes a disclosure may use, with Dutch, English and Polish labels and DPV terms.

The defaults live here as data; a deployment may add entries, never change or remove them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Literal, TypeGuard, TypeVar, get_args

PREFIXES: Mapping[str, str] = MappingProxyType(
    {
        "dpv": "https://w3id.org/dpv#",
        "pd": "https://w3id.org/dpv/pd#",
        "eu-gdpr": "https://w3id.org/dpv/legal/eu/gdpr#",
        "loc": "https://w3id.org/dpv/loc#",
    }
)

Sensitivity = Literal["ordinary", "special", "criminal", "identifier"]
SENSITIVITIES: frozenset[str] = frozenset(get_args(Sensitivity))

LANGUAGES = ("nl", "en", "pl")
# The labels every entry of a deployment's file must give; a further language's label falls
# back to the English one when the file leaves it out.
REQUIRED_LANGUAGES = ("nl", "en")
KINDS = (
    "recipient_categories",
    "data_categories",
    "legal_bases",
    "special_conditions",
    "safeguards",
    "subject_kinds",
    "restriction_grounds",
)
# Kinds a deployment's file may not extend: the GDPR names every entry.
FIXED_KINDS = {
    "legal_bases": "GDPR Art. 6(1) names exactly six",
    "restriction_grounds": "GDPR Art. 18(2) names exactly four",
}

CODE_PATTERN = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")
MAX_CODE_LENGTH = 64
_COMPACT_IRI = re.compile(r"(?P<prefix>[a-z][a-z0-9-]*):(?P<local>[A-Za-z0-9][A-Za-z0-9_-]*)")
_COUNTRY_CODE = re.compile(r"[A-Z]{2}")
_LANGUAGE_CODE = re.compile(r"[a-z]{2,3}")

# EU 27 plus Iceland, Liechtenstein and Norway: transfers among these are not Chapter V transfers.
EEA_COUNTRIES: frozenset[str] = frozenset(
    {
        "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
        "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
        "IS", "LI", "NO",
    }
)  # fmt: skip


def iri(compact: str) -> str:
    """The full IRI of a compact one such as ``eu-gdpr:A6-1-c``."""
    match = _COMPACT_IRI.fullmatch(compact)
    if match is None or match["prefix"] not in PREFIXES:
        raise ValueError(
            f"{compact!r} is not a compact IRI with a known prefix ({', '.join(PREFIXES)})"
        )
    return PREFIXES[match["prefix"]] + match["local"]


def is_country_code(value: str) -> bool:
    """Shaped like an ISO 3166-1 alpha-2 code: two capital letters A-Z."""
    return _COUNTRY_CODE.fullmatch(value) is not None


def is_eea(country: str) -> bool:
    return country in EEA_COUNTRIES


@dataclass(frozen=True, slots=True)
class Term:
    """One code with its labels and, where one fits, its W3C DPV term as a compact IRI."""

    code: str
    nl: str
    en: str
    dpv: str | None
    # Labels in the further languages (Polish), as (language, label) pairs.
    more: tuple[tuple[str, str], ...] = field(default=(), kw_only=True, compare=False)

    def label(self, lang: str) -> str:
        if lang == "nl":
            return self.nl
        if lang == "en":
            return self.en
        for code, label in self.more:
            if code == lang:
                return label
        return self.en

    def has_label(self, lang: str) -> bool:
        """Whether the term has its own label in `lang` (not the English fallback)."""
        return lang in ("nl", "en") or any(code == lang for code, _ in self.more)

    @property
    def dpv_iri(self) -> str | None:
        return iri(self.dpv) if self.dpv else None


@dataclass(frozen=True, slots=True)
class DataCategory(Term):
    """A category of personal data; `sensitivity` decides which extra rules apply to it."""

    sensitivity: Sensitivity


@dataclass(frozen=True, slots=True)
class LegalBasis(Term):
    """A lawful basis of GDPR Art. 6(1); `letter` is its point, e.g. ``c``."""

    letter: str

    @property
    def citation(self) -> str:
        return f"Art. 6(1)({self.letter})"


@dataclass(frozen=True, slots=True)
class SpecialCondition(Term):
    """A condition of GDPR Art. 9(2) that lifts the ban on special-category data."""

    letter: str

    @property
    def citation(self) -> str:
        return f"Art. 9(2)({self.letter})"


@dataclass(frozen=True, slots=True)
class RestrictionGround(Term):
    """A ground of GDPR Art. 18(2) on which restricted data may still be processed (here:
    disclosed) while the person's processing is restricted."""

    @property
    def citation(self) -> str:
        return "Art. 18(2)"


_RECIPIENT_CATEGORIES = (
    Term("inlener", "Inlener (opdrachtgever)", "Hirer (client)", None),
    Term(
        "uwv",
        "UWV (Uitvoeringsinstituut Werknemersverzekeringen)",
        "UWV (Employee Insurance Agency)",
        "dpv:GovernmentalOrganisation",
    ),
    Term(
        "belastingdienst",
        "Belastingdienst",
        "Tax and Customs Administration",
        "dpv:NationalAuthority",
    ),
    Term(
        "arbodienst",
        "Arbodienst of bedrijfsarts",
        "Occupational health service or company doctor",
        "dpv:HealthcareOrganisation",
    ),
    Term(
        "pensioenfonds",
        "Pensioenfonds of pensioenuitvoerder",
        "Pension fund or pension administrator",
        None,
    ),
    Term("intermediair", "Tussenpersoon of intermediair", "Intermediary", None),
    Term(
        "opleidingsinstituut",
        "Opleidings- of trainingsinstituut",
        "Education or training institute",
        "dpv:EducationalOrganisation",
    ),
    Term(
        "financiele_dienstverlener", "Financiële dienstverlener", "Financial service provider", None
    ),
    Term(
        "accountant", "Accountant of administratiekantoor", "Accountant or bookkeeping firm", None
    ),
    Term(
        "juridisch_dienstverlener",
        "Juridisch dienstverlener (advocaat, jurist)",
        "Legal service provider (lawyer, legal adviser)",
        None,
    ),
    Term("deurwaarder", "Incassobureau of gerechtsdeurwaarder", "Debt collector or bailiff", None),
    Term("verzekeraar", "Verzekeraar", "Insurer", None),
    Term(
        "certificeringsinstantie",
        "Certificerings- of auditinstantie (SNF, SNA, NEN 4400, VCU, ABU)",
        "Certification or audit body (SNF, SNA, NEN 4400, VCU, ABU)",
        None,
    ),
    Term("toezichthouder", "Toezichthouder", "Supervisory authority", "dpv:Authority"),
    Term(
        "overheidsinstantie",
        "Overheidsinstantie",
        "Government body",
        "dpv:GovernmentalOrganisation",
    ),
    Term(
        "opsporingsinstantie",
        "Opsporingsinstantie (politie, justitie)",
        "Law enforcement (police, public prosecution)",
        "dpv:LawEnforcementOrganisation",
    ),
    Term("reintegratiepartner", "Re-integratiepartner", "Reintegration partner", None),
    Term(
        "hulpverlener",
        "Hulpverlener (hulpdiensten)",
        "Emergency responder",
        "dpv:EmergencyServiceProvider",
    ),
)

_DATA_CATEGORIES = (
    DataCategory("nationaliteit", "Nationaliteit", "Nationality", "pd:Nationality", "ordinary"),
    DataCategory(
        "bsn",
        "Burgerservicenummer (BSN)",
        "Citizen service number (BSN)",
        "pd:OfficialID",
        "identifier",
    ),
    DataCategory(
        "kopie_id",
        "Kopie identiteitsbewijs",
        "Copy of identity document",
        "pd:OfficialID",
        "ordinary",
    ),
    DataCategory(
        "werkvergunning",
        "Werk- of verblijfsvergunning",
        "Work or residence permit",
        None,
        "ordinary",
    ),
    DataCategory(
        "loonheffingsverklaring",
        "Opgaaf gegevens voor de loonheffingen",
        "Payroll tax statement",
        "pd:Tax",
        "ordinary",
    ),
    DataCategory(
        "bankrekening", "Bankrekeninggegevens", "Bank account details", "pd:BankAccount", "ordinary"
    ),
    DataCategory(
        "gezinsleden", "Gegevens van gezinsleden", "Family members' data", "pd:Family", "ordinary"
    ),
    DataCategory(
        "vog",
        "Verklaring Omtrent het Gedrag (VOG)",
        "Certificate of conduct (VOG)",
        "pd:Criminal",
        "criminal",
    ),
    DataCategory(
        "vca",
        "VCA-certificaat",
        "VCA safety certificate",
        "pd:ProfessionalCertification",
        "ordinary",
    ),
    DataCategory(
        "diploma",
        "Diploma's en certificaten",
        "Diplomas and certificates",
        "pd:EducationQualification",
        "ordinary",
    ),
    DataCategory("referenties", "Referenties", "References", "pd:Reference", "ordinary"),
    DataCategory("medisch", "Medische gegevens", "Medical data", "pd:Health", "special"),
    DataCategory("verzuim", "Verzuimgegevens", "Sickness absence data", "pd:Health", "special"),
    DataCategory("beschikbaarheid", "Beschikbaarheid", "Availability", None, "ordinary"),
    DataCategory("verlof", "Verlofregistratie", "Leave records", None, "ordinary"),
    DataCategory(
        "sociale_premies",
        "Sociale premies en voorzieningen",
        "Social security contributions and benefits",
        None,
        "ordinary",
    ),
    DataCategory("salaris", "Salarisgegevens", "Salary data", "pd:Salary", "ordinary"),
    DataCategory(
        "personeelsdossier", "Personeelsdossier", "Personnel file", "pd:Professional", "ordinary"
    ),
    DataCategory(
        "beoordeling",
        "Functionerings- en beoordelingsgegevens",
        "Performance reviews",
        "pd:ProfessionalEvaluation",
        "ordinary",
    ),
    DataCategory(
        "klachten_waarschuwingen",
        "Klachten en waarschuwingen",
        "Complaints and warnings",
        "pd:DisciplinaryAction",
        "ordinary",
    ),
    DataCategory(
        "kvk_uittreksel",
        "Uittreksel uit het Handelsregister (KvK)",
        "Chamber of Commerce (KvK) register extract",
        None,
        "ordinary",
    ),
    DataCategory(
        "btw_nummer", "Btw-identificatienummer", "VAT identification number", "pd:Tax", "ordinary"
    ),
    DataCategory(
        "verzekeringspolis", "Verzekeringspolis", "Insurance policy", "pd:Insurance", "ordinary"
    ),
    DataCategory("naam", "Naam", "Name", "pd:Name", "ordinary"),
    DataCategory("contactgegevens", "Contactgegevens", "Contact details", "pd:Contact", "ordinary"),
    DataCategory("geboortedatum", "Geboortedatum", "Date of birth", "pd:BirthDate", "ordinary"),
    DataCategory("functie", "Functie", "Job title", "pd:Job", "ordinary"),
    DataCategory("pasfoto", "Pasfoto", "Passport photo", "pd:Picture", "ordinary"),
    DataCategory("camerabeelden", "Camerabeelden", "CCTV footage", None, "ordinary"),
)

_LEGAL_BASES = (
    LegalBasis("consent", "toestemming", "consent", "eu-gdpr:A6-1-a", "a"),
    LegalBasis(
        "contract",
        "uitvoering van een overeenkomst",
        "performance of a contract",
        "eu-gdpr:A6-1-b",
        "b",
    ),
    LegalBasis(
        "legal_obligation", "wettelijke verplichting", "legal obligation", "eu-gdpr:A6-1-c", "c"
    ),
    LegalBasis(
        "vital_interests",
        "bescherming van vitale belangen",
        "protection of vital interests",
        "eu-gdpr:A6-1-d",
        "d",
    ),
    LegalBasis(
        "public_task",
        "taak van algemeen belang of openbaar gezag",
        "task in the public interest or official authority",
        "eu-gdpr:A6-1-e",
        "e",
    ),
    LegalBasis(
        "legitimate_interests",
        "gerechtvaardigd belang",
        "legitimate interests",
        "eu-gdpr:A6-1-f",
        "f",
    ),
)

_SPECIAL_CONDITIONS = (
    SpecialCondition(
        "explicit_consent", "uitdrukkelijke toestemming", "explicit consent", "eu-gdpr:A9-2-a", "a"
    ),
    SpecialCondition(
        "employment_social_security",
        "verplichtingen uit het arbeids- en socialezekerheidsrecht",
        "obligations under employment and social security law",
        "eu-gdpr:A9-2-b",
        "b",
    ),
    SpecialCondition(
        "vital_interests",
        "bescherming van vitale belangen",
        "protection of vital interests",
        "eu-gdpr:A9-2-c",
        "c",
    ),
    SpecialCondition(
        "legal_claims",
        "instellen, uitoefenen of onderbouwen van een rechtsvordering",
        "establishing, exercising or defending legal claims",
        "eu-gdpr:A9-2-f",
        "f",
    ),
    SpecialCondition(
        "substantial_public_interest",
        "zwaarwegend algemeen belang",
        "substantial public interest",
        "eu-gdpr:A9-2-g",
        "g",
    ),
    SpecialCondition(
        "occupational_medicine",
        "arbeidsgeneeskunde en beoordeling van de arbeidsgeschiktheid",
        "occupational medicine and assessment of working capacity",
        "eu-gdpr:A9-2-h",
        "h",
    ),
)

_SAFEGUARDS = (
    Term(
        "adequacy_decision",
        "adequaatheidsbesluit van de Europese Commissie",
        "adequacy decision of the European Commission",
        "eu-gdpr:A45-3",
    ),
    Term(
        "standard_contractual_clauses",
        "modelcontractbepalingen (SCC's)",
        "standard contractual clauses (SCCs)",
        "eu-gdpr:A46-2-c",
    ),
    # DPV files binding corporate rules under Art. 46(2)(b), which refers to Art. 47.
    Term(
        "binding_corporate_rules",
        "bindende bedrijfsvoorschriften (BCR)",
        "binding corporate rules (BCRs)",
        "eu-gdpr:A46-2-b",
    ),
    # DPV only has the separate derogations A49-1-a .. g; this code does not say which one.
    Term(
        "derogation",
        "uitzondering voor een specifieke situatie (art. 49 AVG)",
        "derogation for a specific situation (GDPR Art. 49)",
        None,
    ),
)

_SUBJECT_KINDS = (
    Term("employee", "Werknemer (flexkracht)", "Employee (flex worker)", "dpv:Employee"),
    Term("zzp", "Zzp'er (zelfstandige zonder personeel)", "Self-employed contractor (zzp)", None),
    Term("contact", "Contactpersoon van een relatie", "Business contact", None),
    Term("candidate", "Kandidaat", "Job candidate", "dpv:JobApplicant"),
)

# Art. 18(2): with the person's consent, for legal claims, for the protection of the rights of
# another person, or for reasons of important public interest. DPV has no terms for these.
_RESTRICTION_GROUNDS = (
    RestrictionGround("consent", "toestemming van de betrokkene", "the person's consent", None),
    RestrictionGround(
        "legal_claims",
        "instellen, uitoefenen of onderbouwen van een rechtsvordering",
        "the establishment, exercise or defence of legal claims",
        None,
    ),
    RestrictionGround(
        "protection_of_others",
        "bescherming van de rechten van een andere natuurlijke persoon of rechtspersoon",
        "the protection of the rights of another natural or legal person",
        None,
    ),
    RestrictionGround(
        "public_interest",
        "gewichtige redenen van algemeen belang voor de Unie of een lidstaat",
        "important public interest of the Union or of a Member State",
        None,
    ),
)

# Polish labels of the default codes, by kind. Plain words a flex worker reads; Dutch names of
# Dutch bodies stay, with a few words that say what they are.
_POLISH: Mapping[str, Mapping[str, str]] = {
    "recipient_categories": {
        "inlener": "Firma, w której pracujesz (klient agencji)",
        "uwv": "UWV (holenderski urząd ubezpieczeń pracowniczych)",
        "belastingdienst": "Belastingdienst (holenderski urząd skarbowy)",
        "arbodienst": "Służba medycyny pracy lub lekarz zakładowy",
        "pensioenfonds": "Fundusz emerytalny",
        "intermediair": "Pośrednik",
        "opleidingsinstituut": "Instytucja szkoleniowa",
        "financiele_dienstverlener": "Usługodawca finansowy",
        "accountant": "Księgowy lub biuro rachunkowe",
        "juridisch_dienstverlener": "Usługodawca prawny (adwokat, prawnik)",
        "deurwaarder": "Firma windykacyjna lub komornik",
        "verzekeraar": "Ubezpieczyciel",
        "certificeringsinstantie": (
            "Instytucja certyfikująca lub audytowa (SNF, SNA, NEN 4400, VCU, ABU)"
        ),
        "toezichthouder": "Organ nadzoru",
        "overheidsinstantie": "Instytucja państwowa",
        "opsporingsinstantie": "Organy ścigania (policja, prokuratura)",
        "reintegratiepartner": "Partner ds. powrotu do pracy",
        "hulpverlener": "Służby ratunkowe",
    },
    "data_categories": {
        "nationaliteit": "Obywatelstwo",
        "bsn": "Numer BSN (holenderski numer obywatelski)",
        "kopie_id": "Kopia dokumentu tożsamości",
        "werkvergunning": "Pozwolenie na pracę lub pobyt",
        "loonheffingsverklaring": "Oświadczenie do podatku od wynagrodzenia",
        "bankrekening": "Dane konta bankowego",
        "gezinsleden": "Dane członków rodziny",
        "vog": "Zaświadczenie o niekaralności (VOG)",
        "vca": "Certyfikat bezpieczeństwa VCA",
        "diploma": "Dyplomy i certyfikaty",
        "referenties": "Referencje",
        "medisch": "Dane medyczne",
        "verzuim": "Dane o nieobecności z powodu choroby",
        "beschikbaarheid": "Dostępność",
        "verlof": "Ewidencja urlopów",
        "sociale_premies": "Składki i świadczenia socjalne",
        "salaris": "Dane o wynagrodzeniu",
        "personeelsdossier": "Akta osobowe",
        "beoordeling": "Oceny pracy",
        "klachten_waarschuwingen": "Skargi i upomnienia",
        "kvk_uittreksel": "Wyciąg z holenderskiego rejestru handlowego (KvK)",
        "btw_nummer": "Numer VAT",
        "verzekeringspolis": "Polisa ubezpieczeniowa",
        "naam": "Imię i nazwisko",
        "contactgegevens": "Dane kontaktowe",
        "geboortedatum": "Data urodzenia",
        "functie": "Stanowisko",
        "pasfoto": "Zdjęcie do dokumentów",
        "camerabeelden": "Nagrania z monitoringu",
    },
    "legal_bases": {
        "consent": "zgoda",
        "contract": "wykonanie umowy",
        "legal_obligation": "obowiązek prawny",
        "vital_interests": "ochrona żywotnych interesów",
        "public_task": "zadanie w interesie publicznym lub władza publiczna",
        "legitimate_interests": "prawnie uzasadniony interes",
    },
    "special_conditions": {
        "explicit_consent": "wyraźna zgoda",
        "employment_social_security": "obowiązki z prawa pracy i zabezpieczenia społecznego",
        "vital_interests": "ochrona żywotnych interesów",
        "legal_claims": "ustalenie, dochodzenie lub obrona roszczeń",
        "substantial_public_interest": "ważny interes publiczny",
        "occupational_medicine": "medycyna pracy i ocena zdolności do pracy",
    },
    "safeguards": {
        "adequacy_decision": "decyzja Komisji Europejskiej, że kraj dobrze chroni dane",
        "standard_contractual_clauses": "standardowe klauzule umowne (SCC)",
        "binding_corporate_rules": "wiążące reguły korporacyjne (BCR)",
        "derogation": "wyjątek w szczególnej sytuacji (art. 49 RODO)",
    },
    "subject_kinds": {
        "employee": "Pracownik (pracownik tymczasowy)",
        "zzp": "Osoba samozatrudniona (zzp)",
        "contact": "Osoba kontaktowa kontrahenta",
        "candidate": "Kandydat do pracy",
    },
    "restriction_grounds": {
        "consent": "Twoja zgoda",
        "legal_claims": "ustalenie, dochodzenie lub obrona roszczeń",
        "protection_of_others": "ochrona praw innej osoby fizycznej lub prawnej",
        "public_interest": "ważny interes publiczny Unii lub państwa członkowskiego",
    },
}


T = TypeVar("T", bound=Term)


def _index(terms: tuple[T, ...]) -> Mapping[str, T]:
    return MappingProxyType({term.code: term for term in terms})


def _translated(kind: str, terms: tuple[T, ...]) -> tuple[T, ...]:
    """The default terms of a kind with their Polish labels."""
    polish = _POLISH[kind]
    return tuple(replace(term, more=(("pl", polish[term.code]),)) for term in terms)


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """Every known code by kind; build with `default()` and grow with `extended()`."""

    recipient_categories: Mapping[str, Term]
    data_categories: Mapping[str, DataCategory]
    legal_bases: Mapping[str, LegalBasis]
    special_conditions: Mapping[str, SpecialCondition]
    safeguards: Mapping[str, Term]
    subject_kinds: Mapping[str, Term]
    restriction_grounds: Mapping[str, RestrictionGround]

    @classmethod
    def default(cls) -> Vocabulary:
        return _DEFAULT

    def section(self, kind: str) -> Mapping[str, Term]:
        """The codes of one kind, e.g. ``section("legal_bases")``."""
        sections: Mapping[str, Mapping[str, Term]] = {
            "recipient_categories": self.recipient_categories,
            "data_categories": self.data_categories,
            "legal_bases": self.legal_bases,
            "special_conditions": self.special_conditions,
            "safeguards": self.safeguards,
            "subject_kinds": self.subject_kinds,
            "restriction_grounds": self.restriction_grounds,
        }
        if kind not in sections:
            raise ValueError(
                f"{kind!r} is not a part of the vocabulary; use one of {', '.join(KINDS)}"
            )
        return sections[kind]

    def label(self, kind: str, code: str, lang: str = "en") -> str:
        """The label of a code; an unknown code is shown as itself.

        Old events may carry a code that a later deployment no longer lists, and an overview
        must still render.
        """
        term = self.section(kind).get(code)
        if lang not in self.languages:
            raise ValueError(f"no labels in {lang!r}; use one of {', '.join(self.languages)}")
        return code if term is None else term.label(lang)

    @property
    def languages(self) -> tuple[str, ...]:
        """The vocabulary's own languages and those a deployment's file gives labels in."""
        found = dict.fromkeys(LANGUAGES)
        for kind in KINDS:
            for term in self.section(kind).values():
                found.update(dict.fromkeys(lang for lang, _ in term.more))
        return tuple(found)

    def missing_labels(self, lang: str) -> list[str]:
        """Every `kind.code` without its own label in `lang` (it reads in English there)."""
        return [
            f"{kind}.{code}"
            for kind in KINDS
            for code, term in self.section(kind).items()
            if not term.has_label(lang)
        ]

    def extended(self, extension: Mapping[str, object]) -> Vocabulary:
        """A new vocabulary with the entries of `extension` (parsed JSON) added.

        Raises ValueError naming every problem: a malformed entry, an unknown kind, or a code
        that already exists with another meaning. Repeating an existing entry as is, is fine.
        """
        if not isinstance(extension, Mapping):
            raise ValueError("a vocabulary extension must be an object with lists per kind")
        problems: list[str] = []
        for kind in extension:
            if kind == "labels":
                continue
            if kind in FIXED_KINDS:
                problems.append(f"{kind} cannot be extended: {FIXED_KINDS[kind]}")
            elif kind not in KINDS:
                extensible = ", ".join(k for k in KINDS if k not in FIXED_KINDS)
                problems.append(f"{kind!r} is not a part of the vocabulary; use {extensible}")
        merged = Vocabulary(
            recipient_categories=_merge(
                "recipient_categories", self.recipient_categories, extension, _parse_term, problems
            ),
            data_categories=_merge(
                "data_categories", self.data_categories, extension, _parse_data_category, problems
            ),
            legal_bases=self.legal_bases,
            special_conditions=_merge(
                "special_conditions",
                self.special_conditions,
                extension,
                _parse_special_condition,
                problems,
            ),
            safeguards=_merge("safeguards", self.safeguards, extension, _parse_term, problems),
            subject_kinds=_merge(
                "subject_kinds", self.subject_kinds, extension, _parse_term, problems
            ),
            restriction_grounds=self.restriction_grounds,
        )
        merged = _with_labels(merged, extension.get("labels"), problems)
        if problems:
            raise ValueError("the vocabulary extension is refused: " + "; ".join(problems))
        return merged


def _with_labels(vocabulary: Vocabulary, labels: object, problems: list[str]) -> Vocabulary:
    """The `labels` part of an extension: per language, per kind, labels of existing codes
    (how a deployment adds a language to every term, the fixed kinds included)."""
    if labels is None:
        return vocabulary
    if not isinstance(labels, Mapping):
        problems.append("labels must be an object: per language, per kind, code: label")
        return vocabulary
    sections: dict[str, dict[str, Term]] = {kind: dict(vocabulary.section(kind)) for kind in KINDS}
    for lang, kinds in labels.items():
        where = f"labels.{lang}"
        if not _LANGUAGE_CODE.fullmatch(str(lang)) or lang in REQUIRED_LANGUAGES:
            problems.append(f"{where}: a language code of 2 or 3 lower-case letters, not nl or en")
            continue
        if not isinstance(kinds, Mapping):
            problems.append(f"{where} must be an object per kind")
            continue
        for kind, codes in kinds.items():
            if kind not in sections or not isinstance(codes, Mapping):
                problems.append(f"{where}.{kind}: use a kind ({', '.join(KINDS)}) with code: label")
                continue
            for code, label in codes.items():
                term = sections[kind].get(code)
                if term is None:
                    problems.append(f"{where}.{kind}.{code} is not a known code")
                elif not isinstance(label, str) or not label.strip():
                    problems.append(f"{where}.{kind}.{code} must be a non-empty label")
                else:
                    more = dict(term.more)
                    more[str(lang)] = label.strip()
                    sections[kind][code] = replace(term, more=tuple(more.items()))
    return Vocabulary(
        **{kind: MappingProxyType(terms) for kind, terms in sections.items()}  # type: ignore[arg-type]
    )


_DEFAULT = Vocabulary(
    recipient_categories=_index(_translated("recipient_categories", _RECIPIENT_CATEGORIES)),
    data_categories=_index(_translated("data_categories", _DATA_CATEGORIES)),
    legal_bases=_index(_translated("legal_bases", _LEGAL_BASES)),
    special_conditions=_index(_translated("special_conditions", _SPECIAL_CONDITIONS)),
    safeguards=_index(_translated("safeguards", _SAFEGUARDS)),
    subject_kinds=_index(_translated("subject_kinds", _SUBJECT_KINDS)),
    restriction_grounds=_index(_translated("restriction_grounds", _RESTRICTION_GROUNDS)),
)


def _merge(
    kind: str,
    current: Mapping[str, T],
    extension: Mapping[str, object],
    parse: Callable[[Mapping[str, object], str, list[str]], T | None],
    problems: list[str],
) -> Mapping[str, T]:
    entries = extension.get(kind)
    if entries is None:
        return current
    if not isinstance(entries, list):
        problems.append(f"{kind} must be a list of entries")
        return current
    merged = dict(current)
    for index, entry in enumerate(entries):
        where = f"{kind}[{index}]"
        if not isinstance(entry, Mapping):
            problems.append(f"{where} must be an object with code, nl and en")
            continue
        term = parse(entry, where, problems)
        if term is None:
            continue
        existing = merged.get(term.code)
        if existing is not None and existing != term:
            problems.append(
                f"{where}.code {term.code!r} already means {existing.en!r}: an extension may add"
                " codes but not change one, so choose a new code"
            )
            continue
        if existing is not None:
            # Repeating an entry as is may add labels in further languages, not change one.
            labels = dict(existing.more)
            for lang, label in term.more:
                labels.setdefault(lang, label)
            term = replace(existing, more=tuple(labels.items()))
        merged[term.code] = term
    return MappingProxyType(merged)


def _parse_common(
    entry: Mapping[str, object], where: str, extra: tuple[str, ...], problems: list[str]
) -> tuple[str, str, str, str | None, tuple[tuple[str, str], ...]] | None:
    before = len(problems)
    allowed = ("code", "nl", "en", "dpv", *extra)
    # Any further key shaped like a language code is a label in that language (pl, de, ...).
    further = tuple(
        str(key) for key in entry if key not in allowed and _LANGUAGE_CODE.fullmatch(str(key))
    )
    unknown = [str(key) for key in entry if key not in allowed and key not in further]
    if unknown:
        problems.append(
            f"{where} has unknown keys {', '.join(unknown)}; allowed: {', '.join(allowed)}"
        )
    code = entry.get("code")
    if not isinstance(code, str) or not CODE_PATTERN.fullmatch(code) or len(code) > MAX_CODE_LENGTH:
        problems.append(
            f"{where}.code must be a lower_snake_case code of at most {MAX_CODE_LENGTH}"
            f" characters, e.g. 'loonstrook', not {code!r}"
        )
    labels = {lang: entry.get(lang) for lang in (*REQUIRED_LANGUAGES, *further)}
    for lang, label in labels.items():
        if not isinstance(label, str) or not label.strip():
            problems.append(f"{where}.{lang} must be a non-empty label")
    dpv = entry.get("dpv")
    if dpv is not None and not (isinstance(dpv, str) and _is_compact_iri(dpv)):
        problems.append(
            f"{where}.dpv must be null or a compact DPV IRI with a known prefix"
            f" ({', '.join(PREFIXES)}), e.g. 'pd:Salary', not {dpv!r}"
        )
    if len(problems) > before:
        return None
    assert isinstance(code, str)
    nl, en = (str(labels[lang]).strip() for lang in REQUIRED_LANGUAGES)
    more = tuple(
        (lang, str(label).strip()) for lang, label in labels.items() if lang not in ("nl", "en")
    )
    return code, nl, en, dpv if isinstance(dpv, str) else None, more


def _is_compact_iri(value: str) -> bool:
    try:
        iri(value)
    except ValueError:
        return False
    return True


def _parse_term(entry: Mapping[str, object], where: str, problems: list[str]) -> Term | None:
    common = _parse_common(entry, where, (), problems)
    if common is None:
        return None
    code, nl, en, dpv, more = common
    return Term(code, nl, en, dpv, more=more)


def _parse_data_category(
    entry: Mapping[str, object], where: str, problems: list[str]
) -> DataCategory | None:
    common = _parse_common(entry, where, ("sensitivity",), problems)
    sensitivity = entry.get("sensitivity")
    if not _is_sensitivity(sensitivity):
        problems.append(
            f"{where}.sensitivity must be one of {', '.join(sorted(SENSITIVITIES))},"
            f" not {sensitivity!r}"
        )
        return None
    if common is None:
        return None
    code, nl, en, dpv, more = common
    return DataCategory(code, nl, en, dpv, sensitivity=sensitivity, more=more)


def _is_sensitivity(value: object) -> TypeGuard[Sensitivity]:
    return value in SENSITIVITIES


def _parse_special_condition(
    entry: Mapping[str, object], where: str, problems: list[str]
) -> SpecialCondition | None:
    common = _parse_common(entry, where, ("letter",), problems)
    letter = entry.get("letter")
    if not isinstance(letter, str) or len(letter) != 1 or letter not in "abcdefghij":
        problems.append(
            f"{where}.letter must be the point of GDPR Art. 9(2), a to j, not {letter!r}"
        )
        return None
    if common is None:
        return None
    code, nl, en, dpv, more = common
    return SpecialCondition(code, nl, en, dpv, letter=letter, more=more)
