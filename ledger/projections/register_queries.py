"""Queries over the register of processing activities, returning its versions as values."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from sqlalchemy import Connection, select, text

from ledger.adapters.driver_reads import keys_table
from ledger.domain.activity import ActivityVersion
from ledger.projections.tables import activities, activity_versions


def _version(row: Mapping[Any, Any]) -> ActivityVersion:
    return ActivityVersion.from_content(
        json.loads(row["content"]),
        version=row["version"],
        reason=row["reason"],
        recorded_at=row["recorded_at"],
    )


def current_versions(connection: Connection) -> list[ActivityVersion]:
    """Each activity's current (newest) version, by code."""
    query = (
        select(activity_versions)
        .join(
            activities,
            (activities.c.code == activity_versions.c.code)
            & (activities.c.current_version == activity_versions.c.version),
        )
        .order_by(activity_versions.c.code)
    )
    return [_version(row) for row in connection.execute(query).mappings()]


def versions(connection: Connection, code: str) -> list[ActivityVersion]:
    """Every version of one activity, oldest first; empty when there is no such activity."""
    query = (
        select(activity_versions)
        .where(activity_versions.c.code == code)
        .order_by(activity_versions.c.version)
    )
    return [_version(row) for row in connection.execute(query).mappings()]


def current_contents(connection: Connection, codes: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The current content of each of these activities that exists, by code."""
    wanted = sorted(set(codes))
    if not wanted:
        return {}
    rows = connection.execute(
        select(activities.c.code, activities.c.content).where(activities.c.code.in_(wanted))
    )
    return {row.code: json.loads(row.content) for row in rows}


def in_force(
    connection: Connection, wanted: Iterable[tuple[str, date]]
) -> dict[tuple[str, date], ActivityVersion | None]:
    """The version of each code in force on each day, in one statement: the newest version
    whose valid_from..valid_until covers the day; None where none does."""
    keys = sorted(set(wanted))
    found: dict[tuple[str, date], ActivityVersion | None] = dict.fromkeys(keys)
    if not keys:
        return found
    derived, params = keys_table(
        connection,
        {"code": "text", "day": "date"},
        [(code, day.isoformat()) for code, day in keys],
    )
    table = activity_versions.name
    query = (
        f"SELECT k.code AS key_code, k.day AS key_day, v.code, v.version, v.content,"  # noqa: S608
        f" v.reason, v.recorded_at FROM {derived} JOIN {table} v ON v.code = k.code"
        " AND v.valid_from <= k.day AND (v.valid_until IS NULL OR v.valid_until >= k.day)"
    )
    column = activity_versions.c
    typed = text(query).columns(
        key_code=column.code.type,
        key_day=column.valid_from.type,
        code=column.code.type,
        version=column.version.type,
        content=column.content.type,
        reason=column.reason.type,
        recorded_at=column.recorded_at.type,
    )
    rows = connection.execute(typed, params)
    for row in rows.mappings():
        key = (row["key_code"], _day(row["key_day"]))
        current = found.get(key)
        if current is None or row["version"] > current.version:
            found[key] = _version(row)
    return found


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))
