"""The verifiable log as a service: checkpoints, proofs, `ledger verify`, and a person's bundle."""

from __future__ import annotations

import binascii
import os
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from itertools import chain
from operator import itemgetter
from pathlib import Path
from typing import Any, NamedTuple
from uuid import UUID

from sqlalchemy import Connection

from ledger.adapters.collector import collector_paused
from ledger.adapters.driver_reads import by_index, driver_rows, select_by_ids
from ledger.adapters.event_store import event_rows
from ledger.adapters.fast_json import canonical
from ledger.adapters.vault import SubjectKey, SubjectVault
from ledger.app.openings import recorded_opening
from ledger.app.replica import log_head
from ledger.app.sealing import (
    open_consent_reason,
    open_request_text,
    open_restriction_reason,
    salt_context,
    suppression_reason_context,
)
from ledger.app.uow import UnitOfWork
from ledger.domain.access_request import EVENTS as REQUEST_EVENTS
from ledger.domain.access_request import AccessRequest, request_opening, sealed_text
from ledger.domain.consent import EVENTS as CONSENT_EVENTS
from ledger.domain.consent import Consent, consent_opening
from ledger.domain.disclosure import Disclosure, opening_document
from ledger.domain.employment import EVENTS as EMPLOYMENT_EVENTS
from ledger.domain.employment import employment_end_opening
from ledger.domain.erasure import EVENTS as ERASURE_EVENTS
from ledger.domain.erasure import Erasure, erasure_opening
from ledger.domain.recipient_notice import EVENTS as NOTICE_EVENTS
from ledger.domain.recipient_notice import RecipientNotice, notice_opening
from ledger.domain.restriction import EVENTS as RESTRICTION_EVENTS
from ledger.domain.restriction import Restriction, restriction_opening
from ledger.domain.suppression_orders import after_extension, after_lifting
from ledger.integrity.bundle import FORMAT as BUNDLE_FORMAT
from ledger.integrity.checkpoints import NoteVerifier
from ledger.integrity.log import LogError, StoredCheckpoint, TransparencyLog, proof_material
from ledger.integrity.merkle import leaf_hash
from ledger.integrity.verified import FileState, TableState, VerifiedState
from ledger.integrity.verify import CHUNK_LEVEL, Parallelism, Report, verify_log, verify_since


