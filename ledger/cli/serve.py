"""`ledger serve`: the API and pages with gunicorn (asyncio workers that read each request
whole, then run it on a thread)."""

from __future__ import annotations

import os

import click

from ledger.cli.common import current_ledger, expected_failures


@click.command("serve")
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
@click.option(
    "--threads",
    default=8,
    show_default=True,
    type=click.IntRange(1, 256),
    help="Threads per process that run requests once they have arrived whole; slow clients "
    "wait on the event loop, not here.",
)
@expected_failures
def serve_command(host: str, port: int, workers: int | None, threads: int) -> None:
    """Serve the API and pages with gunicorn against LEDGER_DATABASE_URL."""
    from ledger.web.server import serve

    database = current_ledger().database
    if workers is None:
        workers = 1 if database.is_sqlite else (os.cpu_count() or 2)
    # The schema exists now (building the ledger made it), so workers never race to
    # create tables; each worker opens its own connections after the fork.
    database.dispose()
    click.echo(f"Serving the Disclosure Ledger on http://{host}:{port}/ (Ctrl-C stops)")
    serve(host=host, port=port, workers=workers, threads=threads)
