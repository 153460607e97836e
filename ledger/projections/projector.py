"""Turns events into read-model rows, inside the transaction that stores the events.

The same code serves live recording and `projections rebuild`, so a rebuild produces exactly the
rows that live recording did. Merges are order-independent within log order (min, max, sum,
union, first by position), so batch boundaries do not change the result.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from itertools import islice
from operator import itemgetter
from typing import Any
from uuid import UUID

import orjson
from eventsourcing.utils import get_topic
from sqlalchemy import Connection, Table, and_, delete, insert, or_, update
from sqlalchemy.engine import Dialect

from ledger.adapters.bulk_writes import ColumnConverter, bulk_write, column_converter, write_bound
from ledger.adapters.state_codec import unpack
from ledger.domain.access_request import AccessRequest
from ledger.domain.consent import Consent
from ledger.domain.disclosure import SUPPRESSION_EVENTS, Disclosure
from ledger.domain.restriction import Restriction
from ledger.projections import activity_counts, employment_ends, erasures, notices, register
from ledger.projections.tables import (
    TERM_COLUMNS,
    access_requests,
    codes_text,
    codes_union,
    consents,
    disclosure_at,
    disclosures,
    restrictions,
    same_row,
    statistics,
    subject_recipients,
    term_sets,
    terms_id,
    whole_disclosures,
)

CLOSING_STATES: dict[type, str] = {
    AccessRequest.AccessRequestAnswered: "answered",
    AccessRequest.AccessRequestWithdrawn: "withdrawn",
    AccessRequest.AccessRequestRefused: "refused",
}
REQUEST_STEPS = (
    AccessRequest.IdentityVerified,
    AccessRequest.DeadlineExtended,
    AccessRequest.PersonToldOfExtension,
    *CLOSING_STATES,
)

StatsKey = tuple[str, str, str, str]
STATS_KEY = ("month", "controller", "recipient_category", "legal_basis")
Item = tuple[int, Any]  # (position in the log, domain event)
# An event as stored: position, originator id and version, topic, state (`state_codec`).
StoredRow = tuple[int, UUID, int, str, bytes]
ROWS_AT_ONCE = 5_000
# A replay keeps the per-person summaries of new disclosures in memory and writes each row once;
# past this many (person, recipient) pairs it writes them and starts again, to bound memory
# (about 1 KB a pair with its terms).
PAIRS_AT_ONCE = 200_000


def recipient_key(recipient: Mapping[str, Any]) -> str:
    """One recipient across postings: by its registry id when given, else by its name."""
    if recipient.get("id"):
        return f"{recipient['category']}|id:{recipient['id']}"
    return f"{recipient['category']}|name:{' '.join(recipient['name'].split()).casefold()}"


def columns_from_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Row columns for whichever clear payload fields are present (all, or a correction's)."""
    columns: dict[str, Any] = {}
    for name, value in fields.items():
        into_columns = _FIELD_COLUMNS.get(name)
        if into_columns is None:
            columns[name] = value
        else:
            into_columns(columns, value)
    return columns


def _recipient_columns(columns: dict[str, Any], value: Mapping[str, Any]) -> None:
    columns.update(
        recipient_key=recipient_key(value),
        recipient_category=value["category"],
        recipient_name=value["name"],
        recipient_id=value.get("id"),
        recipient_country=value.get("country"),
    )


def _transfer_columns(columns: dict[str, Any], value: Mapping[str, Any] | None) -> None:
    columns["transfer_country"] = value["country"] if value else None
    columns["transfer_safeguard"] = value["safeguard"] if value else None


def _categories_column(columns: dict[str, Any], value: Any) -> None:
    if type(value) is list and all(type(code) is str for code in value):
        columns["data_categories"] = _categories_json(tuple(value))
    else:  # not a list of codes (equal keys of other types would share a cached text)
        columns["data_categories"] = json.dumps(value)


@lru_cache(maxsize=4096)
def _categories_json(codes: tuple[str, ...]) -> str:
    # A log holds few distinct combinations: encoded once each, not once per row. (A list and
    # a tuple of the same codes encode the same.)
    return json.dumps(codes)


