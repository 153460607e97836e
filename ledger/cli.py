"""The `ledger` command: every expected failure is a clear message and a non-zero exit."""

from __future__ import annotations

import csv
import functools
import io
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID

import click
import sqlalchemy.exc
from eventsourcing.persistence import PersistenceError
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext
from marshmallow import ValidationError

from ledger.application import MAX_BATCH, Ledger
from ledger.demo import DEMO_CONTROLLERS, demo_disclosures
from ledger.domain.errors import BatchRefused, DisclosureRefused, LedgerError
from ledger.domain.policy import check_disclosure
from ledger.domain.values import DisclosureFacts
from ledger.schemas import DisclosureSchema, load_disclosure
from ledger.settings import SettingsError

F = TypeVar("F", bound=Callable[..., Any])

# How many bad lines an import names before it only counts the rest.
SHOWN_ERRORS = 50


def _create_app() -> Flask:
    from ledger.web import create_app

    try:
        return create_app()
    except SettingsError as error:
        raise click.ClickException(str(error)) from None


def expected_failures(command: F) -> F:
    """Turn the failures a user can cause or meet into a message and exit code 1."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except (LedgerError, SettingsError) as error:
            raise click.ClickException(str(error)) from None
        except (sqlalchemy.exc.OperationalError, PersistenceError) as error:
            reason = str(error).splitlines()[0] if str(error) else type(error).__name__
            raise click.ClickException(f"the database cannot be used: {reason}") from None

    return wrapper  # type: ignore[return-value]


def current_ledger() -> Ledger:
    from ledger.web import current_ledger as ledger

    return ledger()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=True)
def main() -> None:
    """The Disclosure Ledger: who received a person's data, when, what and why.

    Configure with LEDGER_* environment variables (see the README); by default the ledger is a
    SQLite file under var/.
    """


# -- import -----------------------------------------------------------------------------------

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
            yield number, json.loads(line)
        except json.JSONDecodeError as error:
            yield number, {"_": f"is not JSON: {error.msg} at column {error.colno}"}


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


@main.command("import")
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
    show_default=True,
    help="Who recorded these, as the history will show it.",
)
@with_appcontext
@expected_failures
def import_command(
    file: Path, file_format: str | None, partial: bool, batch_size: int, actor: str
) -> None:
    """Record the disclosures in FILE (JSON lines or CSV with the SPEC §3 fields)."""
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
            receipts = ledger.record_stream(
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


# -- overview ---------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    raise TypeError(type(value))


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=True)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    return "\n".join(line.rstrip() for line in lines)


def _day(value: Any) -> str:
    return str(value)[:10]


@main.command("overview")
@click.argument("subject_id")
@click.option(
    "--json", "as_json", is_flag=True, help="Print the officer's raw JSON instead of tables."
)
@click.option(
    "--format",
    "file_format",
    type=click.Choice(["text", "html", "pdf", "json", "csv"]),
    default="text",
    show_default=True,
    help="html, pdf, json and csv are the overview the person receives (SPEC §1).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    default=None,
    help="Write to FILE instead of standard output (required for pdf).",
)
@click.option("--lang", type=click.Choice(["nl", "en"]), default="nl", show_default=True)
@click.option("--purpose", default=None, help="Why you look; recorded in the access log.")
@with_appcontext
@expected_failures
def overview_command(
    subject_id: str,
    as_json: bool,
    file_format: str,
    output: Path | None,
    lang: str,
    purpose: str | None,
) -> None:
    """Who received SUBJECT_ID's data: recipients, then every disclosure (newest first).

    With --format html|pdf|json|csv it writes the person's own overview (disclosures still
    under suppression left out), e.g. `ledger overview E-00042 --format pdf -o overview.pdf`.
    """
    import getpass

    from ledger import overview

    def emit(content: str | bytes) -> None:
        """To standard output, or exactly these bytes to the file."""
        if output is None:
            click.echo(content, nl=False)
            return
        try:
            if isinstance(content, bytes):
                output.write_bytes(content)
            else:
                output.write_text(content, encoding="utf-8", newline="")
        except OSError as error:
            raise click.ClickException(f"cannot write {output}: {error}") from None

    ledger = current_ledger()
    if file_format == "pdf" and output is None:
        raise click.UsageError("a PDF goes to a file: add -o FILE")
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    ledger.log_access(
        actor=f"cli:{user}"[:64],
        role="officer",
        endpoint=f"cli overview --format {'json' if as_json else file_format}",
        purpose=purpose,
        subject_id=subject_id,
    )
    if file_format != "text" and not as_json:
        config = overview.load_config(ledger.settings.overview_file)
        view = overview.build(ledger, config, subject_id=subject_id, lang=lang)
        if file_format == "pdf":
            content: str | bytes = overview.render_pdf(view)
        elif file_format == "json":
            proof = ledger.proof_bundle(tag=view.subject_tag) if view.subject_tag else None
            content = overview.render_json(view, proof)
        elif file_format == "csv":
            content = overview.render_csv(view)
        else:
            from ledger.web.pages import render_overview_html

            content = render_overview_html(view, standalone=True)
        emit(content)
        if output is not None:
            click.echo(f"Wrote the {file_format.upper()} overview of {subject_id} to {output}.")
        return
    recipients = ledger.recipients_of(subject_id)
    disclosures = []
    cursor = None
    while True:
        page = ledger.disclosures_of(subject_id, limit=500, cursor=cursor)
        disclosures += page.items
        cursor = page.next
        if cursor is None:
            break
    if as_json:
        document = {"subject_id": subject_id, "recipients": recipients, "disclosures": disclosures}
        emit(json.dumps(document, default=_plain, indent=2, ensure_ascii=False) + "\n")
        return
    if not disclosures:
        emit(f"No disclosures are recorded for {subject_id}.\n")
        return
    vocabulary = ledger.vocabulary
    recipients_table = _table(
        ["recipient", "category", "first", "last", "count", "data", "bases"],
        [
            [
                r["recipient"]["name"],
                r["recipient"]["category"],
                _day(r["first_at"]),
                _day(r["last_at"]),
                str(r["count"]),
                ", ".join(r["data_categories"]),
                ", ".join(r["legal_bases"]),
            ]
            for r in recipients
        ],
    )
    disclosures_table = _table(
        ["when", "recipient", "data", "basis", "purpose", "state"],
        [
            [
                d["occurred_at"][:16].replace("T", " "),
                d["recipient"]["name"],
                ", ".join(d["data_categories"]),
                vocabulary.legal_bases[d["legal_basis"]].en
                if d["legal_basis"] in vocabulary.legal_bases
                else d["legal_basis"],
                d["purpose"],
                "retracted" if d["retracted"] else ("corrected" if d["corrections"] else ""),
            ]
            for d in disclosures
        ],
    )
    emit(
        f"Recipients of {subject_id}'s data ({len(recipients)})\n\n{recipients_table}\n"
        f"\nDisclosures ({len(disclosures)})\n\n{disclosures_table}\n"
    )


# -- projections and demo ---------------------------------------------------------------------


@main.group("projections")
def projections_group() -> None:
    """The read models, rebuilt from the event log at any time."""


@projections_group.command("rebuild")
@with_appcontext
@expected_failures
def projections_rebuild() -> None:
    """Drop every read model and replay the whole event log into it (one transaction)."""
    ledger = current_ledger()
    with click.progressbar(length=0, label="Replaying events", file=sys.stderr) as bar:
        replayed = ledger.rebuild_projections(progress=bar.update)
    click.echo(f"Rebuilt the projections from {replayed} events.")


@main.command("demo")
@click.option("--count", default=2_000, show_default=True, type=click.IntRange(1, 1_000_000))
@click.option("--subjects", default=300, show_default=True, type=click.IntRange(1, 1_000_000))
@click.option("--keys/--no-keys", default=False, help="Also create fresh demo API keys.")
@click.option("--base-url", default="http://127.0.0.1:8000", show_default=True)
@with_appcontext
@expected_failures
def demo_command(count: int, subjects: int, keys: bool, base_url: str) -> None:
    """Record a DEMO data set (source system `demo`, purposes marked [DEMO]); safe to repeat."""
    ledger = current_ledger()
    items = list(demo_disclosures(count, subjects=subjects))
    receipts = ledger.record_stream(items, actor="demo")
    new = sum(not receipt.replayed for receipt in receipts)
    click.echo(
        f"DEMO data: {new} new disclosures about {subjects} demo subjects "
        f"(DEMO-000000 .. DEMO-{subjects - 1:06d}); {len(receipts) - new} were there already."
    )
    if not keys:
        return
    stamp = ledger.clock().strftime("%Y%m%d%H%M%S")
    secrets = {}
    for role in ("source", "officer", "auditor"):
        _, secrets[role] = ledger.create_api_key(
            name=f"demo-{role}-{stamp}",
            role=role,
            controllers=DEMO_CONTROLLERS if role == "source" else (),
            system="demo" if role == "source" else None,
        )
    sample = json.dumps(
        {
            "controller": DEMO_CONTROLLERS[0],
            "subject": {"id": "DEMO-000042"},
            "recipient": {"category": "arbodienst", "name": "ArboNed B.V."},
            "data_categories": ["naam", "verzuim"],
            "legal_basis": "legal_obligation",
            "special_category_condition": "occupational_medicine",
            "legal_provision": "Arbeidsomstandighedenwet, art. 14",
            "purpose": "[DEMO] Verzuimmelding",
            "occurred_at": "2026-11-02T09:30:00+01:00",
            "source": {"system": "demo", "reference": f"curl-{stamp}"},
        }
    )
    click.echo(
        f"""
