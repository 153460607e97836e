"""`ledger subjects rectify` and `ledger notifications`: Art. 19 recipient notifications from the
terminal: record a rectification, list what remains to send, mark each notification."""

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
from ledger.domain.recipient_notice import CHANNELS, STATES


def _actor() -> str:
    return cli_reader("cli notifications", "").actor


NOTIFICATION_ID = click.argument("notification_id", callback=uuid_of("a notification"))
REASON = click.option("--reason", required=True, callback=utf8_text)


@click.group("subjects")
def subjects() -> None:
    """What the officer records about a person: a rectification of their data (Art. 16), the
    end of their employment."""


@subjects.command("rectify")
@click.argument("subject_id", callback=utf8_text)
@click.option(
    "--category",
    "categories",
    required=True,
    multiple=True,
    callback=lambda c, p, v: [utf8_text(c, p, item) for item in v],
    help="a data category rectified; repeat for more",
)
@click.option("--since", callback=iso_date, help="only recipients since YYYY-MM-DD")
@REASON
@click.option(
    "--person-asked",
    is_flag=True,
    help="the person asked to be told the recipients: their overview lists them",
)
@expected_failures
def rectify(
    subject_id: str, categories: list[str], since: date | None, reason: str, person_asked: bool
) -> None:
    """Record a rectification; prints one line per recipient to notify."""
    ledger = current_ledger()
    notice_id = ledger.notifications.record(
        subject_id=subject_id,
        cause="rectification",
        data_categories=categories,
        since=since,
        reason=reason,
        person_asked=person_asked,
        actor=_actor(),
    )
    shown = ledger.notifications.notice(
        notice_id, reader=cli_reader("cli subjects rectify", "recording a rectification")
    )
    click.echo(f"rectification {notice_id}: {len(shown['notifications'])} recipient(s) to notify")
    click.echo(_table(shown["notifications"]))


@click.group("notifications")
def notifications() -> None:
    """Recipient notifications (Art. 19): what remains to send, and marking each one."""


@notifications.command("list")
@click.option("--state", type=click.Choice(STATES), default="to_send", show_default=True)
@click.option("--all", "every", is_flag=True, help="every notification, whatever its state")
@click.option("--json", "as_json", is_flag=True)
@expected_failures
def list_command(state: str, every: bool, as_json: bool) -> None:
    """Notifications, oldest rectification first."""
    items = current_ledger().notifications.notifications(
        reader=cli_reader("cli notifications list", "notifications to send"),
        state=None if every else state,
    )
    if as_json:
        click.echo(json.dumps(items, default=str, indent=2, ensure_ascii=False))
    else:
        click.echo(_table(items))


@notifications.command("sent")
@NOTIFICATION_ID
@click.option("--on", "sent_on", required=True, callback=iso_date, help="YYYY-MM-DD")
@click.option("--channel", required=True, type=click.Choice(CHANNELS))
@expected_failures
def sent(notification_id: UUID, sent_on: date, channel: str) -> None:
    """Mark it sent, on a date, through a channel."""
    current_ledger().notifications.mark_sent(
        notification_id, sent_on=sent_on, channel=channel, actor=_actor()
    )
    click.echo(f"sent on {sent_on} by {channel}")


@notifications.command("impossible")
@NOTIFICATION_ID
@REASON
@expected_failures
def impossible(notification_id: UUID, reason: str) -> None:
    """Telling this recipient proves impossible (Art. 19)."""
    current_ledger().notifications.mark_not_sent(
        notification_id, why="impossible", reason=reason, actor=_actor()
    )
    click.echo("marked impossible")


@notifications.command("disproportionate")
@NOTIFICATION_ID
@REASON
@expected_failures
def disproportionate(notification_id: UUID, reason: str) -> None:
    """Telling this recipient would take disproportionate effort (Art. 19)."""
    current_ledger().notifications.mark_not_sent(
        notification_id, why="disproportionate", reason=reason, actor=_actor()
    )
    click.echo("marked disproportionate")


def _table(items: list[dict[str, Any]]) -> str:
    rows = [
        [
            item["id"],
            item["state"],
            item["recipient"]["category"],
            item["recipient"]["name"],
            ", ".join(item["data_categories"]),
            "" if item["sent_on"] is None else day(item["sent_on"]),
        ]
        for item in items
    ]
    return table(["id", "state", "category", "recipient", "data", "sent"], rows)