def _occurred_columns(columns: dict[str, Any], value: str) -> None:
    columns["occurred_at"] = datetime.fromisoformat(value)
    columns["occurred_local"] = value


def _suppressed_column(columns: dict[str, Any], value: str | None) -> None:
    columns["suppressed_until"] = date.fromisoformat(value) if value else None


# The payload fields that are not one column of the same name, and what they become (a
# dispatch, not a chain of comparisons per field: a rebuild runs this for every disclosure).
_FIELD_COLUMNS: dict[str, Callable[[dict[str, Any], Any], None]] = {
    "recipient": _recipient_columns,
    "transfer": _transfer_columns,
    "data_categories": _categories_column,
    "occurred_at": _occurred_columns,
    "suppressed_until": _suppressed_column,
}


def stats_key(row: Mapping[Any, Any]) -> StatsKey:
    # The month the data left in the posting system's own time zone, as payroll counts it.
    return (
        row["occurred_local"][:7],
        row["controller"],
        row["recipient_category"],
        row["legal_basis"],
    )


class Projector:
    @staticmethod
    def writes_only(items: Sequence[Item]) -> bool:
        """Whether projecting these only writes (reads nothing back): new disclosures."""
        return all(isinstance(event, Disclosure.DisclosureRecorded) for _, event in items)

    def apply(self, connection: Connection, items: Iterable[Item]) -> None:
        run: list[Item] = []
        for position, event in items:
            if isinstance(event, Disclosure.DisclosureRecorded):
                run.append((position, event))
                continue
            self._recorded(connection, run)
            run = []
            if isinstance(event, Disclosure.DisclosureCorrected):
                self._corrected(connection, event)
            elif isinstance(event, Disclosure.DisclosureRetracted):
                self._retracted(connection, event)
            elif isinstance(event, AccessRequest.AccessRequestOpened):
                self._request_opened(connection, position, event)
            elif isinstance(event, REQUEST_STEPS):
                self._request_step(connection, event)
            elif isinstance(event, SUPPRESSION_EVENTS):
                self._suppression(connection, event)
            elif isinstance(event, Consent.ConsentGiven):
                self._consent_given(connection, position, event)
            elif isinstance(event, Consent.ConsentWithdrawn):
                self._consent_withdrawn(connection, event)
            elif isinstance(event, Restriction.RestrictionImposed):
                self._restriction_imposed(connection, position, event)
            elif isinstance(event, Restriction.RestrictionLifted):
                self._restriction_lifted(connection, event)
            elif isinstance(event, notices.EVENTS):
                notices.project(connection, position, event)
            elif isinstance(event, erasures.EVENTS):
                erasures.project(connection, position, event)
            elif isinstance(event, employment_ends.EVENTS):
                employment_ends.project(connection, position, event)
            elif isinstance(event, register.EVENTS):
                register.project(connection, position, event)
            # Any other event has no read model.
        self._recorded(connection, run)

    def _request_opened(self, connection: Connection, position: int, event: Any) -> None:
        connection.execute(
            insert(access_requests).values(
                request_id=event.originator_id.hex,
                subject_tag=event.subject_tag,
                position=position,
                received_on=date.fromisoformat(event.received_on),
                channel=event.channel,
                sealed_reference=event.sealed_reference,
                state="open",
                due=date.fromisoformat(event.due),
                opened_at=event.timestamp,
                version=event.originator_version,
            )
        )

    def _request_step(self, connection: Connection, event: Any) -> None:
        values: dict[str, Any] = {"version": event.originator_version}
        if isinstance(event, AccessRequest.IdentityVerified):
            values["identity_verified_at"] = event.timestamp
        elif isinstance(event, AccessRequest.DeadlineExtended):
            values["due_extended"] = date.fromisoformat(event.due_extended)
            values["sealed_extension_reason"] = event.sealed_reason
            values["extension_version"] = event.originator_version
        elif isinstance(event, AccessRequest.PersonToldOfExtension):
            values["told_on"] = date.fromisoformat(event.told_on)
        else:
            values["state"] = CLOSING_STATES[type(event)]
            values["closed_at"] = event.timestamp
        connection.execute(
            update(access_requests)
            .where(access_requests.c.request_id == event.originator_id.hex)
            .values(**values)
        )

    def _suppression(self, connection: Connection, event: Any) -> None:
        # Who gets the data and why is unchanged, so statistics and recipients stay as they are.
        values: dict[str, Any] = {
            "version": event.originator_version,
            "updated_at": event.timestamp,
        }
        if isinstance(event, Disclosure.SuppressionExtended):
            values["suppressed_until"] = date.fromisoformat(event.until)
            values["suppression_authority"] = event.authority
        else:
            values["suppressed_until"] = date.fromisoformat(event.lifted_on)
        connection.execute(
            update(disclosures)
            .where(disclosure_at(connection, event.originator_id.hex, event.subject_tag))
            .values(**values)
        )

    def _consent_given(self, connection: Connection, position: int, event: Any) -> None:
        connection.execute(
            insert(consents).values(
                consent_id=event.originator_id.hex,
                subject_tag=event.subject_tag,
                position=position,
                reference_lookup=event.reference_lookup,
                sealed_reference=event.sealed_reference,
                purpose=event.purpose,
                given_at=datetime.fromisoformat(event.given_at),
                recorded_at=event.timestamp,
                version=event.originator_version,
            )
        )

    def _consent_withdrawn(self, connection: Connection, event: Any) -> None:
        connection.execute(
            update(consents)
            .where(consents.c.consent_id == event.originator_id.hex)
            .values(
                withdrawn_at=datetime.fromisoformat(event.withdrawn_at),
                sealed_reason=event.sealed_reason,
                version=event.originator_version,
            )
        )

    def _restriction_imposed(self, connection: Connection, position: int, event: Any) -> None:
        connection.execute(
            insert(restrictions).values(
                restriction_id=event.originator_id.hex,
                subject_tag=event.subject_tag,
                position=position,
                since=datetime.fromisoformat(event.since),
                until=date.fromisoformat(event.until),
                sealed_reason=event.sealed_reason,
                notice_id=event.notice_id,
                actor=event.actor,
                recorded_at=event.timestamp,
                version=event.originator_version,
            )
        )

    def _restriction_lifted(self, connection: Connection, event: Any) -> None:
        connection.execute(
            update(restrictions)
            .where(restrictions.c.restriction_id == event.originator_id.hex)
            .values(
                lifted_at=datetime.fromisoformat(event.lifted_at),
                sealed_lift_reason=event.sealed_reason,
                lifted_by=event.actor,
                version=event.originator_version,
            )
        )

    def replay(
        self,
        connection: Connection,
        pages: Iterable[Sequence[Segment]],
        *,
        before_changes: Callable[[], None] | None = None,
    ) -> None:
        """Project a whole log, as `prepare`d pages, into empty read models (`projections
        rebuild`).

        The same rows as `apply` gives, written fewer times: new disclosures' per-person
        recipients and terms, statistics and activity counts are merged in memory across pages
        (the merges are order-independent) and written once, before any other event (which may
        read or delete them) and at the end; the first time into tables still empty, without a
        merge. `before_changes` runs once, before the first event that is not a new disclosure
        (a rebuild builds the indexes such events find their rows by there)."""
        names, bind = _binder(connection.dialect, disclosures)
        pending = _Summaries()
        fresh = True
        # The sets already written (the same few recur); a correction may write one as well.
        written: set[bytes] = set()
        for page in pages:
            for segment in page:
                if isinstance(segment, Prepared):
                    _write_term_sets(
                        connection,
                        {k: v for k, v in segment.term_sets.items() if k not in written},
                    )
                    written.update(segment.term_sets)
                    write_bound(connection, disclosures, names, bind(segment.values))
                    pending.merge(segment.summaries)
                    continue
                pending.write(connection, fresh=fresh)
                pending, fresh = _Summaries(), False
                if before_changes is not None:
                    before_changes()
                    before_changes = None
                self.apply(connection, [segment])
            if len(pending.recipients) >= PAIRS_AT_ONCE:
                pending.write(connection, fresh=fresh)
                pending, fresh = _Summaries(), False
        pending.write(connection, fresh=fresh)

    def _recorded(self, connection: Connection, run: Sequence[Item]) -> None:
        names, bind = _binder(connection.dialect, disclosures)
        summaries = _Summaries()
        for prepared in _prepared(_recorded_row(position, event) for position, event in run):
            _write_term_sets(connection, prepared.term_sets)
            write_bound(connection, disclosures, names, bind(prepared.values))
            summaries.merge(prepared.summaries)
        summaries.write(connection)

    def _merge_recipients(self, connection: Connection, rows: Sequence[Mapping[Any, Any]]) -> None:
        """Fold disclosure rows into the per-subject recipient summary, in SQL."""
        merged: dict[tuple[str, str], dict[str, Any]] = {}
        for row in rows:
            _merge(merged, row)
        _write_recipients(connection, merged)

    def _recompute_recipients(self, connection: Connection, subject_tag: str) -> None:
        connection.execute(
            delete(subject_recipients).where(subject_recipients.c.subject_tag == subject_tag)
        )
        query = whole_disclosures.where(
            and_(disclosures.c.subject_tag == subject_tag, ~disclosures.c.retracted)
        ).order_by(disclosures.c.position)
        self._merge_recipients(connection, list(connection.execute(query).mappings()))

    def _current(self, connection: Connection, event: Any) -> dict[str, Any]:
        """A changed disclosure's row as it stands."""
        row = (
            connection.execute(
                whole_disclosures.where(
                    disclosure_at(connection, event.originator_id.hex, event.subject_tag)
                )
            )
            .mappings()
            .one()
        )
        return dict(row)

    def _corrected(self, connection: Connection, event: Any) -> None:
        old = self._current(connection, event)
        changes = columns_from_fields(event.changes)
        if event.sealed is not None:
            changes["sealed"] = event.sealed
        changes.update(
            version=event.originator_version,
            corrections=old["corrections"] + 1,
            updated_at=event.timestamp,
        )
        stored = {name: value for name, value in changes.items() if name not in _TERMS}
        if len(stored) < len(changes):
            # A changed term points the disclosure at the set of its new terms.
            terms = _term_values({**old, **changes})
            stored["terms"] = _terms_id(terms)
            _write_term_sets(connection, {stored["terms"]: terms})
        connection.execute(update(disclosures).where(same_row(old)).values(**stored))
        if not old["retracted"]:
            counts: Counter[StatsKey] = Counter()
            counts[stats_key(old)] -= 1
            counts[stats_key({**old, **changes})] += 1
            self._count(connection, counts)
            by_activity: Counter[activity_counts.CountKey] = Counter()
            by_activity[activity_counts.count_key(old)] -= 1
            by_activity[activity_counts.count_key({**old, **changes})] += 1
            activity_counts.add(connection, by_activity)
            self._recompute_recipients(connection, old["subject_tag"])

    def _retracted(self, connection: Connection, event: Any) -> None:
        old = self._current(connection, event)
        connection.execute(
            update(disclosures)
            .where(same_row(old))
            .values(
                retracted=True,
                retraction_reason=event.reason,
                version=event.originator_version,
                updated_at=event.timestamp,
            )
        )
        self._count(connection, Counter({stats_key(old): -1}))
        activity_counts.add(connection, Counter({activity_counts.count_key(old): -1}))
        self._recompute_recipients(connection, old["subject_tag"])

    @staticmethod
    def _count(connection: Connection, counts: Counter[StatsKey]) -> None:
        rows = [
            {"month": m, "controller": c, "recipient_category": r, "legal_basis": b, "count": n}
            for (m, c, r, b), n in sorted(counts.items())
            if n
        ]
        if not rows:
            return
        bulk_write(
            connection, statistics, rows, conflict=STATS_KEY, update={"count": "{old} + {new}"}
        )
        # A month whose every disclosure was retracted is no longer a row.
        emptied = [key for key, n in counts.items() if n < 0]
        if emptied:
            connection.execute(
                delete(statistics).where(
                    and_(
                        statistics.c.count <= 0,
                        or_(
                            *(
                                and_(
                                    statistics.c.month == m,
                                    statistics.c.controller == c,
                                    statistics.c.recipient_category == r,
                                    statistics.c.legal_basis == b,
                                )
                                for m, c, r, b in emptied
                            )
                        ),
                    )
                )
            )


