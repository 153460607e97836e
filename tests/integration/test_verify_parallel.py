"""`ledger verify` in parallel ranges and since the last verified checkpoint, on both backends:
the same findings as one pass in log order, and only the new part read."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from ledger.adapters.state_codec import pack, unpack
from ledger.app import Ledger
from ledger.cli import main
from ledger.domain.values import Source
from ledger.integrity import verify as verify_module
from ledger.integrity.verify import Report
from ledger.settings import Settings
from tests.builders import a_disclosure
from tests.conftest import TEST_MASTER_KEY
from tests.integration.test_integrity import fill, tamper

# Ranges of 4 positions: the twelve events of `fill` span three of them, so chains, subtrees
# and checkpoints cross range boundaries.
SMALL = 2


def serial(ledger: Ledger, **options: Any) -> Report:
    return ledger.integrity.verify(workers=1, chunk_level=40, **options)


def parallel(ledger: Ledger, **options: Any) -> Report:
    return ledger.integrity.verify(workers=2, chunk_level=SMALL, **options)


def tamper_node(ledger: Ledger, level: int, index: int) -> None:
    with ledger.database.write_engine.begin() as connection:
        if ledger.database.is_sqlite:
            connection.execute(sa.text("DROP TRIGGER ledger_nodes_no_update"))
        else:
            connection.execute(sa.text("ALTER TABLE ledger_nodes DISABLE TRIGGER USER"))
        connection.execute(
            sa.text("UPDATE ledger_nodes SET hash = :h WHERE level = :l AND idx = :i"),
            {"h": bytes(32), "l": level, "i": index},
        )
        if not ledger.database.is_sqlite:
            connection.execute(sa.text("ALTER TABLE ledger_nodes ENABLE TRIGGER USER"))
    if ledger.database.is_sqlite:
        ledger.create_schema()


def more(ledger: Ledger, count: int, *, start: int = 100) -> None:
    """New events for people who already have some (their chains go on from the old part)."""
    for n in range(start, start + count):
        ledger.recording.record(
            a_disclosure(1 + n % 3, source=Source("payroll", f"more-{n}"), purpose=f"m{n}"),
            actor="payroll",
        )


def test_parallel_and_serial_verify_pass_an_untouched_log_alike(ledger: Ledger) -> None:
    fill(ledger)
    one, two = serial(ledger), parallel(ledger)
    assert one.ok, one.problems
    assert two.ok, two.problems
    assert (one.events, one.checkpoints) == (two.events, two.checkpoints)
    assert one.events == 12
    assert one.checkpoints >= 2


@pytest.mark.parametrize(
    ("statement", "position"),
    [
        ("UPDATE ledger_leaves SET hash = :h WHERE idx = 6", 7),
        ("UPDATE ledger_leaves SET leaf = :h WHERE idx = 9", 10),
        ("DELETE FROM ledger_events WHERE id = 8", 8),
        # No subtree below NODE_FLOOR is stored any more: the leaf without its event is first.
        ("DELETE FROM ledger_events WHERE id = 12", 12),
        ("DELETE FROM ledger_leaves WHERE idx = 4", 5),
        ("UPDATE ledger_checkpoints SET root_hash = :h WHERE tree_size = 12", 12),
    ],
    ids=["leaf-hash", "leaf", "event", "last-event", "missing-leaf", "checkpoint-root"],
)
def test_parallel_verify_reports_what_serial_verify_reports(
    ledger: Ledger, statement: str, position: int
) -> None:
    fill(ledger)
    tamper(ledger, statement, h=bytes(32))
    one, two = serial(ledger), parallel(ledger)
    assert not one.ok
    assert one.first_bad_position == position, one.problems
    assert (two.problems, two.first_bad_position) == (one.problems, one.first_bad_position)


def test_parallel_verify_names_a_changed_event_as_serial_does(ledger: Ledger) -> None:
    fill(ledger)
    table = ledger.store.table
    with ledger.database.read_engine.connect() as connection:
        state = bytes(
            connection.execute(sa.select(table.c.state).where(table.c.id == 9)).scalar_one()
        )
    tamper(
        ledger,
        "UPDATE ledger_events SET state = :s WHERE id = 9",
        # The change is made in the event's JSON, stored deflated as the ledger stores it.
        s=pack(unpack(state).replace(b"November", b"Novembre")),
    )
    one, two = serial(ledger), parallel(ledger)
    assert one.first_bad_position == 9
    assert (two.problems, two.first_bad_position) == (one.problems, one.first_bad_position)


# Subtrees are stored from NODE_FLOOR (level 4) up, so 40 events: with ranges of 32 a level-4
# subtree lies inside a worker's range and a level-5 one is a range's top; with ranges of 4 the
# parent checks both.
@pytest.mark.parametrize(
    ("level", "index", "chunk_level"),
    [(4, 1, 5), (5, 0, 5), (5, 0, SMALL)],
    ids=["low", "edge", "upper"],
)
def test_parallel_verify_finds_a_changed_subtree_as_serial_does(
    ledger: Ledger, level: int, index: int, chunk_level: int
) -> None:
    fill(ledger)
    more(ledger, 28)
    tamper_node(ledger, level, index)
    one = serial(ledger)
    two = ledger.integrity.verify(workers=2, chunk_level=chunk_level)
    assert one.first_bad_position == (index << level) + 1, one.problems
    assert (two.problems, two.first_bad_position) == (one.problems, one.first_bad_position)


def test_a_forged_checkpoint_note_is_found_in_parallel_as_serially(ledger: Ledger) -> None:
    fill(ledger)
    tamper(ledger, "UPDATE ledger_checkpoints SET note = replace(note, '\n12\n', '\n13\n')")
    one, two = serial(ledger), parallel(ledger)
    assert any("checkpoint" in problem for problem in one.problems)
    assert (two.problems, two.first_bad_position) == (one.problems, one.first_bad_position)


def test_since_checkpoint_checks_only_the_new_part_and_passes_an_untouched_log(
    ledger: Ledger,
) -> None:
    fill(ledger)
    assert serial(ledger).ok  # remembers the checkpoint at 12
    more(ledger, 5)
    ledger.integrity.publish_checkpoint()
    more(ledger, 2, start=200)

    report = ledger.integrity.verify(since_checkpoint=True)

    assert report.ok, report.problems
    assert (report.since, report.events, report.checkpoints) == (12, 7, 1)
    # The next run starts from the newest checkpoint it verified.
    again = ledger.integrity.verify(since_checkpoint=True)
    assert again.ok
    assert (again.since, again.events) == (17, 2)


def test_since_checkpoint_does_not_read_the_verified_part(ledger: Ledger) -> None:
    fill(ledger)
    assert serial(ledger).ok
    more(ledger, 3)
    # A change before the verified checkpoint is the full verify's to find, not this one's.
    tamper(ledger, "DELETE FROM ledger_events WHERE id = 3")
    assert ledger.integrity.verify(since_checkpoint=True).ok
    assert serial(ledger).first_bad_position == 3


@pytest.mark.parametrize(
    ("statement", "position"),
    [
        ("UPDATE ledger_leaves SET hash = :h WHERE idx = 13", 14),
        ("DELETE FROM ledger_events WHERE id = 15", 15),
    ],
    ids=["leaf", "event"],
)
def test_since_checkpoint_finds_tampering_in_the_new_part(
    ledger: Ledger, statement: str, position: int
) -> None:
    fill(ledger)
    assert serial(ledger).ok
    more(ledger, 6)
    tamper(ledger, statement, h=bytes(32))

    report = ledger.integrity.verify(since_checkpoint=True)

    assert not report.ok
    assert report.first_bad_position == position, report.problems
    assert report.problems == serial(ledger).problems


def test_since_checkpoint_finds_a_new_leaf_that_forks_a_persons_chain(ledger: Ledger) -> None:
    fill(ledger)
    assert serial(ledger).ok
    more(ledger, 3)
    # The verified state says where each person's chain stood; a new leaf linking elsewhere
    # (here: the state forgets person 1's head, so the new leaf seems to skip ahead) fails.
    with ledger.database.write_engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM ledger_verified_heads"))
    report = ledger.integrity.verify(since_checkpoint=True)
    assert not report.ok
    assert report.first_bad_position == 13


def test_since_checkpoint_refuses_a_verified_checkpoint_whose_root_changed(
    ledger: Ledger,
) -> None:
    fill(ledger)
    assert serial(ledger).ok
    more(ledger, 2)
    tamper(ledger, "UPDATE ledger_checkpoints SET root_hash = :h WHERE tree_size = 12", h=bytes(32))

    report = ledger.integrity.verify(since_checkpoint=True)

    assert not report.ok
    assert "checkpoint at size 12 is no longer in the log with the same root" in report.problems[0]


def test_since_checkpoint_without_a_verified_checkpoint_verifies_everything(
    ledger: Ledger,
) -> None:
    fill(ledger)
    report = ledger.integrity.verify(since_checkpoint=True)
    assert report.ok
    assert (report.since, report.events) == (None, 12)


def test_the_cli_keeps_an_auditors_state_in_a_file(
    ledger: Ledger, settings: Settings, tmp_path: Path
) -> None:
    fill(ledger)
    env = {
        "LEDGER_DATABASE_URL": settings.database_url,
        "LEDGER_MASTER_KEY": TEST_MASTER_KEY,
        "LEDGER_VAR_DIR": str(settings.var_dir),
    }
    state = tmp_path / "audit" / "verified.json"
    state.parent.mkdir()

    def run(*args: str) -> Any:
        return CliRunner(env=env).invoke(main, ["verify", *args], catch_exceptions=False)

    first = run("--state", str(state), "--workers", "2")
    assert first.exit_code == 0, first.output
    assert state.exists()
    more(ledger, 4)
    ledger.integrity.publish_checkpoint()
    second = run("--since-checkpoint", "--state", str(state))
    assert second.exit_code == 0, second.output
    assert "OK: 4 events after the verified checkpoint at size 12" in second.output
    state.write_text("not json")
    broken = run("--since-checkpoint", "--state", str(state))
    assert broken.exit_code == 1
    assert "--state: cannot read" in broken.output
    assert "Traceback" not in broken.output
    assert "--since-checkpoint" in CliRunner().invoke(main, ["verify", "--help"]).output


def test_since_checkpoint_checks_the_heads_of_people_met_in_every_new_range(
    ledger: Ledger,
) -> None:
    fill(ledger)
    assert serial(ledger).ok
    heads = "SELECT subject_tag FROM ledger_subject_heads"
    with ledger.database.write_engine.connect() as connection:
        before = set(connection.execute(sa.text(heads)).scalars())
    # A new person whose only event is in the first of three new ranges (each checkpoint
    # starts one): their head must still be checked once the later ranges are merged.
    ledger.recording.record(
        a_disclosure(77, source=Source("payroll", "only-once")), actor="payroll"
    )
    with ledger.database.write_engine.connect() as connection:
        (newcomer,) = set(connection.execute(sa.text(heads)).scalars()) - before
    ledger.integrity.publish_checkpoint()
    more(ledger, 3)
    ledger.integrity.publish_checkpoint()
    more(ledger, 2, start=200)

    tamper(
        ledger,
        "UPDATE ledger_subject_heads SET sequence = sequence + 1 WHERE subject_tag = :t",
        t=newcomer,
    )
    report = ledger.integrity.verify(since_checkpoint=True)

    assert not report.ok
    assert "the stored subject heads differ from the recomputed sequences" in report.problems


def few_subtrees_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages of 4 positions, each range's subtrees compared and forgotten after every page."""
    monkeypatch.setattr(verify_module, "PAGE", 4)
    monkeypatch.setattr(verify_module, "NODES_KEPT", 1)


