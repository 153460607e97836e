"""The read-model tables; each can be dropped and rebuilt from the event log."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import (
    Boolean,
    Column,
    ColumnElement,
    Connection,
    Date,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    and_,
    column,
    inspect,
    select,
    table,
    text,
)

from ledger.adapters.column_types import (
    Base64Bytes,
    CompactUTCDateTime,
    HexBytes,
    UTCDateTime,
    micros,
)
from ledger.adapters.database import BIG_ID, EVENTS_TABLE, metadata

# How earlier versions spelled a term's kind in `read_subject_recipient_terms`.
TERM_KINDS = {"data_category": "d", "legal_basis": "b"}

# What many disclosures share: who the controller is and what kind of person, who receives, what
# data, on which basis, why, to which country and from which system. Stored once per distinct
# set in `read_term_sets`, named by a digest of its values (`terms_id`), instead of on every
# disclosure's row: these columns were half of a `read_disclosures` row (about 270 bytes) and a
# ledger holds few distinct sets (a posting system sends the same terms for a flow of postings).
# `disclosure_rows` joins them back. A set is never changed or deleted: a correction that changes
# a term points its disclosure at another set; a rebuild empties the table with the others.
TERM_COLUMNS = (
    "controller",
    "subject_kind",
    "recipient_key",
    "recipient_name",
    "recipient_id",
    "recipient_country",
    "data_categories",
    "legal_basis",
    "special_category_condition",
    "legal_provision",
    "purpose",
    "transfer_country",
    "transfer_safeguard",
    "source_system",
    # The register's activity and version the disclosure followed (`ledger.domain.by_activity`).
    "activity",
    "activity_version",
)

term_sets = Table(
    "read_term_sets",
    metadata,
    Column("id", LargeBinary(16), primary_key=True, autoincrement=False),
    Column("controller", String(8), nullable=False),
    Column("subject_kind", String(16), nullable=False),
    Column("recipient_key", String(300), nullable=False),
    Column("recipient_name", String(200), nullable=False),
    Column("recipient_id", String(64)),
    Column("recipient_country", String(2)),
    Column("data_categories", Text, nullable=False),
    Column("legal_basis", String(64), nullable=False),
    Column("special_category_condition", String(64)),
    Column("legal_provision", String(300)),
    Column("purpose", String(500), nullable=False),
    Column("transfer_country", String(2)),
    Column("transfer_safeguard", String(64)),
    Column("source_system", String(64), nullable=False),
    Column("activity", String(64)),
    Column("activity_version", Integer),
    sqlite_with_rowid=False,
)
# The projector binds a set as its id and then its values in this order.
assert [column.name for column in term_sets.columns] == ["id", *TERM_COLUMNS]


def terms_id(values: Sequence[Any]) -> bytes:
    """A set of terms' id: the first 16 bytes of SHA-256 over its values in `TERM_COLUMNS`' order,
    each as `-` when NULL or its text's length, `:` and the text, joined by `,` (unambiguous, and
    what `upgrade_terms` computes in the database). The same terms get the same id in every
    process and every rebuild, so a writer needs no lookup to know it."""
    encoded = ",".join("-" if v is None else f"{len(str(v))}:{v}" for v in values)
    return hashlib.sha256(encoded.encode()).digest()[:16]


disclosures = Table(
    "read_disclosures",
    metadata,
    # The log position as key: SQLite then stores rows by it (rowid), one index fewer to write.
    Column("position", BIG_ID, primary_key=True, autoincrement=False),
    # Ids, tags and seals as bytes, not text (`HexBytes`, `Base64Bytes`): the code still sees
    # hex and base64, each row and the two indexes on them are ~110 bytes smaller.
    # Not unique by an index of its own: the id is the log's key of the disclosure's events, and
    # a row is found by id through the log (`disclosure_at`). That index, on a random key, was
    # 25 (SQLite) and 76 (PostgreSQL) bytes a disclosure and a random write into it for each.
    Column("disclosure_id", HexBytes, nullable=False),
    Column("subject_tag", HexBytes, nullable=False),
    # The disclosure's `read_term_sets` row; the category stays here too, for its index.
    Column("terms", LargeBinary(16), nullable=False),
    Column("recipient_category", String(64), nullable=False),
    # A consent is a person's own: a reference per person would make a set per person.
    Column("consent_reference", String(200)),
    Column("occurred_at", CompactUTCDateTime, nullable=False),
    Column("occurred_local", String(40), nullable=False),
    Column("suppressed_until", Date),
    Column("suppression_authority", String(200)),
    Column("restriction_ground", String(64)),
    Column("sealed", Base64Bytes, nullable=False),
    Column("recorded_at", CompactUTCDateTime, nullable=False),
    Column("version", Integer, nullable=False),
    Column("corrections", Integer, nullable=False),
    Column("retracted", Boolean, nullable=False),
    Column("retraction_reason", String(500)),
    Column("updated_at", CompactUTCDateTime, nullable=False),
    Index("read_disclosures_subject", "subject_tag", "occurred_at", "position"),
    Index("read_disclosures_category", "recipient_category", "occurred_at", "position"),
)

_events = table(EVENTS_TABLE, column("id"), column("originator_id"), column("originator_version"))


def disclosure_at(
    connection: Connection, disclosure_id: str, subject_tag: str | None = None
) -> ColumnElement[bool]:
    """Where a disclosure's row is, by its id (hex): the row's key is the position of the
    disclosure's first event, which the event log's own index on (originator_id,
    originator_version) finds. With the person's tag, PostgreSQL reads one hash partition."""
    key = UUID(hex=disclosure_id)
    first = (
        select(_events.c.id)
        .where(
            _events.c.originator_id == (key.bytes if connection.dialect.name == "sqlite" else key),
            _events.c.originator_version == 1,
        )
        .scalar_subquery()
    )
    found = disclosures.c.position == first
    if subject_tag is None:
        return found
    return and_(disclosures.c.subject_tag == subject_tag, found)