def _recorded_row(position: int, event: Any) -> dict[str, Any]:
    """A new disclosure's read-model row (every column), from its event."""
    return _disclosure_row(
        position,
        event.originator_id.hex,
        event.originator_version,
        fields=event.fields,
        subject_tag=event.subject_tag,
        sealed=event.sealed,
        timestamp=event.timestamp,
    )


def _disclosure_row(
    position: int,
    disclosure_id: str,
    version: int,
    *,
    fields: Mapping[str, Any],
    subject_tag: str,
    sealed: str,
    timestamp: datetime,
) -> dict[str, Any]:
    row = columns_from_fields(fields)
    row.setdefault("restriction_ground", None)
    row.update(
        disclosure_id=disclosure_id,
        position=position,
        subject_tag=subject_tag,
        sealed=sealed,
        recorded_at=timestamp,
        updated_at=timestamp,
        version=version,
        corrections=0,
        retracted=False,
        retraction_reason=None,
    )
    # Only a disclosure recorded by activity carries these.
    row.setdefault("activity", None)
    row.setdefault("activity_version", None)
    return row


# What eventsourcing's JSON transcoder marks a value it encoded with (`{"_type_": name,
# "_data_": ...}`); its decoder turns every such object back into the value.
_TRANSCODED = b'"_type_"'
_TIMESTAMP = "datetime_iso"
# The stored events `_stored_row` reads by itself: new disclosures, while no upcast applies to
# them (the mapper would run it).
# Under its short topic, or the module path it was stored under before (`ledger.domain.topics`).
DIRECT_TOPICS = (
    frozenset(
        {
            get_topic(Disclosure.DisclosureRecorded),
            f"{Disclosure.__module__}:{Disclosure.DisclosureRecorded.__qualname__}",
        }
    )
    if getattr(Disclosure.DisclosureRecorded, "class_version", 1) == 1
    else frozenset()
)


