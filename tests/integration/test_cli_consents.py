"""`ledger consents` and `ledger suppressions` on a real database, at the terminal."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from click.testing import CliRunner, Result

from ledger.cli import main
from ledger.projections.tables import disclosures
from ledger.settings import Settings
from tests.conftest import TEST_MASTER_KEY


def test_the_cli_gives_and_withdraws_a_consent_and_orders_and_lifts_a_suppression(
    settings: Settings,
) -> None:
    env = {
        "LEDGER_DATABASE_URL": settings.database_url,
        "LEDGER_MASTER_KEY": TEST_MASTER_KEY,
        "LEDGER_VAR_DIR": str(settings.var_dir),
    }

    def run(*args: str) -> Result:
        return CliRunner(env=env).invoke(main, list(args), catch_exceptions=False)

    given = run(
        "consents", "give", "E-7", "--reference", "form 42", "--purpose", "Pensioen",
        "--given-at", "2026-01-05T10:00:00+01:00",
    )  # fmt: skip
    assert given.exit_code == 0, given.output
    consent_id = given.output.strip()
    listed = run("consents", "list", "E-7", "--purpose", "a test")
    assert "form 42" in listed.output
    at = "2026-02-01T10:00:00+01:00"
    assert run("consents", "withdraw", consent_id, "--at", at).exit_code == 0
    again = run("consents", "withdraw", consent_id, "--at", at)
    assert again.exit_code == 1
    assert "withdrawn before" in again.output
    assert run("consents", "withdraw", consent_id, "--at", "2026-02-01").exit_code == 2

    demo = run("demo", "--count", "3")
    assert demo.exit_code == 0, demo.output
    from ledger.bootstrap import build_ledger

    ledger = build_ledger(Settings.from_env(env))
    try:
        with ledger.uow.read() as connection:
            disclosure_id = connection.execute(
                sa.select(disclosures.c.disclosure_id).where(
                    disclosures.c.suppressed_until.is_(None)
                )
            ).scalar()
    finally:
        ledger.close()
    until = (date.today() + timedelta(days=30)).isoformat()
    ordered = run(
        "suppressions", "extend", str(disclosure_id), "--until", until,
        "--authority", "Politie", "--reason", "onderzoek",
    )  # fmt: skip
    assert ordered.exit_code == 0, ordered.output
    assert until in run("suppressions", "list").output
    no_reason = run(
        "suppressions", "lift", str(disclosure_id), "--authority", "OM", "--reason", " "
    )
    assert no_reason.exit_code == 1
    assert "reason" in no_reason.output
    assert (
        run(
            "suppressions", "lift", str(disclosure_id), "--authority", "OM", "--reason", "klaar"
        ).exit_code
        == 0
    )
    not_withheld = run(
        "suppressions", "lift", str(disclosure_id), "--authority", "OM", "--reason", "x"
    )
    assert not_withheld.exit_code == 1
    assert "not withheld" in not_withheld.output
    assert run("verify").exit_code == 0
