"""`ledger restrictions` and the import's refusal under a restriction, on a real database, at
the terminal."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

from click.testing import CliRunner, Result

from ledger.cli import main
from ledger.settings import Settings
from tests.conftest import TEST_MASTER_KEY

LINE = {
    "controller": "12345678",
    "subject": {"id": "E-7", "name": "Jan Jansen"},
    "recipient": {"category": "belastingdienst", "name": "Belastingdienst"},
    "data_categories": ["naam", "bsn", "salaris"],
    "legal_basis": "legal_obligation",
    "legal_provision": "Wet op de loonbelasting 1964, art. 28",
    "purpose": "Loonaangifte oktober 2026",
    "occurred_at": "2026-10-31T12:00:00+01:00",
    "source": {"system": "payroll", "reference": "run-2026-10/E-7"},
}


def test_the_cli_imposes_lists_shows_and_lifts_a_restriction_and_the_import_obeys_it(
    settings: Settings, tmp_path: Path
) -> None:
    env = {
        "LEDGER_DATABASE_URL": settings.database_url,
        "LEDGER_MASTER_KEY": TEST_MASTER_KEY,
        "LEDGER_VAR_DIR": str(settings.var_dir),
    }

    def run(*args: str) -> Result:
        return CliRunner(env=env).invoke(main, list(args), catch_exceptions=False)

    until = (date.today() + timedelta(days=20)).isoformat()
    imposed = run(
        "restrictions", "impose", "E-7", "--reason", "betwist zijn salaris", "--until", until,
        "--since", "2026-01-01T00:00:00+01:00",
    )  # fmt: skip
    assert imposed.exit_code == 0, imposed.output
    restriction_id = imposed.output.split()[0]
    listed = run("restrictions", "list", "E-7", "--purpose", "a test")
    assert restriction_id in listed.output
    assert "in force" in listed.output
    assert "betwist zijn salaris" in listed.output
    everyone = run("restrictions", "list", "--purpose", "a test")
    assert "E-7" in everyone.output
    shown = run("restrictions", "show", restriction_id, "--purpose", "a test")
    assert f"until: {until}" in shown.output

    source = tmp_path / "october.jsonl"
    grounded = {**LINE, "source": {"system": "payroll", "reference": "r2"}}
    grounded["restriction_ground"] = "legal_claims"
    source.write_text(json.dumps(LINE) + "\n" + json.dumps(grounded) + "\n")
    refused = run("import", str(source))
    assert refused.exit_code == 1
    assert f"{source}:1: restriction_ground: is required" in refused.output
    assert "nothing was recorded" in refused.output
    assert "Traceback" not in refused.output

    bad = run("restrictions", "impose", "E-7", "--reason", "x", "--until", "2020-01-01")
    assert bad.exit_code == 1
    assert "until" in bad.output
    assert run("restrictions", "impose", "E-7", "--reason", "x", "--until", "soon").exit_code == 2
    assert run("restrictions", "lift", "not-an-id").exit_code == 2
    assert run("restrictions", "lift", restriction_id, "--reason", "opgelost").exit_code == 0
    again = run("restrictions", "lift", restriction_id)
    assert again.exit_code == 1
    assert "lifted before" in again.output
    unknown = run("restrictions", "show", "0" * 32, "--purpose", "a test")
    assert unknown.exit_code == 1
    assert "no restriction" in unknown.output
    # Lifted now: the disclosure of 31 October was made while it held and is still refused;
    # with its ground it passes.
    source.write_text(json.dumps(grounded) + "\n")
    assert run("import", str(source)).exit_code == 0
    assert run("verify").exit_code == 0
