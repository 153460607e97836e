"""The register of processing activities in W3C DPV terms (JSON-LD), for tools that read DPV.

Each activity's current version is a `dpv:Process` named by the activity's URI (the one a
disclosure's `activity_uri` and the overview's `processing_activity_id` carry), with:

- `dpv:hasPurpose`: a `dpv:Purpose` whose `dct:description` is the purpose in every language
  of the register (language-tagged), and `rdfs:label` the activity's name;
- `dpv:hasLegalBasis`: the GDPR's own IRIs from the vocabulary (`eu-gdpr:A6-1-c`, the Art. 9(2)
  condition's `eu-gdpr:A9-2-b`, a transfer safeguard's `eu-gdpr:A46-2-c`), which DPV models as
  legal bases; the law's article as `dpv:hasApplicableLaw`, a `dpv:Law` in words;
- `dpv:hasPersonalData`: the data categories' `pd:` IRIs, or a labelled `dpv:PersonalData` node
  for a category DPV has no term for;
- `dpv:hasRecipient`: a node per recipient category, typed with its DPV class where there is one;
- `dpv:hasDataController`: a `dpv:DataController` per KvK number;
- retention: a `dpv:StorageDuration` node with the rule of the retention file the activity
  names, its period as an ISO 8601 duration (`rdf:value`, `xsd:duration`) and in words what it
  counts from and under which law; reached by `dpv:hasStorageCondition` (DPV 2's term for how
  long data is kept) and by `dpv:hasDataRetentionPeriod` (the name the register's users ask
  for), both naming the same node; transfers as
  `dpv:hasThirdCountry` (`loc:` IRIs), security measures as
  `dpv:hasTechnicalOrganisationalMeasure` in words;
- the version (`dct:hasVersion`), its reason (`rdfs:comment`) and validity (`dct:temporal`, a
  `dct:PeriodOfTime` with DCAT's `startDate` / `endDate`).

The context is inline: a reader needs no network to parse it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from ledger.domain.activity import ActivityVersion
from ledger.domain.retention import RetentionRule
from ledger.domain.vocabulary import PREFIXES, Vocabulary

CONTEXT: Mapping[str, str] = {
    **PREFIXES,
    "dct": "http://purl.org/dc/terms/",
    "dcat": "http://www.w3.org/ns/dcat#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
}

COUNTS_FROM: Mapping[str, Mapping[str, str]] = {
    "disclosure": {"nl": "vanaf de verstrekking", "en": "from the disclosure"},
    "end_of_year": {
        "nl": "vanaf het einde van het kalenderjaar van de verstrekking",
        "en": "from the end of the calendar year of the disclosure",
    },
    "employment_ended": {
        "nl": "vanaf het einde van het dienstverband",
        "en": "from the end of the employment",
    },
}


def register_jsonld(
    versions: Sequence[ActivityVersion],
    *,
    uri: Callable[[str], str],
    vocabulary: Vocabulary,
    retention: Mapping[str, RetentionRule] | None = None,
) -> dict[str, Any]:
    """The JSON-LD document of these activity versions (each activity's current one);
    `retention` the retention file's rules by code, which an activity's `retention` names."""
    rules = retention or {}
    return {
        "@context": dict(CONTEXT),
        "@graph": [_process(version, uri(version.code), vocabulary, rules) for version in versions],
    }


def iso_duration(rule: RetentionRule) -> str:
    """The rule's period as ISO 8601 (`P7Y`, `P4W`, `P1Y6M`); weeks as days when mixed."""
    if rule.weeks and not (rule.years or rule.months or rule.days):
        return f"P{rule.weeks}W"
    days = rule.days + 7 * rule.weeks
    parts = [(rule.years, "Y"), (rule.months, "M"), (days, "D")]
    return (
        "P" + "".join(f"{n}{unit}" for n, unit in parts if n) if any(n for n, _ in parts) else "P0D"
    )


def _retention(uri: str, code: str, rule: RetentionRule | None) -> dict[str, Any]:
    node: dict[str, Any] = {
        "@id": f"{uri}#retention",
        "@type": "dpv:StorageDuration",
        "dct:identifier": code,
    }
    if rule is not None:
        node["rdf:value"] = {"@value": iso_duration(rule), "@type": "xsd:duration"}
        if rule.label:
            node["rdfs:label"] = _texts(rule.label)
        node["dct:description"] = _texts(COUNTS_FROM[rule.counts_from])
        if rule.law:
            node["dpv:hasApplicableLaw"] = {"@type": "dpv:Law", "rdfs:label": rule.law}
    return node


def _process(
    version: ActivityVersion,
    uri: str,
    vocabulary: Vocabulary,
    retention: Mapping[str, RetentionRule],
) -> dict[str, Any]:
    bases = [_iri_of(vocabulary.legal_bases, version.legal_basis)]
    if version.special_category_condition:
        bases.append(_iri_of(vocabulary.special_conditions, version.special_category_condition))
    bases += [_iri_of(vocabulary.safeguards, safeguard) for _, safeguard in version.transfers]
    node: dict[str, Any] = {
        "@id": uri,
        "@type": "dpv:Process",
        "dct:identifier": version.code,
        "rdfs:label": _texts(version.name),
        "dct:hasVersion": str(version.version),
        # Why this version: free text in the language the officer wrote it, so untagged.
        "rdfs:comment": version.reason,
        "dct:modified": {"@value": version.recorded_at.isoformat(), "@type": "xsd:dateTime"},
        "dct:temporal": _period(version),
        "dpv:hasPurpose": {
            "@id": f"{uri}#purpose",
            "@type": "dpv:Purpose",
            "rdfs:label": _texts(version.name),
            "dct:description": _texts(version.purpose),
        },
        "dpv:hasLegalBasis": [{"@id": found} for found in _unique(bases) if found],
        "dpv:hasPersonalData": [
            _term_node(vocabulary.data_categories, code, "dpv:PersonalData")
            for code in version.data_categories
        ],
        "dpv:hasRecipient": [_recipient(vocabulary, code) for code in version.recipient_categories],
        "dpv:hasDataController": [
            {"@type": "dpv:DataController", "dct:identifier": f"KvK {kvk}"}
            for kvk in version.controllers
        ],
    }
    if version.legal_provision:
        node["dpv:hasApplicableLaw"] = {
            "@type": "dpv:Law",
            "rdfs:label": {"@value": version.legal_provision, "@language": "nl"},
        }
    if version.retention:
        period = _retention(uri, version.retention, retention.get(version.retention))
        node["dpv:hasStorageCondition"] = period
        node["dpv:hasDataRetentionPeriod"] = {"@id": period["@id"]}
    if version.transfers:
        node["dpv:hasThirdCountry"] = [
            {"@id": f"loc:{country}"} for country in _unique(c for c, _ in version.transfers)
        ]
    if version.security_measures:
        node["dpv:hasTechnicalOrganisationalMeasure"] = {
            "@type": "dpv:TechnicalOrganisationalMeasure",
            "dct:description": _texts(version.security_measures),
        }
    return node


def _texts(by_language: Mapping[str, str]) -> list[dict[str, str]]:
    return [
        {"@value": value, "@language": lang} for lang, value in sorted(by_language.items()) if value
    ]


def _period(version: ActivityVersion) -> dict[str, Any]:
    period: dict[str, Any] = {
        "@type": "dct:PeriodOfTime",
        "dcat:startDate": {"@value": version.valid_from.isoformat(), "@type": "xsd:date"},
    }
    if version.valid_until is not None:
        period["dcat:endDate"] = {"@value": version.valid_until.isoformat(), "@type": "xsd:date"}
    return period


def _iri_of(terms: Mapping[str, Any], code: str) -> str | None:
    term = terms.get(code)
    return None if term is None or not term.dpv else str(term.dpv)


def _term_node(terms: Mapping[str, Any], code: str, fallback: str) -> dict[str, Any]:
    """A term's DPV IRI; a labelled node of the general class where it has none."""
    term = terms.get(code)
    if term is not None and term.dpv:
        return {"@id": term.dpv}
    labels = {} if term is None else {"nl": term.nl, "en": term.en}
    return {"@type": fallback, "dct:identifier": code, "rdfs:label": _texts(labels)}


def _recipient(vocabulary: Vocabulary, code: str) -> dict[str, Any]:
    term = vocabulary.recipient_categories.get(code)
    types = ["dpv:Recipient"] + ([term.dpv] if term is not None and term.dpv else [])
    labels = {} if term is None else {"nl": term.nl, "en": term.en}
    return {"@type": types, "dct:identifier": code, "rdfs:label": _texts(labels)}


def _unique(values: Iterable[str | None]) -> list[str | None]:
    seen: list[str | None] = []
    for value in values:
        if value not in seen:
            seen.append(value)
    return seen
