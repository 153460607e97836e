"""Queries for Art. 19 recipient notices: which recipients received some data of a person, and
the notices and notifications as plain dicts (reasons still sealed)."""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import date
from typing import Any

from sqlalchemy import Connection, and_, select

from ledger.projections.tables import (
    disclosure_rows,
    disclosures,
    recipient_notices,
    recipient_notifications,
    term_sets,
)


def recipients_of_data(
    connection: Connection, subject_tag: str, categories: Collection[str], since: date | None
) -> list[dict[str, Any]]:
    """Every actual recipient that received any of `categories` of this person (on or after
    `since`, the date the data left as the posting system counts it): retracted disclosures
    did not happen. One entry per recipient, in the order they first received it, with the
    affected categories it received and the first and last date."""
    wanted = set(categories)
    query = (
        select(
            term_sets.c.recipient_key,
            disclosures.c.recipient_category,
            term_sets.c.recipient_name,
            term_sets.c.recipient_id,
            term_sets.c.data_categories,
            disclosures.c.occurred_local,
        )
        .select_from(disclosure_rows)
        .where(and_(disclosures.c.subject_tag == subject_tag, ~disclosures.c.retracted))
        .order_by(disclosures.c.occurred_at, disclosures.c.position)
    )
    found: dict[str, dict[str, Any]] = {}
    for row in connection.execute(query):
        day = row.occurred_local[:10]
        if since is not None and day < since.isoformat():
            continue
        received = wanted & set(json.loads(row.data_categories))
        if not received:
            continue
        entry = found.setdefault(
            row.recipient_key,
            {
                "recipient_key": row.recipient_key,
                "category": row.recipient_category,
                "name": row.recipient_name,
                "id": row.recipient_id,
                "data_categories": set(),
                "first_on": day,
                "last_on": day,
            },
        )
        entry["data_categories"] |= received
        entry["first_on"] = min(entry["first_on"], day)
        entry["last_on"] = max(entry["last_on"], day)
    return [
        {**entry, "data_categories": sorted(entry["data_categories"])} for entry in found.values()
    ]


def notice(connection: Connection, notice_id: str) -> dict[str, Any] | None:
    row = (
        connection.execute(
            select(recipient_notices).where(recipient_notices.c.notice_id == notice_id)
        )
        .mappings()
        .first()
    )
    return None if row is None else _notice(row)


def notices_of_subject(connection: Connection, subject_tag: str) -> list[dict[str, Any]]:
    """A person's notices, oldest first."""
    rows = connection.execute(
        select(recipient_notices)
        .where(recipient_notices.c.subject_tag == subject_tag)
        .order_by(recipient_notices.c.position)
    ).mappings()
    return [_notice(row) for row in rows]


def notification(connection: Connection, notification_id: str) -> dict[str, Any] | None:
    row = (
        connection.execute(
            select(recipient_notifications).where(
                recipient_notifications.c.notification_id == notification_id
            )
        )
        .mappings()
        .first()
    )
    return None if row is None else _notification(row)


def notifications(
    connection: Connection,
    *,
    state: str | None = None,
    notice_ids: Collection[str] | None = None,
) -> list[dict[str, Any]]:
    """Notifications oldest notice first, in the notice's own order."""
    query = select(recipient_notifications).order_by(
        recipient_notifications.c.position, recipient_notifications.c.number
    )
    if state is not None:
        query = query.where(recipient_notifications.c.state == state)
    if notice_ids is not None:
        query = query.where(recipient_notifications.c.notice_id.in_(list(notice_ids)))
    return [_notification(row) for row in connection.execute(query).mappings()]


def _notice(row: Any) -> dict[str, Any]:
    result = dict(row)
    result["data_categories"] = json.loads(result["data_categories"])
    return result


def _notification(row: Any) -> dict[str, Any]:
    result = dict(row)
    result["data_categories"] = json.loads(result["data_categories"])
    return result


def notices_with_notifications(connection: Connection, subject_tag: str) -> list[dict[str, Any]]:
    """A person's notices, oldest first, each with its `notifications` (reasons left sealed)."""
    notices = notices_of_subject(connection, subject_tag)
    rows = notifications(connection, notice_ids=[notice["notice_id"] for notice in notices])
    for notice in notices:
        notice["notifications"] = [row for row in rows if row["notice_id"] == notice["notice_id"]]
    return notices
