"""Reading a person's data: every such read names who reads, through which channel and why, and
writes its own access-log row, so that no view or command can read a person unlogged.

Reads without personal data (statistics, a disclosure's provenance for a permission check) are
here too, and log nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from sqlalchemy import Connection, select

from ledger.adapters import access_log, overview_links
from ledger.adapters.keyring import KeyRing
from ledger.adapters.vault import SubjectKey, SubjectVault, VaultError
from ledger.app.integrity import BundleScope, Integrity, open_reference
from ledger.app.register import Register
from ledger.app.sealing import open_request_text
from ledger.app.uow import UnitOfWork
from ledger.domain.disclosure import Disclosure
from ledger.domain.errors import DisclosureNotFound
from ledger.domain.subjects import normal_subject_id
from ledger.domain.suppression import dutch_date, is_withheld
from ledger.domain.vocabulary import Vocabulary
from ledger.overview import Overview, OverviewConfig, PersonRecord, build
from ledger.overview.model import ActivityText, Audience
from ledger.projections import (
    notice_queries,
    queries,
    register_queries,
    restriction_queries,
)

# How many of a person's newest disclosures are opened to find the name to address them by.
NAME_LOOKBACK = 20


@dataclass(frozen=True, slots=True)
class Contact:
    """How to reach a person, opened from their newest disclosures: their id, name and e-mail
    address (each None when no recent disclosure names it)."""

    subject_id: str | None
    name: str | None
    email: str | None


@dataclass(frozen=True, slots=True)
class Expiring:
    """What ends within a few days: overview links and suppressions, each with the person."""

    links: list[dict[str, Any]]
    suppressions: list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Reader:
    """Who reads a person's data, through which channel, and why: what the access log keeps.

    `channel` is a route pattern or a command (`GET /api/v1/subjects/{subject_id}/recipients`,
    `cli overview`), never a request path: it must not carry a subject id.
    """

    actor: str
    role: str
    channel: str
    purpose: str | None = None


class Reading:
    def __init__(
        self,
        *,
        uow: UnitOfWork,
        keys: KeyRing,
        vault: SubjectVault,
        vocabulary: Vocabulary,
        integrity: Integrity,
        overview_config: OverviewConfig,
        register: Register,
    ) -> None:
        self.uow = uow
        self.keys = keys
        self.vault = vault
        self.vocabulary = vocabulary
        self.integrity = integrity
        self.overview_config = overview_config
        self.register = register

    # -- the one way in -----------------------------------------------------------------------

    def person(
        self, reader: Reader, *, subject_id: str | None = None, tag: str | None = None
    ) -> SubjectKey | None:
        """The person's key, once their read is logged; None when the ledger holds nothing on
        them (then there is nothing to read, and nothing is logged).

        A subject id is taken in its normal form (`ledger.domain.subjects`), so " E-1 " finds
        E-1; one no person can have is InvalidSubjectId, before anything is read or logged.
        """
        if subject_id is not None:
            subject_id = normal_subject_id(subject_id)
        with self.uow.read() as connection:
            key = self._find(connection, subject_id=subject_id, tag=tag)
        if key is not None:
            self._log(reader, [key.tag])
        return key

    def log_reads(self, reader: Reader, tags: Iterable[str]) -> None:
        """Log a read of several people at once (a list that opens each one's sealed fields)."""
        self._log(reader, tags)

    def _log(self, reader: Reader, tags: Iterable[str]) -> None:
        with self.uow.write_rows() as connection:
            access_log.record_accesses(
                connection,
                subject_tags=tags,
                at=self.uow.now(),
                actor=reader.actor,
                role=reader.role,
                endpoint=reader.channel,
                purpose=reader.purpose,
            )

    def _find(
        self, connection: Connection, *, subject_id: str | None, tag: str | None
    ) -> SubjectKey | None:
        if tag is not None:
            return self.vault.keys_by_tag(connection, [tag]).get(tag)
        assert subject_id is not None
        return self.vault.find(connection, subject_id)

    # -- a person's data ------------------------------------------------------------------------

    def disclosures_of(
        self,
        subject_id: str,
        *,
        reader: Reader,
        filters: queries.Filters = queries.NO_FILTERS,
        limit: int = 100,
        cursor: str | None = None,
    ) -> queries.Page:
        """A subject's disclosures, newest first; an unknown subject has none."""
        if cursor is not None:
            queries.decode_cursor(cursor)  # a bad cursor is refused before anything is read
        key = self.person(reader, subject_id=subject_id)
        if key is None:
            return queries.Page(items=[], next=None)
        with self.uow.read() as connection:
            page = queries.disclosures_of_subject(
                connection, key.tag, filters=filters, limit=limit, cursor=cursor
            )
            return queries.Page(items=self._open_rows(connection, page.items), next=page.next)

    def recipients_of(self, subject_id: str, *, reader: Reader) -> list[dict[str, Any]]:
        """The Art. 15(1)(c) answer: each actual recipient with period, count, data and bases."""
        key = self.person(reader, subject_id=subject_id)
        if key is None:
            return []
        with self.uow.read() as connection:
            return queries.recipients_of_subject(connection, key.tag)

    def everything_of(
        self, subject_id: str, *, reader: Reader
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """A person's recipients and every one of their disclosures, newest first: one read."""
        key = self.person(reader, subject_id=subject_id)
        if key is None:
            return [], []
        disclosures: list[dict[str, Any]] = []
        with self.uow.read() as connection:
            recipients = queries.recipients_of_subject(connection, key.tag)
            cursor = None
            while True:
                page = queries.disclosures_of_subject(
                    connection, key.tag, limit=queries.MAX_LIMIT, cursor=cursor
                )
                disclosures += self._open_rows(connection, page.items)
                cursor = page.next
                if cursor is None:
                    return recipients, disclosures

    def access_log(self, subject_id: str, *, reader: Reader) -> list[access_log.Access]:
        """Who read this person's data, newest first (this read included)."""
        key = self.person(reader, subject_id=subject_id)
        if key is None:
            return []
        with self.uow.read(primary=True) as connection:
            return access_log.accesses(connection, key.tag)

    def disclosure(self, disclosure_id: UUID, *, reader: Reader) -> dict[str, Any]:
        """Current values, opened identifying fields, and the history of one disclosure."""
        with self.uow.read() as connection:
            row = queries.disclosure_by_id(connection, disclosure_id.hex)
        if row is None:
            raise DisclosureNotFound(disclosure_id)
        self.person(reader, tag=row["subject_tag"])
        with self.uow.read() as connection:
            opened = self._open_rows(connection, [row])[0]
            opened["history"] = _history_entries(self._history(connection, disclosure_id))
        return opened

    def disclosures_to(
        self,
        category: str,
        *,
        reader: Reader,
        filters: queries.Filters = queries.NO_FILTERS,
        limit: int = 100,
        cursor: str | None = None,
    ) -> queries.Page:
        """Disclosures to one recipient category, newest first: a read of every person on the
        page, each logged with this reader's own reason."""
        with self.uow.read() as connection:
            page = queries.disclosures_to_category(
                connection, category, filters=filters, limit=limit, cursor=cursor
            )
            opened = self._open_rows(connection, page.items)
        self._log(reader, {item["subject_tag"] for item in page.items})
        return queries.Page(items=opened, next=page.next)

    def overview(
        self,
        *,
        reader: Reader,
        subject_id: str | None = None,
        tag: str | None = None,
        lang: str = "nl",
        audience: Audience = "subject",
        with_proof: bool = False,
    ) -> Overview:
        """The person's overview, named by subject id (officer, CLI) or by tag (their link).

        `with_proof` adds their proof bundle (for the JSON copy), withholding what the
        audience may not see yet.
        """
        if subject_id is not None:
            subject_id = normal_subject_id(subject_id)  # shown on the overview as the reference
        key = self.person(reader, subject_id=subject_id, tag=tag)
        now = self.uow.now()
        record = PersonRecord(tag=None, reference=subject_id, name=None)
        if key is not None:
            # The access log is written beside the log (this read among it): the primary's.
            with self.uow.read(primary=True) as connection:
                accesses = access_log.accesses(connection, key.tag)
            with self.uow.read() as connection:
                reference, name = self._identity(connection, key, subject_id)
                rows = queries.overview_rows(connection, key.tag)
                record = PersonRecord(
                    tag=key.tag,
                    reference=reference,
                    name=name,
                    rows=rows,
                    activities=self._activity_texts(connection, rows),
                    recipients=queries.overview_recipients(connection, key.tag),
                    accesses=accesses,
                    extensions=self._extensions(connection, key),
                    notices=notice_queries.notices_with_notifications(connection, key.tag),
                    restrictions=self._restrictions(connection, key, dutch_date(now)),
                    request=self._request(connection, key),
                    ledger_since=queries.first_record_at(connection),
                )
        proof = None
        if with_proof and key is not None:
            proof = self._bundle(key, for_subject=audience == "subject")
        return build(
            record,
            config=self.overview_config,
            vocabulary=self.vocabulary,
            now=now,
            lang=lang,
            audience=audience,
            proof=proof,
        )

    def proof_bundle(
        self,
        *,
        reader: Reader,
        subject_id: str | None = None,
        tag: str | None = None,
        for_subject: bool = True,
    ) -> dict[str, Any] | None:
        """The person's proof: the newest checkpoint that covers their events (one is signed
        when none does) and, per event, leaf, opening and proof.

        For the person (`for_subject`), a disclosure that is withheld stays invisible, and so
        do its events (see `Integrity.bundle`).
        """
        key = self.person(reader, subject_id=subject_id, tag=tag)
        return None if key is None else self._bundle(key, for_subject=for_subject)

    def _bundle(self, key: SubjectKey, *, for_subject: bool) -> dict[str, Any] | None:
        def scope(connection: Connection) -> BundleScope:
            now = self.uow.now()
            found = queries.disclosure_refs(connection, key.tag)
            return BundleScope(
                disclosure_ids=[ref.disclosure_id for ref in found],
                withheld={
                    ref.disclosure_id
                    for ref in found
                    if for_subject and is_withheld(ref.suppressed_until, now=now)
                },
                aggregate_ids=queries.aggregate_ids_of_subject(connection, key.tag),
                only_event={ref.disclosure_id: ref.position for ref in found if ref.version == 1},
            )

        return self.integrity.subject_bundle(key, scope)

    def contact_of(self, key: SubjectKey) -> Contact:
        """The id, name and e-mail address of a person whose read the caller has just logged
        (through `person`)."""
        with self.uow.read() as connection:
            return self._contact(connection, key)

    def contacts(self, reader: Reader, tags: Iterable[str]) -> dict[str, Contact]:
        """The id, name and e-mail address of each of these people, their reads logged at once
        with this reader's reason; a person without a key (erased) is left out."""
        with self.uow.read() as connection:
            keys = self.vault.keys_by_tag(connection, tags)
            found = {tag: self._contact(connection, key) for tag, key in keys.items()}
        if found:
            self._log(reader, found)
        return found

    def expiring(self, *, reader: Reader, within_days: int = 30) -> Expiring:
        """Active overview links and suppressions that end within `within_days` (suppressions
        by their Dutch date), soonest first: a read of every person listed, each logged with
        this reader's reason."""
        now = self.uow.now()
        today = dutch_date(now)
        # Links are rows beside the log, which a position does not cover: the primary's.
        with self.uow.read(primary=True) as connection:
            links = overview_links.expiring(
                connection, now=now, until=now + timedelta(days=within_days)
            )
            suppressed = self._open_rows(
                connection,
                queries.suppressions_ending(
                    connection, since=today, until=today + timedelta(days=within_days)
                ),
            )
            keys = self.vault.keys_by_tag(connection, {link.subject_tag for link in links})
            contacts = {tag: self._contact(connection, key) for tag, key in keys.items()}
        self._log(
            reader,
            {link.subject_tag for link in links} | {row["subject_tag"] for row in suppressed},
        )
        return Expiring(
            links=[
                {"link": link, "contact": contacts.get(link.subject_tag, Contact(None, None, None))}
                for link in links
            ],
            suppressions=suppressed,
        )

    # -- no personal data -----------------------------------------------------------------------

    def provenance(self, disclosure_id: UUID) -> tuple[str, str]:
        """(source system, controller) of a disclosure, to decide who may amend it."""
        with self.uow.read() as connection:
            row = queries.disclosure_by_id(connection, disclosure_id.hex)
        if row is None:
            raise DisclosureNotFound(disclosure_id)
        return row["source_system"], row["controller"]

    def statistics(
        self,
        *,
        controller: str | None = None,
        since_month: str | None = None,
        until_month: str | None = None,
    ) -> list[dict[str, Any]]:
        """Counts by month x controller x recipient category x legal basis."""
        with self.uow.read() as connection:
            return queries.statistics_table(
                connection, controller=controller, since_month=since_month, until_month=until_month
            )

    def _activity_texts(
        self, connection: Connection, rows: Iterable[tuple[Any, ...]]
    ) -> dict[tuple[str, int], ActivityText]:
        """The purposes and URIs of the activity versions a person's rows name (their last two
        columns): a few activities, each read once."""
        named = {(row[-2], row[-1]) for row in rows if row[-2] is not None}
        texts: dict[tuple[str, int], ActivityText] = {}
        for code in sorted({code for code, _ in named}):
            for version in register_queries.versions(connection, code):
                if (code, version.version) in named:
                    texts[(code, version.version)] = ActivityText(
                        uri=self.register.uri(code), purpose=dict(version.purpose)
                    )
        return texts

    # -- opening sealed fields ------------------------------------------------------------------

    def _identity(
        self, connection: Connection, key: SubjectKey, subject_id: str | None
    ) -> tuple[str | None, str | None]:
        """The person's reference and name, opened from their most recent disclosures."""
        contact = self._contact(connection, key, subject_id, need_email=False)
        return contact.subject_id, contact.name

    def _extensions(
        self, connection: Connection, key: SubjectKey
    ) -> list[tuple[date, date, str, date | None]]:
        """The person's extended requests with each reason opened, for their overview."""
        return [
            (
                row.received_on,
                row.due_extended,
                open_request_text(
                    self.vault, key, UUID(hex=row.request_id), row.version, row.sealed_reason
                ),
                row.told_on,
            )
            for row in queries.extensions_of_subject(connection, key.tag)
        ]

    def _request(self, connection: Connection, key: SubjectKey) -> tuple[date, str | None] | None:
        """The person's latest access request, its reference opened: what the overview answers."""
        row = queries.latest_request_of_subject(connection, key.tag)
        if row is None:
            return None
        try:
            opened = open_reference(self.vault, key, UUID(hex=row.request_id), row.sealed_reference)
            reference: str | None = opened["reference"]
        except VaultError:
            reference = None
        return row.received_on, reference

    def _restrictions(
        self, connection: Connection, key: SubjectKey, today: date
    ) -> list[tuple[datetime, date, str | None]]:
        """The person's restrictions that hold or are to come, reasons opened, soonest end
        first."""
        found = []
        for row in restriction_queries.restrictions_of_tags(connection, [key.tag]):
            if row["lifted_at"] is not None or row["until"] < today:
                continue
            try:
                opened = self.vault.open(key, UUID(hex=row["restriction_id"]), row["sealed_reason"])
                reason: str | None = opened["reason"]
            except VaultError:
                reason = None
            found.append((row["since"], row["until"], reason))
        return sorted(found, key=lambda entry: (entry[1], entry[0]))

    def _contact(
        self,
        connection: Connection,
        key: SubjectKey,
        subject_id: str | None = None,
        *,
        need_email: bool = True,
    ) -> Contact:
        """Not every posting names the person or their address, so the newest few are tried
        until one names each."""
        name = email = None
        for disclosure_id, sealed in queries.newest_sealed(
            connection, key.tag, limit=NAME_LOOKBACK
        ):
            try:
                secret = self.vault.open(key, UUID(hex=disclosure_id), sealed)
            except VaultError:
                continue
            subject_id = subject_id or secret.get("subject_id")
            name = name or secret.get("subject_name")
            email = email or secret.get("subject_email")
            if name and (email or not need_email):
                break
        return Contact(subject_id, name, email)

    def _open_rows(
        self, connection: Connection, rows: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        keys = self.vault.keys_by_tag(connection, {row["subject_tag"] for row in rows})
        result = []
        for row in rows:
            row = dict(row)
            sealed = row.pop("sealed")
            key = keys.get(row["subject_tag"])
            secret: dict[str, Any] = {}
            if key is not None:
                try:
                    secret = self.vault.open(key, UUID(row["id"]), sealed)
                except VaultError:
                    secret = {}
            row["subject"] = {
                "id": secret.get("subject_id"),
                "kind": row.pop("subject_kind"),
                "name": secret.get("subject_name"),
                "email": secret.get("subject_email"),
            }
            row["source"] = {
                "system": row.pop("source_system"),
                "reference": secret.get("source_reference"),
            }
            activity = row.get("activity")
            row["activity_uri"] = None if activity is None else self.register.uri(activity)
            result.append(row)
        return result

    def _history(self, connection: Connection, disclosure_id: UUID) -> list[tuple[int, Any]]:
        """Every event of one disclosure with its log position, oldest first."""
        store = self.uow.store
        table = store.table
        rows = connection.execute(
            select(table.c.id, table.c.originator_version, table.c.topic, table.c.state)
            .where(table.c.originator_id == disclosure_id)
            .order_by(table.c.originator_version)
        ).all()
        return [
            (
                row.id,
                store.mapper.to_domain_event(
                    StoredEvent(disclosure_id, row.originator_version, row.topic, bytes(row.state))
                ),
            )
            for row in rows
        ]


def _history_entries(events: list[tuple[int, Any]]) -> list[dict[str, Any]]:
    """The history oldest first; each correction also says what its fields held before it
    (`before`), replayed from the events themselves."""
    fields: dict[str, Any] = {}
    entries = []
    for position, event in events:
        entry = _history_entry(position, event)
        if isinstance(event, Disclosure.DisclosureRecorded):
            fields = dict(event.fields)
        elif isinstance(event, Disclosure.DisclosureCorrected):
            entry["before"] = {name: fields.get(name) for name in event.changes}
            fields = {**fields, **event.changes}
        entries.append(entry)
    return entries


def _history_entry(position: int, event: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "type": type(event).__name__,
        "position": position,
        "at": event.timestamp,
        "actor": event.actor,
    }
    if isinstance(event, Disclosure.DisclosureCorrected):
        entry["reason"] = event.reason
        entry["changed"] = sorted(event.changes) + (["subject"] if event.sealed else [])
        entry["changes"] = event.changes
    elif isinstance(event, Disclosure.DisclosureRetracted):
        entry["reason"] = event.reason
    return entry
