"""Query functions over the read models; they return plain data, never rows or sessions."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, NamedTuple
from uuid import UUID

from sqlalchemy import Connection, Table, and_, case, func, or_, select, union_all

from ledger.adapters.driver_reads import driver_rows
from ledger.projections.tables import (
    access_requests,
    consents,
    disclosure_at,
    disclosure_rows,
    disclosures,
    employment_ends,
    erasures,
    recipient_notices,
    restrictions,
    statistics,
    subject_recipients,
    term_sets,
    whole_disclosures,
)

MAX_LIMIT = 500
_BIGINT_END = 2**63


class BadCursor(ValueError):
    """A pagination cursor that this ledger did not hand out."""


@dataclass(frozen=True, slots=True)
class Filters:
    since: datetime | None = None
    until: datetime | None = None
    recipient_category: str | None = None


NO_FILTERS = Filters()


@dataclass(frozen=True, slots=True)
class Page:
    items: list[dict[str, Any]]
    next: str | None


def encode_cursor(occurred_at: datetime, position: int) -> str:
    raw = json.dumps([occurred_at.isoformat(), position]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    """The (occurred_at, position) of a cursor, or BadCursor. A cursor comes back from the
    client, so only what `encode_cursor` makes is taken: an aware moment with a UTC form (the
    column binds it as UTC) and a position that fits the log's BIGINT."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        occurred_text, position = json.loads(raw)
        occurred = datetime.fromisoformat(occurred_text)
        occurred.astimezone(UTC)
    except (binascii.Error, ValueError, TypeError, OverflowError, RecursionError):
        raise BadCursor("is not a cursor from a previous page") from None
    if occurred.utcoffset() is None or type(position) is not int or not 0 <= position < _BIGINT_END:
        raise BadCursor("is not a cursor from a previous page")
    return occurred, position


def disclosure_row(row: Mapping[Any, Any]) -> dict[str, Any]:
    """A read-model row as plain data; `sealed` stays sealed (the application opens it)."""
    return {
        "id": str(UUID(row["disclosure_id"])),
        "position": row["position"],
        "subject_tag": row["subject_tag"],
        "controller": row["controller"],
        "subject_kind": row["subject_kind"],
        "recipient": {
            "category": row["recipient_category"],
            "name": row["recipient_name"],
            "id": row["recipient_id"],
            "country": row["recipient_country"],
        },
        "data_categories": json.loads(row["data_categories"]),
        "legal_basis": row["legal_basis"],
        "special_category_condition": row["special_category_condition"],
        "legal_provision": row["legal_provision"],
        "consent_reference": row["consent_reference"],
        "purpose": row["purpose"],
        "occurred_at": row["occurred_local"],
        "transfer": (
            {"country": row["transfer_country"], "safeguard": row["transfer_safeguard"]}
            if row["transfer_country"]
            else None
        ),
        "source_system": row["source_system"],
        "suppressed_until": row["suppressed_until"],
        "suppression_authority": row["suppression_authority"],
        "restriction_ground": row["restriction_ground"],
        "recorded_at": row["recorded_at"],
        "updated_at": row["updated_at"],
        "version": row["version"],
        "corrections": row["corrections"],
        "retracted": row["retracted"],
        "retraction_reason": row["retraction_reason"],
        "activity": row["activity"],
        "activity_version": row["activity_version"],
        "sealed": row["sealed"],
    }


def _page(
    connection: Connection, condition: Any, filters: Filters, limit: int, cursor: str | None
) -> Page:
    clauses = [condition]
    if filters.since is not None:
        clauses.append(disclosures.c.occurred_at >= filters.since)
    if filters.until is not None:
        clauses.append(disclosures.c.occurred_at < filters.until)
    if filters.recipient_category is not None:
        clauses.append(disclosures.c.recipient_category == filters.recipient_category)
    if cursor is not None:
        occurred, position = decode_cursor(cursor)
        # Newest first, ties broken by log position: new arrivals never shift a later page.
        clauses.append(
            or_(
                disclosures.c.occurred_at < occurred,
                and_(disclosures.c.occurred_at == occurred, disclosures.c.position < position),
            )
        )
    limit = max(1, min(limit, MAX_LIMIT))
    query = (
        whole_disclosures.where(and_(*clauses))
        .order_by(disclosures.c.occurred_at.desc(), disclosures.c.position.desc())
        .limit(limit + 1)
    )
    rows = [disclosure_row(row) for row in connection.execute(query).mappings()]
    following = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        following = encode_cursor(datetime.fromisoformat(last["occurred_at"]), last["position"])
    return Page(items=rows, next=following)


def disclosures_of_subject(
    connection: Connection,
    subject_tag: str,
    *,
    filters: Filters = NO_FILTERS,
    limit: int = 100,
    cursor: str | None = None,
) -> Page:
    return _page(connection, disclosures.c.subject_tag == subject_tag, filters, limit, cursor)


