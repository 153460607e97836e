"""PostgreSQL's partitions: the event log and leaves by position range, grown by the ledger as
it writes; per-person read models by tag hash; every guarantee kept, and plans that prune."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from ledger.adapters.partitions import EVENT_KEYS, explain
from ledger.app import Ledger
from ledger.app.integrity import BundleScope
from ledger.bootstrap import build_ledger
from ledger.cli import main
from ledger.domain.values import Source
from ledger.projections import queries, tables
from ledger.settings import Settings
from tests.builders import a_disclosure, to_inlener
from tests.conftest import TEST_MASTER_KEY, Backend, FixedClock

pytestmark = pytest.mark.parametrize("backend", ["postgres"], indirect=True)

SIZE = 10  # positions per range partition: a few batches cross several


@pytest.fixture
def settings(backend: Backend, tmp_path: Path) -> Settings:
    return Settings(
        database_url=backend.url,
        var_dir=tmp_path / "var",
        master_key=TEST_MASTER_KEY,
        partition_size=SIZE,
        hash_partitions=4,
    )


@pytest.fixture
def ledger(settings: Settings, clock: FixedClock) -> Iterator[Ledger]:
    app = build_ledger(settings)
    app.clock = clock
    try:
        yield app
    finally:
        app.close()


def scalar(ledger: Ledger, sql: str, **params: object) -> object:
    with ledger.database.read_engine.connect() as connection:
        return connection.execute(sa.text(sql), params).scalar()


def partitions_of(ledger: Ledger, table: str) -> dict[str, str]:
    """Each partition's name and bounds."""
    with ledger.database.read_engine.connect() as connection:
        rows = connection.execute(
            sa.text(
                "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i "
                "JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = to_regclass(:t)"
            ),
            {"t": table},
        )
        return {str(name): str(bound) for name, bound in rows}


def record(ledger: Ledger, count: int, *, first: int = 1) -> None:
    ledger.recording.record_batch(
        [
            a_disclosure(n % 5 + 1, source=Source("payroll", f"run/{n}"))
            for n in range(first, first + count)
        ],
        actor="payroll",
    )


def test_a_new_database_is_partitioned_by_range_and_by_hash(ledger: Ledger) -> None:
    for table in ("ledger_events", "ledger_leaves"):
        assert scalar(ledger, "SELECT relkind FROM pg_class WHERE oid = to_regclass(:t)", t=table)
        assert partitions_of(ledger, table) == {
            f"{table}_default": "DEFAULT",
            f"{table}_from_0": "FOR VALUES FROM ('0') TO ('10')",
        }
    for table in ("read_disclosures", "read_subject_recipients"):
        assert sorted(partitions_of(ledger, table)) == [f"{table}_h{r}" for r in range(4)]
    kinds = {
        table: scalar(ledger, "SELECT relkind FROM pg_class WHERE oid = to_regclass(:t)", t=table)
        for table in ("ledger_events", "ledger_leaves", "read_disclosures", EVENT_KEYS)
    }
    assert kinds == {
        "ledger_events": "p",
        "ledger_leaves": "p",
        "read_disclosures": "p",
        EVENT_KEYS: "r",
    }


def test_writes_grow_the_range_partitions_ahead_and_never_use_the_default(ledger: Ledger) -> None:
    for start in (1, 8, 15):  # 7 events a batch; the margin is 2 positions
        record(ledger, 7, first=start)
    ledger.recording.record(to_inlener(1), actor="planning")
    assert scalar(ledger, "SELECT max(id) FROM ledger_events") == 22
    for table, key in (("ledger_events", "id"), ("ledger_leaves", "idx")):
        assert sorted(partitions_of(ledger, table)) == sorted(
            [f"{table}_default", *(f"{table}_from_{lower}" for lower in (0, 10, 20))]
        )
        assert scalar(ledger, f"SELECT count(*) FROM {table}_default") == 0  # noqa: S608
        for lower in (0, 10, 20):
            outside = scalar(
                ledger,
                f"SELECT count(*) FROM {table}_from_{lower} "  # noqa: S608
                f"WHERE {key} < :lower OR {key} >= :upper",
                lower=lower,
                upper=lower + SIZE,
            )
            assert outside == 0
    assert scalar(ledger, "SELECT count(*) FROM ledger_events_from_10") == 10
    assert ledger.integrity.verify().ok


