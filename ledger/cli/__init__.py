"""The `ledger` command: one module per command group; every expected failure is a clear
message and a non-zero exit, never a traceback."""

from __future__ import annotations

import click

from ledger.cli import (
    activities,
    consents,
    db,
    demo,
    erasure,
    integrity,
    keys,
    notifications,
    overview,
    projections,
    records,
    requests,
    restrictions,
    retention,
    serve,
)


@click.group()
@click.version_option(package_name="disclosure-ledger")
def main() -> None:
    """The Disclosure Ledger: who received a person's data, when, what and why.

    Configure with LEDGER_* environment variables (see the README); by default the ledger is a
    SQLite file under var/.
    """


main.add_command(records.import_command)
main.add_command(overview.overview_command)
main.add_command(projections.projections)
main.add_command(db.db)
main.add_command(demo.demo_command)
main.add_command(keys.keys)
keys.keys.add_command(integrity.integrity_public)
main.add_command(integrity.verify_command)
main.add_command(integrity.verify_bundle_command)
main.add_command(integrity.checkpoint_command)
main.add_command(serve.serve_command)
main.add_command(requests.requests)
main.add_command(consents.consents)
main.add_command(consents.suppressions)
main.add_command(notifications.subjects)
main.add_command(notifications.notifications)
main.add_command(restrictions.restrictions)
notifications.subjects.add_command(erasure.erase)
notifications.subjects.add_command(erasure.cancel)
notifications.subjects.add_command(retention.employment_ended)
main.add_command(retention.retention)
retention.retention.add_command(erasure.apply_command)
main.add_command(activities.activities)
