"""Access requests (GDPR Art. 15): opened, identity verified, extended, the person told, and
answered, withdrawn or refused, each step an event in the person's chain of the log; the queue
with its legal deadlines; and the answer kept as evidence.

The person is named only by their vault tag; the case reference, the frozen answer and every
free text (how the identity was checked, the reasons) are sealed with their key, so erasure
reaches them.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import StoredEvent
from sqlalchemy import select

from ledger.adapters.vault import SubjectKey, SubjectVault, VaultError
from ledger.app.integrity import open_reference
from ledger.app.links import MadeLink, OverviewLinks
from ledger.app.reading import Contact, Reader, Reading
from ledger.app.sealing import open_request_text, seal_request_text, sealed_commitment
from ledger.app.uow import UnitOfWork
from ledger.domain.access_request import (
    AccessRequest,
    check_reason,
    judge_extension,
    judge_notice,
    judge_open_state,
    judge_opening,
    request_opening,
    sealed_text,
)
from ledger.domain.deadlines import IsHoliday
from ledger.domain.errors import AccessRequestNotFound, InvalidChange, InvalidSubjectId
from ledger.domain.subjects import normal_subject_id
from ledger.domain.suppression import dutch_date, is_withheld
from ledger.overview import render_json
from ledger.projections import queries

ANSWER_CONTEXT = b"access request answer"


@dataclass(frozen=True, slots=True)
class FrozenAnswer:
    """What was sent: the overview's JSON as it stood, and its SHA-256."""

    request_id: UUID
    overview_json: str
    sha256: str
    tree_size: int
    root_hash: str


