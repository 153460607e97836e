"""`ledger subjects rectify` and `ledger notifications` on a real database."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from click.testing import CliRunner, Result

from ledger.app import Ledger
from ledger.cli import main
from ledger.domain.suppression import dutch_date
from ledger.settings import Settings
from tests.builders import a_disclosure, to_inlener
from tests.conftest import TEST_MASTER_KEY


def test_the_cli_records_a_rectification_and_marks_its_notifications(
    settings: Settings, ledger: Ledger
) -> None:
    ledger.recording.record(a_disclosure(1), actor="payroll")
    ledger.recording.record(to_inlener(1), actor="planning")
    env = {
        "LEDGER_DATABASE_URL": settings.database_url,
        "LEDGER_MASTER_KEY": TEST_MASTER_KEY,
        "LEDGER_VAR_DIR": str(settings.var_dir),
    }

    def run(*args: str) -> Result:
        return CliRunner(env=env).invoke(main, list(args), catch_exceptions=False)

    done = run("subjects", "rectify", "E-00001", "--category", "naam", "--reason", "typo")
    assert done.exit_code == 0, done.output
    assert "2 recipient(s) to notify" in done.output
    items = json.loads(run("notifications", "list", "--json").output)
    assert [item["recipient"]["name"] for item in items] == [
        "Belastingdienst",
        "Bouwbedrijf De Vries B.V.",
    ]
    first, second = (item["id"] for item in items)
    today = dutch_date(datetime.now(UTC)).isoformat()  # the command's clock is the real one
    assert run("notifications", "sent", first, "--on", today, "--channel", "letter").exit_code == 0
    again = run("notifications", "impossible", first, "--reason", "gone")
    assert again.exit_code == 1
    assert "marked sent before" in again.output
    no_reason = run("notifications", "disproportionate", second, "--reason", " ")
    assert (no_reason.exit_code, "reason: is required" in no_reason.output) == (1, True)
    assert run("notifications", "disproportionate", second, "--reason", "far").exit_code == 0
    assert "Belastingdienst" not in run("notifications", "list").output
    assert "disproportionate" in run("notifications", "list", "--all").output
    unknown = run("subjects", "rectify", "NOBODY", "--category", "naam", "--reason", "x")
    assert (unknown.exit_code, "holds nothing on this person" in unknown.output) == (1, True)
