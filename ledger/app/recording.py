"""Recording: a disclosure, a batch, a stream from a file, a correction and a retraction.

Each is judged by the domain's rules first and then written through the unit of work; an
identifying field never leaves this module unsealed.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from itertools import islice
from operator import attrgetter
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError, StoredEvent
from sqlalchemy import Connection

from ledger.adapters.collector import collector_paused
from ledger.adapters.database import UNAVAILABLE
from ledger.adapters.driver_reads import indexed_rows, select_by_ids
from ledger.adapters.fast_json import canonical
from ledger.adapters.keyring import KeyRing
from ledger.adapters.vault import SubjectKey, SubjectVault
from ledger.app.consent_lookup import recorded_consents
from ledger.app.grouping import Combiner
from ledger.app.register import Register
from ledger.app.replica import note_written
from ledger.app.restriction_lookup import recorded_restrictions
from ledger.app.sealing import sealed_commitment
from ledger.app.uow import UnitOfWork
from ledger.domain.by_activity import activity_key, fill_from_activity, not_found, reopened
from ledger.domain.consent import consent_problem
from ledger.domain.corrections import judge_correction, judge_retraction
from ledger.domain.disclosure import (
    Disclosure,
    clear_payload,
    facts_from_payload,
    opening,
    opening_document,
    secret_payload,
)
from ledger.domain.errors import (
    BatchRefused,
    DisclosureNotFound,
    DisclosureRefused,
    InvalidChange,
    SourceConflict,
)
from ledger.domain.policy import BatchChecker, check_disclosure
from ledger.domain.restriction import restriction_problem
from ledger.domain.subjects import names_the_person
from ledger.domain.values import DisclosureFacts
from ledger.domain.vocabulary import Vocabulary

MAX_BATCH = 10_000
# Most single postings written in one transaction (`Recording.record`, `ledger.app.grouping`).
GROUP_LIMIT = 100
# The facts `consent_problem` judges a disclosure by (its subject id cannot be corrected).
CONSENT_FACTS = ("consent_reference", "occurred_at", "legal_basis", "special_category_condition")
# The facts `restriction_problem` judges a disclosure by.
RESTRICTION_FACTS = ("occurred_at", "restriction_ground")

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Receipt:
    """What a posting system gets back: the disclosure's id and where it stands in the log;
    for a posting by activity, the activity's version it followed."""

    id: UUID
    recorded_at: datetime
    position: int
    replayed: bool = False
    activity_version: int | None = None


@dataclass(frozen=True, slots=True)
class StreamTally:
    """What a stream did: disclosures newly recorded, and those found recorded before."""

    recorded: int = 0
    replayed: int = 0


class _Names:
    """How a refusal names the other item it repeats: a batch's items by index, a stream's by
    the caller's own numbers, including what an earlier batch of the same stream recorded."""

    def __init__(self, unit: str = "item", *, within: str = " of this batch") -> None:
        self.unit = unit
        self.within = within
        self.first_position = 0
        # One number per disclosure this stream recorded, in log order: 8 bytes each, where a
        # map from id would hold a hundred.
        self.recorded = array("q")

    def of(self, number: int) -> str:
        return f"{self.unit} {number}{self.within}"

    def note(self, numbers: Sequence[int], receipts: Sequence[Receipt]) -> None:
        """Remember a written batch: its new disclosures take consecutive positions, because the
        stream holds the writer lock from its first batch to its last."""
        for number, receipt in zip(numbers, receipts, strict=True):
            if not receipt.replayed:
                if not self.recorded:
                    self.first_position = receipt.position
                self.recorded.append(number)

    def recorded_at(self, position: int) -> int | None:
        index = position - self.first_position
        return self.recorded[index] if self.recorded and 0 <= index < len(self.recorded) else None


