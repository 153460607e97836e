"""`ledger db`: the database's own layout."""

from __future__ import annotations

import click

from ledger.cli.common import current_ledger, expected_failures


@click.group("db")
def db() -> None:
    """The database's own layout."""


@db.command("partition")
@expected_failures
def db_partition() -> None:
    """Partition a PostgreSQL database made before partitions: the event log and leaves by
    position range, the per-person read models by tag hash (one transaction; reads and writes
    wait until it is done)."""
    ledger = current_ledger()
    if ledger.database.is_sqlite:
        raise click.ClickException("partitions are PostgreSQL's; SQLite keeps its tables")
    converted = ledger.maintenance.partition()
    if converted:
        click.echo(f"Partitioned {', '.join(converted)}.")
    else:
        click.echo("Nothing to partition: the tables already are.")
