"""`ledger keys`: API keys, shown once when created, stored only as a hash."""

from __future__ import annotations

import click

from ledger.cli.common import current_ledger, day, expected_failures, table


@click.group("keys")
def keys() -> None:
    """API keys: shown once when created, stored only as a hash."""


@keys.command("create")
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
@expected_failures
def keys_create(role: str, name: str, controllers: tuple[str, ...], system: str | None) -> None:
    """Create a key; its secret is the last line printed, and is never shown again."""
    key, secret = current_ledger().api_keys.create(
        name=name, role=role, controllers=controllers, system=system
    )
    scope = ""
    if key.role == "source":
        scope = f", system {key.system}, controllers {', '.join(key.controllers) or 'any'}"
    click.echo(f"Created {key.role} key {key.name}{scope}. Store it now; it is not shown again:")
    click.echo(secret)


@keys.command("list")
@expected_failures
def keys_list() -> None:
    """Every key with its role and scope (never the secret)."""
    listed = current_ledger().api_keys.list()
    if not listed:
        click.echo("No keys yet: create one with `ledger keys create`.")
        return
    click.echo(
        table(
            ["name", "role", "system", "controllers", "created", "revoked"],
            [
                [
                    k.name,
                    k.role,
                    k.system or "",
                    ", ".join(k.controllers) or ("any" if k.role == "source" else ""),
                    day(k.created_at),
                    day(k.revoked_at) if k.revoked_at else "",
                ]
                for k in listed
            ],
        )
    )


@keys.command("revoke")
@click.argument("name")
@expected_failures
def keys_revoke(name: str) -> None:
    """Revoke a key at once; requests with it get 401 from now on."""
    current_ledger().api_keys.revoke(name)
    click.echo(f"Revoked {name}.")