def same_row(row: Any) -> ColumnElement[bool]:
    """A disclosure's row that was read before: by its key, and its person's tag (one hash
    partition on PostgreSQL)."""
    return and_(
        disclosures.c.subject_tag == row["subject_tag"], disclosures.c.position == row["position"]
    )


# A disclosure's whole row, as one table held it before its terms were stored apart:
# `whole_disclosures.where(...)`; a query of some columns selects from `disclosure_rows`.
disclosure_rows = disclosures.join(term_sets, disclosures.c.terms == term_sets.c.id)
whole_disclosures = select(
    *(column for column in disclosures.columns if column.name != "terms"),
    *(term_sets.c[name] for name in TERM_COLUMNS),
).select_from(disclosure_rows)


subject_recipients = Table(
    "read_subject_recipients",
    metadata,
    Column("subject_tag", HexBytes, primary_key=True),
    Column("recipient_key", String(300), primary_key=True),
    Column("recipient_category", String(64), nullable=False),
    Column("recipient_name", String(200), nullable=False),
    Column("recipient_id", String(64)),
    Column("recipient_country", String(2)),
    Column("first_at", UTCDateTime, nullable=False),
    Column("last_at", UTCDateTime, nullable=False),
    Column("count", Integer, nullable=False),
    # The data categories and legal bases this recipient received of the person: sorted JSON
    # arrays (`codes_text`), merged in the database when a batch adds to them (`codes_union`),
    # so a write still reads nothing back. (Earlier versions kept a row per code in
    # `read_subject_recipient_terms`: on PostgreSQL 300 bytes a disclosure with its index.)
    Column("data_categories", Text, nullable=False),
    Column("legal_bases", Text, nullable=False),
    sqlite_with_rowid=False,
)
# The table that held a row per code before (`upgrade_recipient_terms`).
RECIPIENT_TERMS = "read_subject_recipient_terms"