class AccessRequests:
    def __init__(
        self,
        *,
        uow: UnitOfWork,
        vault: SubjectVault,
        reading: Reading,
        links: OverviewLinks,
        is_holiday: IsHoliday,
    ) -> None:
        self.uow = uow
        self.vault = vault
        self.reading = reading
        self.links = links
        self.is_holiday = is_holiday

    # -- steps ------------------------------------------------------------------------------

    def open(
        self,
        *,
        subject_id: str,
        received_on: date,
        channel: str,
        reference: str | None,
        actor: str,
    ) -> UUID:
        """Open a request; the person gets a vault key here if the ledger had none for them."""
        try:
            subject_id = normal_subject_id(subject_id)
        except InvalidSubjectId as error:
            raise InvalidChange({"subject_id": next(iter(error.errors.values()))}) from None
        now = self.uow.now()
        judge_opening(received_on=received_on, channel=channel, now=now)
        request_id = uuid.uuid4()
        due = AccessRequest.first_due(received_on, self.is_holiday)
        with self.uow.write() as connection:
            key = self.vault.keys_for(connection, [subject_id], now=now)[subject_id]
            sealed = (
                None
                if reference is None
                else self.vault.seal(key, request_id, {"reference": reference})
            )
            fields: dict[str, Any] = {
                "subject_tag": key.tag,
                "received_on": received_on.isoformat(),
                "channel": channel,
                "sealed_reference": sealed,
                "due": due.isoformat(),
                "actor": actor,
            }
            commitment, salt = self._commit(
                key, request_id, 1, "AccessRequestOpened", fields, {"reference": reference}
            )
            request = AccessRequest.open(
                request_id=request_id, **fields, commitment=commitment, salt=salt
            )
            self.uow.save(connection, [request])
        return request_id

    def verify_identity(self, request_id: UUID, *, how: str, actor: str) -> None:
        how = check_reason(how, "how")
        self._step(request_id, "IdentityVerified", {}, actor, "verify_identity", text=("how", how))

    def extend(self, request_id: UUID, *, reason: str, actor: str) -> date:
        """Extend by two further months (Art. 12(3)): due three months after receipt."""
        request = self._get(request_id)
        now = self.uow.now()
        reason = judge_extension(
            state=request.state,
            due=request.due,
            due_extended=request.due_extended,
            reason=reason,
            now=now,
        )
        due_extended = AccessRequest.extended_due(request.received_on, self.is_holiday)
        self._step(
            request_id,
            "DeadlineExtended",
            {"due_extended": due_extended.isoformat()},
            actor,
            "extend",
            now=now,
            text=("reason", reason),
        )
        return due_extended

    def tell_of_extension(self, request_id: UUID, *, told_on: date, actor: str) -> None:
        request = self._get(request_id)
        now = self.uow.now()
        judge_notice(
            state=request.state,
            due=request.due,
            due_extended=request.due_extended,
            told_on=told_on,
            now=now,
        )
        self._step(
            request_id,
            "PersonToldOfExtension",
            {"told_on": told_on.isoformat()},
            actor,
            "tell_of_extension",
            now=now,
        )

    def withdraw(self, request_id: UUID, *, reason: str, actor: str) -> None:
        reason = check_reason(reason)
        self._step(
            request_id, "AccessRequestWithdrawn", {}, actor, "withdraw", text=("reason", reason)
        )

    def refuse(self, request_id: UUID, *, reason: str, actor: str) -> None:
        """Art. 12(5): a manifestly unfounded or excessive request, with the reason why."""
        reason = check_reason(reason)
        self._step(request_id, "AccessRequestRefused", {}, actor, "refuse", text=("reason", reason))

    def answer(self, request_id: UUID, *, reader: Reader) -> FrozenAnswer:
        """Freeze the person's overview as it stands (with their proof bundle), keep its hash,
        the checkpoint that covers it and what was still withheld, and close the request."""
        judge_open_state(self._get(request_id).state)
        tag = self._row(request_id)["subject_tag"]
        overview = self.reading.overview(reader=reader, tag=tag, with_proof=True)
        document = render_json(overview)
        checkpoint = (overview.proof or {}).get("checkpoint") or {}
        now = self.uow.now()
        with self.uow.read() as connection:
            withheld = sorted(
                ref.disclosure_id
                for ref in queries.disclosure_refs(connection, tag)
                if is_withheld(ref.suppressed_until, now=now)
            )
        answer = FrozenAnswer(
            request_id=request_id,
            overview_json=document,
            sha256=hashlib.sha256(document.encode()).hexdigest(),
            tree_size=int(checkpoint.get("tree_size", 0)),
            root_hash=str(checkpoint.get("root_hash", "")),
        )
        self._step(
            request_id,
            "AccessRequestAnswered",
            {
                "overview_sha256": answer.sha256,
                "tree_size": answer.tree_size,
                "root_hash": answer.root_hash,
                "withheld": withheld,
            },
            reader.actor,
            "answer",
            sealed_overview=document,
        )
        return answer

    def answer_with_link(
        self, request_id: UUID, *, reader: Reader, lang: str, days: int | None = None
    ) -> tuple[FrozenAnswer, MadeLink]:
        """Answer (freeze the overview and close the request), then make the person a link to
        their overview, to send with the answer (the officer's pages)."""
        answer = self.answer(request_id, reader=reader)
        tag = self._row(request_id)["subject_tag"]
        return answer, self.links.create(reader=reader, tag=tag, lang=lang, days=days)

    # -- reads ------------------------------------------------------------------------------

    def queue(self, *, reader: Reader, state: str | None = None) -> list[dict[str, Any]]:
        """Open requests first by the deadline that applies, with days left as of today
        (Dutch date) and overdue marked; opening their references reads every person listed."""
        with self.uow.read() as connection:
            rows = queries.access_requests_queue(connection, state=state)
        self.reading.log_reads(reader, {row["subject_tag"] for row in rows})
        with self.uow.read() as connection:
            keys = self.vault.keys_by_tag(connection, {row["subject_tag"] for row in rows})
        today = dutch_date(self.uow.now())
        return [self._summary(row, keys.get(row["subject_tag"]), today) for row in rows]

    def get(self, request_id: UUID, *, reader: Reader) -> dict[str, Any]:
        """One request with its timeline; a read of the person it belongs to."""
        row = self._row(request_id)
        key = self.reading.person(reader, tag=row["subject_tag"])
        return self._with_timeline(row, key)

    def case(self, request_id: UUID, *, reader: Reader) -> dict[str, Any]:
        """One request with its timeline and how to reach the person (`contact`): one read of
        them, for the officer's page."""
        row = self._row(request_id)
        key = self.reading.person(reader, tag=row["subject_tag"])
        summary = self._with_timeline(row, key)
        summary["contact"] = (
            Contact(None, None, None) if key is None else self.reading.contact_of(key)
        )
        return summary

    def frozen_answer(self, request_id: UUID, *, reader: Reader) -> FrozenAnswer | None:
        """The overview as it was sent, opened from the answer event; None before an answer."""
        row = self._row(request_id)
        key = self.reading.person(reader, tag=row["subject_tag"])
        for event in self._events(request_id):
            if isinstance(event, AccessRequest.AccessRequestAnswered):
                if key is None:
                    raise InvalidChange({"subject": "was erased: the answer can no longer be read"})
                document = self.vault.open_bytes(
                    key, request_id.bytes + ANSWER_CONTEXT, event.sealed_overview
                ).decode()
                return FrozenAnswer(
                    request_id, document, event.overview_sha256, event.tree_size, event.root_hash
                )
        return None

    # -- plumbing ---------------------------------------------------------------------------

    def _step(
        self,
        request_id: UUID,
        event_type: str,
        fields: dict[str, Any],
        actor: str,
        method: str,
        *,
        now: datetime | None = None,
        sealed_overview: str | None = None,
        text: tuple[str, str] | None = None,
    ) -> None:
        """One step: `fields` stored in clear; `text`, a judged free text (name, value), is
        committed to in clear and stored sealed, bound to this event."""
        with self.uow.write() as connection:
            request = self._get(request_id)
            key = self.vault.keys_by_tag(connection, [request.subject_tag]).get(request.subject_tag)
            if key is None:
                raise InvalidChange({"subject": "was erased: this request can no longer change"})
            version = request.version + 1
            fields = {**fields, "actor": actor}
            commitment, salt = self._commit(
                key,
                request_id,
                version,
                event_type,
                {**fields, "subject_tag": request.subject_tag},
                {} if text is None else {text[0]: text[1]},
            )
            arguments: dict[str, Any] = {**fields, "commitment": commitment, "salt": salt}
            if text is not None:
                name, value = text
                arguments[name] = value
                arguments[f"sealed_{name}"] = seal_request_text(
                    self.vault, key, request_id, version, value
                )
            if sealed_overview is not None:
                arguments["sealed_overview"] = self.vault.seal_bytes(
                    key, request_id.bytes + ANSWER_CONTEXT, sealed_overview.encode()
                )
            if now is not None:
                arguments["now"] = now
            getattr(request, method)(**arguments)
            self.uow.save(connection, [request])

    def _commit(
        self,
        key: SubjectKey,
        request_id: UUID,
        version: int,
        event_type: str,
        fields: dict[str, Any],
        secret: dict[str, Any],
    ) -> tuple[str, str]:
        """A salted commitment to the event's opening, and the salt sealed for the person."""
        plaintext = request_opening(
            request_id=request_id,
            version=version,
            event_type=event_type,
            fields=fields,
            secret=secret,
        )
        return sealed_commitment(self.vault, key, request_id, version, plaintext)

    def _get(self, request_id: UUID) -> AccessRequest:
        try:
            request: AccessRequest = self.uow.store.repository.get(request_id)
        except AggregateNotFoundError:
            raise AccessRequestNotFound(request_id) from None
        if not isinstance(request, AccessRequest):
            raise AccessRequestNotFound(request_id)
        return request

    def _row(self, request_id: UUID) -> dict[str, Any]:
        with self.uow.read() as connection:
            row = queries.access_request(connection, request_id.hex)
        if row is None:
            raise AccessRequestNotFound(request_id)
        return row

    def _events(self, request_id: UUID) -> list[Any]:
        store = self.uow.store
        table = store.table
        with self.uow.read() as connection:
            rows = connection.execute(
                select(table.c.originator_version, table.c.topic, table.c.state)
                .where(table.c.originator_id == request_id)
                .order_by(table.c.originator_version)
            ).all()
        return [
            store.mapper.to_domain_event(
                StoredEvent(request_id, row.originator_version, row.topic, bytes(row.state))
            )
            for row in rows
        ]

    def _with_timeline(self, row: dict[str, Any], key: SubjectKey | None) -> dict[str, Any]:
        summary = self._summary(row, key, dutch_date(self.uow.now()))
        request_id = UUID(hex=row["request_id"])
        summary["timeline"] = [
            _timeline_entry(event, self._opened_text(key, event))
            for event in self._events(request_id)
        ]
        return summary

    def _opened_text(self, key: SubjectKey | None, event: Any) -> dict[str, str]:
        """A step's free text, opened; left out once the person is erased."""
        sealed = sealed_text(event)
        if sealed is None or key is None:
            return {}
        name, value = sealed
        try:
            text = open_request_text(
                self.vault, key, event.originator_id, event.originator_version, value
            )
        except VaultError:
            return {}
        return {name: text}

    def _summary(self, row: dict[str, Any], key: SubjectKey | None, today: date) -> dict[str, Any]:
        request_id = UUID(hex=row["request_id"])
        reference = extension_reason = None
        if key is not None:
            reference = open_reference(self.vault, key, request_id, row["sealed_reference"])[
                "reference"
            ]
            if row["sealed_extension_reason"] is not None:
                extension_reason = open_request_text(
                    self.vault,
                    key,
                    request_id,
                    row["extension_version"],
                    row["sealed_extension_reason"],
                )
        due = row["due_extended"] or row["due"]
        days_left = (due - today).days
        return {
            "id": str(request_id),
            "subject_tag": row["subject_tag"],
            "received_on": row["received_on"],
            "channel": row["channel"],
            "reference": reference,
            "state": row["state"],
            "due": row["due"],
            "due_extended": row["due_extended"],
            "extension_reason": extension_reason,
            "told_on": row["told_on"],
            "identity_verified_at": row["identity_verified_at"],
            "opened_at": row["opened_at"],
            "closed_at": row["closed_at"],
            "days_left": days_left if row["state"] == "open" else None,
            "overdue": row["state"] == "open" and days_left < 0,
        }


Clock = Callable[[], datetime]

# `how` and `reason` are read in clear only from steps stored before free text was sealed.
_DETAILS = ("how", "reason", "due_extended", "told_on", "overview_sha256", "tree_size", "withheld")


def _timeline_entry(event: Any, opened: dict[str, str]) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "type": type(event).__name__,
        "at": event.timestamp,
        "actor": event.actor,
    }
    for name in _DETAILS:
        if hasattr(event, name):
            entry[name] = getattr(event, name)
    return {**entry, **opened}
