"""The overview as CSV: one row per disclosure, for a spreadsheet; formula cells defused."""

from __future__ import annotations

import csv
import io
import unicodedata

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
    with an apostrophe. It starts with a byte-order mark, so spreadsheets read it as UTF-8.
    """
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
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
