"""`ledger demo`: a DEMO data set to try the ledger with, and demo API keys."""

from __future__ import annotations

import json

import click

from ledger.cli.common import current_ledger, expected_failures
from ledger.demo import DEMO_CONTROLLERS, EXAMPLE_REGISTER, demo_disclosures


@click.command("demo")
@click.option("--count", default=2_000, show_default=True, type=click.IntRange(1, 1_000_000))
@click.option("--subjects", default=300, show_default=True, type=click.IntRange(1, 1_000_000))
@click.option("--keys/--no-keys", default=False, help="Also create fresh demo API keys.")
@click.option("--base-url", default="http://127.0.0.1:8000", show_default=True)
@expected_failures
def demo_command(count: int, subjects: int, keys: bool, base_url: str) -> None:
    """Record a DEMO data set (source system `demo`, purposes marked [DEMO]); safe to repeat."""
    ledger = current_ledger()
    if EXAMPLE_REGISTER.is_file():
        changes = ledger.register.import_file(
            EXAMPLE_REGISTER.read_text(encoding="utf-8"),
            actor="demo",
            reason="the example register changed",
        )
        new = sum(change.kind != "unchanged" for change in changes)
        click.echo(
            f"Example register ({EXAMPLE_REGISTER.name}): {len(changes)} activities,"
            f" {new} new or changed."
        )
    tally = ledger.recording.record_stream(
        enumerate(demo_disclosures(count, subjects=subjects)), actor="demo"
    )
    click.echo(
        f"DEMO data: {tally.recorded} new disclosures about {subjects} demo subjects "
        f"(DEMO-000000 .. DEMO-{subjects - 1:06d}); {tally.replayed} were there already."
    )
    if not keys:
        return
    stamp = ledger.clock().strftime("%Y%m%d%H%M%S")
    secrets = {}
    for role in ("source", "officer", "auditor"):
        _, secrets[role] = ledger.api_keys.create(
            name=f"demo-{role}-{stamp}",
            role=role,
            controllers=DEMO_CONTROLLERS if role == "source" else (),
            system="demo" if role == "source" else None,
        )
    sample = json.dumps(
        {
            "controller": DEMO_CONTROLLERS[0],
            "subject": {"id": "DEMO-000042"},
            "recipient": {"category": "arbodienst", "name": "ArboNed B.V."},
            "data_categories": ["naam", "verzuim"],
            "legal_basis": "legal_obligation",
            "special_category_condition": "occupational_medicine",
            "legal_provision": "Arbeidsomstandighedenwet, art. 14",
            "purpose": "[DEMO] Verzuimmelding",
            "occurred_at": "2026-11-02T09:30:00+01:00",
            "source": {"system": "demo", "reference": f"curl-{stamp}"},
        }
    )
    click.echo(
        f"""
DEMO API keys (new each run; revoke with `ledger keys revoke NAME`). In another shell:
  export SOURCE={secrets["source"]}   # posts as system 'demo'
  export OFFICER={secrets["officer"]}  # reads subjects
  export AUDITOR={secrets["auditor"]}  # statistics only
  export LEDGER={base_url}

Then try:
  curl -s $LEDGER/api/v1/health
  curl -s -H "Authorization: Bearer $OFFICER" $LEDGER/api/v1/subjects/DEMO-000042/recipients
  curl -s -H "Authorization: Bearer $OFFICER" $LEDGER/api/v1/subjects/DEMO-000042/disclosures
  curl -s -H "Authorization: Bearer $AUDITOR" $LEDGER/api/v1/stats
  curl -s -H "Authorization: Bearer $SOURCE" -H 'Content-Type: application/json' \\
       $LEDGER/api/v1/disclosures -d '{sample}'
API reference: {base_url}/api/docs"""
    )
