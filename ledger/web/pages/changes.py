"""A disclosure's correction in words for the officer's page: "field: old → new", with the
vocabulary's labels and dates written out, never a Python value."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from ledger.domain.vocabulary import Vocabulary
from ledger.overview.countries import country_name
from ledger.overview.texts import long_date, long_datetime

# The officer pages are Dutch; these are the names of the clear fields a correction can change.
FIELD_LABELS: Mapping[str, str] = {
    "controller": "Verantwoordelijke",
    "subject_kind": "Soort betrokkene",
    "recipient": "Ontvanger",
    "data_categories": "Gegevens",
    "legal_basis": "Grondslag",
    "special_category_condition": "Art. 9-grond",
    "legal_provision": "Wetsartikel",
    "consent_reference": "Toestemming",
    "purpose": "Doel",
    "occurred_at": "Moment",
    "transfer": "Doorgifte",
    "source_system": "Bronsysteem",
    "suppressed_until": "Verborgen tot",
    "suppression_authority": "Op last van",
    "restriction_ground": "Grond tijdens beperking",
    "activity": "Verwerkingsactiviteit",
    "activity_version": "Versie verwerkingsactiviteit",
    "subject": "Gegevens van de betrokkene",
}
# Fields whose value is a vocabulary code, and the vocabulary section it comes from.
CODED: Mapping[str, str] = {
    "subject_kind": "subject_kinds",
    "legal_basis": "legal_bases",
    "special_category_condition": "special_conditions",
    "restriction_ground": "restriction_grounds",
}
EMPTY = "(leeg)"


@dataclass(frozen=True, slots=True)
class Change:
    field: str
    before: str
    after: str


def changes_in_words(entry: Mapping[str, Any], vocabulary: Vocabulary) -> list[Change]:
    """One history entry's changes, each as its field's label, old and new value in words."""
    changes: Mapping[str, Any] = entry.get("changes") or {}
    before: Mapping[str, Any] = entry.get("before") or {}
    said = [
        Change(
            FIELD_LABELS.get(name, name),
            value_in_words(name, before.get(name), vocabulary),
            value_in_words(name, value, vocabulary),
        )
        for name, value in changes.items()
    ]
    if "subject" in (entry.get("changed") or ()):
        # The identifying fields are sealed: the page says they changed, not what they held.
        said.append(Change(FIELD_LABELS["subject"], "vorige versie", "nieuwe versie (versleuteld)"))
    return said


def value_in_words(name: str, value: Any, vocabulary: Vocabulary) -> str:
    if value is None or value == "" or value == []:
        return EMPTY
    if name in CODED:
        return vocabulary.label(CODED[name], str(value), "nl")
    if name == "data_categories":
        return ", ".join(vocabulary.label("data_categories", str(c), "nl") for c in value)
    if name == "recipient" and isinstance(value, Mapping):
        words = str(value.get("name") or "")
        category = value.get("category")
        if category:
            words += f" ({vocabulary.label('recipient_categories', str(category), 'nl')})"
        if value.get("id"):
            words += f", kenmerk {value['id']}"
        if value.get("country"):
            words += f", {country_name(str(value['country']), 'nl')}"
        return words
    if name == "transfer" and isinstance(value, Mapping):
        safeguard = vocabulary.label("safeguards", str(value.get("safeguard")), "nl")
        return f"naar {country_name(str(value.get('country')), 'nl')}, waarborg: {safeguard}"
    if name == "occurred_at":
        try:
            return long_datetime(datetime.fromisoformat(str(value)), "nl")
        except ValueError:
            return str(value)
    if name == "suppressed_until":
        try:
            return long_date(date.fromisoformat(str(value)), "nl")
        except ValueError:
            return str(value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)
