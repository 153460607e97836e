"""PostgreSQL's declarative partitions for the big tables: the event log and the leaves by
position RANGE, extended by the ledger ahead of need; per-person read models by HASH of the tag.

SQLite, and a PostgreSQL database made before partitions, keep plain tables (`is_partitioned`).
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from psycopg.errors import LockNotAvailable
from sqlalchemy import (
    Connection,
    Index,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.exc import OperationalError

# Tables that only ever grow by position: their partition key. A leaf's index is its event's
# position - 1, so the same bounds hold both a batch's events and its leaves.
RANGE_KEYS = {"ledger_events": "id", "ledger_leaves": "idx"}
# Tables read per person: partitioned by the hash of the person's tag.
HASH_KEY = "subject_tag"
HASH_TABLES = (
    "read_disclosures",
    "read_subject_recipients",
    "ledger_subject_heads",
)
# (originator_id, originator_version) is unique across the whole event log: eventsourcing's
# optimistic concurrency and the ledger's exactly-once rest on it. A partitioned table's unique
# index can only be unique within a partition, so this unpartitioned table of the keys alone
# carries it, filled by a statement trigger from the inserted rows (COPY included).
EVENT_KEYS = "ledger_event_keys"
DEFAULT_RANGE_SIZE = 1_000_000
DEFAULT_HASH_COUNT = 16
# How long a write waits for readers to let go of a table it would add a partition to.
PARTITION_LOCK_WAIT = "200ms"
_UPPER_BOUND = re.compile(r"TO \('?(-?\d+)'?\)")


@dataclass(frozen=True, slots=True)
class Partitioning:
    """How a new PostgreSQL database is laid out: `range_size` positions per partition of the
    event log and the leaves, `hash_count` partitions per per-person read model; `enabled`
    False makes plain tables, as before partitions."""

    range_size: int = DEFAULT_RANGE_SIZE
    hash_count: int = DEFAULT_HASH_COUNT
    enabled: bool = True

    def __post_init__(self) -> None:
        if self.range_size < 1 or self.hash_count < 1:
            raise ValueError("partition sizes must be positive")

    @property
    def margin(self) -> int:
        """How close a write may come to the last partition's upper bound before the next one
        is made: a quarter of a partition, so a partition is made once, long before it fills."""
        return max(1, self.range_size // 4)


def relkind(connection: Connection, name: str) -> str | None:
    """'p' for a partitioned table, 'r' for a plain one, None when there is none."""
    kind = connection.execute(
        text("SELECT relkind FROM pg_class WHERE oid = to_regclass(:name)"), {"name": name}
    ).scalar()
    return None if kind is None else str(kind)


def is_partitioned(connection: Connection, name: str) -> bool:
    return relkind(connection, name) == "p"


class Partitions:
    """Makes and extends the partitions of one PostgreSQL database."""

    def __init__(self, layout: Partitioning) -> None:
        self.layout = layout
        # The upper bound of the range partitions, as last seen committed: a write below it
        # less the margin costs a comparison, no query. None: look in the catalog.
        self._upper: int | None = None

    def active(self, connection: Connection, events: Table) -> bool:
        """Whether this database is (to be) partitioned: an event log that exists decides
        (a database made before partitions stays plain); a new one follows the setting."""
        kind = relkind(connection, events.name)
        return kind == "p" or (kind is None and self.layout.enabled)

    def create(self, connection: Connection, tables: list[Table], *, next_position: int) -> None:
        """Create those of `tables` that are missing and are partitioned here, with their
        partitions: ranges up to `next_position` plus the margin, and a DEFAULT each."""
        for table in tables:
            if relkind(connection, table.name) is not None:
                continue
            if table.name in RANGE_KEYS:
                key = RANGE_KEYS[table.name]
                _partitioned_copy(table, key, f"RANGE ({key})").create(connection)
                connection.execute(
                    text(f"CREATE TABLE {table.name}_default PARTITION OF {table.name} DEFAULT")
                )
                if table.name == "ledger_events":
                    self._guard_event_keys(connection, table)
            elif table.name in HASH_TABLES:
                _partitioned_copy(table, HASH_KEY, f"HASH ({HASH_KEY})").create(connection)
                for remainder in range(self.layout.hash_count):
                    connection.execute(
                        text(
                            f"CREATE TABLE {table.name}_h{remainder} PARTITION OF {table.name} "
                            f"FOR VALUES WITH (MODULUS {self.layout.hash_count}, "
                            f"REMAINDER {remainder})"
                        )
                    )
        self._upper = None
        self.extend(connection, next_position - 1)

    def extend(self, connection: Connection, last_position: int) -> None:
        """Called under the writer lock before positions up to `last_position` are written:
        when they come within the margin of the range partitions' upper bound, the next
        partitions are made, in the write's own transaction. Free when none is due."""
        if self._upper is not None and last_position + self.layout.margin < self._upper:
            return
        made = busy = False
        lowest: int | None = None
        for name, key in RANGE_KEYS.items():
            if not is_partitioned(connection, name):
                continue
            upper = _upper_bound(connection, name)
            while upper <= last_position + self.layout.margin:
                outcome = self._add_range(connection, name, key, upper)
                if outcome is None:
                    busy = True
                    break
                made = made or outcome
                upper += self.layout.range_size
            lowest = upper if lowest is None else min(lowest, upper)
        # Remembered only when nothing was made or tried in vain: a write that rolls back takes
        # its partitions along, and the next write must look again. A plain database never does.
        if made or busy:
            self._upper = None
        else:
            self._upper = sys.maxsize if lowest is None else lowest

    def _add_range(self, connection: Connection, name: str, key: str, lower: int) -> bool | None:
        """The partition [lower, lower + size); not when the DEFAULT partition already holds a
        row of that range (PostgreSQL would refuse): those rows stay, unpruned but correct.

        Making a partition locks its table against readers; a reader that holds it (a long
        `ledger verify`) is waited for PARTITION_LOCK_WAIT at most, then None: the partition is
        left to a later write (the margin leaves many) instead of failing this one."""
        upper = lower + self.layout.range_size
        stray = connection.execute(
            text(
                f"SELECT 1 FROM {name}_default WHERE {key} >= :lower AND {key} < :upper LIMIT 1"  # noqa: S608
            ),
            {"lower": lower, "upper": upper},
        ).scalar()
        if stray is not None:
            return False
        partition = f"{name}_from_{lower}"
        waited = connection.execute(text("SHOW lock_timeout")).scalar_one()
        connection.exec_driver_sql("SAVEPOINT ledger_partition")
        try:
            connection.execute(
                text("SELECT set_config('lock_timeout', :wait, true)"),
                {"wait": PARTITION_LOCK_WAIT},
            )
            connection.execute(
                text(
                    f"CREATE TABLE IF NOT EXISTS {partition} PARTITION OF {name} "
                    f"FOR VALUES FROM ({lower}) TO ({upper})"
                )
            )
            # A statement trigger on the parent does not fire for a TRUNCATE of one partition.
            _refuse_truncate(connection, partition)
        except OperationalError as error:
            if not isinstance(error.orig, LockNotAvailable):
                raise
            # Undoes the attempt and the shorter lock timeout with it.
            connection.exec_driver_sql("ROLLBACK TO SAVEPOINT ledger_partition")
            return None
        connection.execute(text("SELECT set_config('lock_timeout', :wait, true)"), {"wait": waited})
        connection.exec_driver_sql("RELEASE SAVEPOINT ledger_partition")
        return True

    def _guard_event_keys(self, connection: Connection, events: Table) -> None:
        connection.execute(
            text(
                f"CREATE TABLE {EVENT_KEYS} (originator_id uuid NOT NULL, "
                "originator_version bigint NOT NULL, "
                "PRIMARY KEY (originator_id, originator_version))"
            )
        )
        connection.execute(
            text(
                "CREATE OR REPLACE FUNCTION ledger_event_keys_insert() RETURNS trigger "
                "LANGUAGE plpgsql AS $$ BEGIN INSERT INTO ledger_event_keys "
                "SELECT originator_id, originator_version FROM inserted; RETURN NULL; END $$"
            )
        )
        connection.execute(
            text(
                f"CREATE TRIGGER {events.name}_keys AFTER INSERT ON {events.name} "
                "REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT "
                "EXECUTE FUNCTION ledger_event_keys_insert()"
            )
        )

    def convert(self, connection: Connection, tables: list[Table], *, events: Table) -> list[str]:
        """Partition those of `tables` that are plain (a database made before partitions), in
        the caller's transaction: each is renamed aside, made again partitioned, filled from
        the old one (the event keys too, by their trigger), and the old one dropped. Returns
        the names converted. Every read and write waits meanwhile."""
        converted = []
        last = connection.execute(text(f"SELECT max(id) FROM {events.name}")).scalar() or 0  # noqa: S608
        for table in tables:
            if relkind(connection, table.name) != "r" or table.name not in (
                *RANGE_KEYS,
                *HASH_TABLES,
            ):
                continue
            connection.execute(text(f"LOCK TABLE {table.name} IN ACCESS EXCLUSIVE MODE"))
            aside = f"{table.name}_plain"
            connection.execute(text(f"ALTER TABLE {table.name} RENAME TO {aside}"))
            # Its indexes (and so its constraints) keep their names: move them aside too.
            indexes = connection.execute(
                text(
                    "SELECT indexname FROM pg_indexes WHERE tablename = :t AND schemaname = "
                    "current_schema()"
                ),
                {"t": aside},
            ).scalars()
            for index in list(indexes):
                connection.execute(text(f"ALTER INDEX {index} RENAME TO {index}_plain"))
            self.create(connection, [table], next_position=last + 1)
            names = ", ".join(column.name for column in table.columns)
            connection.execute(
                text(f"INSERT INTO {table.name} ({names}) SELECT {names} FROM {aside}")  # noqa: S608
            )
            connection.execute(text(f"DROP TABLE {aside}"))
            converted.append(table.name)
        return converted

    def protect(self, connection: Connection) -> None:
        """Refuse TRUNCATE on every range partition: the parent's row triggers pass to its
        partitions, its statement triggers do not."""
        for name in RANGE_KEYS:
            for partition in _partitions(connection, name):
                _refuse_truncate(connection, partition)