def test_a_write_far_from_the_next_bound_asks_the_catalog_nothing(ledger: Ledger) -> None:
    record(ledger, 3)  # positions 1-3, the bound at 10, the margin 2: nothing due until 8
    sent: list[str] = []
    with ledger.database.write_engine.begin() as connection:
        sa.event.listen(connection, "before_cursor_execute", lambda *a: sent.append(a[2]))
        ledger.database.extend_partitions(connection, 7)
        assert sent == []
        ledger.database.extend_partitions(connection, 8)
        assert any("CREATE TABLE" in statement for statement in sent)
        # The short wait for readers was for making the partitions, not for the rest of the write.
        assert connection.execute(sa.text("SHOW lock_timeout")).scalar_one() == "5s"


def test_a_reader_holding_the_leaves_defers_their_partition_without_failing_the_write(
    ledger: Ledger,
) -> None:
    record(ledger, 7)  # positions 1-7: the next partitions are due from position 8
    with ledger.database.read_engine.connect() as reader:
        reader.execute(sa.text("SELECT count(*) FROM ledger_leaves"))  # holds it until the end
        record(ledger, 1, first=8)
        made = partitions_of(ledger, "ledger_events")
        assert "ledger_events_from_10" in made
        assert "ledger_leaves_from_10" not in partitions_of(ledger, "ledger_leaves")
    record(ledger, 1, first=9)
    assert "ledger_leaves_from_10" in partitions_of(ledger, "ledger_leaves")
    assert ledger.integrity.verify().ok


def test_an_event_key_taken_in_an_earlier_partition_is_refused(ledger: Ledger) -> None:
    """The exactly-once guarantee: (originator_id, originator_version) is unique across the
    whole log, not only within a partition."""
    record(ledger, 3)
    with ledger.database.read_engine.connect() as connection:
        originator, topic, state = connection.execute(
            sa.text("SELECT originator_id, topic, state FROM ledger_events WHERE id = 1")
        ).one()
    with (
        pytest.raises(sa.exc.IntegrityError, match=EVENT_KEYS),
        ledger.database.write_engine.begin() as connection,
    ):
        connection.execute(
            sa.text(
                "INSERT INTO ledger_events (id, originator_id, originator_version, topic, state)"
                " VALUES (25, :o, 1, :t, :s)"
            ),
            {"o": originator, "t": topic, "s": state},
        )
    assert scalar(ledger, "SELECT count(*) FROM ledger_event_keys") == 3


def test_the_same_source_reference_is_recorded_once_across_partitions(ledger: Ledger) -> None:
    record(ledger, 7)
    record(ledger, 7, first=8)
    again = ledger.recording.record_batch(
        [a_disclosure(2, source=Source("payroll", "run/1"))], actor="payroll"
    )
    assert again[0].position == 1
    assert scalar(ledger, "SELECT count(*) FROM ledger_events") == 14


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE ledger_events_from_0 SET state = state",
        "DELETE FROM ledger_events WHERE id = 1",
        "DELETE FROM ledger_leaves_from_0",
        "TRUNCATE ledger_events",
        "TRUNCATE ledger_events_from_0",
        "TRUNCATE ledger_events_default",
        "TRUNCATE ledger_leaves_from_10",
        "DELETE FROM ledger_event_keys",
        "TRUNCATE ledger_event_keys",
    ],
)
def test_every_partition_of_the_log_refuses_changes(ledger: Ledger, statement: str) -> None:
    record(ledger, 9)
    with (
        pytest.raises(sa.exc.DBAPIError, match="append-only"),
        ledger.database.write_engine.begin() as connection,
    ):
        connection.execute(sa.text(statement))
    assert ledger.integrity.verify().ok


def test_a_rebuild_brings_back_the_partitioned_read_models(ledger: Ledger) -> None:
    record(ledger, 12)
    # Stored as bytes; the queries take the tag as hex text.
    tag = bytes(scalar(ledger, "SELECT subject_tag FROM read_disclosures WHERE position = 1")).hex()
    with ledger.database.read_engine.connect() as connection:
        before = queries.disclosures_of_subject(connection, tag).items
    assert ledger.maintenance.rebuild_projections() == 12
    assert sorted(partitions_of(ledger, "read_disclosures")) == [
        f"read_disclosures_h{r}" for r in range(4)
    ]
    with ledger.database.read_engine.connect() as connection:
        assert queries.disclosures_of_subject(connection, tag).items == before


