"""Every aggregate the ledger stores: the event store registers their events' short topics
(`ledger.domain.topics`) from this list, so a process that only reads the log resolves them."""

from __future__ import annotations

from eventsourcing.domain import Aggregate

from ledger.domain.access_request import AccessRequest
from ledger.domain.activity import ProcessingActivity
from ledger.domain.consent import Consent
from ledger.domain.disclosure import Disclosure
from ledger.domain.employment import EmploymentEnd
from ledger.domain.erasure import ErasedSubject, Erasure
from ledger.domain.recipient_notice import RecipientNotice
from ledger.domain.restriction import Restriction

AGGREGATES: tuple[type[Aggregate], ...] = (
    Disclosure,
    AccessRequest,
    RecipientNotice,
    Consent,
    Restriction,
    Erasure,
    ErasedSubject,
    EmploymentEnd,
    ProcessingActivity,
)
# Their event classes that are stored under a short topic (`topics.short_topics` marks them).
EVENT_CLASSES: tuple[type, ...] = tuple(
    value
    for aggregate in AGGREGATES
    for value in vars(aggregate).values()
    if isinstance(value, type) and "TOPIC" in vars(value)
)
