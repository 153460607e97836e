"""The read model of employment ends: one row per recording, written from its event inside the
transaction that stores it (and by a rebuild); and the queries over it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import Connection, func, insert, select

from ledger.adapters.database import chunks
from ledger.domain.employment import EVENTS
from ledger.projections.tables import employment_ends

__all__ = ["EVENTS", "ends_of_tag", "latest_ends", "project", "record_ids_of_subject"]


def project(connection: Connection, position: int, event: Any) -> None:
    connection.execute(
        insert(employment_ends).values(
            record_id=event.originator_id.hex,
            subject_tag=event.subject_tag,
            position=position,
            ended_on=date.fromisoformat(event.ended_on),
            actor=event.actor,
            recorded_at=event.timestamp,
        )
    )


def ends_of_tag(connection: Connection, subject_tag: str) -> list[dict[str, Any]]:
    """Every recorded end of one person, oldest recording first (the last one counts)."""
    rows = connection.execute(
        select(employment_ends)
        .where(employment_ends.c.subject_tag == subject_tag)
        .order_by(employment_ends.c.position)
    )
    return [dict(row) for row in rows.mappings()]


def latest_end(connection: Connection, subject_tag: str) -> date | None:
    ends = ends_of_tag(connection, subject_tag)
    return ends[-1]["ended_on"] if ends else None


def latest_ends(connection: Connection, tags: Iterable[str] | None = None) -> dict[str, date]:
    """The end that counts (the latest recording) per person: of these tags, or of everyone."""
    latest = (
        select(employment_ends.c.subject_tag, func.max(employment_ends.c.position).label("last"))
        .group_by(employment_ends.c.subject_tag)
        .subquery()
    )
    query = select(employment_ends.c.subject_tag, employment_ends.c.ended_on).join(
        latest,
        (latest.c.subject_tag == employment_ends.c.subject_tag)
        & (latest.c.last == employment_ends.c.position),
    )
    if tags is None:
        return {row.subject_tag: row.ended_on for row in connection.execute(query)}
    found: dict[str, date] = {}
    for part in chunks(sorted(set(tags))):
        rows = connection.execute(query.where(employment_ends.c.subject_tag.in_(part)))
        found.update({row.subject_tag: row.ended_on for row in rows})
    return found


def record_ids_of_subject(connection: Connection, subject_tag: str) -> list[str]:
    rows = connection.execute(
        select(employment_ends.c.record_id).where(employment_ends.c.subject_tag == subject_tag)
    )
    return [row.record_id for row in rows]