def disclosures_to_category(
    connection: Connection,
    category: str,
    *,
    filters: Filters = NO_FILTERS,
    limit: int = 100,
    cursor: str | None = None,
) -> Page:
    return _page(connection, disclosures.c.recipient_category == category, filters, limit, cursor)


def disclosure_by_id(connection: Connection, disclosure_id: str) -> dict[str, Any] | None:
    row = (
        connection.execute(whole_disclosures.where(disclosure_at(connection, disclosure_id)))
        .mappings()
        .first()
    )
    return None if row is None else disclosure_row(row)


def recipients_of_subject(connection: Connection, subject_tag: str) -> list[dict[str, Any]]:
    query = (
        select(subject_recipients)
        .where(subject_recipients.c.subject_tag == subject_tag)
        .order_by(subject_recipients.c.last_at.desc(), subject_recipients.c.recipient_key)
    )
    result = []
    for row in connection.execute(query).mappings():
        result.append(
            {
                "recipient": {
                    "category": row["recipient_category"],
                    "name": row["recipient_name"],
                    "id": row["recipient_id"],
                    "country": row["recipient_country"],
                },
                "first_at": row["first_at"],
                "last_at": row["last_at"],
                "count": row["count"],
                "data_categories": json.loads(row["data_categories"]),
                "legal_bases": json.loads(row["legal_bases"]),
            }
        )
    return result


def statistics_table(
    connection: Connection,
    *,
    controller: str | None = None,
    since_month: str | None = None,
    until_month: str | None = None,
) -> list[dict[str, Any]]:
    """Counts by month x controller x recipient category x legal basis: no personal data."""
    clauses = []
    if controller is not None:
        clauses.append(statistics.c.controller == controller)
    if since_month is not None:
        clauses.append(statistics.c.month >= since_month)
    if until_month is not None:
        clauses.append(statistics.c.month <= until_month)
    query = (
        select(statistics)
        .where(*clauses)
        .order_by(
            statistics.c.month,
            statistics.c.controller,
            statistics.c.recipient_category,
            statistics.c.legal_basis,
        )
    )
    return [dict(row) for row in connection.execute(query).mappings()]


# -- the person's overview ------------------------------------------------------------------------

# The read-model columns an overview needs, in the order `ledger.overview.model` unpacks them.
# `occurred_at` comes from `occurred_local` (the stated time with its offset): parsing that is
# cheaper than the UTC column's type conversion, which adds up over thousands of rows.
OVERVIEW_COLUMNS = (
    disclosures.c.disclosure_id,
    term_sets.c.controller,
    term_sets.c.recipient_key,
    disclosures.c.occurred_local,
    term_sets.c.data_categories,
    term_sets.c.legal_basis,
    term_sets.c.legal_provision,
    term_sets.c.special_category_condition,
    disclosures.c.consent_reference,
    term_sets.c.purpose,
    term_sets.c.transfer_country,
    term_sets.c.transfer_safeguard,
    disclosures.c.suppressed_until,
    disclosures.c.suppression_authority,
    disclosures.c.corrections,
    disclosures.c.retracted,
    disclosures.c.retraction_reason,
    case((disclosures.c.corrections > 0, disclosures.c.updated_at), else_=None).label("corrected"),
    disclosures.c.restriction_ground,
    term_sets.c.activity,
    term_sets.c.activity_version,
)
_RECIPIENT_COLUMNS = (
    term_sets.c.recipient_key,
    disclosures.c.recipient_category,
    term_sets.c.recipient_name,
    term_sets.c.recipient_id,
    term_sets.c.recipient_country,
)


def overview_rows(connection: Connection, subject_tag: str) -> list[tuple[Any, ...]]:
    """A person's disclosures as `OVERVIEW_COLUMNS` tuples, newest first."""
    rows = connection.execute(
        select(*OVERVIEW_COLUMNS)
        .select_from(disclosure_rows)
        .where(disclosures.c.subject_tag == subject_tag)
        .order_by(disclosures.c.occurred_at.desc(), disclosures.c.position.desc())
    )
    return [tuple(row) for row in rows]


def overview_recipients(connection: Connection, subject_tag: str) -> dict[str, Any]:
    """Each actual recipient of a person's data by its key: category, name, id and country."""
    rows = connection.execute(
        select(*_RECIPIENT_COLUMNS)
        .select_from(disclosure_rows)
        .where(disclosures.c.subject_tag == subject_tag)
        .distinct()
    )
    return {row.recipient_key: row for row in rows}


class DisclosureRef(NamedTuple):
    """Where a person's disclosure is: its id (hex), how long it is withheld, the log position
    of its first event and how many events it has (`version`)."""

    disclosure_id: str
    suppressed_until: date | None
    position: int
    version: int


def disclosure_refs(connection: Connection, subject_tag: str) -> list[DisclosureRef]:
    """Each of a person's disclosures, as a `DisclosureRef`; read through the driver (a heavy
    person's 2,000 rows cost SQLAlchemy's per-row types more than the query)."""
    rows = driver_rows(
        connection,
        f"SELECT disclosure_id, suppressed_until, position, version FROM {disclosures.name} "  # noqa: S608
        "WHERE subject_tag = :tag",
        {"tag": bytes.fromhex(subject_tag)},
    )
    return [
        DisclosureRef(
            bytes(disclosure_id).hex(),
            until if until is None or isinstance(until, date) else date.fromisoformat(until),
            position,
            version,
        )
        for disclosure_id, until, position, version in rows
    ]


