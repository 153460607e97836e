"""The integrity commands: verify, verify-bundle, checkpoint, keys integrity-public."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ledger.cli.common import current_ledger, expected_failures, reads_replica
from ledger.integrity.bundle import verify_bundle
from ledger.integrity.checkpoints import CheckpointError
from ledger.integrity.verified import StateError


@click.command("verify")
@click.option(
    "--public-key",
    default=None,
    help="Verifier key to check checkpoints with (default: this ledger's own).",
)
@click.option(
    "--since-checkpoint",
    is_flag=True,
    help="Check only what was appended after the last verified checkpoint, and that the newer "
    "checkpoints are consistent with it (a full verify when none was verified yet).",
)
@click.option(
    "--state",
    "state_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Keep where verification got to in this file instead of the database "
    "(an auditor's own record).",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes (default: one per CPU); with --since-checkpoint, for what came "
    "after the first 16,384-aligned position past the verified checkpoint.",
)
@expected_failures
@reads_replica
def verify_command(
    public_key: str | None, since_checkpoint: bool, state_file: Path | None, workers: int | None
) -> None:
    """Recompute every leaf from the stored events and the tree from the leaves; check every
    checkpoint's signature, root and consistency. Exit 1 naming the first bad position.

    A passing run remembers its newest checkpoint (tree size, root and every subject's chain
    head there). With --since-checkpoint the next run starts from it: it checks that this
    checkpoint is still in the log with the same root, recomputes only the later leaves, their
    subtrees and checkpoints, and proves the newer checkpoints consistent with it."""
    ledger = current_ledger()
    with click.progressbar(length=0, label="Verifying", file=sys.stderr) as bar:
        try:
            report = ledger.integrity.verify(
                verifier_key=public_key,
                progress=bar.update,
                workers=workers,
                since_checkpoint=since_checkpoint,
                state_file=state_file,
            )
        except CheckpointError as error:
            raise click.ClickException(f"--public-key: {error}") from None
        except StateError as error:
            raise click.ClickException(f"--state: {error}") from None
    if report.ok:
        if report.since is not None:
            click.echo(
                f"OK: {report.events} events after the verified checkpoint at size "
                f"{report.since}, every new leaf recomputed, {report.checkpoints} newer "
                "checkpoints verified and consistent with it."
            )
            return
        click.echo(
            f"OK: {report.events} events, every leaf recomputed, "
            f"{report.checkpoints} checkpoints verified."
        )
        return
    for problem in report.problems:
        click.echo(f"FAIL {problem}", err=True)
    where = report.first_bad_position
    raise click.ClickException(
        "the ledger does not verify"
        + (f"; the first bad position is {where}" if where is not None else "")
    )


@click.command("verify-bundle")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--public-key", required=True, help="The log's verifier key (name+id+key).")
def verify_bundle_command(file: Path, public_key: str) -> None:
    """Check a person's proof bundle (or a JSON overview carrying one) offline, no database."""
    try:
        bundle = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise click.ClickException(f"cannot read {file}: {error}") from None
    if not isinstance(bundle, dict):
        raise click.ClickException(f"{file} is not a proof bundle")
    problems = verify_bundle(bundle, public_key)
    if problems:
        for problem in problems:
            click.echo(f"FAIL {problem}", err=True)
        raise click.ClickException("the bundle does not verify")
    proof = bundle.get("proof", bundle)
    click.echo(
        f"OK: {len(proof['events'])} events are in the signed log of size "
        f"{proof['checkpoint']['tree_size']}, every commitment opens, no gaps in the sequence."
    )


@click.command("checkpoint")
@expected_failures
def checkpoint_command() -> None:
    """Publish a signed checkpoint of the log now, and print it."""
    click.echo(current_ledger().integrity.publish_checkpoint().note, nl=False)


@click.command("integrity-public")
@expected_failures
def integrity_public() -> None:
    """Print the checkpoint verifier key (C2SP signed-note form) for auditors and persons."""
    click.echo(current_ledger().integrity.verifier_key())
