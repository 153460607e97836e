"""`ledger requests` on a real database: a request from receipt to answer at the terminal."""

from __future__ import annotations

import json
from datetime import date, timedelta

from click.testing import CliRunner, Result

from ledger.adapters.dutch_calendar import DutchCalendar
from ledger.cli import main
from ledger.domain.deadlines import answer_due
from ledger.settings import Settings
from tests.conftest import TEST_MASTER_KEY


def test_the_cli_runs_a_request_from_receipt_to_answer(settings: Settings) -> None:
    env = {
        "LEDGER_DATABASE_URL": settings.database_url,
        "LEDGER_MASTER_KEY": TEST_MASTER_KEY,
        "LEDGER_VAR_DIR": str(settings.var_dir),
    }

    def run(*args: str) -> Result:
        return CliRunner(env=env).invoke(main, list(args), catch_exceptions=False)

    # The command's clock is the real one: a request received three days ago.
    received = date.today() - timedelta(days=3)
    calendar = DutchCalendar()
    opened = run(
        "requests", "open", "E-7", "--received", received.isoformat(), "--channel", "letter"
    )
    assert opened.exit_code == 0, opened.output
    request_id, _, due = opened.output.split()
    assert date.fromisoformat(due) == answer_due(received, is_holiday=calendar.is_holiday)
    assert run("requests", "verify-identity", request_id, "--how", "passport").exit_code == 0
    extended = run("requests", "extend", request_id, "--reason", "many systems")
    assert extended.output.split() == [
        "due_extended",
        answer_due(received, is_holiday=calendar.is_holiday, extended=True).isoformat(),
    ]
    again = run("requests", "extend", request_id, "--reason", "again")
    assert again.exit_code == 1
    assert "once only" in again.output
    assert run("requests", "tell", request_id, "--on", received.isoformat()).exit_code == 0
    assert "OVERDUE" not in run("requests", "list").output
    assert run("requests", "answer", request_id).output.startswith("answered; overview sha256")
    shown = json.loads(run("requests", "show", request_id).output)
    assert shown["state"] == "answered"
    assert len(shown["timeline"]) == 5
    # The free text is stored sealed and shown opened.
    assert (shown["timeline"][1]["how"], shown["extension_reason"]) == ("passport", "many systems")
    assert run("verify").exit_code == 0
