"""`ledger subjects erase` and `ledger retention apply` on a real database: the outcomes, a dry
run that changes nothing, a second run that does nothing, and a run killed half-way (SIGKILL,
in a real process) that the next run completes, each person erased exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import replace
from datetime import datetime

import sqlalchemy as sa
from click.testing import CliRunner, Result

from ledger.app import Ledger
from ledger.cli import main
from ledger.settings import Settings
from tests.builders import AMSTERDAM, a_disclosure, to_inlener
from tests.conftest import TEST_MASTER_KEY
from tests.integration.test_erasure import erased_facts, past_history

PEOPLE = 120


def environment(settings: Settings) -> dict[str, str]:
    return {
        "LEDGER_DATABASE_URL": settings.database_url,
        "LEDGER_MASTER_KEY": TEST_MASTER_KEY,
        "LEDGER_VAR_DIR": str(settings.var_dir),
    }


def test_the_cli_erases_schedules_and_says_when_nothing_is_held(
    settings: Settings, ledger: Ledger
) -> None:
    past_history(ledger, 1)
    ledger.recording.record(a_disclosure(2), actor="payroll")

    def run(*args: str) -> Result:
        return CliRunner(env=environment(settings)).invoke(main, list(args), catch_exceptions=False)

    erased = run("subjects", "erase", "E-00001", "--reason", "Verzoek per brief")
    assert erased.exit_code == 0, erased.output
    assert "erased; 1 recipient(s) to notify" in erased.output
    assert "Bouwbedrijf De Vries B.V. (inlener)" in erased.output
    scheduled = run("subjects", "erase", "E-00002", "--reason", "Verzoek")
    assert scheduled.exit_code == 0, scheduled.output
    assert "erasable from 2034-01-01" in scheduled.output
    assert "fiscal" in scheduled.output
    again = run("subjects", "erase", "E-00002", "--reason", "Verzoek")
    assert again.exit_code == 1
    assert "already scheduled" in again.output
    waiting = scheduled.output.split()[1]
    cancelled = run("subjects", "cancel-erasure", waiting, "--reason", "ingetrokken")
    assert (cancelled.exit_code, cancelled.output.strip()) == (0, f"erasure {waiting} cancelled")
    twice = run("subjects", "cancel-erasure", waiting, "--reason", "ingetrokken")
    assert (twice.exit_code, "can no longer change" in twice.output) == (1, True)
    assert run("subjects", "cancel-erasure", "nonsense", "--reason", "x").exit_code == 2
    nobody = run("subjects", "erase", "E-99999", "--reason", "Verzoek")
    assert (nobody.exit_code, "holds nothing on this person" in nobody.output) == (0, True)
    future = run("subjects", "erase", "E-00003", "--reason", "x", "--requested-at", "2099-01-01")
    assert (future.exit_code, "requested_at" in future.output) == (1, True)
    bad_date = run("subjects", "erase", "E-00003", "--reason", "x", "--requested-at", "soon")
    assert bad_date.exit_code == 2
    assert "YYYY-MM-DD" in bad_date.output
    no_reason = run("subjects", "erase", "E-00003", "--reason", " ")
    assert (no_reason.exit_code, "reason: is required" in no_reason.output) == (1, True)


def test_a_dry_run_changes_nothing_and_a_second_run_does_nothing(
    settings: Settings, ledger: Ledger
) -> None:
    past_history(ledger, 1)
    past_history(ledger, 2)
    ledger.recording.record(a_disclosure(3), actor="payroll")  # held until 2034

    def run(*args: str) -> Result:
        return CliRunner(env=environment(settings)).invoke(main, list(args), catch_exceptions=False)

    dry = run("retention", "apply", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "2 person(s) would be erased, 0 still held (dry run)" in dry.output
    assert erased_facts(ledger) == []
    done = run("retention", "apply")
    assert done.exit_code == 0, done.output
    assert done.output.count("erased  (retention)") == 2
    assert "2 person(s) erased" in done.output
    second = run("retention", "apply")
    assert second.output.strip() == "0 person(s) erased, 0 still held"
    assert len(erased_facts(ledger)) == 2
    assert run("verify").exit_code == 0


def many_expired_people(ledger: Ledger) -> None:
    ledger.recording.record_batch(
        [
            to_inlener(
                number,
                occurred_at=datetime(2022, 3, 1, 12, 0, tzinfo=AMSTERDAM),
                source=replace(to_inlener(number).source, reference=f"bulk-{number}"),
            )
            for number in range(1, PEOPLE + 1)
        ],
        actor="planning",
    )


def test_a_retention_run_killed_half_way_is_completed_by_the_next_and_erases_each_once(
    settings: Settings, ledger: Ledger
) -> None:
    many_expired_people(ledger)
    env = {**os.environ, **environment(settings)}
    command = [sys.executable, "-c", "from ledger.cli import main; main()", "retention", "apply"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    seen = 0
    for line in process.stdout:
        seen += "erased" in line
        if seen == 10:
            process.send_signal(signal.SIGKILL)
            break
    process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL
    assert 10 <= len(erased_facts(ledger)) < PEOPLE

    rest = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert rest.returncode == 0, rest.stderr
    assert f"{PEOPLE} person(s) erased" not in rest.stdout
    verify = subprocess.run(
        [sys.executable, "-c", "from ledger.cli import main; main()", "verify"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert verify.returncode == 0, verify.stdout + verify.stderr

    topics = erased_facts(ledger)
    assert len(topics) == PEOPLE
    with ledger.uow.read() as connection:
        # One fact per person: its id derives from the person's tag.
        ids = connection.execute(
            sa.text("SELECT originator_id FROM ledger_events WHERE topic LIKE '%SubjectErased'")
        ).scalars()
        assert len(set(ids)) == PEOPLE
        for number in range(1, PEOPLE + 1):
            assert ledger.vault.find(connection, f"E-{number:05d}") is None
