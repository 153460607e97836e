"""The overview as CSV: one row per disclosure, for a spreadsheet; formula cells defused.

The English file is the stable machine form: `,` between fields and the field names of
CSV_COLUMNS as its header. Dutch and Polish spreadsheets take `,` for the decimal sign and
`;` for the list separator (a Dutch Excel opens a comma file in one column), so those files
use `;` and headers the person reads. No cell holds a number with decimals (dates are ISO
8601, counts are whole), so no decimal sign needs changing.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Mapping

from ledger.overview.model import Overview

CSV_COLUMNS = (
    "occurred_at",
    "recipient_name",
    "recipient_id",
    "recipient_country",
    "recipient_category",
    "recipient_category_label",
    "data_categories",
    "data_category_labels",
    "legal_basis",
    "legal_basis_text",
    "special_category_condition",
    "special_category_condition_label",
    "purpose",
    "transfer_country",
    "transfer_safeguard",
    "controller",
    "state",
    "state_text",
    "withheld_until",
    "id",
    "restriction_ground",
    "restriction_ground_label",
    "processing_activity_id",
)
# The header a person reads, per language; English keeps the machine field names.
CSV_HEADERS: Mapping[str, Mapping[str, str]] = {
    "en": {column: column for column in CSV_COLUMNS},
    "nl": {
        "occurred_at": "Datum en tijd",
        "recipient_name": "Ontvanger",
        "recipient_id": "Nummer ontvanger (KvK of OIN)",
        "recipient_country": "Land ontvanger",
        "recipient_category": "Soort ontvanger (code)",
        "recipient_category_label": "Soort ontvanger",
        "data_categories": "Gegevens (codes)",
        "data_category_labels": "Welke gegevens",
        "legal_basis": "Grondslag (code)",
        "legal_basis_text": "Waarom mocht dit (grondslag)",
        "special_category_condition": "Uitzondering bijzondere gegevens (code)",
        "special_category_condition_label": "Uitzondering bijzondere gegevens",
        "purpose": "Waarvoor",
        "transfer_country": "Doorgegeven naar land",
        "transfer_safeguard": "Waarborg bij doorgifte",
        "controller": "Verantwoordelijke (KvK)",
        "state": "Status (code)",
        "state_text": "Status",
        "withheld_until": "Verborgen tot",
        "id": "Nummer registratie",
        "restriction_ground": "Grond tijdens beperking (code)",
        "restriction_ground_label": "Grond tijdens beperking",
        "processing_activity_id": "Verwerkingsactiviteit",
    },
    "pl": {
        "occurred_at": "Data i godzina",
        "recipient_name": "Odbiorca",
        "recipient_id": "Numer odbiorcy (KvK lub OIN)",
        "recipient_country": "Kraj odbiorcy",
        "recipient_category": "Rodzaj odbiorcy (kod)",
        "recipient_category_label": "Rodzaj odbiorcy",
        "data_categories": "Dane (kody)",
        "data_category_labels": "Jakie dane",
        "legal_basis": "Podstawa prawna (kod)",
        "legal_basis_text": "Dlaczego było to dozwolone (podstawa prawna)",
        "special_category_condition": "Wyjątek dla danych szczególnych (kod)",
        "special_category_condition_label": "Wyjątek dla danych szczególnych",
        "purpose": "W jakim celu",
        "transfer_country": "Przekazane do kraju",
        "transfer_safeguard": "Zabezpieczenie przekazania",
        "controller": "Administrator (KvK)",
        "state": "Status (kod)",
        "state_text": "Status",
        "withheld_until": "Ukryte do",
        "id": "Numer wpisu",
        "restriction_ground": "Podstawa w czasie ograniczenia (kod)",
        "restriction_ground_label": "Podstawa w czasie ograniczenia",
        "processing_activity_id": "Czynność przetwarzania",
    },
}
# Spreadsheets set to a language whose decimal sign is a comma expect `;` between fields.
SEMICOLON_LANGUAGES = frozenset({"nl", "pl"})


def csv_delimiter(lang: str) -> str:
    return ";" if lang in SEMICOLON_LANGUAGES else ","


def csv_header(lang: str) -> list[str]:
    """The header row in `lang`; a language without translated headers gets the field names."""
    headers = CSV_HEADERS.get(lang, CSV_HEADERS["en"])
    return [headers[column] for column in CSV_COLUMNS]


# A spreadsheet runs a cell that starts with one of these as a formula (OWASP, CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: str | None) -> str:
    if value is None:
        return ""
    return "'" + value if _is_formula(value) else value


def _is_formula(value: str) -> bool:
    """Whether a spreadsheet may take `value` for a formula. Spreadsheets skip leading blanks
    and some fold the full-width forms (U+FF1D =, U+FF0B +, U+FF0D -, U+FF20 @) to their ASCII
    selves, so the start is judged after NFKC and without leading whitespace (a no-break space
    folds to a space)."""
    if value.startswith(_FORMULA_START):
        return True
    start = value if value.isascii() else unicodedata.normalize("NFKC", value)
    return start.lstrip().startswith(_FORMULA_START)


def render_csv(overview: Overview) -> str:
    """One row per disclosure, newest first per recipient; codes and labels side by side.

    Lists are separated by '; '. A value that a spreadsheet would run as a formula is prefixed
    with an apostrophe. It starts with a byte-order mark, so spreadsheets read it as UTF-8, and
    ends its lines with CRLF. English: `,` and the field names (the machine form); Dutch and
    Polish: `;` and translated headers, for the spreadsheets of those languages.
    """
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=csv_delimiter(overview.lang), lineterminator="\r\n")
    writer.writerow(csv_header(overview.lang))
    for group in overview.groups:
        for item in group.items:
            writer.writerow(
                [
                    _cell(value)
                    for value in (
                        item.occurred_local,
                        group.name,
                        group.recipient_id,
                        group.country,
                        group.category.code,
                        group.category.label,
                        "; ".join(c.code for c in item.data_categories),
                        "; ".join(c.label for c in item.data_categories),
                        item.basis.basis.code,
                        item.basis.words,
                        item.condition.condition.code if item.condition else None,
                        item.condition.condition.label if item.condition else None,
                        item.purpose,
                        item.transfer.country if item.transfer else None,
                        item.transfer.safeguard.label if item.transfer else None,
                        item.controller,
                        item.state,
                        item.state_text,
                        item.withheld_until.isoformat() if item.withheld_until else None,
                        item.id,
                        item.ground.code if item.ground else None,
                        item.ground.label if item.ground else None,
                        item.activity_uri,
                    )
                ]
            )
    return out.getvalue()
