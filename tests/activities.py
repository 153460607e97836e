"""A valid activity of the register, as an officer writes it (parsed TOML or JSON)."""

from __future__ import annotations

from typing import Any


def an_activity(code: str = "loonaangifte", **overrides: Any) -> dict[str, Any]:
    activity: dict[str, Any] = {
        "code": code,
        "name": {"nl": "Loonaangifte", "en": "Payroll tax return"},
        "purpose": {
            "nl": "Loonheffingen aangeven bij de Belastingdienst",
            "en": "Filing payroll taxes with the Tax Administration",
        },
        "controllers": ["90000001"],
        "legal_basis": "legal_obligation",
        "legal_provision": "Wet op de loonbelasting 1964, art. 28",
        "data_categories": ["naam", "bsn", "salaris"],
        "recipient_categories": ["belastingdienst"],
        "retention": "wage_tax_declaration_and_id",
        "security_measures": {"nl": "Versleuteld via Digipoort", "en": "Encrypted via Digipoort"},
        "valid_from": "2026-01-01",
    }
    activity.update(overrides)
    return {key: value for key, value in activity.items() if value is not None}
