"""`ledger projections`: the read models, rebuilt from the event log at any time."""

from __future__ import annotations

import sys

import click

from ledger.cli.common import current_ledger, expected_failures


@click.group("projections")
def projections() -> None:
    """The read models, rebuilt from the event log at any time."""


@projections.command("rebuild")
@expected_failures
def projections_rebuild() -> None:
    """Drop every read model and replay the whole event log into it (one transaction)."""
    ledger = current_ledger()
    with click.progressbar(length=0, label="Replaying events", file=sys.stderr) as bar:
        replayed = ledger.maintenance.rebuild_projections(progress=bar.update)
    click.echo(f"Rebuilt the projections from {replayed} events.")
