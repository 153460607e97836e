"""The officer's pages of the register of processing activities (GDPR Art. 30): every activity
with its current version, and one activity's versions with what changed in each. Read only; the
register names no person, so no read is logged. Texts in Dutch or English (`?lang=en`)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request, url_for
from werkzeug.exceptions import HTTPException, NotFound

from ledger import overview
from ledger.app.authentication import TooManyFailures
from ledger.app.register import Register
from ledger.domain.activity import ActivityVersion, changed_fields
from ledger.domain.errors import ActivityNotFound
from ledger.domain.vocabulary import Vocabulary
from ledger.web.context import current_ledger
from ledger.web.pages import session as officer_session
from ledger.web.pages.common import error_page, page, security_headers
from ledger.web.pages.session import officer_only

bp = Blueprint("register_pages", __name__, url_prefix="/officer/register")
bp.after_request(security_headers)
bp.before_request(officer_session.check_csrf)
bp.errorhandler(HTTPException)(error_page)
bp.errorhandler(TooManyFailures)(officer_session.too_many_failures)

# What each field of a version is called on the page, in Dutch and English.
FIELD_LABELS = {
    "nl": {
        "name": "Naam",
        "purpose": "Doel",
        "controllers": "Verwerkingsverantwoordelijken (KvK)",
        "legal_basis": "Grondslag",
        "legal_provision": "Wetsartikel",
        "special_category_condition": "Uitzondering bijzondere gegevens",
        "data_categories": "Gegevens",
        "recipient_categories": "Ontvangers",
        "retention": "Bewaartermijn",
        "transfers": "Doorgifte buiten de EER",
        "security_measures": "Beveiliging",
        "valid_from": "Geldig vanaf",
        "valid_until": "Geldig tot en met",
    },
    "en": {
        "name": "Name",
        "purpose": "Purpose",
        "controllers": "Controllers (KvK)",
        "legal_basis": "Legal basis",
        "legal_provision": "Legal provision",
        "special_category_condition": "Special-category condition",
        "data_categories": "Data",
        "recipient_categories": "Recipients",
        "retention": "Retention",
        "transfers": "Transfers outside the EEA",
        "security_measures": "Security measures",
        "valid_from": "Valid from",
        "valid_until": "Valid until",
    },
}
WORDS = {
    "nl": {
        "open": "onbepaald",
        "by_category": "volgens de gegevenscategorieën",
        "none": "geen",
        "changed": "gewijzigd",
    },
    "en": {
        "open": "open",
        "by_category": "by the data categories",
        "none": "none",
        "changed": "changed",
    },
}


def _row(version: ActivityVersion, lang: str, register: Register) -> dict[str, Any]:
    """One version as the page shows it: texts in `lang`, codes with their labels."""
    vocabulary = register.vocabulary
    words = WORDS[lang]
    return {
        "code": version.code,
        "version": version.version,
        "uri": register.uri(version.code),
        "version_uri": register.version_uri(version.code, version.version),
        "reason": version.reason,
        "recorded_at": version.recorded_at,
        "provision": version.legal_provision,
        "condition": (
            _label(vocabulary, "special_conditions", version.special_category_condition, lang)
            if version.special_category_condition
            else None
        ),
        "fields": {
            "name": version.text("name", lang),
            "purpose": version.text("purpose", lang),
            "controllers": ", ".join(version.controllers),
            "legal_basis": _label(vocabulary, "legal_bases", version.legal_basis, lang),
            "legal_provision": version.legal_provision or words["none"],
            "special_category_condition": (
                _label(vocabulary, "special_conditions", version.special_category_condition, lang)
                if version.special_category_condition
                else words["none"]
            ),
            "data_categories": ", ".join(
                _label(vocabulary, "data_categories", code, lang)
                for code in version.data_categories
            ),
            "recipient_categories": ", ".join(
                _label(vocabulary, "recipient_categories", code, lang)
                for code in version.recipient_categories
            ),
            "retention": version.retention or words["by_category"],
            "transfers": ", ".join(
                f"{country} ({_label(vocabulary, 'safeguards', safeguard, lang)})"
                for country, safeguard in version.transfers
            )
            or words["none"],
            "security_measures": version.text("security_measures", lang) or words["none"],
            "valid_from": version.valid_from.isoformat(),
            "valid_until": (
                version.valid_until.isoformat() if version.valid_until else words["open"]
            ),
        },
    }


def _label(vocabulary: Vocabulary, kind: str, code: str, lang: str) -> str:
    return vocabulary.label(kind, code, lang)


def _languages(endpoint: str, **values: Any) -> dict[str, str]:
    return {code: url_for(endpoint, lang=code, **values) for code in ("nl", "en")}


@bp.get("")
@officer_only
def activities() -> Response:
    lang = overview.language(request.args.get("lang"))
    register = current_ledger().register
    rows = [_row(version, lang, register) for version in register.list()]
    return page(
        "officer/register.html",
        rows=rows,
        lang=lang,
        labels=FIELD_LABELS[lang],
        languages=_languages("register_pages.activities"),
    )


@bp.get("/<code>")
@officer_only
def activity(code: str) -> Response:
    lang = overview.language(request.args.get("lang"))
    register = current_ledger().register
    try:
        versions = register.versions(code)
    except ActivityNotFound:
        raise NotFound() from None
    rows = []
    for index, version in enumerate(versions):
        row = _row(version, lang, register)
        row["changed"] = (
            None if index == 0 else changed_fields(versions[index - 1].content, version.content)
        )
        rows.append(row)
    return page(
        "officer/activity.html",
        code=code,
        uri=register.uri(code),
        rows=list(reversed(rows)),
        lang=lang,
        labels=FIELD_LABELS[lang],
        words=WORDS[lang],
        languages=_languages("register_pages.activity", code=code),
    )
