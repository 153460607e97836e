"""Read models as earlier versions of the ledger laid them out, made from today's, for the tests
of the upgrades that bring them up to date."""

from __future__ import annotations

import json
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


def codes_in_rows_of_their_own(connection: sa.Connection) -> None:
    """`read_subject_recipient_terms` as it was before the codes moved into
    `read_subject_recipients`: a row per person, recipient, kind (as a letter) and code."""
    postgres = connection.dialect.name == "postgresql"
    connection.execute(
        sa.text(
            "CREATE TABLE read_subject_recipient_terms ("
            f"subject_tag {'bytea' if postgres else 'BLOB'} NOT NULL, "
            "recipient_key VARCHAR(300) NOT NULL, kind VARCHAR(16) NOT NULL, "
            "code VARCHAR(64) NOT NULL, PRIMARY KEY (subject_tag, recipient_key, kind, code))"
            + ("" if postgres else " WITHOUT ROWID")
        )
    )
    rows = connection.execute(
        sa.text(
            "SELECT subject_tag, recipient_key, data_categories, legal_bases "
            "FROM read_subject_recipients"
        )
    ).all()
    terms = [
        {"tag": row.subject_tag, "key": row.recipient_key, "kind": kind, "code": code}
        for row in rows
        for kind, codes in (("d", row.data_categories), ("b", row.legal_bases))
        for code in json.loads(codes)
    ]
    if terms:
        connection.execute(
            sa.text("INSERT INTO read_subject_recipient_terms VALUES (:tag, :key, :kind, :code)"),
            terms,
        )
    for column in ("data_categories", "legal_bases"):
        connection.execute(sa.text(f"ALTER TABLE read_subject_recipients DROP COLUMN {column}"))
