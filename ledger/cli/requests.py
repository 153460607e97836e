"""`ledger requests`: access requests from the terminal, with their legal deadlines."""

from __future__ import annotations

import json
from datetime import date
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
from ledger.domain.access_request import CHANNELS, STATES


def _actor() -> str:
    return cli_reader("cli requests", "").actor


REQUEST_ID = click.argument("request_id", callback=uuid_of("an access request"))
REASON = click.option("--reason", required=True, callback=utf8_text)


def _show(request_id: UUID, command: str) -> None:
    shown = current_ledger().requests.get(
        request_id, reader=cli_reader(f"cli requests {command}", "access request")
    )
    click.echo(json.dumps(shown, default=str, indent=2, ensure_ascii=False))


@click.group("requests")
def requests() -> None:
    """Access requests (GDPR Art. 15) and their deadlines (Art. 12(3))."""


@requests.command("open")
@click.argument("subject_id", callback=utf8_text)
@click.option("--received", "received_on", required=True, callback=iso_date, help="YYYY-MM-DD")
@click.option("--channel", required=True, type=click.Choice(CHANNELS))
@click.option("--reference", callback=utf8_text, help="the case reference (stored sealed)")
@expected_failures
def open_command(subject_id: str, received_on: date, channel: str, reference: str | None) -> None:
    """Open a request; prints its id and due date."""
    ledger = current_ledger()
    request_id = ledger.requests.open(
        subject_id=subject_id,
        received_on=received_on,
        channel=channel,
        reference=reference,
        actor=_actor(),
    )
    shown = ledger.requests.get(request_id, reader=cli_reader("cli requests open", "opened"))
    click.echo(f"{request_id} due {shown['due']}")


@requests.command("verify-identity")
@REQUEST_ID
@click.option("--how", required=True, callback=utf8_text)
@expected_failures
def verify_identity(request_id: UUID, how: str) -> None:
    """Record how the person's identity was verified."""
    current_ledger().requests.verify_identity(request_id, how=how, actor=_actor())
    click.echo("identity verified")


@requests.command("extend")
@REQUEST_ID
@REASON
@expected_failures
def extend(request_id: UUID, reason: str) -> None:
    """Extend once, before the first deadline: due three months after receipt."""
    due = current_ledger().requests.extend(request_id, reason=reason, actor=_actor())
    click.echo(f"due_extended {due}")


@requests.command("tell")
@REQUEST_ID
@click.option("--on", "told_on", required=True, callback=iso_date, help="YYYY-MM-DD")
@expected_failures
def tell(request_id: UUID, told_on: date) -> None:
    """Record when the person was told of the extension."""
    current_ledger().requests.tell_of_extension(request_id, told_on=told_on, actor=_actor())
    click.echo(f"told on {told_on}")


@requests.command("answer")
@REQUEST_ID
@expected_failures
def answer(request_id: UUID) -> None:
    """Answer: freeze the person's overview as evidence and close the request."""
    frozen = current_ledger().requests.answer(
        request_id, reader=cli_reader("cli requests answer", "answering an access request")
    )
    click.echo(f"answered; overview sha256 {frozen.sha256}, checkpoint size {frozen.tree_size}")


@requests.command("withdraw")
@REQUEST_ID
@REASON
@expected_failures
def withdraw(request_id: UUID, reason: str) -> None:
    """The person withdrew the request."""
    current_ledger().requests.withdraw(request_id, reason=reason, actor=_actor())
    click.echo("withdrawn")


@requests.command("refuse")
@REQUEST_ID
@REASON
@expected_failures
def refuse(request_id: UUID, reason: str) -> None:
    """Refuse a manifestly unfounded or excessive request (Art. 12(5))."""
    current_ledger().requests.refuse(request_id, reason=reason, actor=_actor())
    click.echo("refused")


@requests.command("list")
@click.option("--state", type=click.Choice(STATES))
@expected_failures
def list_command(state: str | None) -> None:
    """The queue: open requests first by deadline, overdue ones marked."""
    items: list[dict[str, Any]] = current_ledger().requests.queue(
        reader=cli_reader("cli requests list", "the request queue"), state=state
    )
    rows = [
        [
            item["id"],
            item["state"],
            day(item["received_on"]),
            day(item["due_extended"] or item["due"]),
            "" if item["days_left"] is None else str(item["days_left"]),
            "OVERDUE" if item["overdue"] else "",
        ]
        for item in items
    ]
    click.echo(table(["id", "state", "received", "due", "days left", ""], rows))


@requests.command("show")
@REQUEST_ID
@expected_failures
def show(request_id: UUID) -> None:
    """One request with its timeline, as JSON."""
    _show(request_id, "show")
