"""`ledger subjects erase` and `ledger retention apply`: erasure by crypto-shredding from the
terminal, for one person's request or for everyone whose retention has ended (cron, daily)."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import click

from ledger.app.erasures import RunLine
from ledger.cli.common import (
    cli_reader,
    current_ledger,
    expected_failures,
    iso_date,
    table,
    utf8_text,
    uuid_of,
)


@click.command("erase")
@click.argument("subject_id", callback=utf8_text)
@click.option("--reason", required=True, callback=utf8_text, help="why; sealed with the person")
@click.option(
    "--requested-at", callback=iso_date, help="the date the person asked, YYYY-MM-DD (today)"
)
@expected_failures
def erase(subject_id: str, reason: str, requested_at: date | None) -> None:
    """Erase a person (Art. 17) now, or schedule it while a retention rule holds their data."""
    ledger = current_ledger()
    outcome = ledger.erasures.request(
        subject_id=subject_id,
        reason=reason,
        requested_on=requested_at,
        actor=cli_reader("cli subjects erase", "").actor,
    )
    if outcome.state == "nothing_held":
        click.echo("the ledger holds nothing on this person: nothing to erase, nothing recorded")
        return
    if outcome.state == "scheduled":
        when = outcome.erasable_from or "a date not known yet (an employment end is missing)"
        click.echo(f"erasure {outcome.erasure_id} scheduled: erasable from {when}")
        click.echo(
            table(
                ["rule", "law", "until", "disclosures"],
                [
                    [
                        hold["rule"],
                        hold["law"] or "",
                        str(hold["until"] or "unknown"),
                        ", ".join(hold["disclosures"]),
                    ]
                    for hold in outcome.holds
                ],
            )
        )
        return
    click.echo(
        f"erasure {outcome.erasure_id}: erased; {len(outcome.notifications)} recipient(s) to"
        f" notify (notice {outcome.notice_id})"
    )
    if outcome.notifications:
        click.echo(
            table(
                ["notification", "recipient", "categories", "first", "last"],
                [
                    [
                        item["id"],
                        f"{item['recipient']['name']} ({item['recipient']['category']})",
                        ", ".join(item["data_categories"]),
                        str(item["first_on"]),
                        str(item["last_on"]),
                    ]
                    for item in outcome.notifications
                ],
            )
        )
    if not outcome.scrubbed:
        click.echo("warning: the database could not be scrubbed yet; run `ledger retention apply`")


@click.command("cancel-erasure")
@click.argument("erasure_id", callback=uuid_of("an erasure"))
@click.option("--reason", required=True, callback=utf8_text, help="why; sealed with the person")
@expected_failures
def cancel(erasure_id: UUID, reason: str) -> None:
    """The person withdrew their erasure request before it was carried out."""
    current_ledger().erasures.cancel(
        erasure_id, reason=reason, actor=cli_reader("cli subjects cancel-erasure", "").actor
    )
    click.echo(f"erasure {erasure_id} cancelled")


@click.command("apply")
@click.option("--dry-run", is_flag=True, help="show what would be erased; change nothing")
@click.option("--today", callback=iso_date, hidden=True, help="judge as on YYYY-MM-DD (tests)")
@expected_failures
def apply_command(dry_run: bool, today: date | None) -> None:
    """Erase everyone whose every retention period has ended and carry out scheduled erasures
    whose date has come; one line per person. Safe to run twice and to interrupt."""
    ledger = current_ledger()
    would = "would be " if dry_run else ""

    def report(line: RunLine) -> None:
        if line.action == "erased":
            click.echo(f"{line.tag}  {would}erased  ({line.basis})", nl=True)
        else:
            until = line.until or "unknown"
            click.echo(f"{line.tag}  still held until {until}  (erasure {line.erasure_id})")

    run = ledger.erasures.apply_retention(today=today, dry_run=dry_run, report=report)
    lines = run.lines
    erased = sum(1 for line in lines if line.action == "erased")
    held = len(lines) - erased
    click.echo(f"{erased} person(s) {would}erased, {held} still held" + (" (dry run)" * dry_run))
    if not run.scrubbed:
        click.echo("warning: the database could not be scrubbed yet; run it again later")