def _partitioned_copy(table: Table, key: str, partition_by: str) -> Table:
    """`table` as a partitioned table: the partition key joins its primary key and every
    unique constraint (PostgreSQL's rule), except the event log's (originator_id,
    originator_version), which becomes a plain index and is guarded by EVENT_KEYS."""
    copy = table.to_metadata(MetaData())
    column = copy.c[key]
    if column not in copy.primary_key.columns.values():
        column.primary_key = True
        copy.append_constraint(PrimaryKeyConstraint(*copy.primary_key.columns, column))
    for constraint in list(copy.constraints):
        if (
            isinstance(constraint, UniqueConstraint)
            and not isinstance(constraint, PrimaryKeyConstraint)
            and column not in constraint.columns.values()
        ):
            copy.constraints.discard(constraint)
            for member in constraint.columns:
                member.unique = False
            copy.append_constraint(UniqueConstraint(*constraint.columns, column))
    for index in list(copy.indexes):
        if index.unique and column not in index.columns.values():
            copy.indexes.discard(index)
            guarded = copy.name == "ledger_events"
            columns = [*index.columns] if guarded else [*index.columns, column]
            Index(index.name, *columns, unique=not guarded, _table=copy)
    copy.dialect_options["postgresql"]["partition_by"] = partition_by
    return copy


