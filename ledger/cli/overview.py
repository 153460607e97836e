"""`ledger overview`: who received a person's data, as tables or as the file they receive."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import click

from ledger import overview
from ledger.cli.common import (
    cli_reader,
    current_ledger,
    day,
    expected_failures,
    reads_replica,
    table,
    utf8_text,
)
from ledger.domain.patterns import CONTROL_CHARACTERS


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    raise TypeError(type(value))


@click.command("overview")
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
    help="html, pdf, json and csv: the overview as the person receives it.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    default=None,
    help="Write to FILE instead of standard output (required for pdf).",
)
@click.option("--lang", type=click.Choice(overview.LANGUAGES), default="nl", show_default=True)
@click.option(
    "--purpose",
    required=True,
    callback=utf8_text,
    help="Why you look (e.g. the access request's reference); logged, and the person sees it.",
)
@expected_failures
@reads_replica
def overview_command(
    subject_id: str,
    as_json: bool,
    file_format: str,
    output: Path | None,
    lang: str,
    purpose: str,
) -> None:
    """Who received SUBJECT_ID's data: recipients, then every disclosure (newest first).

    With --format html|pdf|json|csv it writes the person's own overview (disclosures still
    withheld from them left out), e.g.
    `ledger overview E-00042 --purpose "AVG-verzoek 2026-017" --format pdf -o overview.pdf`.
    """

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

    purpose = CONTROL_CHARACTERS.sub("", purpose).strip()[:200]
    if not purpose:
        raise click.BadParameter(
            "say why you look (it is logged, and the person sees it)", param_hint="--purpose"
        )
    if file_format == "pdf" and output is None:
        raise click.UsageError("a PDF goes to a file: add -o FILE")
    ledger = current_ledger()
    reader = cli_reader(f"cli overview --format {'json' if as_json else file_format}", purpose)
    if file_format != "text" and not as_json:
        view = ledger.reading.overview(
            reader=reader, subject_id=subject_id, lang=lang, with_proof=file_format == "json"
        )
        renderers: dict[str, Callable[[overview.Overview], str | bytes]] = {
            "pdf": overview.render_pdf,
            "json": overview.render_json,
            "csv": overview.render_csv,
            "html": overview.render_html,
        }
        emit(renderers[file_format](view))
        if output is not None:
            click.echo(f"Wrote the {file_format.upper()} overview of {subject_id} to {output}.")
        return
    recipients, disclosures = ledger.reading.everything_of(subject_id, reader=reader)
    if as_json:
        document = {"subject_id": subject_id, "recipients": recipients, "disclosures": disclosures}
        emit(json.dumps(document, default=_plain, indent=2, ensure_ascii=False) + "\n")
        return
    if not disclosures:
        emit(f"No disclosures are recorded for {subject_id}.\n")
        return
    vocabulary = ledger.vocabulary
    recipients_table = table(
        ["recipient", "category", "first", "last", "count", "data", "bases"],
        [
            [
                r["recipient"]["name"],
                r["recipient"]["category"],
                day(r["first_at"]),
                day(r["last_at"]),
                str(r["count"]),
                ", ".join(r["data_categories"]),
                ", ".join(r["legal_bases"]),
            ]
            for r in recipients
        ],
    )
    disclosures_table = table(
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
