"""Queries over consents and suppressions, returning plain data (no sealed field opened)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import Connection, select

from ledger.adapters.database import chunks
from ledger.projections.tables import consents, disclosures


def consents_of_tags(connection: Connection, tags: Iterable[str]) -> list[dict[str, Any]]:
    """Every consent of these people, in as few statements as the database allows (one for any
    batch of up to a chunk's size of people)."""
    found: list[dict[str, Any]] = []
    for part in chunks(sorted(set(tags))):
        rows = connection.execute(
            select(consents).where(consents.c.subject_tag.in_(part)).order_by(consents.c.position)
        )
        found += [dict(row) for row in rows.mappings()]
    return found


def consent(connection: Connection, consent_id: str) -> dict[str, Any] | None:
    row = connection.execute(select(consents).where(consents.c.consent_id == consent_id)).first()
    return None if row is None else dict(row._mapping)


def suppressions(connection: Connection, *, since: date | None = None) -> list[dict[str, Any]]:
    """Disclosures with a suppression, by the date it ends; `since`: those ending on or after it.
    Tags and dates only: nothing here names a person."""
    query = select(
        disclosures.c.disclosure_id,
        disclosures.c.subject_tag,
        disclosures.c.suppressed_until,
        disclosures.c.suppression_authority,
        disclosures.c.retracted,
    ).where(disclosures.c.suppressed_until.is_not(None))
    if since is not None:
        query = query.where(disclosures.c.suppressed_until >= since)
    rows = connection.execute(
        query.order_by(disclosures.c.suppressed_until, disclosures.c.position)
    )
    return [dict(row) for row in rows.mappings()]