def newest_sealed(connection: Connection, subject_tag: str, *, limit: int) -> list[tuple[str, str]]:
    """(disclosure id in hex, sealed identifying fields) of a person's newest disclosures."""
    rows = connection.execute(
        select(disclosures.c.disclosure_id, disclosures.c.sealed)
        .where(disclosures.c.subject_tag == subject_tag)
        .order_by(disclosures.c.position.desc())
        .limit(limit)
    )
    return [(row.disclosure_id, row.sealed) for row in rows]


def access_request(connection: Connection, request_id: str) -> dict[str, Any] | None:
    """One access request's row (its reference still sealed), or None."""
    row = (
        connection.execute(
            select(access_requests).where(access_requests.c.request_id == request_id)
        )
        .mappings()
        .first()
    )
    return None if row is None else dict(row)


def access_requests_queue(connection: Connection, *, state: str | None) -> list[dict[str, Any]]:
    """The officer's queue: open requests first, each group by the deadline that applies."""
    due = func.coalesce(access_requests.c.due_extended, access_requests.c.due)
    query = select(access_requests).order_by(
        (access_requests.c.state != "open"), due, access_requests.c.position
    )
    if state is not None:
        query = query.where(access_requests.c.state == state)
    return [dict(row) for row in connection.execute(query).mappings()]


# Every read model of a person's own aggregates (beside their disclosures), by its id column:
# a new kind of aggregate in a person's chain joins here, and their proof bundle finds it (as a
# new per-person table joins `tables.PERSON_ROWS`, which a person's erasure empties).
PERSON_AGGREGATES: tuple[tuple[Table, str], ...] = (
    (access_requests, "request_id"),
    (recipient_notices, "notice_id"),
    (consents, "consent_id"),
    (restrictions, "restriction_id"),
    (employment_ends, "record_id"),
    (erasures, "erasure_id"),
)


def aggregate_ids_of_subject(connection: Connection, subject_tag: str) -> list[str]:
    """The ids (hex) of all a person's aggregates but their disclosures, in one statement."""
    parts = [
        select(table.c[column].label("aggregate_id")).where(table.c.subject_tag == subject_tag)
        for table, column in PERSON_AGGREGATES
    ]
    return list(connection.execute(union_all(*parts)).scalars())


@dataclass(frozen=True, slots=True)
class ExtensionRow:
    """One extended access request of a person, its reason still sealed (bound to the request's
    `version` that extended it)."""

    request_id: str
    version: int
    received_on: date
    due_extended: date
    sealed_reason: str
    told_on: date | None


def extensions_of_subject(connection: Connection, subject_tag: str) -> list[ExtensionRow]:
    """A person's extended access requests, oldest first: what their overview says about each
    extension."""
    rows = connection.execute(
        select(
            access_requests.c.request_id,
            access_requests.c.extension_version,
            access_requests.c.received_on,
            access_requests.c.due_extended,
            access_requests.c.sealed_extension_reason,
            access_requests.c.told_on,
        )
        .where(
            access_requests.c.subject_tag == subject_tag,
            access_requests.c.due_extended.is_not(None),
        )
        .order_by(access_requests.c.position)
    )
    return [
        ExtensionRow(
            row.request_id,
            row.extension_version,
            row.received_on,
            row.due_extended,
            row.sealed_extension_reason,
            row.told_on,
        )
        for row in rows
    ]


def suppressions_ending(
    connection: Connection, *, since: date, until: date
) -> list[dict[str, Any]]:
    """Disclosures whose `suppressed_until` falls from `since` to `until`, soonest first, as
    `disclosure_row`s (their identifying fields still sealed)."""
    rows = connection.execute(
        whole_disclosures.where(disclosures.c.suppressed_until.between(since, until)).order_by(
            disclosures.c.suppressed_until, disclosures.c.position
        )
    ).mappings()
    return [disclosure_row(row) for row in rows]


def first_record_at(connection: Connection) -> datetime | None:
    """When the ledger's first recorded disclosure happened: where the register starts (by
    position, the primary key, so no scan)."""
    return connection.execute(
        select(disclosures.c.occurred_at).order_by(disclosures.c.position).limit(1)
    ).scalar_one_or_none()


def latest_request_of_subject(connection: Connection, subject_tag: str) -> Any | None:
    """A person's most recent access request (request_id, received_on, sealed_reference):
    what their overview answers."""
    return connection.execute(
        select(
            access_requests.c.request_id,
            access_requests.c.received_on,
            access_requests.c.sealed_reference,
        )
        .where(access_requests.c.subject_tag == subject_tag)
        .order_by(access_requests.c.position.desc())
        .limit(1)
    ).first()
