"""The restrictions of processing (Art. 18) a batch of disclosures falls under, looked up for
the recording service in one query for the whole batch's people."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, bindparam, select

from ledger.adapters.vault import SubjectVault
from ledger.domain.restriction import RestrictionState
from ledger.domain.suppression import dutch_date
from ledger.domain.values import DisclosureFacts
from ledger.projections.tables import restrictions

# Built once: every recording asks it.
_ENDING_FROM = select(
    restrictions.c.subject_tag,
    restrictions.c.since,
    restrictions.c.until,
    restrictions.c.lifted_at,
).where(restrictions.c.until >= bindparam("earliest"))


def recorded_restrictions(
    connection: Connection,
    vault: SubjectVault,
    items: Sequence[DisclosureFacts],
    *,
    now: datetime,
) -> list[list[RestrictionState]]:
    """Per item, the restrictions recorded for its person that end on or after the day it
    occurred (lifted ones too: a backdated disclosure may fall before the lifting). Call
    inside the write transaction that records them."""
    if not items:
        return []
    earliest = min(dutch_date(facts.occurred_at) for facts in items)
    # Restrictions are rare: one indexed query over those that could matter at all, and the
    # people's keys only when there are any.
    rows = connection.execute(_ENDING_FROM, {"earliest": earliest}).all()
    if not rows:
        return [[] for _ in items]
    by_tag: dict[str, list[RestrictionState]] = {}
    for row in rows:
        by_tag.setdefault(row.subject_tag, []).append(
            RestrictionState(since=row.since, until=row.until, lifted_at=row.lifted_at)
        )
    # The batch's people get their vault entries here rather than a moment later in the same
    # transaction; a refusal rolls both back.
    keys = vault.keys_for(connection, {facts.subject.id for facts in items}, now=now)
    return [by_tag.get(keys[facts.subject.id].tag, []) for facts in items]
