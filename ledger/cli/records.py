"""`ledger import`: record the disclosures of a JSON-lines or CSV file, all or nothing.

The file is read twice, line by line, so memory does not grow with it: the first pass judges
every line and names the bad ones before anything is written; the second reads it again and
records the good lines in batches within one transaction. A file that changed between the two
passes is refused, and nothing of it is recorded.
"""

from __future__ import annotations

import csv
import hashlib
import sys
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import click
from marshmallow import ValidationError

from ledger import json_input
from ledger.app import MAX_BATCH, Ledger
from ledger.cli.common import current_ledger, expected_failures, utf8_text
from ledger.domain.errors import BatchRefused
from ledger.domain.values import DisclosureFacts
from ledger.schemas import DisclosureSchema, load_disclosure

# How many bad lines an import names before it only counts the rest.
SHOWN_ERRORS = 50

CSV_LIST_SEPARATOR = ";"

# How many lines the first pass judges at once (one register look-up for their activities).
JUDGED_AT_ONCE = 1_000

# The progress bar moves per this many bytes read, not per line: redrawing it costs more
# than judging a line.
PROGRESS_STEP = 1 << 20


class Unreadable(str):
    """A line that is not a record at all (bad JSON or CSV), with the reason."""


class FileChanged(click.ClickException):
    def __init__(self, path: Path) -> None:
        super().__init__(
            f"{path} changed while it was being imported; nothing was recorded (import it again)"
        )


class Reading:
    """One pass over the file: its lines as read, with a digest of them, so the second pass
    can tell that it read exactly what the first one judged."""

    def __init__(self, path: Path, progress: Callable[[int], None] | None = None) -> None:
        self.path = path
        self.progress = progress
        self.digest = hashlib.sha256()

    def lines(self) -> Iterator[str]:
        unreported = 0
        try:
            # newline="": the csv module sees a cell's own line breaks; JSON ignores the \r.
            with self.path.open(encoding="utf-8-sig", newline="") as file:
                for line in file:
                    data = line.encode()
                    self.digest.update(data)
                    unreported += len(data)
                    if unreported >= PROGRESS_STEP and self.progress is not None:
                        self.progress(unreported)
                        unreported = 0
                    yield line
        except (OSError, UnicodeDecodeError) as error:
            raise click.ClickException(f"cannot read {self.path}: {error}") from None
        if self.progress is not None:
            self.progress(unreported)


def csv_records(lines: Iterable[str]) -> Iterator[tuple[int, Any]]:
    """CSV with one column per field path (`recipient.category`); lists split on ';'.
    A record is numbered by the line it ends on."""
    reader = csv.DictReader(lines)
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield reader.line_num, Unreadable(f"is not CSV: {error}")
            continue
        yield reader.line_num, _csv_record(row)


def _csv_record(row: Mapping[str | None, Any]) -> Any:
    record: dict[str, Any] = {}
    for column, value in row.items():
        if column is None:
            return Unreadable("has more cells than the header has columns")
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
    return record


def jsonl_records(lines: Iterable[str]) -> Iterator[tuple[int, Any]]:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            # The API's parser: a line nested too deep or with an endless number is a bad line.
            yield number, json_input.loads(line)
        except json_input.JSONRefused as error:
            yield (
                number,
                Unreadable(
                    "; ".join(
                        reason if path == "body" else f"{path}: {reason}"
                        for path, reason in error.errors.items()
                    )
                ),
            )


