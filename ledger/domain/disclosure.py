"""The Disclosure aggregate, its events, and the mapping between facts and event payloads.

Events carry the clear fields a privacy officer and the statistics need, and an opaque `sealed`
string holding the fields that identify the person (encrypted outside the domain, see
`ledger.vault`). Replaying history never re-judges old events against today's rules.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.domain.corrections import check_reason
from ledger.domain.errors import DisclosureRetractedError
from ledger.domain.suppression_orders import after_extension, after_lifting
from ledger.domain.topics import short_topics
from ledger.domain.values import DisclosureFacts, Recipient, Source, Subject, Transfer


def clear_payload(facts: DisclosureFacts) -> dict[str, Any]:
    """The fields stored in clear: nothing here identifies the person directly.

    `restriction_ground`, `activity` and `activity_version` are there only when given: the
    payload, and so the digest and the commitment, of every disclosure without them stays as it
    was before those fields existed.
    """
    recipient = facts.recipient
    payload: dict[str, Any] = {
        "controller": facts.controller,
        "subject_kind": facts.subject.kind,
        "recipient": {
            "category": recipient.category,
            "name": recipient.name,
            "id": recipient.id,
            "country": recipient.country,
        },
        "data_categories": list(facts.data_categories),
        "legal_basis": facts.legal_basis,
        "special_category_condition": facts.special_category_condition,
        "legal_provision": facts.legal_provision,
        "consent_reference": facts.consent_reference,
        "purpose": facts.purpose,
        "occurred_at": facts.occurred_at.isoformat(),
        "transfer": (
            {"country": facts.transfer.country, "safeguard": facts.transfer.safeguard}
            if facts.transfer
            else None
        ),
        "source_system": facts.source.system,
        "suppressed_until": facts.suppressed_until.isoformat() if facts.suppressed_until else None,
        "suppression_authority": facts.suppression_authority,
    }
    if facts.restriction_ground is not None:
        payload["restriction_ground"] = facts.restriction_ground
    if facts.activity is not None:
        payload["activity"] = facts.activity
        payload["activity_version"] = facts.activity_version
    return payload


def secret_payload(facts: DisclosureFacts) -> dict[str, Any]:
    """The fields that identify the person; they are only ever stored sealed."""
    return {
        "subject_id": facts.subject.id,
        "subject_name": facts.subject.name,
        "subject_email": facts.subject.email,
        "source_reference": facts.source.reference,
    }


def facts_from_payload(clear: Mapping[str, Any], secret: Mapping[str, Any]) -> DisclosureFacts:
    recipient = clear["recipient"]
    transfer = clear.get("transfer")
    suppressed = clear.get("suppressed_until")
    return DisclosureFacts(
        controller=clear["controller"],
        subject=Subject(
            id=secret["subject_id"],
            kind=clear["subject_kind"],
            name=secret.get("subject_name"),
            email=secret.get("subject_email"),
        ),
        recipient=Recipient(
            category=recipient["category"],
            name=recipient["name"],
            id=recipient.get("id"),
            country=recipient.get("country"),
        ),
        data_categories=tuple(clear["data_categories"]),
        legal_basis=clear["legal_basis"],
        special_category_condition=clear.get("special_category_condition"),
        legal_provision=clear.get("legal_provision"),
        consent_reference=clear.get("consent_reference"),
        purpose=clear["purpose"],
        occurred_at=datetime.fromisoformat(clear["occurred_at"]),
        transfer=Transfer(transfer["country"], transfer["safeguard"]) if transfer else None,
        source=Source(system=clear["source_system"], reference=secret["source_reference"]),
        suppressed_until=date.fromisoformat(suppressed) if suppressed else None,
        suppression_authority=clear.get("suppression_authority"),
        restriction_ground=clear.get("restriction_ground"),
        activity=clear.get("activity"),
        activity_version=clear.get("activity_version"),
    )


def opening(
    *,
    disclosure_id: UUID,
    version: int,
    event_type: str,
    clear: Mapping[str, Any],
    secret: Mapping[str, Any],
    retraction: str | None = None,
    reason: str | None = None,
) -> bytes:
    """The canonical plaintext of a disclosure as it stands after one of its events.

    This is what an event's commitment binds and what a person's proof bundle opens: sorted
    keys, no spaces, UTF-8.
    """
    return json.dumps(
        opening_document(
            disclosure_id=disclosure_id,
            version=version,
            event_type=event_type,
            clear=clear,
            secret=secret,
            retraction=retraction,
            reason=reason,
        ),
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    ).encode()


def opening_document(
    *,
    disclosure_id: UUID,
    version: int,
    event_type: str,
    clear: Mapping[str, Any],
    secret: Mapping[str, Any],
    retraction: str | None = None,
    reason: str | None = None,
) -> dict[str, Any]:
    """What `opening` encodes: a proof bundle encodes it faster, to the same bytes."""
    return {
        "disclosure": str(disclosure_id),
        "version": version,
        "event": event_type,
        "clear": clear,
        "secret": secret,
        "retraction": retraction,
        "reason": reason,
    }


@short_topics
class Disclosure(Aggregate):
    """One disclosure of one person's data to one recipient; it never changes, it is amended."""

    # Every event carries the subject's tag and a salted commitment to the disclosure as it
    # stands after the event (with the salt sealed for the subject): the integrity log's leaf
    # is computed from the stored event alone. Both are opaque to the domain.

    class DisclosureRecorded(Aggregate.Created):
        fields: dict[str, Any]
        sealed: str
        subject_tag: str
        digest: str
        actor: str
        commitment: str
        salt: str

    class DisclosureCorrected(Aggregate.Event):
        changes: dict[str, Any]
        sealed: str | None
        reason: str
        actor: str
        subject_tag: str
        commitment: str
        salt: str

    class DisclosureRetracted(Aggregate.Event):
        reason: str
        actor: str
        subject_tag: str
        commitment: str
        salt: str

    # A public authority's order about a suppression; `authority` is who gave it. The reason is
    # free text that may name the person, so it is sealed with their key (the service judged it).
    class SuppressionExtended(Aggregate.Event):
        until: str
        authority: str
        sealed_reason: str
        actor: str
        subject_tag: str
        commitment: str
        salt: str

        def apply(self, aggregate: Any) -> None:
            aggregate.fields = after_extension(
                aggregate.fields, until=self.until, authority=self.authority
            )

    class SuppressionLifted(Aggregate.Event):
        lifted_on: str
        authority: str
        sealed_reason: str
        actor: str
        subject_tag: str
        commitment: str
        salt: str

        def apply(self, aggregate: Any) -> None:
            aggregate.fields = after_lifting(aggregate.fields, lifted_on=self.lifted_on)

    @event(DisclosureRecorded)
    def __init__(
        self,
        *,
        fields: dict[str, Any],
        sealed: str,
        subject_tag: str,
        digest: str,
        actor: str,
        commitment: str,
        salt: str,
    ) -> None:
        self.fields = fields
        self.sealed = sealed
        self.subject_tag = subject_tag
        self.digest = digest
        self.recorded_by = actor
        self.retraction: str | None = None
        self.corrections = 0

    @classmethod
    def record(
        cls,
        *,
        disclosure_id: UUID,
        fields: dict[str, Any],
        sealed: str,
        subject_tag: str,
        digest: str,
        actor: str,
        commitment: str,
        salt: str,
    ) -> Disclosure:
        return cls._create(
            cls.DisclosureRecorded,
            id=disclosure_id,
            fields=fields,
            sealed=sealed,
            subject_tag=subject_tag,
            digest=digest,
            actor=actor,
            commitment=commitment,
            salt=salt,
        )

    @classmethod
    def recorded(
        cls,
        *,
        disclosure_id: UUID,
        fields: dict[str, Any],
        sealed: str,
        subject_tag: str,
        digest: str,
        actor: str,
        commitment: str,
        salt: str,
    ) -> Disclosure.DisclosureRecorded:
        """The event `record` creates, made directly: for a batch, which stores a new
        disclosure's first event and never uses the aggregate. Building the aggregate from it
        (`_create` and `mutate`) was a tenth of judging and writing a 10,000-item batch. The
        event, and so what is stored, is the one `record` makes; `mutate` still makes the
        aggregate of it when it is read."""
        # A dataclass made by eventsourcing's metaclass, whose fields mypy does not see.
        event_class: Any = cls.DisclosureRecorded
        recorded: Disclosure.DisclosureRecorded = event_class(
            originator_topic=_TOPIC,
            originator_id=disclosure_id,
            originator_version=cls.INITIAL_VERSION,
            timestamp=cls.DisclosureRecorded.create_timestamp(),
            fields=fields,
            sealed=sealed,
            subject_tag=subject_tag,
            digest=digest,
            actor=actor,
            commitment=commitment,
            salt=salt,
        )
        return recorded

    @property
    def is_retracted(self) -> bool:
        return self.retraction is not None

    def correct(
        self,
        *,
        changes: dict[str, Any],
        sealed: str | None,
        reason: str,
        actor: str,
        commitment: str,
        salt: str,
    ) -> None:
        """Record new values for some clear fields (and a new seal when identifying fields change).

        The caller has judged the correction with `ledger.domain.corrections.judge_correction`.
        """
        if self.is_retracted:
            raise DisclosureRetractedError(self.id)
        self._corrected(
            changes=changes,
            sealed=sealed,
            reason=check_reason(reason),
            actor=actor,
            subject_tag=self.subject_tag,
            commitment=commitment,
            salt=salt,
        )

    @event(DisclosureCorrected)
    def _corrected(
        self,
        *,
        changes: dict[str, Any],
        sealed: str | None,
        reason: str,
        actor: str,
        subject_tag: str,
        commitment: str,
        salt: str,
    ) -> None:
        self.fields = {**self.fields, **changes}
        if sealed is not None:
            self.sealed = sealed
        self.corrections += 1

    def retract(self, *, reason: str, actor: str, commitment: str, salt: str) -> None:
        if self.is_retracted:
            raise DisclosureRetractedError(self.id)
        self._retracted(
            reason=check_reason(reason),
            actor=actor,
            subject_tag=self.subject_tag,
            commitment=commitment,
            salt=salt,
        )

    @event(DisclosureRetracted)
    def _retracted(
        self, *, reason: str, actor: str, subject_tag: str, commitment: str, salt: str
    ) -> None:
        self.retraction = reason

    def extend_suppression(
        self,
        *,
        until: str,
        authority: str,
        sealed_reason: str,
        actor: str,
        commitment: str,
        salt: str,
    ) -> None:
        """The caller judged it with `ledger.domain.suppression_orders.judge_extension`."""
        if self.is_retracted:
            raise DisclosureRetractedError(self.id)
        self.trigger_event(
            self.SuppressionExtended,
            until=until,
            authority=authority,
            sealed_reason=sealed_reason,
            actor=actor,
            subject_tag=self.subject_tag,
            commitment=commitment,
            salt=salt,
        )

    def lift_suppression(
        self,
        *,
        lifted_on: str,
        authority: str,
        sealed_reason: str,
        actor: str,
        commitment: str,
        salt: str,
    ) -> None:
        """The caller judged it with `ledger.domain.suppression_orders.judge_lifting`."""
        if self.is_retracted:
            raise DisclosureRetractedError(self.id)
        self.trigger_event(
            self.SuppressionLifted,
            lifted_on=lifted_on,
            authority=authority,
            sealed_reason=sealed_reason,
            actor=actor,
            subject_tag=self.subject_tag,
            commitment=commitment,
            salt=salt,
        )


# The aggregate's topic, as `_create` gives its created event (eventsourcing's `get_topic`).
_TOPIC = f"{Disclosure.__module__}:{Disclosure.__qualname__}"

SUPPRESSION_EVENTS: tuple[type[Aggregate.Event], ...] = (
    Disclosure.SuppressionExtended,
    Disclosure.SuppressionLifted,
)
