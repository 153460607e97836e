"""The read models of the register of processing activities: a row per activity (its current
version) and a row per version, written from their events inside the transaction that stores
them (and by a rebuild)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from sqlalchemy import Connection, insert, update

from ledger.domain.activity import EVENTS, ProcessingActivity
from ledger.projections.tables import activities, activity_versions

__all__ = ["EVENTS", "project"]


def project(connection: Connection, position: int, event: Any) -> None:
    content = event.content
    code = content["code"]
    valid_from = date.fromisoformat(content["valid_from"])
    valid_until = (
        None if content["valid_until"] is None else date.fromisoformat(content["valid_until"])
    )
    as_json = json.dumps(content, sort_keys=True, ensure_ascii=False)
    connection.execute(
        insert(activity_versions).values(
            code=code,
            version=event.originator_version,
            position=position,
            valid_from=valid_from,
            valid_until=valid_until,
            content=as_json,
            reason=event.reason,
            actor=event.actor,
            recorded_at=event.timestamp,
        )
    )
    current = {
        "current_version": event.originator_version,
        "content": as_json,
        "valid_from": valid_from,
        "valid_until": valid_until,
        "revised_at": event.timestamp,
    }
    if isinstance(event, ProcessingActivity.ActivityDefined):
        connection.execute(
            insert(activities).values(
                code=code,
                activity_id=event.originator_id.hex,
                defined_at=event.timestamp,
                **current,
            )
        )
    else:
        connection.execute(update(activities).where(activities.c.code == code).values(**current))