def test_vacuum_full_scrubs_a_partitioned_table(ledger: Ledger) -> None:
    record(ledger, 5)
    with ledger.database.write_engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM read_disclosures WHERE position < 3"))
    assert ledger.database.scrub(["read_disclosures"])
    kept = scalar(
        ledger,
        "SELECT sum(c.reltuples) FROM pg_partition_tree('read_disclosures') t "
        "JOIN pg_class c ON c.oid = t.relid WHERE t.isleaf",
    )
    assert kept == 3


def test_a_database_made_before_partitions_stays_plain_and_keeps_working(
    settings: Settings, clock: FixedClock
) -> None:
    plain = build_ledger(replace(settings, partitioned=False))
    plain.recording.record(a_disclosure(1), actor="payroll")
    plain.close()
    reopened = build_ledger(settings)
    try:
        reopened.recording.record_batch([a_disclosure(n) for n in range(2, 30)], actor="payroll")
        for table in ("ledger_events", "ledger_leaves", "read_disclosures"):
            kind = scalar(
                reopened, "SELECT relkind FROM pg_class WHERE oid = to_regclass(:t)", t=table
            )
            assert kind == "r"
        assert scalar(reopened, "SELECT to_regclass(:t)", t=EVENT_KEYS) is None
        assert reopened.maintenance.rebuild_projections() == 29
        assert (
            scalar(
                reopened, "SELECT relkind FROM pg_class WHERE oid = 'read_disclosures'::regclass"
            )
            == "r"
        )
        assert reopened.integrity.verify().ok
    finally:
        reopened.close()


def scanned(
    ledger: Ledger, call: Callable[[sa.Connection], object], *, analyze: bool = False
) -> list[set[str]]:
    with ledger.database.read_engine.connect() as connection:
        return [set(plan.scanned) for plan in explain(connection, call, analyze=analyze)]


def tag_at(ledger: Ledger, position: int) -> str:
    """The tag (hex) of the person whose disclosure is at this position."""
    value = scalar(
        ledger, "SELECT subject_tag FROM read_disclosures WHERE position = :p", p=position
    )
    assert isinstance(value, bytes | memoryview)
    return bytes(value).hex()


def test_a_persons_queries_read_one_hash_partition(ledger: Ledger) -> None:
    ledger.recording.record_batch(
        [a_disclosure(n, source=Source("payroll", f"r/{n}")) for n in range(1, 41)],
        actor="payroll",
    )
    tag = tag_at(ledger, 7)
    with ledger.database.read_engine.connect() as connection:
        home = connection.execute(
            sa.text("SELECT tableoid::regclass::text FROM read_disclosures WHERE position = 7")
        ).scalar_one()
    suffix = home.removeprefix("read_disclosures")
    [page] = scanned(ledger, lambda c: queries.disclosures_of_subject(c, tag))
    # With the few shared sets of terms, which are not a person's own.
    assert page == {home, "read_term_sets"}
    [recipients] = scanned(ledger, lambda c: queries.recipients_of_subject(c, tag))
    assert recipients == {f"read_subject_recipients{suffix}"}
    # A change to a disclosure finds its row by its first event, in its person's partition.
    found = scalar(ledger, "SELECT disclosure_id FROM read_disclosures WHERE position = 7")
    assert isinstance(found, bytes | memoryview)
    at = tables.disclosure_at
    [changed] = scanned(
        ledger,
        lambda c: c.execute(tables.whole_disclosures.where(at(c, bytes(found).hex(), tag))),
    )
    assert {name for name in changed if name.startswith("read_disclosures")} == {home}
    # The first event's position, by the log's index in each range partition (the id does not
    # name one).
    log = {name for name in changed if not name.startswith("read_")}
    assert log
    assert all(name.startswith("ledger_events_") for name in log)


