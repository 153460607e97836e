"""`ledger import`: record the disclosures of a JSON-lines or CSV file, all or nothing."""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
from marshmallow import ValidationError

from ledger import json_input
from ledger.app import MAX_BATCH, Ledger
from ledger.cli.common import current_ledger, expected_failures, utf8_text
from ledger.domain.errors import BatchRefused, DisclosureRefused
from ledger.domain.policy import check_disclosure
from ledger.domain.values import DisclosureFacts
from ledger.schemas import DisclosureSchema, load_disclosure

# How many bad lines an import names before it only counts the rest.
SHOWN_ERRORS = 50

CSV_LIST_SEPARATOR = ";"


def _csv_records(text: str) -> Iterator[tuple[int, Any]]:
    """CSV with one column per field path (`recipient.category`); lists split on ';'."""
    reader = csv.DictReader(io.StringIO(text))
    for number, row in enumerate(reader, start=2):
        record: dict[str, Any] = {}
        for column, value in row.items():
            if column is None:
                yield number, {"_": "has more cells than the header has columns"}
                break
            if value is None or value.strip() == "":
                continue
            target = record
            *parents, leaf = column.strip().split(".")
            for parent in parents:
                target = target.setdefault(parent, {})
            target[leaf] = (
                [part.strip() for part in value.split(CSV_LIST_SEPARATOR) if part.strip()]
                if leaf == "data_categories"
                else value
            )
        else:
            yield number, record


def _jsonl_records(text: str) -> Iterator[tuple[int, Any]]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            # The API's parser: a line nested too deep or with an endless number is a bad line.
            yield number, json_input.loads(line)
        except json_input.JSONRefused as error:
            message = "; ".join(
                reason if path == "body" else f"{path}: {reason}"
                for path, reason in error.errors.items()
            )
            yield number, {"_": message}


def _read_lines(path: Path, file_format: str | None) -> tuple[str, Iterator[tuple[int, Any]]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise click.ClickException(f"cannot read {path}: {error}") from None
    chosen = file_format or ("csv" if path.suffix.lower() == ".csv" else "jsonl")
    records = _csv_records(text) if chosen == "csv" else _jsonl_records(text)
    return chosen, records


def validate_lines(
    records: Iterator[tuple[int, Any]], ledger: Ledger
) -> tuple[list[tuple[int, DisclosureFacts]], list[tuple[int, dict[str, str]]]]:
    """Every line judged by the same schema and rules as the API, before anything is written."""
    schema = DisclosureSchema()
    good: list[tuple[int, DisclosureFacts]] = []
    bad: list[tuple[int, dict[str, str]]] = []
    now = ledger.clock()
    for number, record in records:
        if isinstance(record, dict) and set(record) == {"_"}:
            bad.append((number, {"line": record["_"]}))
            continue
        try:
            facts = load_disclosure(record, schema)
            check_disclosure(facts, now=now, vocabulary=ledger.vocabulary)
        except ValidationError as error:
            bad.append((number, dict(error.messages)))  # type: ignore[arg-type]
        except DisclosureRefused as error:
            bad.append((number, error.errors))
        else:
            good.append((number, facts))
    return good, bad


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "file_format",
    type=click.Choice(["jsonl", "csv"]),
    default=None,
    help="Default: by the file's suffix (.csv is CSV, anything else JSON lines).",
)
@click.option(
    "--partial",
    is_flag=True,
    help="Record the good lines even when some are bad (default: all or nothing).",
)
@click.option(
    "--batch-size", default=MAX_BATCH, show_default=True, type=click.IntRange(1, MAX_BATCH)
)
@click.option(
    "--actor",
    default="import",
    callback=utf8_text,
    show_default=True,
    help="Who recorded these, as the history will show it.",
)
@expected_failures
def import_command(
    file: Path, file_format: str | None, partial: bool, batch_size: int, actor: str
) -> None:
    """Record the disclosures in FILE: JSON lines, or CSV with one column per field
    (`recipient.category`, lists split on ';'). Every bad line is named; nothing is recorded
    unless every line is good (or --partial)."""
    ledger = current_ledger()
    chosen, records = _read_lines(file, file_format)
    good, bad = validate_lines(records, ledger)
    for number, errors in bad[:SHOWN_ERRORS]:
        for path, message in errors.items():
            click.echo(f"{file}:{number}: {path}: {message}", err=True)
    if len(bad) > SHOWN_ERRORS:
        click.echo(f"... and {len(bad) - SHOWN_ERRORS} more bad lines", err=True)
    if bad and not partial:
        raise click.ClickException(
            f"{len(bad)} of {len(bad) + len(good)} lines are bad; nothing was recorded "
            "(fix them, or use --partial to record the good lines)"
        )
    if not good:
        raise click.ClickException("no disclosures to record")
    items = [facts for _, facts in good]
    with click.progressbar(length=len(items), label=f"Recording {chosen}", file=sys.stderr) as bar:
        try:
            receipts = ledger.recording.record_stream(
                items, actor=actor, batch_size=batch_size, progress=bar.update
            )
        except BatchRefused as refused:
            for key, message in refused.errors.items():
                _, index, path = key.split(".", 2)
                click.echo(f"{file}:{good[int(index)][0]}: {path}: {message}", err=True)
            raise click.ClickException("nothing was recorded") from None
    replayed = sum(receipt.replayed for receipt in receipts)
    click.echo(
        f"Recorded {len(receipts) - replayed} disclosures"
        + (f", {replayed} already recorded before" if replayed else "")
        + (f"; skipped {len(bad)} bad lines" if bad else "")
        + "."
    )