class Integrity:
    def __init__(self, *, uow: UnitOfWork, vault: SubjectVault) -> None:
        self.uow = uow
        self.vault = vault

    @property
    def log(self) -> TransparencyLog:
        return self.uow.tlog

    def verifier_key(self) -> str:
        return self.log.signer.verifier_key()

    def head_position(self) -> int:
        """The log's highest position on the primary: what a write that appended nothing
        (a replay, rows beside the log) tells its client to wait for."""
        with self.uow.read(primary=True) as connection:
            return log_head(connection)

    def latest_checkpoint(self) -> StoredCheckpoint | None:
        with self.uow.read() as connection:
            return self.log.latest_checkpoint(connection)

    def publish_checkpoint(self) -> StoredCheckpoint:
        with self.uow.write() as connection:
            return self.log.publish(connection, now=self.uow.now())

    def publish_checkpoint_if_due(self) -> StoredCheckpoint | None:
        """A checkpoint when the settings' count or age says so; writes check this too, a
        server also on a timer, so the last events before a quiet spell get signed."""
        with self.uow.write() as connection:
            checkpoint: StoredCheckpoint | None = self.uow.publish_checkpoint_if_due(connection)
            return checkpoint

    def inclusion_proof(self, index: int, tree_size: int) -> list[bytes]:
        with self.uow.read() as connection:
            return self.log.inclusion_proof(connection, index, tree_size)

    def consistency_proof(self, first: int, second: int) -> list[bytes]:
        with self.uow.read() as connection:
            return self.log.consistency_proof(connection, first, second)

    def leaves(self, start: int, end: int) -> list[tuple[int, bytes]]:
        with self.uow.read() as connection:
            return self.log.leaves_between(connection, start, end)

    def verify(
        self,
        *,
        verifier_key: str | None = None,
        progress: Callable[[int], None] | None = None,
        workers: int | None = None,
        since_checkpoint: bool = False,
        state_file: Path | None = None,
        chunk_level: int = CHUNK_LEVEL,
    ) -> Report:
        """Recompute the log from the stored events (all of it, or with `since_checkpoint` what
        came after the last verified checkpoint); see `ledger.integrity.verify`. A passing run
        remembers its newest checkpoint, in the database or in `state_file`."""
        verifier = NoteVerifier.parse(verifier_key or self.verifier_key())
        state: VerifiedState = TableState() if state_file is None else FileState(state_file)
        database = self.uow.database
        with self.uow.reads.connect() as connection:
            if not database.is_sqlite:
                # One snapshot for the whole pass, shared with the workers: writers may go on.
                connection = connection.execution_options(isolation_level="REPEATABLE READ")
            with connection.begin():
                start = state.checkpoint(connection) if since_checkpoint else None
                parallel = Parallelism(
                    workers=workers if workers is not None else os.cpu_count() or 1,
                    url=connection.engine.url.render_as_string(hide_password=False),
                    chunk_level=chunk_level,
                )
                if start is None:
                    report = verify_log(
                        connection,
                        events=self.uow.store.table,
                        log=self.log,
                        verifier=verifier,
                        progress=progress,
                        parallel=parallel,
                    )
                else:
                    report = verify_since(
                        connection,
                        events=self.uow.store.table,
                        log=self.log,
                        verifier=verifier,
                        verified=start,
                        verified_heads=lambda tags: state.heads(connection, tags),
                        progress=progress,
                        parallel=parallel,
                    )
        if report.ok and report.verified is not None:
            with self.uow.write_rows() as connection:
                state.save(
                    connection,
                    report.verified,
                    report.verified_heads,
                    replace=report.since is None,
                )
        return report

    def subject_bundle(
        self, key: SubjectKey, gather: Callable[[Connection], BundleScope]
    ) -> dict[str, Any] | None:
        """The person's proof (see `bundle`), in a read (on the replica when the scope allows)
        under the newest stored checkpoint when that already covers their last event shown:
        nothing is signed, and nothing waits for a writer. Only when it does not is a checkpoint
        signed first, in a write that does nothing else; `gather` names, on the connection,
        the disclosures, the withheld ones and the other aggregates of the person."""
        for primary in (False, True):
            if primary:
                self.publish_checkpoint()
            with self._snapshot(primary=primary) as connection:
                found = self._bundle_at(
                    connection, key, self.log.latest_checkpoint(connection), gather(connection)
                )
            if not isinstance(found, _Unsigned):
                return found
        # The person's events arrive faster than checkpoints: sign and read in one write.
        with self.uow.write() as connection:
            return self.bundle(connection, key, gather(connection))

    @contextmanager
    def _snapshot(self, *, primary: bool) -> Iterator[Connection]:
        """A read whose statements all see one snapshot (PostgreSQL's default gives each its
        own): the person's aggregates, head and events must be of one moment, as they were
        inside the write this replaces, or an event committed between two of them would leave
        the head ahead of the events shown. SQLite's read transaction is one snapshot."""
        with self.uow.reads.connect(primary=primary) as connection:
            if not self.uow.database.is_sqlite:
                connection = connection.execution_options(isolation_level="REPEATABLE READ")
            with connection.begin():
                yield connection

    def bundle(
        self, connection: Connection, key: SubjectKey, scope: BundleScope
    ) -> dict[str, Any] | None:
        """The person's proof, inside a write transaction: a fresh checkpoint and, per event,
        its leaf, opening, salt and inclusion proof; a fixed number of statements for any
        number of events.

        The events of the scope's `withheld` disclosures (hex ids) must stay invisible: the
        bundle then ends before the first of them, with the head there, so that what it shows
        is still a gapless, verifiable start of the person's sequence, and none of theirs is
        opened.
        """
        if self.log.subject_head(connection, key.tag) is None:
            return None
        checkpoint = self.log.publish(connection, now=self.uow.now())
        found = self._bundle_at(connection, key, checkpoint, scope)
        # The checkpoint is the log as this transaction sees it: it covers every event.
        assert not isinstance(found, _Unsigned)
        return found

    def _bundle_at(
        self,
        connection: Connection,
        key: SubjectKey,
        checkpoint: StoredCheckpoint | None,
        scope: BundleScope,
    ) -> dict[str, Any] | _Unsigned | None:
        """The bundle under `checkpoint`; `_UNSIGNED` when it does not cover the events the
        bundle shows (or there is none)."""
        head = self.log.subject_head(connection, key.tag)
        if head is None:
            return None
        # A heavy person's thousands of events and items live until the bundle is made: the
        # collector would walk them over and over (`collector_paused`).
        with collector_paused():
            return self._bundle_of(connection, key, checkpoint, scope, head)

    def _bundle_of(
        self,
        connection: Connection,
        key: SubjectKey,
        checkpoint: StoredCheckpoint | None,
        scope: BundleScope,
        head: tuple[int, bytes],
    ) -> dict[str, Any] | _Unsigned | None:
        # Every aggregate of the person (`queries.PERSON_AGGREGATES`: access requests, consents,
        # notices, restrictions, ...) has events in their chain: without theirs it shows gaps.
        rows = self._events_of(connection, scope)
        if len(rows) != head[0]:
            # The read model's positions did not find the person's whole chain: by id, as a
            # check that cannot hand out a bundle with a gap the read model made.
            rows = self._events_of(connection, scope._replace(only_event={}))
        withheld = scope.withheld
        cut = None
        for row in rows:
            if row[1].hex in withheld and (cut is None or row[0] < cut):
                cut = row[0]
        shown = sorted((row for row in rows if cut is None or row[0] < cut), key=lambda r: r[0])
        if not shown and cut is not None:
            return None  # the person's first event is withheld
        if checkpoint is None or (shown and shown[-1][0] > checkpoint.tree_size):
            return _UNSIGNED
        indexes = [row[0] - 1 for row in shown]
        leaves: dict[int, bytes] = {}
        proofs: dict[int, list[bytes]] = {}
        if indexes:
            leaves, proofs, root = proof_material(connection, indexes, checkpoint.tree_size)
            # Free here (the walk hashes every subtree the root needs): a proof that would
            # not verify is never handed out.
            if root != checkpoint.root_hash:
                raise LogError(
                    f"the stored tree does not make the checkpoint at size {checkpoint.tree_size}"
                )
        items = self._items(key, shown, leaves, proofs)
        if cut is not None:
            head = (len(items), leaf_hash(leaves[items[-1]["index"]]))
        return {
            "format": BUNDLE_FORMAT,
            "checkpoint": checkpoint.as_json(),
            "verifier_key": self.verifier_key(),
            "subject_head": {"sequence": head[0], "leaf_hash": _b64(head[1])},
            "events": items,
        }

    def _items(
        self,
        key: SubjectKey,
        shown: list[Any],
        leaves: dict[int, bytes],
        proofs: dict[int, list[bytes]],
    ) -> list[dict[str, Any]]:
        """Each shown event's leaf, opening, salt and inclusion proof, in the log's order."""
        decode = self.uow.store.decoder
        state: dict[UUID, tuple[dict[str, Any], dict[str, Any]]] = {}
        # The upper proof nodes are shared by every event: each is encoded once.
        encoded = {node: _b64(node) for node in set(chain.from_iterable(proofs.values()))}
        items = []
        # Openings are replayed per aggregate, oldest version first; a disclosure with one
        # event, most of them, needs no replay (`openings.recorded_opening`).
        ordered = sorted(shown, key=lambda r: (r[1].int, r[2]))
        for at, row in enumerate(ordered):
            position, originator, version, topic, stored = row
            quick = None
            if at + 1 == len(ordered) or ordered[at + 1][1] != originator:
                quick = recorded_opening(self.vault, decode, key, row)
            if quick is None:
                event: Any = decode(originator, version, topic, stored)
                plaintext = self._replay_opening(key, event, state)
                salt = self.vault.open_bytes(key, salt_context(originator, version), event.salt)
            else:
                plaintext, salt = quick
            index = position - 1
            items.append(
                {
                    "index": index,
                    "leaf": _b64(leaves[index]),
                    "plaintext": plaintext.decode(),
                    "salt": _b64(salt),
                    "inclusion_proof": list(map(encoded.__getitem__, proofs[index])),
                }
            )
        items.sort(key=itemgetter("index"))
        return items

    def _events_of(self, connection: Connection, scope: BundleScope) -> list[Any]:
        """Every stored event of the scope's aggregates, in at most two statements: (position,
        originator id, version, topic, stored state), with the id as a UUID.

        A disclosure with one event (most of them) is looked up by that event's position, which
        PostgreSQL prunes to the one range partition that holds it; the others by aggregate id,
        which probes the `(originator_id, originator_version)` index of every partition. A row
        found by position that is not the disclosure's first event is dropped, and the caller
        then finds the person's chain short."""
        table = self.uow.store.table
        columns = "e.id, e.originator_id, e.originator_version, e.topic, e.state"
        only = scope.only_event
        by_id = [
            UUID(hex=value)
            for value in chain(scope.disclosure_ids, scope.aggregate_ids)
            if value not in only
        ]
        rows = []
        with by_index(connection):
            if only:
                query, params = select_by_ids(
                    connection, table.name, columns, list(only.values()), key="id", kind="bigint"
                )
                rows = [
                    row
                    for row in event_rows(driver_rows(connection, query, params))
                    if row[2] == 1 and only.get(row[1].hex) == row[0]
                ]
            if by_id:
                query, params = select_by_ids(connection, table.name, columns, by_id)
                rows += event_rows(driver_rows(connection, query, params))
        return rows

    def _replay_opening(
        self,
        key: SubjectKey,
        event: Any,
        state: dict[UUID, tuple[dict[str, Any], dict[str, Any]]],
    ) -> bytes:
        """The canonical plaintext an event committed to, rebuilt from the disclosure's events
        (a request's event binds only itself)."""
        if isinstance(event, REQUEST_EVENTS):
            return self._request_opening(key, event)
        if isinstance(event, CONSENT_EVENTS):
            return self._consent_opening(key, event)
        if isinstance(event, NOTICE_EVENTS):
            return self._notice_opening(key, event)
        if isinstance(event, RESTRICTION_EVENTS):
            return self._restriction_opening(key, event)
        if isinstance(event, ERASURE_EVENTS):
            return self._erasure_opening(key, event)
        if isinstance(event, EMPLOYMENT_EVENTS):
            return employment_end_opening(
                record_id=event.originator_id,
                version=event.originator_version,
                event_type=type(event).__name__,
                fields=vars(event),
            )
        disclosure_id = event.originator_id
        name = type(event).__name__
        if isinstance(event, Disclosure.DisclosureRecorded):
            clear, secret = dict(event.fields), self.vault.open(key, disclosure_id, event.sealed)
        else:
            clear, secret = state[disclosure_id]
            if isinstance(event, Disclosure.DisclosureCorrected):
                clear = {**clear, **event.changes}
                if event.sealed is not None:
                    secret = self.vault.open(key, disclosure_id, event.sealed)
            elif isinstance(event, Disclosure.SuppressionExtended):
                clear = after_extension(clear, until=event.until, authority=event.authority)
            elif isinstance(event, Disclosure.SuppressionLifted):
                clear = after_lifting(clear, lifted_on=event.lifted_on)
        state[disclosure_id] = (clear, secret)
        retracted = isinstance(event, Disclosure.DisclosureRetracted)
        if isinstance(event, Disclosure.DisclosureRecorded):
            reason = None
        elif isinstance(event, Disclosure.SuppressionExtended | Disclosure.SuppressionLifted):
            reason = self.vault.open_bytes(
                key,
                suppression_reason_context(disclosure_id, event.originator_version),
                event.sealed_reason,
            ).decode()
        else:
            reason = event.reason
        return canonical(
            opening_document(
                disclosure_id=disclosure_id,
                version=event.originator_version,
                event_type=name,
                clear=clear,
                secret=secret,
                retraction=event.reason if retracted else None,
                reason=reason,
            )
        )

    def _consent_opening(self, key: SubjectKey, event: Any) -> bytes:
        secret: dict[str, Any]
        if isinstance(event, Consent.ConsentGiven):
            secret = self.vault.open(key, event.originator_id, event.sealed_reference)
        else:
            reason = event.sealed_reason
            secret = {
                "reason": None
                if reason is None
                else open_consent_reason(self.vault, key, event.originator_id, reason)
            }
        return consent_opening(
            consent_id=event.originator_id,
            version=event.originator_version,
            event_type=type(event).__name__,
            fields=vars(event),
            secret=secret,
        )

    def _restriction_opening(self, key: SubjectKey, event: Any) -> bytes:
        secret: dict[str, Any]
        sealed = event.sealed_reason
        if isinstance(event, Restriction.RestrictionImposed):
            secret = self.vault.open(key, event.originator_id, sealed)
        else:
            secret = {
                "reason": None
                if sealed is None
                else open_restriction_reason(
                    self.vault, key, event.originator_id, event.originator_version, sealed
                )
            }
        return restriction_opening(
            restriction_id=event.originator_id,
            version=event.originator_version,
            event_type=type(event).__name__,
            fields=vars(event),
            secret=secret,
        )

    def _request_opening(self, key: SubjectKey, event: Any) -> bytes:
        secret: dict[str, Any] = {}
        if isinstance(event, AccessRequest.AccessRequestOpened):
            secret = open_reference(self.vault, key, event.originator_id, event.sealed_reference)
        elif (text := sealed_text(event)) is not None:
            name, sealed = text
            secret = {
                name: open_request_text(
                    self.vault, key, event.originator_id, event.originator_version, sealed
                )
            }
        return request_opening(
            request_id=event.originator_id,
            version=event.originator_version,
            event_type=type(event).__name__,
            fields=vars(event),
            secret=secret,
        )

    def _notice_opening(self, key: SubjectKey, event: Any) -> bytes:
        secret: dict[str, Any] = {}
        if isinstance(event, RecipientNotice.RecipientNoticeRecorded):
            secret = self.vault.open(key, event.originator_id, event.sealed_reason)
        elif hasattr(event, "sealed_reason"):
            secret = self.vault.open(key, UUID(hex=event.notification_id), event.sealed_reason)
        return notice_opening(
            notice_id=event.originator_id,
            version=event.originator_version,
            event_type=type(event).__name__,
            fields=vars(event),
            secret=secret,
        )

    def _erasure_opening(self, key: SubjectKey, event: Any) -> bytes:
        secret: dict[str, Any] = {}
        if isinstance(event, Erasure.ErasureRequested):
            secret = self.vault.open(key, event.originator_id, event.sealed_reason)
        elif isinstance(event, Erasure.ErasureCancelled):
            secret = {
                "reason": open_request_text(
                    self.vault,
                    key,
                    event.originator_id,
                    event.originator_version,
                    event.sealed_reason,
                )
            }
        return erasure_opening(
            "erasure",
            event.originator_id,
            version=event.originator_version,
            event_type=type(event).__name__,
            fields=vars(event),
            secret=secret,
        )


class BundleScope(NamedTuple):
    """What a person's bundle covers: their disclosures (hex ids), those withheld from them,
    and their other aggregates; `only_event` gives, of disclosures that have a single event,
    its log position (read with the disclosures), so that it is looked up by position."""

    disclosure_ids: Collection[str]
    withheld: Collection[str]
    aggregate_ids: Collection[str] = ()
    only_event: Mapping[str, int] = {}


class _Unsigned:
    """The checkpoint at hand does not cover the events the bundle would show."""


_UNSIGNED = _Unsigned()


def open_reference(
    vault: SubjectVault, key: SubjectKey, request_id: UUID, sealed: str | None
) -> dict[str, Any]:
    """The sealed part of an opened request: its case reference (None when none was given)."""
    return {"reference": None} if sealed is None else vault.open(key, request_id, sealed)


def _b64(raw: bytes) -> str:
    return binascii.b2a_base64(raw, newline=False).decode()
