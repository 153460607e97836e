"""`ledger activities`: the register of processing activities (GDPR Art. 30) from a TOML file;
list the activities and show one's versions and what changed between them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ledger.adapters.fast_json import indented
from ledger.app.register import ActivityChange
from ledger.cli.common import cli_reader, current_ledger, expected_failures, table, utf8_text
from ledger.domain.activity import ActivityVersion, changed_fields
from ledger.domain.errors import InvalidChange


@click.group("activities")
def activities() -> None:
    """The register of processing activities (GDPR Art. 30), versioned."""


@activities.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--reason",
    callback=utf8_text,
    help="Why the changed activities changed (an activity's own `reason` comes first).",
)
@expected_failures
def import_register(file: Path, reason: str | None) -> None:
    """Import a register file: new activities are defined, changed ones get a new version,
    the rest is left as it is. All or nothing: one bad activity records nothing."""
    try:
        source = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise click.ClickException(f"{file}: cannot be read as UTF-8 text ({error})") from None
    actor = cli_reader("cli activities", "").actor
    try:
        changes = current_ledger().register.import_file(source, actor=actor, reason=reason)
    except InvalidChange as error:
        lines = "\n".join(f"  {path}: {message}" for path, message in error.errors.items())
        raise click.ClickException(
            f"{file}: nothing was recorded; {len(error.errors)} problem(s):\n{lines}"
        ) from None
    for change in changes:
        click.echo(_describe(change))
    counts = {kind: sum(c.kind == kind for c in changes) for kind in _KINDS}
    click.echo(
        f"{counts['defined']} defined, {counts['revised']} revised, {counts['unchanged']} unchanged"
    )


_KINDS = ("defined", "revised", "unchanged")


def _describe(change: ActivityChange) -> str:
    version = change.version
    if change.kind == "defined":
        return f"defined   {version.code} v{version.version}"
    if change.kind == "revised":
        return (
            f"revised   {version.code} v{version.version}"
            f" ({', '.join(change.changed)}): {version.reason}"
        )
    return f"unchanged {version.code} v{version.version}"


@activities.command("list")
@expected_failures
def list_activities() -> None:
    """Every activity with its current version."""
    ledger = current_ledger()
    rows = [
        [
            version.code,
            f"v{version.version}",
            version.legal_basis,
            ", ".join(version.recipient_categories),
            _period(version),
            version.text("name", "en"),
        ]
        for version in ledger.register.list()
    ]
    if not rows:
        click.echo("The register is empty: import one with `ledger activities import FILE`.")
        return
    click.echo(table(["code", "version", "basis", "recipients", "in force", "name"], rows))


@activities.command("show")
@click.argument("code", callback=utf8_text)
@expected_failures
def show(code: str) -> None:
    """Every version of one activity, oldest first, and what changed in each."""
    register = current_ledger().register
    versions = register.versions(code)
    click.echo(f"{code}  {register.uri(code)}")
    previous: ActivityVersion | None = None
    for version in versions:
        click.echo("")
        click.echo(
            f"v{version.version}  {register.version_uri(code, version.version)}"
            f"  recorded {version.recorded_at.isoformat(timespec='seconds')}"
        )
        click.echo(f"  reason: {version.reason}")
        if previous is None:
            for name, value in version.content.items():
                if name != "code" and value not in (None, [], {}):
                    click.echo(f"  {name}: {_value(value)}")
        else:
            changed = changed_fields(previous.content, version.content)
            click.echo(f"  changed: {', '.join(changed)}")
            for path, old, new in _differences(previous.content, version.content, changed):
                click.echo(f"  {path}: {_value(old)}")
                click.echo(f"  {' ' * len(path)}  -> {_value(new)}")
        previous = version


def _differences(
    old: dict[str, Any], new: dict[str, Any], changed: list[str]
) -> list[tuple[str, object, object]]:
    """Each changed field, or each changed language of a text field (`purpose.en`)."""
    found: list[tuple[str, object, object]] = []
    for name in changed:
        before, after = old.get(name), new.get(name)
        if isinstance(before, dict) and isinstance(after, dict):
            for lang in sorted(set(before) | set(after)):
                if before.get(lang) != after.get(lang):
                    found.append((f"{name}.{lang}", before.get(lang), after.get(lang)))
        else:
            found.append((name, before, after))
    return found


def _period(version: ActivityVersion) -> str:
    until = version.valid_until.isoformat() if version.valid_until else "open"
    return f"{version.valid_from.isoformat()} .. {until}"


def _value(value: object) -> str:
    if isinstance(value, dict):
        return "; ".join(f"{key}: {_value(item)}" for key, item in value.items())
    if isinstance(value, list):
        return ", ".join(_value(item) for item in value)
    return "-" if value is None else str(value)


@activities.command("export")
@click.option(
    "--format",
    "file_format",
    type=click.Choice(["jsonld"]),
    default="jsonld",
    show_default=True,
    help="JSON-LD in W3C DPV terms (dpv:Process per activity).",
)
@expected_failures
def export(file_format: str) -> None:
    """The register's current versions, to standard output."""
    document = current_ledger().register_reports.jsonld()
    click.echo(indented(document))
