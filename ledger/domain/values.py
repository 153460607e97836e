"""Frozen value objects that describe one disclosure, as the posting system states it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

SUBJECT_KINDS = ("employee", "zzp", "contact", "candidate")


@dataclass(frozen=True, slots=True)
class Subject:
    """The person whose data left; `id` is the source system's pseudonymous reference."""

    id: str
    kind: str = "employee"
    name: str | None = None
    email: str | None = None


@dataclass(frozen=True, slots=True)
class Recipient:
    """The actual recipient (CJEU C-154/21), not only its category."""

    category: str
    name: str
    id: str | None = None
    country: str | None = None


@dataclass(frozen=True, slots=True)
class Transfer:
    """A transfer outside the EEA and the safeguard it rests on (GDPR Art. 45-49)."""

    country: str
    safeguard: str


@dataclass(frozen=True, slots=True)
class Source:
    """The posting system and its own unique id for this disclosure (the idempotency key)."""

    system: str
    reference: str


@dataclass(frozen=True, slots=True)
class DisclosureFacts:
    """Everything a disclosure states; judged by `ledger.domain.policy` before it is recorded.

    A posting by activity (`activity`, a code of the register) may leave out the fields the
    activity defines (`ledger.domain.by_activity.DEFINED_FIELDS`): they are None until
    `fill_from_activity` fills them and sets `activity_version`, the version it followed.
    """

    controller: str
    subject: Subject
    recipient: Recipient
    data_categories: tuple[str, ...]
    legal_basis: str
    purpose: str
    occurred_at: datetime
    source: Source
    special_category_condition: str | None = None
    legal_provision: str | None = None
    consent_reference: str | None = None
    transfer: Transfer | None = None
    suppressed_until: date | None = None
    suppression_authority: str | None = None
    # The GDPR Art. 18(2) ground a disclosure of a person whose processing is restricted rests
    # on (`ledger.domain.restriction`); a code of the vocabulary's restriction_grounds.
    restriction_ground: str | None = None
    activity: str | None = None
    activity_version: int | None = None
