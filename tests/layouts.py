"""Read models as earlier versions of the ledger laid them out, made from today's, for the tests
of the upgrades that bring them up to date."""

from __future__ import annotations

from collections.abc import Collection

import sqlalchemy as sa

from ledger.projections.tables import TERM_COLUMNS, term_sets


def terms_on_every_row(connection: sa.Connection, *, without: Collection[str] = ()) -> None:
    """`read_disclosures` as it was before `read_term_sets`: each row holding its terms, in
    columns of their own (less those `without`, which an even earlier version lacked)."""
    dialect = connection.dialect
    for name in TERM_COLUMNS:
        if name in without:
            continue
        kind = term_sets.c[name].type.compile(dialect)
        connection.execute(sa.text(f"ALTER TABLE read_disclosures ADD COLUMN {name} {kind}"))
        connection.execute(
            sa.text(
                f"UPDATE read_disclosures SET {name} = (SELECT t.{name} FROM "  # noqa: S608
                "read_term_sets t WHERE t.id = read_disclosures.terms)"
            )
        )
    connection.execute(sa.text("ALTER TABLE read_disclosures DROP COLUMN terms"))
    connection.execute(sa.text("DROP TABLE read_term_sets"))
