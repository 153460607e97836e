"""What the Art. 30 report counts: actual (not retracted) disclosures per activity, version,
recipient category and month, kept by the projector like the statistics, so the report is a
read of a few hundred rows however many millions of disclosures there are.

A disclosure recorded without an activity counts under activity '' and version 0 (key columns
cannot be NULL). The month is the statistics' month: `occurred_at`'s, in its own offset.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from sqlalchemy import (
    Connection,
    and_,
    delete,
    func,
    insert,
    inspect,
    or_,
    select,
    text,
)

from ledger.adapters.bulk_writes import bulk_write
from ledger.projections.tables import activity_counts, disclosures

CountKey = tuple[str, int, str, str]
KEY = ("activity", "activity_version", "recipient_category", "month")


def count_key(row: Mapping[Any, Any]) -> CountKey:
    """The report's key of a read-model row (or of one with a correction's changes merged)."""
    return (
        row.get("activity") or "",
        row.get("activity_version") or 0,
        row["recipient_category"],
        row["occurred_local"][:7],
    )


def add(connection: Connection, counts: Counter[CountKey]) -> None:
    """Add signed counts; a key whose count falls to zero is no longer a row."""
    rows = [
        {"activity": a, "activity_version": v, "recipient_category": r, "month": m, "count": n}
        for (a, v, r, m), n in sorted(counts.items())
        if n
    ]
    if not rows:
        return
    bulk_write(connection, activity_counts, rows, conflict=KEY, update={"count": "{old} + {new}"})
    emptied = [key for key, n in counts.items() if n < 0]
    if emptied:
        c = activity_counts.c
        connection.execute(
            delete(activity_counts).where(
                and_(
                    c.count <= 0,
                    or_(
                        *(
                            and_(
                                c.activity == a,
                                c.activity_version == v,
                                c.recipient_category == r,
                                c.month == m,
                            )
                            for a, v, r, m in emptied
                        )
                    ),
                )
            )
        )


def upgrade(connection: Connection) -> None:
    """Bring a database from before recording by activity up to it, in the schema transaction:
    the disclosures' read model gains its two columns, and the counts start from what it holds
    (every disclosure recorded so far has no activity)."""
    inspector = inspect(connection)
    if not inspector.has_table(disclosures.name):
        return
    columns = {column["name"] for column in inspector.get_columns(disclosures.name)}
    # With `terms`, the activity is in the disclosure's set of terms (`tables.term_sets`).
    if "activity" in columns or "terms" in columns:
        return
    connection.execute(text(f"ALTER TABLE {disclosures.name} ADD COLUMN activity VARCHAR(64)"))
    connection.execute(text(f"ALTER TABLE {disclosures.name} ADD COLUMN activity_version INTEGER"))
    activity_counts.create(connection, checkfirst=True)
    connection.execute(delete(activity_counts))
    month = func.substr(disclosures.c.occurred_local, 1, 7)
    connection.execute(
        insert(activity_counts).from_select(
            [*KEY, "count"],
            select(
                text("''"),
                text("0"),
                disclosures.c.recipient_category,
                month,
                func.count(),
            )
            .where(~disclosures.c.retracted)
            .group_by(disclosures.c.recipient_category, month),
        )
    )


def counts(
    connection: Connection, *, since_month: str | None = None, until_month: str | None = None
) -> list[tuple[str, int, str, str, int]]:
    """(activity, version, recipient category, month, count) rows, by activity then month;
    activity '' is the disclosures recorded without one. Months inclusive, YYYY-MM."""
    c = activity_counts.c
    clauses = []
    if since_month is not None:
        clauses.append(c.month >= since_month)
    if until_month is not None:
        clauses.append(c.month <= until_month)
    query = (
        select(c.activity, c.activity_version, c.recipient_category, c.month, c.count)
        .where(*clauses)
        .order_by(c.activity, c.month, c.recipient_category, c.activity_version)
    )
    return [(row[0], row[1], row[2], row[3], row[4]) for row in connection.execute(query)]