def test_leaf_lookups_read_only_the_partitions_of_their_range(ledger: Ledger) -> None:
    for start in (1, 11, 21):
        record(ledger, 10, first=start)
    log = ledger.integrity.log
    [single] = scanned(ledger, lambda c: log.leaves_between(c, 12, 13))
    assert single == {"ledger_leaves_from_10"}
    [span] = scanned(ledger, lambda c: log.leaves_between(c, 5, 15))
    assert span == {"ledger_leaves_from_0", "ledger_leaves_from_10"}
    [events] = scanned(
        ledger,
        lambda c: c.execute(sa.text("SELECT state FROM ledger_events WHERE id = :p"), {"p": 25}),
    )
    assert events == {"ledger_events_from_20"}
    # A bundle's leaves, joined by index: pruned while the join runs, not when it is planned.
    [bundle] = scanned(ledger, lambda c: log.leaves_at(c, [12, 14, 27]), analyze=True)
    assert bundle == {"ledger_leaves_from_10", "ledger_leaves_from_20"}


def test_ledger_db_partition_converts_a_plain_database_keeping_every_guarantee(
    settings: Settings, clock: FixedClock
) -> None:
    plain = build_ledger(replace(settings, partitioned=False))
    plain.recording.record_batch(
        [a_disclosure(n % 4 + 1, source=Source("payroll", f"old/{n}")) for n in range(1, 26)],
        actor="payroll",
    )
    plain.integrity.publish_checkpoint()
    with plain.database.read_engine.connect() as connection:
        tag = bytes(
            connection.execute(
                sa.text("SELECT subject_tag FROM read_disclosures WHERE position = 3")
            ).scalar_one()
        ).hex()
        before = queries.disclosures_of_subject(connection, tag).items
    plain.close()
    env = {
        "LEDGER_DATABASE_URL": settings.database_url,
        "LEDGER_MASTER_KEY": TEST_MASTER_KEY,
        "LEDGER_VAR_DIR": str(settings.var_dir),
        "LEDGER_PARTITION_SIZE": "1000",
        "LEDGER_HASH_PARTITIONS": "4",
    }
    result = CliRunner(env=env).invoke(main, ["db", "partition"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "Partitioned ledger_events, " in result.output
    again = CliRunner(env=env).invoke(main, ["db", "partition"], catch_exceptions=False)
    assert "Nothing to partition" in again.output

    ledger = build_ledger(settings)
    try:
        for table in ("ledger_events", "ledger_leaves", "ledger_subject_heads", "read_disclosures"):
            kind = scalar(
                ledger, "SELECT relkind FROM pg_class WHERE oid = to_regclass(:t)", t=table
            )
            assert kind == "p", table
        assert scalar(ledger, "SELECT count(*) FROM ledger_event_keys") == 25
        assert scalar(ledger, "SELECT to_regclass('ledger_events_plain')") is None
        with ledger.database.read_engine.connect() as connection:
            assert queries.disclosures_of_subject(connection, tag).items == before
        # Exactly once still: the old source references are known, new ones are added.
        receipts = ledger.recording.record_batch(
            [a_disclosure(2, source=Source("payroll", "old/1")), to_inlener(9)],
            actor="payroll",
        )
        assert [r.position for r in receipts] == [1, 26]
        with (
            pytest.raises(sa.exc.DBAPIError, match="append-only"),
            ledger.database.write_engine.begin() as connection,
        ):
            connection.execute(sa.text("TRUNCATE ledger_leaves_from_0"))
        assert ledger.integrity.verify().ok
    finally:
        ledger.close()


def test_a_bundles_events_are_read_from_the_partitions_that_hold_them(ledger: Ledger) -> None:
    """A disclosure with one event is looked up by its position: pruned to the range partitions
    of the person's events, not a probe of every partition of the log."""
    for start in (1, 11, 21, 31):
        record(ledger, 10, first=start)
    with ledger.database.read_engine.connect() as connection:
        refs = queries.disclosure_refs(connection, tag_at(ledger, 7))
    assert refs
    assert all(ref.version == 1 for ref in refs)
    homes = {f"ledger_events_from_{(ref.position // SIZE) * SIZE}" for ref in refs}
    scope = BundleScope(
        disclosure_ids=[ref.disclosure_id for ref in refs],
        withheld=(),
        only_event={ref.disclosure_id: ref.position for ref in refs},
    )
    integrity = ledger.integrity
    [events] = scanned(ledger, lambda c: integrity._events_of(c, scope))
    assert events == homes
    assert len(homes) < len(partitions_of(ledger, "ledger_events")) - 1
