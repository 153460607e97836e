"""Failed authentications per client address, in the database so that every server worker and
process counts the same failures. Rows live only as long as the counting window; nothing of
the presented secret is stored. How many failures are too many is `ledger.app.authentication`'s
rule.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Connection, Index, String, Table, delete, insert, select

from ledger.adapters.column_types import UTCDateTime
from ledger.adapters.database import BIG_ID, metadata

auth_failures = Table(
    "auth_failures",
    metadata,
    Column("id", BIG_ID, primary_key=True),
    # An IPv4 address, or an IPv6 /64 network (one subscriber's usual share).
    Column("address", String(64), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Index("auth_failures_address_at", "address", "at"),
    Index("auth_failures_at", "at"),
)


def failures_since(connection: Connection, address: str, since: datetime) -> list[datetime]:
    """When this address failed after `since`, oldest first."""
    rows = connection.execute(
        select(auth_failures.c.at)
        .where(auth_failures.c.address == address, auth_failures.c.at > since)
        .order_by(auth_failures.c.at)
    )
    return [row.at for row in rows]


def record(connection: Connection, address: str, *, at: datetime, forget_before: datetime) -> None:
    """One failure of this address; failures older than `forget_before` are dropped on the way,
    so the table holds only what the window still counts."""
    connection.execute(delete(auth_failures).where(auth_failures.c.at <= forget_before))
    connection.execute(insert(auth_failures).values(address=address[:64], at=at))