def judged(
    records: Iterable[tuple[int, Any]], ledger: Ledger, *, now: datetime
) -> Iterator[tuple[int, DisclosureFacts | Mapping[str, str]]]:
    """Each line judged by the same schema and rules as the API: its facts (completed from
    its activity, when it names one), or its errors by field path. Lines go to the rules in
    chunks, so a file by activity costs one register look-up per chunk, not per line."""
    schema = DisclosureSchema()
    chunk: list[tuple[int, DisclosureFacts | Mapping[str, str]]] = []

    def flush() -> Iterator[tuple[int, DisclosureFacts | Mapping[str, str]]]:
        loaded = [(i, o) for i, (_, o) in enumerate(chunk) if isinstance(o, DisclosureFacts)]
        outcomes = ledger.recording.judge([facts for _, facts in loaded], now=now)
        done = dict(chunk)
        for (index, _), outcome in zip(loaded, outcomes, strict=True):
            done[chunk[index][0]] = outcome
        yield from done.items()
        chunk.clear()

    for number, record in records:
        if isinstance(record, Unreadable):
            chunk.append((number, {"line": str(record)}))
        else:
            try:
                chunk.append((number, load_disclosure(record, schema)))
            except ValidationError as error:
                chunk.append((number, dict(error.messages)))  # type: ignore[arg-type]
        if len(chunk) >= JUDGED_AT_ONCE:
            yield from flush()
    yield from flush()


def report(file: Path, number: int, errors: Mapping[str, str]) -> None:
    for path, message in errors.items():
        click.echo(f"{file}:{number}: {path}: {message}", err=True)


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
    chosen = file_format or ("csv" if file.suffix.lower() == ".csv" else "jsonl")
    records = csv_records if chosen == "csv" else jsonl_records
    now = ledger.clock()

    # First pass: judge every line; keep only counts, the first errors and the bad numbers.
    good = 0
    bad = array("q")
    with click.progressbar(
        length=file.stat().st_size, label=f"Checking {file.name}", file=sys.stderr
    ) as bar:
        first = Reading(file, progress=bar.update)
        for number, outcome in judged(records(first.lines()), ledger, now=now):
            if isinstance(outcome, DisclosureFacts):
                good += 1
                continue
            bad.append(number)
            if len(bad) <= SHOWN_ERRORS:
                report(file, number, outcome)
    if len(bad) > SHOWN_ERRORS:
        click.echo(f"... and {len(bad) - SHOWN_ERRORS} more bad lines", err=True)
    if bad and not partial:
        raise click.ClickException(
            f"{len(bad)} of {len(bad) + good} lines are bad; nothing was recorded "
            "(fix them, or use --partial to record the good lines)"
        )
    if not good:
        raise click.ClickException("no disclosures to record")

    # Second pass: the same lines again, the bad ones skipped unread, recorded batch by batch.
    second = Reading(file)

    def good_lines() -> Iterator[tuple[int, DisclosureFacts]]:
        skipped = iter(bad)
        next_bad = next(skipped, None)
        schema = DisclosureSchema()
        for number, record in records(second.lines()):
            if number == next_bad:
                next_bad = next(skipped, None)
                continue
            if isinstance(record, Unreadable):
                raise FileChanged(file)
            try:
                yield number, load_disclosure(record, schema)
            except ValidationError:
                raise FileChanged(file) from None
        # Raised inside the transaction, so a changed file leaves nothing recorded.
        if second.digest.digest() != first.digest.digest():
            raise FileChanged(file)

    with click.progressbar(length=good, label=f"Recording {chosen}", file=sys.stderr) as bar:
        try:
            tally = ledger.recording.record_stream(
                good_lines(), actor=actor, batch_size=batch_size, progress=bar.update, unit="line"
            )
        except BatchRefused as refused:
            for number, errors in list(refused.items.items())[:SHOWN_ERRORS]:
                report(file, number, errors)
            if len(refused.items) > SHOWN_ERRORS:
                click.echo(f"... and {len(refused.items) - SHOWN_ERRORS} more bad lines", err=True)
            raise click.ClickException("nothing was recorded") from None
    click.echo(
        f"Recorded {tally.recorded} disclosures"
        + (f", {tally.replayed} already recorded before" if tally.replayed else "")
        + (f"; skipped {len(bad)} bad lines" if bad else "")
        + "."
    )