DEMO API keys (new each run; revoke with `ledger keys revoke NAME`). In another shell:
  export SOURCE={secrets["source"]}   # posts as system 'demo'
  export OFFICER={secrets["officer"]}  # reads subjects
  export AUDITOR={secrets["auditor"]}  # statistics only
  export LEDGER={base_url}

Then try:
  curl -s $LEDGER/api/v1/health
  curl -s -H "Authorization: Bearer $OFFICER" $LEDGER/api/v1/subjects/DEMO-000042/recipients
  curl -s -H "Authorization: Bearer $OFFICER" $LEDGER/api/v1/subjects/DEMO-000042/disclosures
  curl -s -H "Authorization: Bearer $AUDITOR" $LEDGER/api/v1/stats
  curl -s -H "Authorization: Bearer $SOURCE" -H 'Content-Type: application/json' \\
       $LEDGER/api/v1/disclosures -d '{sample}'
API reference: {base_url}/api/docs"""
    )


# -- keys -------------------------------------------------------------------------------------


@main.group("keys")
def keys_group() -> None:
    """API keys: shown once when created, stored only as a hash."""


@keys_group.command("create")
@click.option("--role", type=click.Choice(["source", "officer", "auditor"]), required=True)
@click.option("--name", required=True, help="Unique, never reused; shown in histories and logs.")
@click.option(
    "--controller",
    "controllers",
    multiple=True,
    help="KvK number a source key may post for (repeat; default: any).",
)
@click.option(
    "--system", default=None, help="The source.system a source key posts as (default: its name)."
)
@with_appcontext
@expected_failures
def keys_create(role: str, name: str, controllers: tuple[str, ...], system: str | None) -> None:
    """Create a key; its secret is the last line printed, and is never shown again."""
    key, secret = current_ledger().create_api_key(
        name=name, role=role, controllers=controllers, system=system
    )
    scope = ""
    if key.role == "source":
        scope = f", system {key.system}, controllers {', '.join(key.controllers) or 'any'}"
    click.echo(f"Created {key.role} key {key.name}{scope}. Store it now; it is not shown again:")
    click.echo(secret)


@keys_group.command("list")
@with_appcontext
@expected_failures
def keys_list() -> None:
    """Every key with its role and scope (never the secret)."""
    keys = current_ledger().api_keys()
    if not keys:
        click.echo("No keys yet: create one with `ledger keys create`.")
        return
    click.echo(
        _table(
            ["name", "role", "system", "controllers", "created", "revoked"],
            [
                [
                    k.name,
                    k.role,
                    k.system or "",
                    ", ".join(k.controllers) or ("any" if k.role == "source" else ""),
                    _day(k.created_at),
                    _day(k.revoked_at) if k.revoked_at else "",
                ]
                for k in keys
            ],
        )
    )


@keys_group.command("revoke")
@click.argument("name")
@with_appcontext
@expected_failures
def keys_revoke(name: str) -> None:
    """Revoke a key at once; requests with it get 401 from now on."""
    current_ledger().revoke_api_key(name)
    click.echo(f"Revoked {name}.")


# -- serve ------------------------------------------------------------------------------------


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--workers",
    default=None,
    type=click.IntRange(1, 64),
    help="Processes, each with --threads request threads. Default: 1 on SQLite (one writer: "
    "threads queue in order, where processes poll SQLite's lock and get long tails), "
    "else the number of CPUs.",
)
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 256))
@with_appcontext
@expected_failures
def serve_command(host: str, port: int, workers: int | None, threads: int) -> None:
    """Serve the API and pages with gunicorn against LEDGER_DATABASE_URL."""
    import os

    from ledger.web.server import serve

    database = current_ledger().database
    if workers is None:
        workers = 1 if database.is_sqlite else (os.cpu_count() or 2)
    # The schema exists now (the app context built the ledger), so workers never race to
    # create tables; each worker opens its own connections after the fork.
    database.dispose()
    click.echo(f"Serving the Disclosure Ledger on http://{host}:{port}/ (Ctrl-C stops)")
    serve(host=host, port=port, workers=workers, threads=threads)


from ledger import cli_integrity  # noqa: E402, F401  (registers the integrity commands)