def codes_text(codes: Iterable[str]) -> str:
    """Codes as stored: a JSON array, sorted by code point, each once; exactly the text
    `codes_union` makes in either database."""
    return json.dumps(sorted(set(codes)), ensure_ascii=False)


def codes_union(dialect: str, old: str, new: str) -> str:
    """SQL for the union of two stored code arrays, as `codes_text` of both would spell it."""
    # `old` and `new` are column references of our own statements, never values.
    if dialect == "postgresql":
        codes = (
            f"SELECT jsonb_array_elements_text({old}::jsonb) "
            f"UNION SELECT jsonb_array_elements_text({new}::jsonb)"
        )
    else:
        codes = (
            f"SELECT value AS c FROM json_each({old}) "  # noqa: S608 - our own columns
            f"UNION SELECT value FROM json_each({new})"
        )
    return _codes_array(dialect, codes)


def _codes_array(dialect: str, codes: str) -> str:
    """SQL for `codes_text` of the distinct codes a query of one column, `c`, gives (the C
    collation and SQLite's binary one both order by code point)."""
    if dialect == "postgresql":
        return (
            "(SELECT coalesce(json_agg(s.c ORDER BY s.c COLLATE \"C\"), '[]')::text "  # noqa: S608
            f"FROM ({codes}) AS s(c))"
        )
    return (
        "(SELECT '[' || coalesce(group_concat(json_quote(c), ', '), '') || ']' "  # noqa: S608
        f"FROM ({codes} ORDER BY 1))"
    )


statistics = Table(
    "read_statistics",
    metadata,
    Column("month", String(7), primary_key=True),
    Column("controller", String(8), primary_key=True),
    Column("recipient_category", String(64), primary_key=True),
    Column("legal_basis", String(64), primary_key=True),
    Column("count", Integer, nullable=False),
    sqlite_with_rowid=False,
)

# The Art. 30 report's counts (`ledger.projections.activity_counts`): actual disclosures per
# activity, version, recipient category and month; '' and 0 for those without an activity.
activity_counts = Table(
    "read_activity_counts",
    metadata,
    Column("activity", String(64), primary_key=True),
    Column("activity_version", Integer, primary_key=True),
    Column("recipient_category", String(64), primary_key=True),
    Column("month", String(7), primary_key=True),
    Column("count", Integer, nullable=False),
    sqlite_with_rowid=False,
)

# Access requests, the officer's queue: one row per request, its reference and the extension's
# reason sealed for the person (the reason bound to the extension's event, `extension_version`).
access_requests = Table(
    "read_access_requests",
    metadata,
    Column("request_id", String(32), primary_key=True),
    Column("subject_tag", String(32), nullable=False),
    Column("position", BIG_ID, nullable=False),
    Column("received_on", Date, nullable=False),
    Column("channel", String(16), nullable=False),
    Column("sealed_reference", Text),
    Column("state", String(16), nullable=False),
    Column("due", Date, nullable=False),
    Column("due_extended", Date),
    Column("sealed_extension_reason", Text),
    Column("extension_version", Integer),
    Column("told_on", Date),
    Column("identity_verified_at", UTCDateTime),
    Column("opened_at", UTCDateTime, nullable=False),
    Column("closed_at", UTCDateTime),
    Column("version", Integer, nullable=False),
    Index("read_access_requests_queue", "state", "due"),
    Index("read_access_requests_subject", "subject_tag"),
)

# Consents, one row per consent given: the person by tag, the reference sealed with their key
# and found by a lookup keyed with it (`ledger.app.consents`), the withdrawal's reason sealed.
consents = Table(
    "read_consents",
    metadata,
    Column("consent_id", String(32), primary_key=True),
    Column("subject_tag", String(32), nullable=False),
    Column("position", BIG_ID, nullable=False),
    Column("reference_lookup", String(64), nullable=False),
    Column("sealed_reference", Text, nullable=False),
    Column("purpose", String(500), nullable=False),
    Column("given_at", UTCDateTime, nullable=False),
    Column("withdrawn_at", UTCDateTime),
    Column("sealed_reason", Text),
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("version", Integer, nullable=False),
    Index("read_consents_subject", "subject_tag", "reference_lookup"),
)

