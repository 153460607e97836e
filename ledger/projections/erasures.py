"""The read model of erasures (requests, their schedule, erasures done), and the removal of a
person's read rows when they are erased; written from the events inside the transaction that
stores them, and by a rebuild, so a rebuild after an erasure gives the same rows.

Statistics are not a person's rows: they stay as they were."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, and_, delete, insert, select, update

from ledger.domain.erasure import EVENTS, ErasedSubject, Erasure
from ledger.projections.tables import (
    PERSON_ROWS,
    erasures,
    recipient_notices,
    recipient_notifications,
)

__all__ = ["EVENTS", "erasure", "erasures_in_state", "project", "scheduled_of_subject"]


def project(connection: Connection, position: int, event: Any) -> None:
    if isinstance(event, Erasure.ErasureRequested):
        connection.execute(
            insert(erasures).values(
                erasure_id=event.originator_id.hex,
                subject_tag=event.subject_tag,
                position=position,
                state="requested",
                requested_on=date.fromisoformat(event.requested_on),
                sealed_reason=event.sealed_reason,
                holds="[]",
                actor=event.actor,
                recorded_at=event.timestamp,
            )
        )
    elif isinstance(event, Erasure.ErasureScheduled):
        _update(
            connection,
            event.originator_id.hex,
            state="scheduled",
            erasable_from=None
            if event.erasable_from is None
            else date.fromisoformat(event.erasable_from),
            holds=json.dumps(event.holds),
        )
    elif isinstance(event, Erasure.ErasureCancelled):
        _update(connection, event.originator_id.hex, state="cancelled")
    elif isinstance(event, ErasedSubject.SubjectErased):
        _erased(connection, position, event)


def _update(connection: Connection, erasure_id: str, **values: Any) -> None:
    connection.execute(update(erasures).where(erasures.c.erasure_id == erasure_id).values(**values))


def _erased(connection: Connection, position: int, event: Any) -> None:
    tag = event.subject_tag
    for table, column in PERSON_ROWS:
        connection.execute(delete(table).where(table.c[column] == tag))
    # The erasure's own notice and its notifications stay, so the officer can still tell the
    # recipients and mark it; earlier notices of the person go with their other rows.
    keep = event.notice_id or ""
    connection.execute(
        delete(recipient_notifications).where(
            and_(
                recipient_notifications.c.subject_tag == tag,
                recipient_notifications.c.notice_id != keep,
            )
        )
    )
    connection.execute(
        delete(recipient_notices).where(
            and_(recipient_notices.c.subject_tag == tag, recipient_notices.c.notice_id != keep)
        )
    )
    done = {
        "state": "done",
        "erased_at": datetime.fromisoformat(event.erased_at),
        "basis": event.basis,
        "disclosures": event.disclosures,
        "notice_id": event.notice_id,
    }
    # Every open request of the person is done by this erasure (a retention erasure included).
    connection.execute(
        update(erasures)
        .where(
            and_(erasures.c.subject_tag == tag, erasures.c.state.in_(("requested", "scheduled")))
        )
        .values(**done)
    )
    if event.erasure_id is None:
        connection.execute(
            insert(erasures).values(
                erasure_id=event.originator_id.hex,
                subject_tag=tag,
                position=position,
                holds="[]",
                actor=event.actor,
                recorded_at=event.timestamp,
                **done,
            )
        )


# -- queries ------------------------------------------------------------------------------------


def erasure(connection: Connection, erasure_id: str) -> dict[str, Any] | None:
    row = (
        connection.execute(select(erasures).where(erasures.c.erasure_id == erasure_id))
        .mappings()
        .first()
    )
    return None if row is None else _row(row)


def erasures_in_state(connection: Connection, state: str | None = None) -> list[dict[str, Any]]:
    """Erasures, oldest first; `state` picks `requested`, `scheduled`, `done` or `cancelled`."""
    query = select(erasures).order_by(erasures.c.position)
    if state is not None:
        query = query.where(erasures.c.state == state)
    return [_row(row) for row in connection.execute(query).mappings()]


def scheduled_of_subject(connection: Connection, subject_tag: str) -> dict[str, Any] | None:
    """The person's erasure request still waiting, if any."""
    row = (
        connection.execute(
            select(erasures).where(
                and_(
                    erasures.c.subject_tag == subject_tag,
                    erasures.c.state.in_(("requested", "scheduled")),
                )
            )
        )
        .mappings()
        .first()
    )
    return None if row is None else _row(row)


def due(connection: Connection, today: date) -> list[dict[str, Any]]:
    """Scheduled erasures whose date has come, oldest first."""
    query = (
        select(erasures)
        .where(
            and_(
                erasures.c.state == "scheduled",
                erasures.c.erasable_from.is_not(None),
                erasures.c.erasable_from <= today,
            )
        )
        .order_by(erasures.c.position)
    )
    return [_row(row) for row in connection.execute(query).mappings()]


def _row(row: Any) -> dict[str, Any]:
    result = dict(row)
    result["holds"] = json.loads(result["holds"])
    return result