def test_a_long_range_compares_its_subtrees_page_by_page_with_the_same_findings(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    fill(ledger)
    more(ledger, 36)  # 48 events: three subtrees of level 4 and one of level 5
    with monkeypatch.context() as patched:
        few_subtrees_kept(patched)
        assert serial(ledger).ok
    tamper_node(ledger, 4, 2)  # positions 33-48

    with monkeypatch.context() as patched:
        few_subtrees_kept(patched)
        paged = serial(ledger)
    whole = serial(ledger)

    assert whole.first_bad_position == (2 << 4) + 1, whole.problems
    assert (paged.problems, paged.first_bad_position) == (whole.problems, whole.first_bad_position)


def test_since_checkpoint_compares_subtrees_page_by_page_with_the_same_findings(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    fill(ledger)
    assert serial(ledger).ok  # remembers the checkpoint at 12
    more(ledger, 36)
    # Page by page the level-5 subtree (done at position 32) is met before the level-4 one
    # (done at 48); the finding is still the lowest level's, as in one pass over the range.
    tamper_node(ledger, 5, 0)
    tamper_node(ledger, 4, 2)

    with monkeypatch.context() as patched:
        few_subtrees_kept(patched)
        paged = ledger.integrity.verify(since_checkpoint=True)
    whole = ledger.integrity.verify(since_checkpoint=True)

    assert whole.first_bad_position == (2 << 4) + 1, whole.problems
    assert (paged.problems, paged.first_bad_position) == (whole.problems, whole.first_bad_position)


def since_both_ways(
    ledger: Ledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Report, Report, list[int]]:
    """`--since-checkpoint` as one range and in parallel ranges of 4, each from its own copy of
    the same remembered state; and how many ranges the parallel run had."""
    one_state, two_state = tmp_path / "one.json", tmp_path / "two.json"
    two_state.write_bytes(one_state.read_bytes())
    one = ledger.integrity.verify(since_checkpoint=True, workers=1, state_file=one_state)
    ranges: list[int] = []
    since_jobs = verify_module._since_jobs

    def counted(*args: Any) -> list[Any]:
        jobs = since_jobs(*args)
        ranges.append(len(jobs))
        return jobs

    monkeypatch.setattr(verify_module, "_since_jobs", counted)
    two = ledger.integrity.verify(
        since_checkpoint=True, workers=2, chunk_level=SMALL, state_file=two_state
    )
    if one.ok:
        remembered = [json.loads(state.read_text()) for state in (one_state, two_state)]
        for state in remembered:
            del state["verified_at"]
        assert remembered[0] == remembered[1]
    return one, two, ranges


def verified_at(ledger: Ledger, tmp_path: Path, size: int) -> None:
    """A full verify that remembers the checkpoint at `size` (12: a multiple of the ranges'
    4; 17: the first parallel range then starts from the verified edge), then 33 more events
    with a checkpoint among them."""
    fill(ledger)
    if size == 17:
        more(ledger, 5, start=500)
        ledger.integrity.publish_checkpoint()
    report = serial(ledger, state_file=tmp_path / "one.json")
    assert report.ok, report.problems
    assert report.verified is not None
    assert report.verified.tree_size == size
    more(ledger, 14, start=300)
    ledger.integrity.publish_checkpoint()
    more(ledger, 33 - 14 - (size - 12), start=400)


@pytest.mark.parametrize("size", [12, 17], ids=["aligned", "unaligned"])
def test_since_checkpoint_in_parallel_passes_and_remembers_what_one_range_does(
    ledger: Ledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: int
) -> None:
    verified_at(ledger, tmp_path, size)

    one, two, ranges = since_both_ways(ledger, tmp_path, monkeypatch)

    assert one.ok, one.problems
    assert two.ok, two.problems
    assert ranges
    assert ranges[0] >= 8
    assert (two.since, two.events, two.checkpoints) == (one.since, one.events, one.checkpoints)
    assert one.events == 45 - size


@pytest.mark.parametrize(
    "broken",
    [
        ("UPDATE ledger_leaves SET hash = :h WHERE idx = 18", None),  # the first range
        ("UPDATE ledger_leaves SET leaf = :h WHERE idx = 29", None),  # an aligned one
        ("DELETE FROM ledger_events WHERE id = 38", None),
        ("UPDATE ledger_subject_heads SET sequence = sequence + 1", None),
        ("UPDATE ledger_checkpoints SET root_hash = :h WHERE tree_size = 31", None),
        (None, (4, 1)),  # positions 17-32: across the verified edge, checked by the parent
        (None, (5, 0)),  # positions 1-32
        (None, (4, 2)),  # positions 33-48, beyond the log's 45: not stored
        (None, (3, 5)),  # below the stored levels: none to change
    ],
    ids=[
        "leaf-hash",
        "leaf",
        "event",
        "heads",
        "checkpoint",
        "node-4-1",
        "node-5-0",
        "node-4-2",
        "node-3-5",
    ],
)
def test_since_checkpoint_in_parallel_reports_what_one_range_reports(
    ledger: Ledger,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    broken: tuple[str | None, tuple[int, int] | None],
) -> None:
    verified_at(ledger, tmp_path, 17)
    statement, node = broken
    if statement is not None:
        tamper(ledger, statement, h=bytes(32))
    if node is not None:
        tamper_node(ledger, *node)

    one, two, ranges = since_both_ways(ledger, tmp_path, monkeypatch)

    assert ranges
    assert ranges[0] >= 8
    if node in ((4, 2), (3, 5)):
        assert one.ok, one.problems
    else:
        assert not one.ok
    assert (two.problems, two.first_bad_position) == (one.problems, one.first_bad_position)