# Art. 19 notices (a rectification, erasure or restriction) and one notification per recipient
# that received the affected data; reasons sealed for the person.
recipient_notices = Table(
    "read_recipient_notices",
    metadata,
    Column("notice_id", String(32), primary_key=True),
    Column("subject_tag", String(32), nullable=False),
    Column("position", BIG_ID, nullable=False),
    Column("cause", String(16), nullable=False),
    Column("data_categories", Text, nullable=False),
    Column("since", Date),
    Column("recorded_on", Date, nullable=False),
    Column("person_asked", Boolean, nullable=False),
    Column("sealed_reason", Text, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    Index("read_recipient_notices_subject", "subject_tag", "position"),
)

recipient_notifications = Table(
    "read_recipient_notifications",
    metadata,
    Column("notification_id", String(32), primary_key=True),
    Column("notice_id", String(32), nullable=False),
    Column("subject_tag", String(32), nullable=False),
    Column("position", BIG_ID, nullable=False),
    Column("number", Integer, nullable=False),
    Column("recipient_key", String(300), nullable=False),
    Column("recipient_category", String(64), nullable=False),
    Column("recipient_name", String(200), nullable=False),
    Column("recipient_id", String(64)),
    Column("data_categories", Text, nullable=False),
    Column("first_on", Date, nullable=False),
    Column("last_on", Date, nullable=False),
    Column("state", String(16), nullable=False),
    Column("sent_on", Date),
    Column("channel", String(16)),
    Column("sealed_reason", Text),
    Column("marked_at", UTCDateTime),
    Column("marked_by", String(200)),
    Index("read_recipient_notifications_queue", "state", "position", "number"),
    Index("read_recipient_notifications_notice", "notice_id", "number"),
)

# Restrictions of processing (Art. 18), one row per restriction: the person by tag; their id and
# the reasons sealed with their key; the Art. 19 notice recorded with it.
restrictions = Table(
    "read_restrictions",
    metadata,
    Column("restriction_id", String(32), primary_key=True),
    Column("subject_tag", String(32), nullable=False),
    Column("position", BIG_ID, nullable=False),
    Column("since", UTCDateTime, nullable=False),
    Column("until", Date, nullable=False),
    Column("sealed_reason", Text, nullable=False),
    Column("notice_id", String(32)),
    Column("actor", String(200), nullable=False),
    Column("lifted_at", UTCDateTime),
    Column("sealed_lift_reason", Text),
    Column("lifted_by", String(200)),
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("version", Integer, nullable=False),
    Index("read_restrictions_subject", "subject_tag", "position"),
    Index("read_restrictions_until", "until", "position"),
)

# Erasure requests and erasures done, the officer's list: the person by tag only, the reason
# sealed (unreadable once they are erased); kept after erasure as the record of it.
erasures = Table(
    "read_erasures",
    metadata,
    Column("erasure_id", String(32), primary_key=True),
    Column("subject_tag", String(32), nullable=False),
    Column("position", BIG_ID, nullable=False),
    Column("state", String(16), nullable=False),
    Column("requested_on", Date),
    Column("sealed_reason", Text),
    Column("erasable_from", Date),
    Column("holds", Text, nullable=False),
    Column("erased_at", UTCDateTime),
    Column("basis", String(16)),
    Column("disclosures", Integer),
    Column("notice_id", String(32)),
    Column("actor", String(200), nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    Index("read_erasures_state", "state", "erasable_from"),
    Index("read_erasures_subject", "subject_tag"),
)

# The end of a person's employment, one row per recording; the latest (by position) counts.
employment_ends = Table(
    "read_employment_ends",
    metadata,
    Column("record_id", String(32), primary_key=True),
    Column("subject_tag", String(32), nullable=False),
    Column("position", BIG_ID, nullable=False),
    Column("ended_on", Date, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    Index("read_employment_ends_subject", "subject_tag", "position"),
)

# The register of processing activities: one row per activity with its current (newest)
# version, and one per version; `content` is the version as JSON (`ledger.domain.activity`).
activities = Table(
    "read_activities",
    metadata,
    Column("code", String(64), primary_key=True),
    Column("activity_id", String(32), nullable=False, unique=True),
    Column("current_version", Integer, nullable=False),
    Column("content", Text, nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("valid_until", Date),
    Column("defined_at", UTCDateTime, nullable=False),
    Column("revised_at", UTCDateTime, nullable=False),
)

activity_versions = Table(
    "read_activity_versions",
    metadata,
    Column("code", String(64), primary_key=True),
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("position", BIG_ID, nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("valid_until", Date),
    Column("content", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("actor", Text, nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    Index("read_activity_versions_in_force", "code", "valid_from"),
)

READ_MODELS = (
    disclosures,
    term_sets,
    subject_recipients,
    statistics,
    activity_counts,
    access_requests,
    consents,
    recipient_notices,
    recipient_notifications,
    restrictions,
    erasures,
    employment_ends,
    activities,
    activity_versions,
)

# Every read model's rows of one person, as (table, column naming their tag): a person's
# erasure deletes them all (`ledger.projections.erasures`). A new per-person table joins here.
# The notices and their notifications are not here: the erasure's own notice stays.
PERSON_ROWS: tuple[tuple[Table, str], ...] = (
    (disclosures, "subject_tag"),
    (subject_recipients, "subject_tag"),
    (access_requests, "subject_tag"),
    (consents, "subject_tag"),
    (employment_ends, "subject_tag"),
    (restrictions, "subject_tag"),
)


def upgrade(connection: Connection) -> None:
    """Bring a read model of an earlier version up to this one, inside the schema transaction:
    `read_disclosures` gains `restriction_ground`, which no earlier disclosure has, and keeps its
    ids, tags and seals as bytes instead of text."""
    inspector = inspect(connection)
    if not inspector.has_table(disclosures.name):
        return
    if "restriction_ground" not in {c["name"] for c in inspector.get_columns(disclosures.name)}:
        connection.execute(
            text(f"ALTER TABLE {disclosures.name} ADD COLUMN restriction_ground VARCHAR(64)")
        )
    _disclosures_to_bytes(connection)
    if inspector.has_table(subject_recipients.name):
        _tags_to_bytes(connection, subject_recipients.name)
    # The kinds became letters in the same version as the tags became bytes.
    if inspector.has_table(RECIPIENT_TERMS) and _tags_to_bytes(connection, RECIPIENT_TERMS):
        cases = " ".join(f"WHEN '{kind}' THEN '{letter}'" for kind, letter in TERM_KINDS.items())
        connection.execute(
            text(
                f"UPDATE {RECIPIENT_TERMS} "  # noqa: S608 - our own names
                f"SET kind = CASE kind {cases} ELSE kind END"
            )
        )


def _tags_to_bytes(connection: Connection, name: str) -> bool:
    """A per-person summary's hex tags to 16 bytes; whether there were any to convert."""
    if connection.dialect.name == "postgresql":
        types = {c["name"]: c["type"] for c in inspect(connection).get_columns(name)}
        if isinstance(types["subject_tag"], LargeBinary):
            return False
        connection.execute(
            text(
                f"ALTER TABLE {name} ALTER COLUMN subject_tag TYPE bytea "
                "USING decode(subject_tag, 'hex')"
            )
        )
        return True
    # Converted in one statement, so any row tells; ledger_unhex is the engine's own function.
    probe = f"SELECT typeof(subject_tag) FROM {name} LIMIT 1"  # noqa: S608 - our own names
    if connection.execute(text(probe)).scalar() != "text":
        return False
    connection.execute(text(f"UPDATE {name} SET subject_tag = ledger_unhex(subject_tag)"))  # noqa: S608
    return True


# Rows converted per statement by the SQLite upgrade below.
UPGRADE_PAGE = 10_000


def _disclosures_to_bytes(connection: Connection) -> None:
    """Hex ids and tags to 16 bytes, base64 seals to their bytes (and on SQLite, moments from
    text to integer microseconds). PostgreSQL changes the column types; SQLite keeps its declared
    types (a value is stored as it is in any column) and has only its values converted, a page of
    rows at a time."""
    name = disclosures.name
    if connection.dialect.name == "postgresql":
        types = {c["name"]: c["type"] for c in inspect(connection).get_columns(name)}
        if isinstance(types["disclosure_id"], LargeBinary):
            return
        connection.execute(
            text(
                f"ALTER TABLE {name} "
                "ALTER COLUMN disclosure_id TYPE bytea USING decode(disclosure_id, 'hex'), "
                "ALTER COLUMN subject_tag TYPE bytea USING decode(subject_tag, 'hex'), "
                "ALTER COLUMN sealed TYPE bytea USING decode(sealed, 'base64')"
            )
        )
        return
    # The whole table is converted in one transaction, so its first row tells.
    first = connection.execute(
        text(f"SELECT typeof(disclosure_id) FROM {name} ORDER BY position LIMIT 1")  # noqa: S608
    ).scalar()
    if first != "text":
        return
    after = -1
    while True:
        rows = connection.execute(
            text(
                "SELECT position, disclosure_id, subject_tag, sealed, occurred_at, "  # noqa: S608
                f"recorded_at, updated_at FROM {name} "
                "WHERE position > :after "
                f"ORDER BY position LIMIT {UPGRADE_PAGE}"
            ),
            {"after": after},
        ).all()
        if not rows:
            return
        connection.execute(
            text(
                f"UPDATE {name} SET disclosure_id = :id, subject_tag = :tag, "  # noqa: S608
                "sealed = :sealed, occurred_at = :occurred_at, recorded_at = :recorded_at, "
                "updated_at = :updated_at WHERE position = :position"
            ),
            [
                {
                    "position": row.position,
                    "id": bytes.fromhex(row.disclosure_id),
                    "tag": bytes.fromhex(row.subject_tag),
                    "sealed": base64.b64decode(row.sealed),
                    **{
                        column: _micros_of_text(getattr(row, column))
                        for column in ("occurred_at", "recorded_at", "updated_at")
                    },
                }
                for row in rows
            ],
        )
        after = rows[-1].position


def _micros_of_text(value: str) -> int:
    """A naive UTC moment as SQLAlchemy keeps it in SQLite's text, as `CompactUTCDateTime`."""
    return micros(datetime.fromisoformat(value).replace(tzinfo=UTC))


def upgrade_terms(connection: Connection) -> None:
    """Bring a `read_disclosures` that holds its terms on every row (before `read_term_sets`)
    up to this version, inside the schema transaction, after the other upgrades (which give it
    every column a wide row had): each row's terms become the id of their set, computed in the
    database as `terms_id` computes it, the sets are stored once, and the columns go. PostgreSQL
    drops them in place (the space is reused as rows change, or at once by a `VACUUM FULL`);
    SQLite copies the rows into a new table, which it would do for a dropped column anyway."""
    inspector = inspect(connection)
    if not inspector.has_table(disclosures.name):
        return
    if "terms" in {column["name"] for column in inspector.get_columns(disclosures.name)}:
        return
    term_sets.create(connection, checkfirst=True)
    name, terms = disclosures.name, ", ".join(TERM_COLUMNS)
    if connection.dialect.name == "postgresql":
        parts = ", ".join(
            f"CASE WHEN {c} IS NULL THEN '-' ELSE length({c}::text) || ':' || {c}::text END"
            for c in TERM_COLUMNS
        )
        digest = f"substring(sha256(convert_to(concat_ws(',', {parts}), 'UTF8')) from 1 for 16)"
        connection.execute(text(f"ALTER TABLE {name} ADD COLUMN terms bytea"))
        connection.execute(text(f"UPDATE {name} SET terms = {digest}"))  # noqa: S608
        connection.execute(
            text(
                f"INSERT INTO {term_sets.name} (id, {terms}) "  # noqa: S608 - our own names
                f"SELECT DISTINCT terms, {terms} FROM {name}"
            )
        )
        drops = ", ".join(f"DROP COLUMN {c}" for c in TERM_COLUMNS)
        connection.execute(text(f"ALTER TABLE {name} ALTER COLUMN terms SET NOT NULL, {drops}"))
        return
    driver = connection.connection.driver_connection
    assert driver is not None
    driver.create_function(
        "ledger_terms_id", len(TERM_COLUMNS), lambda *values: terms_id(values), deterministic=True
    )
    old = "ledger_upgrade_disclosures"
    connection.execute(text(f"ALTER TABLE {name} RENAME TO {old}"))
    for index in disclosures.indexes:
        connection.execute(text(f"DROP INDEX IF EXISTS {index.name}"))
    disclosures.create(connection)
    connection.execute(
        text(
            f"INSERT OR IGNORE INTO {term_sets.name} (id, {terms}) "  # noqa: S608
            f"SELECT DISTINCT ledger_terms_id({terms}), {terms} FROM {old}"
        )
    )
    own = ", ".join(column.name for column in disclosures.columns if column.name != "terms")
    connection.execute(
        text(
            f"INSERT INTO {name} (terms, {own}) "  # noqa: S608
            f"SELECT ledger_terms_id({terms}), {own} FROM {old}"
        )
    )
    connection.execute(text(f"DROP TABLE {old}"))


def upgrade_recipient_terms(connection: Connection) -> None:
    """Fold `read_subject_recipient_terms` (a row per person, recipient and code, from earlier
    versions) into `read_subject_recipients`' two code arrays, inside the schema transaction,
    after `upgrade` (which gives that table bytes for tags and letters for kinds)."""
    inspector = inspect(connection)
    if not inspector.has_table(RECIPIENT_TERMS):
        return
    name = subject_recipients.name
    if inspector.has_table(name):
        present = {column["name"] for column in inspector.get_columns(name)}
        for column, letter in (("data_categories", "d"), ("legal_bases", "b")):
            if column not in present:
                connection.execute(
                    text(f"ALTER TABLE {name} ADD COLUMN {column} TEXT NOT NULL DEFAULT '[]'")
                )
            codes = (
                f"SELECT t.code AS c FROM {RECIPIENT_TERMS} t "  # noqa: S608 - our own names
                f"WHERE t.subject_tag = {name}.subject_tag "
                f"AND t.recipient_key = {name}.recipient_key AND t.kind = '{letter}'"
            )
            merged = _codes_array(connection.dialect.name, codes)
            connection.execute(text(f"UPDATE {name} SET {column} = {merged}"))  # noqa: S608
    connection.execute(text(f"DROP TABLE {RECIPIENT_TERMS}"))


def upgrade_disclosure_index(connection: Connection) -> None:
    """PostgreSQL: drop the unique constraint on the disclosure id that earlier versions made
    (a row is found by id through the log now, `disclosure_at`), inside the schema transaction:
    a catalog change, instant whatever the table's size. SQLite's is part of the table, which
    keeps it until `ledger projections rebuild` makes the table again."""
    if connection.dialect.name != "postgresql":
        return
    names = connection.execute(
        text(
            "SELECT c.conname FROM pg_constraint c JOIN pg_attribute a "
            "ON a.attrelid = c.conrelid AND a.attnum = ANY(c.conkey) "
            "WHERE c.conrelid = to_regclass(:table) AND c.contype = 'u' "
            "AND a.attname = 'disclosure_id'"
        ),
        {"table": disclosures.name},
    ).scalars()
    for name in list(names):
        connection.execute(text(f'ALTER TABLE {disclosures.name} DROP CONSTRAINT "{name}"'))