class Recording:
    def __init__(
        self,
        *,
        uow: UnitOfWork,
        keys: KeyRing,
        vault: SubjectVault,
        vocabulary: Vocabulary,
        register: Register,
    ) -> None:
        self.uow = uow
        self.keys = keys
        self.vault = vault
        self.vocabulary = vocabulary
        self.register = register
        self._singles: Combiner[tuple[DisclosureFacts, str], Receipt] = Combiner(
            self._record_group, limit=GROUP_LIMIT
        )

    def record(self, facts: DisclosureFacts, *, actor: str) -> Receipt:
        """One disclosure. Postings that arrive together from other threads of this process are
        written with it in one transaction (`_record_group`), each with its own outcome."""
        receipt = self._singles((facts, actor))
        if not receipt.replayed:
            # The group may have been written by another thread, whose scope noted it.
            note_written(receipt.position)
        return receipt

    def record_batch(self, items: Sequence[DisclosureFacts], *, actor: str) -> list[Receipt]:
        """All or nothing: either every item is recorded (or found as a replay), or none is."""
        if not items:
            raise InvalidChange({"items": "must hold at least one disclosure"})
        if len(items) > MAX_BATCH:
            raise InvalidChange({"items": f"must hold at most {MAX_BATCH} disclosures"})
        return self._record_all(items, actors=[actor] * len(items))

    def record_stream(
        self,
        items: Iterable[tuple[int, DisclosureFacts]],
        *,
        actor: str,
        batch_size: int = MAX_BATCH,
        progress: Callable[[int], None] | None = None,
        unit: str = "item",
    ) -> StreamTally:
        """Any number of disclosures, written batch by batch in one transaction: all or nothing.

        Each comes with the caller's number for it (a file's line number): a refusal names the
        items by those numbers (`BatchRefused.items`), and a repeat by "<unit> <number>". Only
        one batch is held at a time, so the answer is a count, not a receipt per disclosure.
        """
        now = self.uow.now()
        names = _Names(unit, within="")
        recorded = replayed = 0
        with self.uow.write() as connection:
            for part in _batches(items, batch_size):
                numbers = [number for number, _ in part]
                # The collector walks the batch's live objects again and again otherwise; it
                # runs between batches, so a long stream's cycles are still collected.
                with collector_paused():
                    receipts = self._judge_and_write(
                        connection,
                        [facts for _, facts in part],
                        numbers=numbers,
                        names=names,
                        actors=[actor] * len(part),
                        now=now,
                    )
                names.note(numbers, receipts)
                again = sum(receipt.replayed for receipt in receipts)
                recorded += len(receipts) - again
                replayed += again
                if progress is not None:
                    progress(len(part))
        return StreamTally(recorded=recorded, replayed=replayed)

    def judge(
        self, items: Sequence[DisclosureFacts], *, now: datetime
    ) -> list[DisclosureFacts | Mapping[str, str]]:
        """Each posting completed from its activity and judged by the rules, without writing:
        its facts, or its errors by field path (consents are judged when it is recorded)."""
        filled: list[DisclosureFacts] = list(items)
        errors: dict[int, Mapping[str, str]] = {}
        if any(facts.activity is not None for facts in items):
            with self.uow.read() as connection:
                filled, errors = self._by_activity(connection, items)
        judged: list[DisclosureFacts | Mapping[str, str]] = []
        for index, facts in enumerate(filled):
            if index in errors:
                judged.append(errors[index])
                continue
            try:
                check_disclosure(facts, now=now, vocabulary=self.vocabulary)
            except DisclosureRefused as refused:
                judged.append(refused.errors)
            else:
                judged.append(facts)
        return judged

    def correct(
        self, disclosure_id: UUID, *, changes: Mapping[str, Any], reason: str, actor: str
    ) -> Receipt:
        """Amend a disclosure; the result is judged by the same rules as a new one.

        Under an activity (given now or before), the corrected disclosure follows the version
        in force on its (corrected) date: the fields the activity defines and the correction
        does not name are taken from it again (`ledger.domain.by_activity.reopened`)."""
        now = self.uow.now()
        named = frozenset(changes)
        with self.uow.write() as connection:
            disclosure = self._get(disclosure_id)
            key, secret = self._open(connection, disclosure)
            current = facts_from_payload(disclosure.fields, secret)

            def resolve(corrected: DisclosureFacts) -> DisclosureFacts:
                corrected = reopened(corrected, named)
                filled, errors = self._by_activity(connection, [corrected])
                if errors:
                    raise DisclosureRefused(errors[0])
                return filled[0]

            correction = judge_correction(
                current, changes, reason, now=now, vocabulary=self.vocabulary, resolve=resolve
            )
            _reason_names_no_one(correction.reason, current, correction.facts)
            self._judge_corrected_consent(connection, current, correction.facts, now=now)
            self._judge_corrected_restriction(connection, current, correction.facts, now=now)
            before, after = clear_payload(current), clear_payload(correction.facts)
            # A field only some payloads carry (`activity`) that the correction removes is a
            # change to None: the integrity log replays a correction as the fields it changes.
            after = {**dict.fromkeys(before), **after}
            clear_changes = {
                name: value for name, value in after.items() if before.get(name) != value
            }
            new_secret = secret_payload(correction.facts)
            sealed = (
                self.vault.seal(key, disclosure_id, new_secret) if new_secret != secret else None
            )
            # The state the integrity log replays: the fields as stored, with these changes.
            state = {**disclosure.fields, **clear_changes}
            commitment, salt = self._commit_next(
                key, disclosure, "DisclosureCorrected", state, new_secret, reason=correction.reason
            )
            disclosure.correct(
                changes=clear_changes,
                sealed=sealed,
                reason=correction.reason,
                actor=actor,
                commitment=commitment,
                salt=salt,
            )
            return self._save_one(connection, disclosure)

    def retract(self, disclosure_id: UUID, *, reason: str, actor: str) -> Receipt:
        """Mark a disclosure as recorded in error; it stays in the log, shown as retracted."""
        with self.uow.write() as connection:
            disclosure = self._get(disclosure_id)
            reason = judge_retraction(
                disclosure_id=disclosure_id, is_retracted=disclosure.is_retracted, reason=reason
            )
            key, secret = self._open(connection, disclosure)
            current = facts_from_payload(disclosure.fields, secret)
            _reason_names_no_one(reason, current)
            commitment, salt = self._commit_next(
                key,
                disclosure,
                "DisclosureRetracted",
                disclosure.fields,
                secret,
                reason=reason,
                retraction=reason,
            )
            disclosure.retract(reason=reason, actor=actor, commitment=commitment, salt=salt)
            return self._save_one(connection, disclosure)

    def _judge_corrected_consent(
        self,
        connection: Connection,
        current: DisclosureFacts,
        corrected: DisclosureFacts,
        *,
        now: datetime,
    ) -> None:
        """Refuse a correction that leaves the disclosure on a consent that does not cover it,
        judged as a new disclosure's is; DisclosureRefused keyed `consent_reference`, as the
        corrected facts' other rule errors are."""
        # Only a correction of what the consent rule looks at is judged again: one of a
        # disclosure's purpose must not be refused because strict consent was switched on after
        # it was recorded.
        if all(getattr(current, name) == getattr(corrected, name) for name in CONSENT_FACTS):
            return
        [recorded] = recorded_consents(connection, self.vault, [corrected], now=now)
        problem = consent_problem(corrected, recorded, strict=self.uow.settings.strict_consent)
        if problem is not None:
            raise DisclosureRefused({"consent_reference": problem})

    def _judge_corrected_restriction(
        self,
        connection: Connection,
        current: DisclosureFacts,
        corrected: DisclosureFacts,
        *,
        now: datetime,
    ) -> None:
        """Refuse a correction of occurred_at or restriction_ground that leaves the disclosure
        under a restriction of processing without a ground, as a new disclosure would be."""
        if all(getattr(current, name) == getattr(corrected, name) for name in RESTRICTION_FACTS):
            return
        [recorded] = recorded_restrictions(connection, self.vault, [corrected], now=now)
        problem = restriction_problem(corrected, recorded, self.vocabulary.restriction_grounds)
        if problem is not None:
            raise DisclosureRefused({"restriction_ground": problem})

    # -- writing ---------------------------------------------------------------------------

    def _record_group(
        self, postings: list[tuple[DisclosureFacts, str]], since: float
    ) -> list[Receipt | Exception]:
        """Single postings written together, each with the outcome it would have had alone
        after the ones before it: those the rules refuse, or that conflict with a recording,
        get their own refusal and the rest are written without them. When the database cannot
        take the write (the writer busy past the lock timeout, counted from `since`, when the
        first of them began to wait; a timeout; no connection) each gets that answer; when
        anything else goes wrong, each is written on its own."""
        outcomes: dict[int, Receipt | Exception] = {}
        pending = list(range(len(postings)))
        while pending:
            try:
                with self.uow.database.queued(since):
                    receipts = self._record_all(
                        [postings[index][0] for index in pending],
                        actors=[postings[index][1] for index in pending],
                    )
            except BatchRefused as refused:
                if not refused.items:
                    raise  # refuses none of them (never made so): each caller gets it
                for number in refused.items:
                    outcomes[pending[number]] = self._refusal(
                        postings[pending[number]][0], refused, number
                    )
                pending = [index for n, index in enumerate(pending) if n not in refused.items]
                continue
            except UNAVAILABLE as error:
                # The database's failure, not a posting's: alone, each would have waited as
                # long for the same answer.
                outcomes.update(dict.fromkeys(pending, error))
            except Exception as error:  # each posting is tried alone instead
                if len(pending) == 1:
                    outcomes[pending[0]] = error
                else:
                    for index in pending:
                        outcomes[index] = self._record_group([postings[index]], since)[0]
            else:
                outcomes.update(zip(pending, receipts, strict=True))
            break
        return [outcomes[index] for index in range(len(postings))]

    def _refusal(
        self, facts: DisclosureFacts, refused: BatchRefused, number: int
    ) -> SourceConflict | DisclosureRefused:
        """What refusing item `number` of a batch means for that posting alone."""
        if refused.conflict_ids:
            disclosure_id = self.keys.disclosure_id(facts.source.system, facts.source.reference)
            if disclosure_id in refused.conflict_ids:
                return SourceConflict(disclosure_id)
        return DisclosureRefused(refused.items[number])

    def _record_all(
        self, items: Sequence[DisclosureFacts], *, actors: Sequence[str]
    ) -> list[Receipt]:
        now = self.uow.now()
        # A concurrent writer of the same source reference can only win between two of our
        # transactions; the retry then finds its disclosure and judges replay or conflict.
        # On PostgreSQL another can also win within ours: new disclosures are judged before
        # the sequencer is taken (`UnitOfWork.record()`), and a unique index refuses the second.
        # A batch's events, rows and receipts live until it is written, and the cyclic
        # collector's passes over them were a sixth of a 10,000-disclosure batch: it is paused.
        with collector_paused():
            for _attempt in range(3):
                try:
                    with self.uow.record() as connection:
                        return self._judge_and_write(
                            connection, items, numbers=range(len(items)), actors=actors, now=now
                        )
                except IntegrityError:
                    continue
            # The last try holds the sequencer from the start: nobody can win within it.
            with self.uow.write() as connection:
                return self._judge_and_write(
                    connection, items, numbers=range(len(items)), actors=actors, now=now
                )

    def _by_activity(
        self, connection: Connection, items: Sequence[DisclosureFacts]
    ) -> tuple[list[DisclosureFacts], dict[int, Mapping[str, str]]]:
        """The postings completed from their activities (one look-up for all of them), and the
        errors of those that name a missing activity or contradict theirs, by index."""
        keys = [activity_key(facts) for facts in items]
        wanted = {key for key in keys if key is not None}
        if not wanted:
            return list(items), {}
        found = self.register.in_force(connection, wanted)
        known: set[str] | None = None
        filled: list[DisclosureFacts] = []
        errors: dict[int, Mapping[str, str]] = {}
        for index, (facts, key) in enumerate(zip(items, keys, strict=True)):
            if key is None:
                filled.append(facts)
                continue
            version = found.get(key)
            try:
                if version is None:
                    if known is None:
                        known = {activity.code for activity in self.register.list()}
                    raise not_found(key[0], key[1], known=key[0] in known)
                filled.append(fill_from_activity(facts, version, vocabulary=self.vocabulary))
            except DisclosureRefused as refused:
                errors[index] = refused.errors
                filled.append(facts)
        return filled, errors

    def _judge_and_write(
        self,
        connection: Connection,
        items: Sequence[DisclosureFacts],
        *,
        numbers: Sequence[int],
        names: _Names | None = None,
        actors: Sequence[str],
        now: datetime,
    ) -> list[Receipt]:
        items, unfilled = self._by_activity(connection, items)
        errors: dict[int, Mapping[str, str]] = {
            numbers[index]: problems for index, problems in unfilled.items()
        }
        checker = BatchChecker(now=now, vocabulary=self.vocabulary)
        for number, facts in zip(numbers, items, strict=True):
            if number in errors:
                continue
            try:
                checker.check(facts)
            except DisclosureRefused as refused:
                errors[number] = refused.errors
        # Consents are judged only for items that pass every other rule (their subject id is
        # then one a person can have), against the consents recorded before this batch.
        sound = [index for index, number in enumerate(numbers) if number not in errors]
        states = recorded_consents(
            connection, self.vault, [items[index] for index in sound], now=now
        )
        for index, recorded in zip(sound, states, strict=True):
            problem = consent_problem(
                items[index], recorded, strict=self.uow.settings.strict_consent
            )
            if problem is not None:
                errors[numbers[index]] = {"consent_reference": problem}
        # Restrictions of processing (Art. 18), likewise against those recorded before.
        restricted = recorded_restrictions(
            connection, self.vault, [items[index] for index in sound], now=now
        )
        grounds = self.vocabulary.restriction_grounds
        for index, holding in zip(sound, restricted, strict=True):
            problem = restriction_problem(items[index], holding, grounds)
            if problem is not None:
                number = numbers[index]
                errors[number] = {**errors.get(number, {}), "restriction_ground": problem}
        if errors:
            raise BatchRefused(errors)
        ids = [self.keys.disclosure_id(f.source.system, f.source.reference) for f in items]
        return self._write(
            connection,
            items,
            ids,
            numbers=numbers,
            names=names or _Names(),
            actors=actors,
            now=now,
        )

    def _write(
        self,
        connection: Connection,
        items: Sequence[DisclosureFacts],
        ids: list[UUID],
        *,
        numbers: Sequence[int],
        names: _Names,
        actors: Sequence[str],
        now: datetime,
    ) -> list[Receipt]:
        existing = self._recorded_before(connection, set(ids))
        subject_keys = self.vault.keys_for(
            connection, {facts.subject.id for facts in items}, now=now
        )
        receipts: list[Receipt | None] = [None] * len(items)
        first_in_batch: dict[UUID, tuple[int, str]] = {}
        conflicts: dict[int, Mapping[str, str]] = {}
        conflict_ids: list[UUID] = []
        events: list[Disclosure.DisclosureRecorded] = []
        for index, (facts, disclosure_id) in enumerate(zip(items, ids, strict=True)):
            key = subject_keys[facts.subject.id]
            clear, secret = clear_payload(facts), secret_payload(facts)
            # `opening()`'s very bytes, by orjson: the standard library's encoder took 7-10 %
            # of a batch here.
            plaintext = canonical(
                opening_document(
                    disclosure_id=disclosure_id,
                    version=1,
                    event_type="DisclosureRecorded",
                    clear=clear,
                    secret=secret,
                )
            )
            digest = self.vault.digest(key, plaintext)
            earlier = existing.get(disclosure_id)
            if earlier is not None:
                if earlier[0] != digest:
                    same_stream = names.recorded_at(earlier[2])
                    conflicts[numbers[index]] = {
                        "source.reference": str(SourceConflict(disclosure_id))
                        if same_stream is None
                        else f"repeats {names.of(same_stream)} with other content"
                    }
                    conflict_ids.append(disclosure_id)
                receipts[index] = Receipt(disclosure_id, earlier[1], earlier[2], True)
                continue
            if disclosure_id in first_in_batch:
                if first_in_batch[disclosure_id][1] != digest:
                    first = numbers[first_in_batch[disclosure_id][0]]
                    conflicts[numbers[index]] = {
                        "source.reference": f"repeats {names.of(first)} with other content"
                    }
                    conflict_ids.append(disclosure_id)
                continue
            first_in_batch[disclosure_id] = (index, digest)
            commitment, salt = self._commit(key, disclosure_id, 1, plaintext)
            events.append(
                Disclosure.recorded(
                    disclosure_id=disclosure_id,
                    fields=clear,
                    sealed=self.vault.seal(key, disclosure_id, secret),
                    subject_tag=key.tag,
                    digest=digest,
                    actor=actors[index],
                    commitment=commitment,
                    salt=salt,
                )
            )
        if conflicts:
            raise BatchRefused(conflicts, conflict_ids=conflict_ids)
        recordings = self.uow.save_events(connection, events)
        new = {
            r.domain_event.originator_id: Receipt(
                r.domain_event.originator_id, _timestamp(r.domain_event), r.notification.id
            )
            for r in recordings
        }
        result = []
        for index, receipt in enumerate(receipts):
            if receipt is None:
                first_index = first_in_batch[ids[index]][0]
                made = new[ids[index]]
                receipt = (
                    made
                    if first_index == index
                    else Receipt(made.id, made.recorded_at, made.position, True)
                )
            if items[index].activity_version is not None:
                receipt = replace(receipt, activity_version=items[index].activity_version)
            result.append(receipt)
        return result

    def _recorded_before(
        self, connection: Connection, ids: set[UUID]
    ) -> dict[UUID, tuple[str, datetime, int]]:
        """digest, recorded_at and position of each id that already has its first event."""
        store = self.uow.store
        table = store.table
        found: dict[UUID, tuple[str, datetime, int]] = {}
        if not ids:
            return found
        # All ids as one bound array (PostgreSQL) or JSON text (SQLite): one statement per
        # batch, without a bound parameter, and its conversion, per id.
        # Sorted by the number `UUID.__lt__` compares, read in C: not 120,000 Python calls.
        ordered = sorted(ids, key=attrgetter("int"))
        query, params = select_by_ids(
            connection,
            table.name,
            "e.id, e.originator_id, e.topic, e.state",
            ordered,
            where="e.originator_version = 1",
        )
        # Thousands of ids are planned as a scan of every event while the table has no
        # statistics yet (a bulk load outruns autovacuum); the index answers them in a few pages.
        rows = indexed_rows(connection, query, params)
        for position, originator, topic, state in rows:
            originator_id = originator if isinstance(originator, UUID) else UUID(bytes=originator)
            recorded = store.mapper.to_domain_event(
                StoredEvent(originator_id, 1, topic, bytes(state))
            )
            assert isinstance(recorded, Disclosure.DisclosureRecorded)
            found[originator_id] = (recorded.digest, recorded.timestamp, position)
        return found

    def _commit_next(
        self,
        key: SubjectKey,
        disclosure: Disclosure,
        event_type: str,
        clear: Mapping[str, Any],
        secret: Mapping[str, Any],
        *,
        reason: str,
        retraction: str | None = None,
    ) -> tuple[str, str]:
        """The commitment of the disclosure's next event, to the state that event leaves."""
        version = disclosure.version + 1
        plaintext = opening(
            disclosure_id=disclosure.id,
            version=version,
            event_type=event_type,
            clear=clear,
            secret=secret,
            retraction=retraction,
            reason=reason,
        )
        return self._commit(key, disclosure.id, version, plaintext)

    def _commit(
        self, key: SubjectKey, disclosure_id: UUID, version: int, plaintext: bytes
    ) -> tuple[str, str]:
        """A salted commitment to `plaintext`, and the salt sealed with the subject's key."""
        return sealed_commitment(self.vault, key, disclosure_id, version, plaintext)

    def _save_one(self, connection: Connection, disclosure: Disclosure) -> Receipt:
        recordings = self.uow.save(connection, [disclosure])
        last = recordings[-1]
        return Receipt(disclosure.id, _timestamp(last.domain_event), last.notification.id)

    def _get(self, disclosure_id: UUID) -> Disclosure:
        try:
            disclosure: Disclosure = self.uow.store.repository.get(disclosure_id)
        except AggregateNotFoundError:
            raise DisclosureNotFound(disclosure_id) from None
        assert isinstance(disclosure, Disclosure)
        return disclosure

    def _open(
        self, connection: Connection, disclosure: Disclosure
    ) -> tuple[SubjectKey, dict[str, Any]]:
        key = self.vault.keys_by_tag(connection, [disclosure.subject_tag]).get(
            disclosure.subject_tag
        )
        if key is None:
            raise InvalidChange({"subject": "was erased: this disclosure can no longer be read"})
        return key, self.vault.open(key, disclosure.id, disclosure.sealed)


def _batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while part := list(islice(iterator, size)):
        yield part


def _timestamp(event: Any) -> datetime:
    stamp: datetime = event.timestamp
    return stamp


def _reason_names_no_one(reason: str, *facts: DisclosureFacts) -> None:
    """A correction's or retraction's reason is kept in clear, and so outlives the person's
    erasure: it must not hold their id, name or e-mail address (as recorded, or corrected)."""
    for fact in facts:
        identifying = {
            "id": fact.subject.id,
            "name": fact.subject.name,
            "e-mail": fact.subject.email,
        }
        if (what := names_the_person(reason, identifying)) is not None:
            raise InvalidChange(
                {
                    "reason": f"must not name the person (it holds their {what}): it is kept in"
                    " clear, and their erasure could not reach it"
                }
            )