def _refuse_truncate(connection: Connection, name: str) -> None:
    connection.execute(
        text(
            f"CREATE OR REPLACE TRIGGER {name}_append_only_statement BEFORE TRUNCATE ON {name} "
            "FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only()"
        )
    )


def _partitions(connection: Connection, name: str) -> list[str]:
    rows = connection.execute(
        text(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = to_regclass(:name) ORDER BY c.relname"
        ),
        {"name": name},
    )
    return [str(row[0]) for row in rows]


def _upper_bound(connection: Connection, name: str) -> int:
    """The highest upper bound of `name`'s range partitions (0 when it has none yet)."""
    bounds = connection.execute(
        text(
            "SELECT pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i "
            "JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = to_regclass(:name)"
        ),
        {"name": name},
    ).scalars()
    uppers = [int(match.group(1)) for bound in bounds if (match := _UPPER_BOUND.search(bound))]
    return max(uppers, default=0)


# -- plans ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Plan:
    """One statement a call ran, and the tables (partitions) its plan reads."""

    statement: str
    scanned: tuple[str, ...]
    plan: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        return {"statement": self.statement, "scanned": list(self.scanned), "plan": self.plan}


def explain(
    connection: Connection, call: Callable[[Connection], object], *, analyze: bool = False
) -> list[Plan]:
    """Run `call(connection)` (a query function), then EXPLAIN every SELECT it sent, with the
    same parameters: which partitions each one reads. Pruned at planning, the others are not
    in the plan; pruned while running (a join's keys), they are only with `analyze`, which
    runs the statement again and keeps the partitions it did read. For tests and benchmarks."""
    with _recording(connection) as sent:
        call(connection)
    options = "ANALYZE, FORMAT JSON" if analyze else "FORMAT JSON"
    plans = []
    for statement, parameters in sent:
        result = connection.exec_driver_sql(f"EXPLAIN ({options}) {statement}", parameters)
        raw = result.scalar_one()
        document = json.loads(raw) if isinstance(raw, str) else raw
        plan = document[0]["Plan"]
        plans.append(Plan(statement, tuple(sorted(set(_relations(plan)))), plan))
    return plans


@contextmanager
def _recording(connection: Connection) -> Iterator[list[tuple[str, Any]]]:
    sent: list[tuple[str, Any]] = []

    def record(
        _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, many: bool
    ) -> None:
        if not many and statement.lstrip().upper().startswith(("SELECT", "WITH")):
            sent.append((statement, parameters))

    event.listen(connection, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(connection, "before_cursor_execute", record)


def _relations(plan: dict[str, Any]) -> Iterator[str]:
    if plan.get("Actual Loops") == 0:  # pruned while running: "never executed"
        return
    if "Relation Name" in plan:
        yield str(plan["Relation Name"])
    for child in plan.get("Plans", ()):
        yield from _relations(child)
