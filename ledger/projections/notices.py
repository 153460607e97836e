"""The read models of Art. 19 recipient notices: one row per notice, one per notification,
written from their events inside the transaction that stores them (and by a rebuild)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from sqlalchemy import Connection, insert, update

from ledger.domain.recipient_notice import EVENTS, RecipientNotice
from ledger.projections.tables import recipient_notices, recipient_notifications

__all__ = ["EVENTS", "project"]

_MARKED = {
    RecipientNotice.RecipientNotified: "sent",
    RecipientNotice.RecipientNoticeImpossible: "impossible",
    RecipientNotice.RecipientNoticeDisproportionate: "disproportionate",
}


def project(connection: Connection, position: int, event: Any) -> None:
    if isinstance(event, RecipientNotice.RecipientNoticeRecorded):
        _recorded(connection, position, event)
        return
    values: dict[str, Any] = {
        "state": _MARKED[type(event)],
        "marked_at": event.timestamp,
        "marked_by": event.actor,
    }
    if isinstance(event, RecipientNotice.RecipientNotified):
        values.update(sent_on=date.fromisoformat(event.sent_on), channel=event.channel)
    else:
        values["sealed_reason"] = event.sealed_reason
    connection.execute(
        update(recipient_notifications)
        .where(recipient_notifications.c.notification_id == event.notification_id)
        .values(**values)
    )


def _recorded(connection: Connection, position: int, event: Any) -> None:
    notice_id = event.originator_id.hex
    connection.execute(
        insert(recipient_notices).values(
            notice_id=notice_id,
            subject_tag=event.subject_tag,
            position=position,
            cause=event.cause,
            data_categories=json.dumps(event.data_categories),
            since=None if event.since is None else date.fromisoformat(event.since),
            recorded_on=date.fromisoformat(event.recorded_on),
            person_asked=event.person_asked,
            sealed_reason=event.sealed_reason,
            actor=event.actor,
            recorded_at=event.timestamp,
        )
    )
    rows = [
        {
            "notification_id": recipient["notification_id"],
            "notice_id": notice_id,
            "subject_tag": event.subject_tag,
            "position": position,
            "number": number,
            "recipient_key": recipient["recipient_key"],
            "recipient_category": recipient["category"],
            "recipient_name": recipient["name"],
            "recipient_id": recipient["id"],
            "data_categories": json.dumps(recipient["data_categories"]),
            "first_on": date.fromisoformat(recipient["first_on"]),
            "last_on": date.fromisoformat(recipient["last_on"]),
            "state": "to_send",
        }
        for number, recipient in enumerate(event.recipients)
    ]
    if rows:
        connection.execute(insert(recipient_notifications), rows)
