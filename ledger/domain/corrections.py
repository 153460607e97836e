"""The rules for correcting and retracting a recorded disclosure, as plain functions.

`judge_correction` and `judge_retraction` decide; the application then records what they return.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from uuid import UUID

from ledger.domain.errors import DisclosureRetractedError, InvalidChange
from ledger.domain.patterns import CONTROL_CHARACTERS, SURROGATES
from ledger.domain.policy import check_disclosure, unpaired_surrogate
from ledger.domain.values import DisclosureFacts
from ledger.domain.vocabulary import Vocabulary

# Fields a correction may never change: they decide identity, idempotency and who disclosed.
FROZEN_FIELDS = frozenset({"controller", "source", "subject.id"})
CORRECTABLE_FIELDS = frozenset(
    {
        "subject",
        "recipient",
        "data_categories",
        "legal_basis",
        "special_category_condition",
        "legal_provision",
        "consent_reference",
        "purpose",
        "occurred_at",
        "transfer",
        "suppressed_until",
        "suppression_authority",
        "restriction_ground",
        "activity",
    }
)
CORRECTABLE_SUBJECT_FIELDS = frozenset({"kind", "name", "email"})
MAX_REASON = 500

_FROZEN = "cannot be corrected: retract this disclosure and record a new one"
_UNKNOWN = "is not a field of a disclosure"


@dataclass(frozen=True, slots=True)
class Correction:
    """A correction the rules allow: the disclosure's facts after it, and the reason given."""

    facts: DisclosureFacts
    reason: str


def judge_correction(
    current: DisclosureFacts,
    changes: Mapping[str, Any],
    reason: str | None,
    *,
    now: datetime,
    vocabulary: Vocabulary,
    resolve: Callable[[DisclosureFacts], DisclosureFacts] | None = None,
) -> Correction:
    """The corrected facts and the checked reason, or the first kind of error that applies.

    The corrected facts are judged like a new disclosure (DisclosureRefused); a malformed change,
    a change that changes nothing, or a bad reason is an InvalidChange. `resolve` completes
    them first, as a posting by activity is completed (`ledger.domain.by_activity`).
    """
    corrected = apply_changes(current, changes)
    if resolve is not None:
        corrected = resolve(corrected)
    check_disclosure(corrected, now=now, vocabulary=vocabulary)
    if _same(current, corrected):
        raise InvalidChange({"changes": "change nothing: every value is already as given"})
    return Correction(facts=corrected, reason=check_reason(reason))


def judge_retraction(*, disclosure_id: UUID, is_retracted: bool, reason: str | None) -> str:
    """The checked reason for retracting a disclosure that still stands."""
    if is_retracted:
        raise DisclosureRetractedError(disclosure_id)
    return check_reason(reason)


def apply_changes(facts: DisclosureFacts, changes: Mapping[str, Any]) -> DisclosureFacts:
    """The facts after a correction; `changes` holds already-parsed values per top-level field.

    `subject` may carry only `kind`, `name` and `email`; the rest of a change replaces the field.
    """
    errors: dict[str, str] = {}
    if not changes:
        errors["changes"] = "must name at least one field to correct"
    for name in changes:
        if name in FROZEN_FIELDS:
            errors[f"changes.{name}"] = _FROZEN
        elif name not in CORRECTABLE_FIELDS:
            errors[f"changes.{name}"] = _UNKNOWN
    subject_changes = changes.get("subject")
    if "subject" in changes and not isinstance(subject_changes, Mapping):
        errors["changes.subject"] = "must be an object of kind, name and email"
    elif isinstance(subject_changes, Mapping):
        for name in subject_changes:
            if name == "id":
                errors["changes.subject.id"] = _FROZEN
            elif name not in CORRECTABLE_SUBJECT_FIELDS:
                errors[f"changes.subject.{name}"] = _UNKNOWN
    if errors:
        raise InvalidChange(errors)

    updates = {name: value for name, value in changes.items() if name != "subject"}
    if isinstance(subject_changes, Mapping):
        updates["subject"] = replace(facts.subject, **subject_changes)
    if "data_categories" in updates:
        updates["data_categories"] = tuple(updates["data_categories"])
    return replace(facts, **updates)


def check_reason(reason: str | None) -> str:
    """The reason for a correction or retraction, stripped; it is shown to the person."""
    text = (reason or "").strip()
    if not text:
        raise InvalidChange({"reason": "is required: say why, for the person and the auditor"})
    if found := SURROGATES.search(text):
        raise InvalidChange({"reason": unpaired_surrogate(found.group())})
    if found := CONTROL_CHARACTERS.search(text):
        raise InvalidChange(
            {"reason": f"must not contain control characters (found U+{ord(found.group()):04X})"}
        )
    if len(text) > MAX_REASON:
        raise InvalidChange({"reason": f"must be at most {MAX_REASON} characters"})
    return text


def _same(before: DisclosureFacts, after: DisclosureFacts) -> bool:
    # Aware datetimes compare equal across offsets, but the offset is recorded and shown:
    # 12:00+01:00 corrected to 11:00+00:00 is a change.
    return before == after and before.occurred_at.utcoffset() == after.occurred_at.utcoffset()
