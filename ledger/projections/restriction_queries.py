"""Queries over restrictions of processing (Art. 18), returning plain data (no sealed field
opened)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import Connection, select

from ledger.adapters.database import chunks
from ledger.projections.tables import restrictions, subject_recipients


def restrictions_of_tags(connection: Connection, tags: Iterable[str]) -> list[dict[str, Any]]:
    """Every restriction of these people, oldest first, in as few statements as the database
    allows (one for any batch of up to a chunk's size of people)."""
    found: list[dict[str, Any]] = []
    for part in chunks(sorted(set(tags))):
        rows = connection.execute(
            select(restrictions)
            .where(restrictions.c.subject_tag.in_(part))
            .order_by(restrictions.c.position)
        )
        found += [dict(row) for row in rows.mappings()]
    return found


def restriction(connection: Connection, restriction_id: str) -> dict[str, Any] | None:
    row = connection.execute(
        select(restrictions).where(restrictions.c.restriction_id == restriction_id)
    ).first()
    return None if row is None else dict(row._mapping)


def not_ended(connection: Connection, *, today: date) -> list[dict[str, Any]]:
    """Restrictions neither lifted nor ended before `today`, soonest end first. Tags and dates
    only: nothing here names a person."""
    rows = connection.execute(
        select(restrictions)
        .where(restrictions.c.until >= today, restrictions.c.lifted_at.is_(None))
        .order_by(restrictions.c.until, restrictions.c.position)
    )
    return [dict(row) for row in rows.mappings()]


def data_categories_of(connection: Connection, subject_tag: str) -> list[str]:
    """Every data category the person's standing disclosures sent anyone, sorted."""
    rows = connection.execute(
        select(subject_recipients.c.data_categories).where(
            subject_recipients.c.subject_tag == subject_tag
        )
    ).scalars()
    return sorted({code for codes in rows for code in json.loads(codes)})
