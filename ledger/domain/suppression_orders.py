"""Suppressions managed, never silent: the rules for a public authority's order to withhold a
disclosure from the person longer (extend) or to show it now (lift), as plain functions.

The Disclosure aggregate records each as an event with authority and reason
(`ledger.domain.disclosure`); `ledger.domain.suppression` decides what is withheld today.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from ledger.domain.errors import InvalidChange, SuppressionConflict
from ledger.domain.policy import MAX_SUPPRESSION_AUTHORITY
from ledger.domain.suppression import dutch_date, is_withheld

MAX_REASON = 1000


def _required(value: str | None, field: str, maximum: int, errors: dict[str, str]) -> str:
    text = (value or "").strip()
    if not text:
        errors[field] = "is required"
    elif len(text) > maximum:
        errors[field] = f"may be at most {maximum} characters"
    return text


def judge_extension(
    *, current_until: date | None, until: date, authority: str, reason: str, now: datetime
) -> tuple[str, str]:
    """An order to withhold a disclosure until `until` (a Dutch date after today). While it is
    withheld, the new date must be later than the current one: an earlier end is a lifting."""
    errors: dict[str, str] = {}
    authority = _required(authority, "authority", MAX_SUPPRESSION_AUTHORITY, errors)
    reason = _required(reason, "reason", MAX_REASON, errors)
    today = dutch_date(now)
    if until <= today:
        errors["until"] = f"must be a date after today ({today.isoformat()}, Dutch date)"
    if errors:
        raise InvalidChange(errors)
    if is_withheld(current_until, now=now) and current_until is not None and until <= current_until:
        raise SuppressionConflict(
            {
                "until": "must be after the current suppressed_until"
                f" ({current_until.isoformat()}); to end the suppression sooner, lift it"
            }
        )
    return authority, reason


def judge_lifting(
    *, current_until: date | None, authority: str, reason: str, now: datetime
) -> tuple[str, str, date]:
    """An order to show a withheld disclosure from today on; the date it was withheld until
    becomes today (Dutch date), so the person still sees that, until when and on whose order."""
    errors: dict[str, str] = {}
    authority = _required(authority, "authority", MAX_SUPPRESSION_AUTHORITY, errors)
    reason = _required(reason, "reason", MAX_REASON, errors)
    if errors:
        raise InvalidChange(errors)
    if not is_withheld(current_until, now=now):
        raise SuppressionConflict(
            {"suppressed_until": "the disclosure is not withheld from the person: nothing to lift"}
        )
    return authority, reason, dutch_date(now)


def after_extension(fields: Mapping[str, Any], *, until: str, authority: str) -> dict[str, Any]:
    """A disclosure's clear fields once a suppression is extended: the new date and authority."""
    return {**fields, "suppressed_until": until, "suppression_authority": authority}


def after_lifting(fields: Mapping[str, Any], *, lifted_on: str) -> dict[str, Any]:
    """Once lifted, withheld until the day of lifting, still on the order that withheld it."""
    return {**fields, "suppressed_until": lifted_on}
