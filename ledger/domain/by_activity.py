"""Recording by activity: a disclosure that names an activity of the register (`activity`) takes
the fields that activity defines from its version in force on the disclosure's date, and may not
say otherwise.

`fill_from_activity` is the whole rule, as a pure function: what it fills, what it refuses. The
policy (`ledger.domain.policy`) then judges the filled disclosure like any other.

- Filled when the posting leaves them out: `legal_basis`, `legal_provision`,
  `special_category_condition` (only when a disclosed data category is special: an activity's
  condition does not apply to a posting of its ordinary data alone), `data_categories` (all of
  the activity's), `transfer` (the activity's one transfer to the recipient's country, when the
  recipient is outside the EEA), and `purpose`: the activity's purpose in Dutch, the language
  every stored purpose is in (a posting's own purpose is Dutch free text too); the person's
  overview shows the activity's purpose in the reader's language instead.
- Refused when given otherwise: a `legal_basis`, `legal_provision` or
  `special_category_condition` that differs from the activity's (an activity without a provision
  or condition says "none"); a data category, recipient category, controller or transfer that
  the activity does not name. A posting's own `purpose` stands: it may say more than the
  activity's.
- The version is the one in force on the disclosure's date: the date of `occurred_at` as posted,
  in its own offset, the same date the statistics and the Art. 30 report count by month.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import Any

from ledger.domain.activity import ActivityVersion
from ledger.domain.errors import DisclosureRefused
from ledger.domain.values import DisclosureFacts, Recipient, Transfer
from ledger.domain.vocabulary import Vocabulary, is_eea

# The fields an activity defines: with `activity`, a posting may leave each of them out.
DEFINED_FIELDS = (
    "data_categories",
    "legal_basis",
    "legal_provision",
    "special_category_condition",
    "purpose",
    "transfer",
)
# What the language of a stored purpose is: Dutch, as postings write it.
STORED_PURPOSE_LANGUAGE = "nl"
# The fields a correction takes anew from the activity unless it names them: they are the
# activity's, not the posting's (data categories and transfer are what was actually sent).
REFILLED_ON_CORRECTION = ("legal_basis", "legal_provision", "special_category_condition")


def activity_date(occurred_at: object) -> date | None:
    """The date whose version applies: `occurred_at`'s date in its own offset, or None when
    it is no aware date-time (the policy then names `occurred_at`)."""
    if not isinstance(occurred_at, datetime) or occurred_at.utcoffset() is None:
        return None
    return occurred_at.date()


def activity_key(facts: DisclosureFacts) -> tuple[str, date] | None:
    """The (code, date) to look up for a posting by activity; None for one without."""
    day = activity_date(facts.occurred_at)
    if facts.activity is None or day is None:
        return None
    return facts.activity, day


def not_found(code: str, day: date, *, known: bool) -> DisclosureRefused:
    """The refusal of a posting whose activity has no version to follow."""
    if known:
        message = (
            f"'{code}' has no version in force on {day.isoformat()}: record it under the"
            " activity that applied then, or ask the privacy officer to revise the register"
        )
    else:
        message = f"'{code}' is not an activity of the register (see GET /api/v1/activities)"
    return DisclosureRefused({"activity": message})


def fill_from_activity(
    facts: DisclosureFacts, version: ActivityVersion, *, vocabulary: Vocabulary
) -> DisclosureFacts:
    """The disclosure with what its activity defines filled in and `activity_version` set;
    DisclosureRefused naming each field that contradicts the activity or falls outside it."""
    errors: dict[str, str] = {}
    name = f"activity {version.code} v{version.version}"

    def contradicts(field: str, given: object, defined: str | None) -> None:
        if given is not None and given != defined:
            says = "none" if defined is None else defined
            errors[field] = f"contradicts {name}, which says {says}"

    contradicts("legal_basis", facts.legal_basis, version.legal_basis)
    contradicts("legal_provision", facts.legal_provision, version.legal_provision)
    contradicts(
        "special_category_condition",
        facts.special_category_condition,
        version.special_category_condition,
    )
    if isinstance(facts.controller, str) and facts.controller not in version.controllers:
        errors["controller"] = (
            f"is not a controller of {name} ({', '.join(version.controllers) or 'none'})"
        )
    recipient = facts.recipient
    if (
        isinstance(recipient, Recipient)
        and isinstance(recipient.category, str)
        and recipient.category not in version.recipient_categories
    ):
        errors["recipient.category"] = (
            f"is not among the recipient categories of {name}"
            f" ({', '.join(version.recipient_categories) or 'none'})"
        )
    categories = facts.data_categories
    if categories is None:
        categories = version.data_categories
    elif isinstance(categories, tuple | list):
        for index, code in enumerate(categories):
            if isinstance(code, str) and code not in version.data_categories:
                errors[f"data_categories.{index}"] = (
                    f"is not among the data categories of {name}"
                    f" ({', '.join(version.data_categories)})"
                )
    transfer = facts.transfer
    if isinstance(transfer, Transfer):
        if (transfer.country, transfer.safeguard) not in version.transfers:
            allowed = ", ".join(f"{c} ({s})" for c, s in version.transfers) or "none"
            errors["transfer"] = f"is not among the transfers of {name}: {allowed}"
    elif transfer is None:
        transfer = _transfer_to(recipient, version)
    if errors:
        raise DisclosureRefused(errors)

    special = any(
        (category := vocabulary.data_categories.get(code)) is not None
        and category.sensitivity == "special"
        for code in categories
        if isinstance(code, str)
    )
    condition = facts.special_category_condition
    if condition is None and special:
        condition = version.special_category_condition
    return replace(
        facts,
        data_categories=tuple(categories),
        legal_basis=version.legal_basis if facts.legal_basis is None else facts.legal_basis,
        legal_provision=(
            version.legal_provision if facts.legal_provision is None else facts.legal_provision
        ),
        special_category_condition=condition,
        purpose=(
            version.purpose.get(STORED_PURPOSE_LANGUAGE, "")
            if facts.purpose is None
            else facts.purpose
        ),
        transfer=transfer,
        activity_version=version.version,
    )


def reopened(corrected: DisclosureFacts, named: frozenset[str]) -> DisclosureFacts:
    """A corrected disclosure under an activity, its activity-defined fields that the
    correction does not name left to the activity again (see REFILLED_ON_CORRECTION)."""
    if corrected.activity is None:
        return replace(corrected, activity_version=None)
    cleared: dict[str, Any] = {
        field: None for field in REFILLED_ON_CORRECTION if field not in named
    }
    return replace(corrected, activity_version=None, **cleared)


def _transfer_to(recipient: object, version: ActivityVersion) -> Transfer | None:
    """The activity's transfer to the recipient's country, when it names exactly one."""
    if not isinstance(recipient, Recipient) or not isinstance(recipient.country, str):
        return None
    if is_eea(recipient.country):
        return None
    found = [(c, s) for c, s in version.transfers if c == recipient.country]
    return Transfer(*found[0]) if len(found) == 1 else None
