"""`ledger restrictions`: restrict a person's processing (GDPR Art. 18) until a date, lift it,
and list restrictions per person or all in force."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
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
    uuid_of,
)


def _actor() -> str:
    return cli_reader("cli restrictions", "").actor


def _moment(context: click.Context, parameter: click.Parameter, value: str | None) -> Any:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        moment = None
    if moment is None or moment.utcoffset() is None:
        raise click.BadParameter(
            "must be a date-time with a UTC offset, e.g. 2026-10-01T09:00+02:00"
        )
    return moment


@click.group("restrictions")
def restrictions() -> None:
    """Restriction of a person's processing (GDPR Art. 18)."""


@restrictions.command("impose")
@click.argument("subject_id", callback=utf8_text)
@click.option("--reason", required=True, callback=utf8_text, help="why; shown to the person")
@click.option("--until", required=True, callback=iso_date, help="YYYY-MM-DD, the last day it holds")
@click.option("--since", callback=_moment, help="ISO date-time with offset; default now")
@expected_failures
def impose(subject_id: str, reason: str, until: date, since: datetime | None) -> None:
    """Restrict a person's processing; prints the restriction's id (and the Art. 19 notice's,
    which lists the recipients to tell)."""
    imposed = current_ledger().restrictions.impose(
        subject_id=subject_id, reason=reason, until=until, since=since, actor=_actor()
    )
    click.echo(str(imposed.restriction_id))
    if imposed.notice_id is not None:
        click.echo(f"recipients to tell: ledger notifications list (notice {imposed.notice_id})")


@restrictions.command("lift")
@click.argument("restriction_id", callback=uuid_of("a restriction"))
@click.option("--reason", callback=utf8_text)
@expected_failures
def lift(restriction_id: UUID, reason: str | None) -> None:
    """Lift a restriction now."""
    current_ledger().restrictions.lift(restriction_id, reason=reason, actor=_actor())
    click.echo("lifted")


def _rows(items: list[dict[str, Any]], *, with_subject: bool) -> list[list[str]]:
    rows = []
    for item in items:
        state = (
            f"lifted {day(item['lifted_at'])}"
            if item["lifted_at"]
            else "in force"
            if item["in_force"]
            else "ended"
        )
        row = [item["id"]]
        if with_subject:
            row.append(item.get("subject_id") or item["subject_tag"])
        row += [day(item["since"]), day(item["until"]), state, item["reason"] or ""]
        rows.append(row)
    return rows


@restrictions.command("list")
@click.argument("subject_id", required=False, callback=utf8_text)
@click.option("--purpose", "why", required=True, callback=utf8_text, help="why you look")
@expected_failures
def list_command(subject_id: str | None, why: str) -> None:
    """A person's restrictions, or without SUBJECT_ID every restriction in force (a logged
    read of each person listed)."""
    ledger = current_ledger()
    reader = cli_reader("cli restrictions list", why)
    if subject_id is None:
        items = ledger.restrictions.in_force(reader=reader)
        headers = ["id", "subject", "since", "until", "state", "reason"]
    else:
        items = ledger.restrictions.of_subject(subject_id, reader=reader)
        headers = ["id", "since", "until", "state", "reason"]
    click.echo(table(headers, _rows(items, with_subject=subject_id is None)))


@restrictions.command("show")
@click.argument("restriction_id", callback=uuid_of("a restriction"))
@click.option("--purpose", "why", required=True, callback=utf8_text, help="why you look")
@expected_failures
def show(restriction_id: UUID, why: str) -> None:
    """One restriction (a logged read of the person)."""
    item = current_ledger().restrictions.get(
        restriction_id, reader=cli_reader("cli restrictions show", why)
    )
    for name in ("id", "subject_tag", "since", "until", "reason", "actor", "notice_id"):
        click.echo(f"{name}: {item[name] if item[name] is not None else ''}")
    click.echo(f"in_force: {'yes' if item['in_force'] else 'no'}")
    if item["lifted_at"]:
        click.echo(f"lifted_at: {item['lifted_at']}")
        click.echo(f"lifted_by: {item['lifted_by']}")
        click.echo(f"lift_reason: {item['lift_reason'] or ''}")