def _stored_row(stored: StoredRow) -> dict[str, Any] | None:
    """What `_recorded_row` gives of the mapper's event, straight from a new disclosure's
    stored bytes: unpacked and parsed once (orjson), without the transcoder's object hooks and
    without an event object (decoding and the row: 35 -> 23 us a disclosure, measured).

    None where the result could differ from the mapper's, which then decides: a value other
    than the timestamp transcoded (a second `_type_` key; a string holding one is escaped and
    does not match), or a state that does not decode or lacks a field (the mapper raises what
    it raised before)."""
    position, originator_id, version, _topic, state = stored
    try:
        plain = unpack(state)
        if plain.count(_TRANSCODED) != 1:
            return None
        decoded = orjson.loads(plain)
        timestamp = decoded["timestamp"]
        if len(timestamp) != 2 or timestamp["_type_"] != _TIMESTAMP:
            return None
        return _disclosure_row(
            position,
            originator_id.hex,
            version,
            fields=decoded["fields"],
            subject_tag=decoded["subject_tag"],
            sealed=decoded["sealed"],
            timestamp=datetime.fromisoformat(timestamp["_data_"]),
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


DISCLOSURE_COLUMNS = [column.name for column in disclosures.columns]
_TERMS = frozenset(TERM_COLUMNS)
_TERMS_AT = DISCLOSURE_COLUMNS.index("terms")
_OWN_COLUMNS = [name for name in DISCLOSURE_COLUMNS if name != "terms"]
_own_values = itemgetter(*_OWN_COLUMNS)
_term_values = itemgetter(*TERM_COLUMNS)
TermValues = tuple[Any, ...]


@lru_cache(maxsize=4096)
def _terms_id(values: TermValues) -> bytes:
    # A log holds few distinct sets: each digested once, not once per row.
    return terms_id(values)


def prepare(stored: Iterable[StoredRow], decode: Callable[[StoredRow], Any]) -> list[Segment]:
    """A page of the stored log made ready for `Projector.replay` without the database (so
    another process can do it): each run of new disclosures as their rows' values and
    summaries, any other event as `decode` (the event mapper) gives it, in log order. A new
    disclosure's row comes from its stored bytes (`_stored_row`), through the mapper only where
    that declines."""
    segments: list[Segment] = []
    rows: list[dict[str, Any]] = []
    for record in stored:
        row = _stored_row(record) if record[3] in DIRECT_TOPICS else None
        if row is None:
            event = decode(record)
            if not isinstance(event, Disclosure.DisclosureRecorded):
                segments.extend(_prepared(rows))
                rows = []
                segments.append((record[0], event))
                continue
            row = _recorded_row(record[0], event)
        rows.append(row)
        if len(rows) == ROWS_AT_ONCE:
            segments.extend(_prepared(rows))
            rows = []
    segments.extend(_prepared(rows))
    return segments


def _prepared(rows: Iterable[dict[str, Any]]) -> Iterator[Prepared]:
    """New disclosures' rows as `Prepared` runs of at most ROWS_AT_ONCE: the rows of a whole
    10,000-event batch at once were the peak of an import's memory (35 MB), for statements
    hardly cheaper than two of half the size. `rows` is read a slice at a time."""
    rows = iter(rows)
    while sliced := list(islice(rows, ROWS_AT_ONCE)):
        summaries = _Summaries()
        summaries.add(sliced)
        sets: dict[bytes, TermValues] = {}
        yield Prepared([_values(row, sets) for row in sliced], summaries, sets)


def _values(row: Mapping[str, Any], sets: dict[bytes, TermValues]) -> list[Any]:
    """A row's values in `DISCLOSURE_COLUMNS`' order (NULL for a field an event lacks), its
    terms as the id of their set, which joins `sets`."""
    try:
        values = list(_own_values(row))
        terms = _term_values(row)
    except KeyError:
        values = [row.get(name) for name in _OWN_COLUMNS]
        terms = tuple(row.get(name) for name in TERM_COLUMNS)
    known = _terms_id(terms)
    sets.setdefault(known, terms)
    values.insert(_TERMS_AT, known)
    return values


def _write_term_sets(connection: Connection, sets: Mapping[bytes, TermValues]) -> None:
    """Store the sets of terms not stored yet (each id names its values, so one stored
    already is the same)."""
    if not sets:
        return
    names, bind = _binder(connection.dialect, term_sets)
    write_bound(
        connection,
        term_sets,
        names,
        bind([[known, *terms] for known, terms in sets.items()]),
        conflict=("id",),
        update={},
    )


Binder = Callable[[list[list[Any]]], list[tuple[Any, ...]]]


@lru_cache(maxsize=64)
def _binder(dialect: Dialect, table: Table) -> tuple[list[str], Binder]:
    """A table's column names, and what turns rows of their values (in that order) into the
    driver's values: each column converted at once (`column_converter`), not a TypeDecorator
    call per value."""
    names = [column.name for column in table.columns]
    convert: list[tuple[int, ColumnConverter]] = []
    for index, column in enumerate(table.columns):
        converter = column_converter(dialect, column)
        if converter is not None:
            convert.append((index, converter))

    def bind(rows: list[list[Any]]) -> list[tuple[Any, ...]]:
        if not convert or not rows:
            return [tuple(values) for values in rows]
        by_column: list[Sequence[Any]] = list(zip(*rows, strict=True))
        for index, converter in convert:
            by_column[index] = converter(by_column[index])
        return list(zip(*by_column, strict=True))

    return names, bind


@dataclass
class Prepared:
    """New disclosures in a run of the log: each one's row values in `DISCLOSURE_COLUMNS`'
    order (as the projector would bind them), their summaries, and the sets of terms they
    name."""

    values: list[list[Any]]
    summaries: _Summaries
    term_sets: dict[bytes, TermValues]


Segment = Prepared | Item


class _Summaries:
    """New disclosures' per-person recipients and terms, statistics and activity counts,
    merged in memory until written."""

    def __init__(self) -> None:
        self.recipients: dict[tuple[str, str], dict[str, Any]] = {}
        self.statistics: Counter[StatsKey] = Counter()
        self.activity: Counter[activity_counts.CountKey] = Counter()

    def add(self, rows: Iterable[Mapping[Any, Any]]) -> None:
        recipients = self.recipients
        statistics: Counter[StatsKey] = Counter()
        activity: Counter[activity_counts.CountKey] = Counter()
        for row in rows:
            _merge(recipients, row)
            statistics[stats_key(row)] += 1
            activity[activity_counts.count_key(row)] += 1
        self.statistics.update(statistics)
        self.activity.update(activity)

    def merge(self, other: _Summaries) -> None:
        """Add summaries of later disclosures (name, id and country stay as first seen)."""
        self.statistics.update(other.statistics)
        self.activity.update(other.activity)
        recipients = self.recipients
        for key, later in other.recipients.items():
            current = recipients.get(key)
            if current is None:
                recipients[key] = later
                continue
            current["first_at"] = min(current["first_at"], later["first_at"])
            current["last_at"] = max(current["last_at"], later["last_at"])
            current["count"] += later["count"]
            current["data_categories"] |= later["data_categories"]
            current["legal_bases"] |= later["legal_bases"]

    def write(self, connection: Connection, *, fresh: bool = False) -> None:
        """Merge into the stored rows; `fresh`: the tables are empty, so insert only."""
        Projector._count(connection, self.statistics)
        activity_counts.add(connection, self.activity)
        _write_recipients(connection, self.recipients, fresh=fresh)


def _write_recipients(
    connection: Connection, merged: Mapping[tuple[str, str], dict[str, Any]], *, fresh: bool = False
) -> None:
    if not merged:
        return
    dialect = connection.dialect.name
    least, greatest = ("LEAST", "GREATEST") if dialect == "postgresql" else ("MIN", "MAX")
    names, bind = _binder(connection.dialect, subject_recipients)
    rows = []
    for value in merged.values():
        row = [value[name] for name in names]
        row[_CATEGORIES_AT] = codes_text(row[_CATEGORIES_AT])
        row[_BASES_AT] = codes_text(row[_BASES_AT])
        rows.append(row)
    write_bound(
        connection,
        subject_recipients,
        names,
        bind(rows),
        conflict=() if fresh else ("subject_tag", "recipient_key"),
        # Name, id and country stay as first seen: the stored row holds earlier positions.
        update={
            "first_at": least + "({old}, {new})",
            "last_at": greatest + "({old}, {new})",
            "count": "{old} + {new}",
            "data_categories": codes_union(dialect, "{old}", "{new}"),
            "legal_bases": codes_union(dialect, "{old}", "{new}"),
        },
    )


_RECIPIENT_COLUMNS = [column.name for column in subject_recipients.columns]
_CATEGORIES_AT = _RECIPIENT_COLUMNS.index("data_categories")
_BASES_AT = _RECIPIENT_COLUMNS.index("legal_bases")


@lru_cache(maxsize=4096)
def _categories(encoded: str) -> frozenset[str]:
    # A batch holds few distinct combinations: decoded once each, not once per row.
    return frozenset(json.loads(encoded))


def _merge(merged: dict[tuple[str, str], dict[str, Any]], row: Mapping[Any, Any]) -> None:
    key = (row["subject_tag"], row["recipient_key"])
    current = merged.get(key)
    if current is None:
        merged[key] = {
            "subject_tag": row["subject_tag"],
            "recipient_key": row["recipient_key"],
            "recipient_category": row["recipient_category"],
            "recipient_name": row["recipient_name"],
            "recipient_id": row["recipient_id"],
            "recipient_country": row["recipient_country"],
            "first_at": row["occurred_at"],
            "last_at": row["occurred_at"],
            "count": 1,
            "data_categories": set(_categories(row["data_categories"])),
            "legal_bases": {row["legal_basis"]},
        }
        return
    # As min() and max() would, without their calls: the stored moment stays when equal.
    occurred = row["occurred_at"]
    if occurred < current["first_at"]:
        current["first_at"] = occurred
    if occurred > current["last_at"]:
        current["last_at"] = occurred
    current["count"] += 1
    current["data_categories"] |= _categories(row["data_categories"])
    current["legal_bases"].add(row["legal_basis"])
