"""`ledger subjects employment-ended` and `ledger retention report`: the end of a person's
employment (retention periods count from it), and what expires in the coming months."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import click

from ledger.app.retention import DEFAULT_MONTHS, MAX_MONTHS, PersonRetention
from ledger.cli.common import (
    cli_reader,
    current_ledger,
    expected_failures,
    reads_replica,
    table,
    utf8_text,
)


def _required_date(context: click.Context, parameter: click.Parameter, value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("must be a date, YYYY-MM-DD") from None


@click.command("employment-ended")
@click.argument("subject_id", callback=utf8_text)
@click.option(
    "--on", "ended_on", required=True, callback=_required_date, help="the last day, YYYY-MM-DD"
)
@expected_failures
def employment_ended(subject_id: str, ended_on: date) -> None:
    """Record the day a person's employment ended (recording again corrects it)."""
    shown = current_ledger().employment_ends.record(
        subject_id=subject_id, ended_on=ended_on, actor=cli_reader("cli subjects", "").actor
    )
    click.echo(f"employment end {shown['id']}: {shown['ended_on'].isoformat()}")


@click.group("retention")
def retention() -> None:
    """How long the ledger keeps a person's data (see the README, "Retention")."""


@retention.command("report")
@click.option(
    "--months",
    type=click.IntRange(1, MAX_MONTHS),
    default=DEFAULT_MONTHS,
    show_default=True,
    help="how many months ahead",
)
@click.option("--format", "output", type=click.Choice(["text", "json"]), default="text")
@expected_failures
@reads_replica
def report(months: int, output: str) -> None:
    """Whose data expires in the next MONTHS months, and who is kept without end because an
    employment end is missing; every person listed is a logged read."""
    found = current_ledger().retention.report(
        reader=cli_reader("cli retention report", "retention report"), months=months
    )
    if output == "json":
        click.echo(json.dumps(found.as_dict(), default=str, indent=2, ensure_ascii=False))
        return
    click.echo(
        f"Expiring by {found.horizon.isoformat()} ({months} month(s) from"
        f" {found.today.isoformat()}): {len(found.expiring)} person(s)"
    )
    if found.expiring:
        click.echo(_table(found.expiring, today=found.today))
    click.echo(
        f"\nKept without end, an employment end is missing: {len(found.held_indefinitely)}"
        " person(s)"
    )
    if found.held_indefinitely:
        click.echo(_table(found.held_indefinitely, today=found.today))


def _table(people: list[PersonRetention], *, today: date) -> str:
    rows = []
    for person in people:
        plain: dict[str, Any] = person.as_dict(today=today)
        ends = "never" if person.ends is None else person.ends.isoformat()
        if plain["expired"]:
            ends += " (expired)"
        rules = ", ".join(
            f"{rule['code']} ({'-' if rule['until'] is None else rule['until'].isoformat()})"
            for rule in plain["rules"]
        )
        rows.append([plain["subject_id"] or "?", str(person.disclosures), ends, rules])
    return table(["subject", "disclosures", "ends", "rules (until)"], rows)
