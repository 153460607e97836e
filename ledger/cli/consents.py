"""`ledger consents` and `ledger suppressions`: consent given and withdrawn per person and
purpose, and a public authority's orders to withhold a disclosure from the person or lift that."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

import click

from ledger.cli.common import (
    cli_reader,
    current_ledger,
    day,
    expected_failures,
    iso_date,
    table,
    utf8_text,
)


def _actor(group: str) -> str:
    return cli_reader(f"cli {group}", "").actor


def _moment(context: click.Context, parameter: click.Parameter, value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        moment = None
    if moment is None or moment.utcoffset() is None:
        raise click.BadParameter(
            "must be a date-time with a UTC offset, e.g. 2026-10-01T09:00+02:00"
        )
    return moment


def _id(context: click.Context, parameter: click.Parameter, value: str) -> UUID:
    try:
        return UUID(value)
    except ValueError:
        raise click.BadParameter(f"must be a {parameter.name}, a UUID") from None


@click.group("consents")
def consents() -> None:
    """Consent given and withdrawn per person and purpose (GDPR Art. 7)."""


@consents.command("give")
@click.argument("subject_id", callback=utf8_text)
@click.option("--reference", required=True, callback=utf8_text, help="e.g. the signed form's")
@click.option("--purpose", required=True, callback=utf8_text)
@click.option("--given-at", "given_at", required=True, callback=_moment, help="ISO, with offset")
@expected_failures
def give(subject_id: str, reference: str, purpose: str, given_at: datetime) -> None:
    """Record a consent; prints its id."""
    consent_id = current_ledger().consents.give(
        subject_id=subject_id,
        consent_reference=reference,
        purpose=purpose,
        given_at=given_at,
        actor=_actor("consents"),
    )
    click.echo(str(consent_id))


@consents.command("withdraw")
@click.argument("consent_id", callback=_id)
@click.option("--at", "withdrawn_at", required=True, callback=_moment, help="ISO, with offset")
@click.option("--reason", callback=utf8_text)
@expected_failures
def withdraw(consent_id: UUID, withdrawn_at: datetime, reason: str | None) -> None:
    """Record that the person withdrew a consent."""
    current_ledger().consents.withdraw(
        consent_id, withdrawn_at=withdrawn_at, reason=reason, actor=_actor("consents")
    )
    click.echo("withdrawn")


@consents.command("list")
@click.argument("subject_id", callback=utf8_text)
@click.option("--purpose", "why", required=True, callback=utf8_text, help="why you look")
@expected_failures
def list_command(subject_id: str, why: str) -> None:
    """A person's consents (a logged read of that person)."""
    items = current_ledger().consents.of_subject(
        subject_id, reader=cli_reader("cli consents list", why)
    )
    rows = [
        [
            item["id"],
            item["consent_reference"] or "",
            item["purpose"],
            day(item["given_at"]),
            day(item["withdrawn_at"]) if item["withdrawn_at"] else "",
        ]
        for item in items
    ]
    click.echo(table(["id", "reference", "purpose", "given", "withdrawn"], rows))


@click.group("suppressions")
def suppressions() -> None:
    """Orders of a public authority to withhold a disclosure from the person, and lifting."""


AUTHORITY = click.option("--authority", required=True, callback=utf8_text, help="who ordered it")
REASON = click.option("--reason", required=True, callback=utf8_text)


@suppressions.command("extend")
@click.argument("disclosure_id", callback=_id)
@click.option("--until", required=True, callback=iso_date, help="YYYY-MM-DD, after today")
@AUTHORITY
@REASON
@expected_failures
def extend(disclosure_id: UUID, until: date, authority: str, reason: str) -> None:
    """Withhold a disclosure from the person until a date (new, or later than now)."""
    current_ledger().suppressions.extend(
        disclosure_id,
        until=until,
        authority=authority,
        reason=reason,
        actor=_actor("suppressions"),
    )
    click.echo(f"withheld until {until}")


@suppressions.command("lift")
@click.argument("disclosure_id", callback=_id)
@AUTHORITY
@REASON
@expected_failures
def lift(disclosure_id: UUID, authority: str, reason: str) -> None:
    """Show a withheld disclosure to the person from today."""
    current_ledger().suppressions.lift(
        disclosure_id, authority=authority, reason=reason, actor=_actor("suppressions")
    )
    click.echo("lifted")


@suppressions.command("list")
@click.option("--all", "everything", is_flag=True, help="also those no longer withheld")
@expected_failures
def list_suppressions(everything: bool) -> None:
    """Suppressions by the date they end (no person is read: tags only)."""
    items = current_ledger().suppressions.listing(current_only=not everything)
    rows = [
        [
            item["disclosure_id"],
            item["subject_tag"],
            day(item["suppressed_until"]),
            item["suppression_authority"] or "",
            "withheld" if item["withheld"] else "shown",
        ]
        for item in items
    ]
    click.echo(table(["disclosure", "subject tag", "until", "authority", ""], rows))
