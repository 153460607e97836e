"""The disclosures retention judges, as plain data: live ones only (a retracted disclosure never
holds), each on its Dutch local date (the date of `occurred_local`, the posting's own offset, as
the statistics count months). Nothing here names a person: tags, dates and category codes."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator
from datetime import date

from sqlalchemy import Connection, func, select

from ledger.domain.retention import RetainedDisclosure
from ledger.projections.tables import disclosure_rows, disclosures, term_sets

# `occurred_local` is an ISO date-time with the posting's offset: its first ten characters are
# the local date.
_LOCAL_DATE = func.substr(disclosures.c.occurred_local, 1, 10)


def live_disclosures_of_tag(connection: Connection, subject_tag: str) -> list[RetainedDisclosure]:
    rows = connection.execute(
        select(disclosures.c.disclosure_id, _LOCAL_DATE.label("on"), term_sets.c.data_categories)
        .select_from(disclosure_rows)
        .where((disclosures.c.subject_tag == subject_tag) & ~disclosures.c.retracted)
        .order_by(disclosures.c.position)
    )
    return [
        RetainedDisclosure(
            disclosure_id=row.disclosure_id,
            occurred_on=date.fromisoformat(row.on),
            data_categories=tuple(json.loads(row.data_categories)),
        )
        for row in rows
    ]


def latest_per_tag_and_categories(
    connection: Connection,
) -> Iterator[tuple[str, tuple[str, ...], date, int]]:
    """Per person and set of data categories disclosed together: the latest Dutch date and how
    many live disclosures; one grouped statement over every person, ordered by tag.

    The latest date is all retention needs: every period ends later for a later disclosure, and
    a period counting from an employment end needs that end not to predate the latest one."""
    latest = func.max(_LOCAL_DATE).label("latest")
    query = (
        select(
            disclosures.c.subject_tag,
            term_sets.c.data_categories,
            latest,
            func.count().label("number"),
        )
        .select_from(disclosure_rows)
        .where(~disclosures.c.retracted)
        .group_by(disclosures.c.subject_tag, term_sets.c.data_categories)
        .order_by(disclosures.c.subject_tag)
    )
    for row in connection.execute(query):
        yield (
            row.subject_tag,
            tuple(json.loads(row.data_categories)),
            date.fromisoformat(row.latest),
            row.number,
        )


def has_disclosure_under(
    connection: Connection, subject_tag: str, controllers: Collection[str]
) -> bool:
    """Whether a disclosure of this person was recorded for one of these controllers (any
    controller when none is named): how a posting system shows it knows the person."""
    query = select(disclosures.c.position).where(disclosures.c.subject_tag == subject_tag)
    if controllers:
        query = query.select_from(disclosure_rows).where(
            term_sets.c.controller.in_(sorted(controllers))
        )
    return connection.execute(query.limit(1)).first() is not None
