"""The overview as JSON: the person's portable, machine-readable copy (with their proof)."""

from __future__ import annotations

from typing import Any

from ledger.adapters.fast_json import indented
from ledger.overview.model import Basis, Condition, Group, Item, Overview, basis_sentence

FORMAT = "disclosure-ledger-overview/1"


def to_json(overview: Overview) -> dict[str, Any]:
    """The person's portable copy; its schema is `ledger/web/static/overview.schema.json`."""
    lang = overview.lang
    config = overview.config
    return {
        "format": FORMAT,
        "language": lang,
        "generated_at": overview.generated_at.isoformat(),
        "subject": {"reference": overview.subject_ref, "name": overview.subject_name},
        "context": {
            "sender": overview.sender,
            "request_received_on": (
                overview.request_on.isoformat() if overview.request_on else None
            ),
            "request_reference": overview.request_reference,
            "period_since": overview.since.isoformat() if overview.since else None,
            "text": list(overview.context),
        },
        "summary": {"disclosures": overview.count, "recipients": overview.recipients},
        "rights": {
            "heading": overview.texts["rights"],
            "items": list(overview.rights),
            "mailto": overview.mailto,
        },
        "recipients": [
            {
                "recipient": {
                    "name": group.name,
                    "id": group.recipient_id,
                    "country": group.country,
                    "category": group.category.as_json(),
                    "country_name": group.country_name,
                    "id_text": group.recipient_id_text,
                },
                **_summary_line(group),
                "count": group.count,
                "first_at": group.first_at.isoformat() if group.first_at else None,
                "last_at": group.last_at.isoformat() if group.last_at else None,
                "data_categories": [c.as_json() for c in group.data_categories],
                "purposes": list(group.purposes),
                "legal_bases": [_basis_json(basis, lang) for basis in group.bases],
                "special_category_conditions": [
                    _condition_json(condition) for condition in group.conditions
                ],
                "disclosures": [_item_json(item, lang) for item in group.items],
            }
            for group in overview.groups
        ],
        "extended_requests": [
            {
                "received_on": extension.received_on.isoformat(),
                "due_extended": extension.due_extended.isoformat(),
                "reason": extension.reason,
                "told_on": extension.told_on.isoformat() if extension.told_on else None,
            }
            for extension in overview.extensions
        ],
        "restrictions": [
            {
                "since": restriction.since.isoformat(),
                "until": restriction.until.isoformat(),
                "reason": restriction.reason,
            }
            for restriction in overview.restrictions
        ],
        "accesses": [
            {"at": entry.at.isoformat(), "by": entry.by, "purpose": entry.purpose}
            for entry in overview.accesses
        ],
        "notified_recipients": [
            {
                "recorded_on": entry.recorded_on.isoformat(),
                "cause": entry.cause,
                "recipient": {"name": entry.recipient, "category": entry.category.as_json()},
                "data_categories": [c.as_json() for c in entry.data_categories],
                "state": entry.state,
                "sent_on": entry.sent_on.isoformat() if entry.sent_on else None,
            }
            for entry in overview.notified
        ],
        "controllers": [
            {"kvk": info.kvk, "name": info.name, "address": info.address}
            for info in overview.controllers
        ],
        "privacy_contact": {
            "name": config.said(config.contact_name, lang),
            "email": config.contact_email,
            "postal_address": config.contact_address,
        },
        "supervisory_authority": {
            "name": config.said(config.authority_name, lang),
            "url": config.authority_url,
        },
    }


def _summary_line(group: Group) -> dict[str, Any]:
    """The summary's line of a recipient the summary lists (not one whose every disclosure
    was retracted)."""
    if not group.count:
        return {}
    return {
        "summary_line": {
            "how_often": group.how,
            "what": group.line_what,
            "why": group.line_why,
            "bases": [
                {"text": words, "citation": citation} for words, citation in group.basis_lines
            ],
        }
    }


def _basis_json(basis: Basis, lang: str) -> dict[str, Any]:
    return {
        **basis.basis.as_json(),
        "citation": basis.citation,
        "provision": basis.provision,
        "text": basis.words,
        "plain": basis_sentence(basis, lang),
    }


def _condition_json(condition: Condition) -> dict[str, Any]:
    return {**condition.condition.as_json(), "citation": condition.citation}


def _item_json(item: Item, lang: str) -> dict[str, Any]:
    return {
        "id": item.id,
        "occurred_at": item.occurred_local,
        "controller": item.controller,
        "data_categories": [c.as_json() for c in item.data_categories],
        "legal_basis": _basis_json(item.basis, lang),
        "special_category_condition": (_condition_json(item.condition) if item.condition else None),
        "consent_reference": item.consent_reference,
        "purpose": item.purpose,
        "transfer": (
            {"country": item.transfer.country, "safeguard": item.transfer.safeguard.as_json()}
            if item.transfer
            else None
        ),
        "state": item.state,
        "state_text": item.state_text,
        "corrected_at": item.corrected_at.isoformat() if item.corrected_at else None,
        "retraction_reason": item.retraction_reason,
        "withheld_until": item.withheld_until.isoformat() if item.withheld_until else None,
        "restriction_ground": (
            {**item.ground.as_json(), "citation": "Art. 18(2)"} if item.ground else None
        ),
        # The register entry it followed, as the Dutch logging standard names it.
        "processing_activity_id": item.activity_uri,
    }


def render_json(overview: Overview) -> str:
    """The portable copy; with the overview's proof, the bundle that `ledger verify-bundle`
    checks offline."""
    document = to_json(overview)
    if overview.proof is not None:
        document["proof"] = dict(overview.proof)
    return indented(document) + "\n"
