"""A backup taken before an erasure still holds the person's key; restoring it and starting the
ledger erases them again from the list of shredded tags, and the log still verifies."""

from __future__ import annotations

import dataclasses
import shutil
import sqlite3
import subprocess
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine.url import make_url

from ledger.bootstrap import build_ledger
from ledger.settings import Settings
from tests.conftest import POSTGRES_URL, FixedClock
from tests.integration.test_erasure import erased_facts, past_history


def sqlite_backup(settings: Settings, tmp_path: Path) -> Path:
    source = make_url(settings.database_url).database
    assert source is not None
    copy = tmp_path / "backup.db"
    with sqlite3.connect(source) as live, sqlite3.connect(copy) as target:
        live.backup(target)
    return copy


def postgres_dump(settings: Settings, tmp_path: Path) -> tuple[Path, str]:
    url = make_url(settings.database_url)
    schema = str(url.query["options"]).split("search_path=")[1]
    dump = tmp_path / "backup.dump"
    subprocess.run(
        ["pg_dump", "-Fc", "-n", schema, "-f", str(dump), _libpq(POSTGRES_URL or "")],
        check=True,
    )
    return dump, schema


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.mark.skipif(shutil.which("pg_dump") is None, reason="pg_dump is not installed")
def test_a_restored_backup_from_before_an_erasure_is_erased_again_on_start(
    settings: Settings, tmp_path: Path, clock: FixedClock
) -> None:
    ledger = build_ledger(settings)
    ledger.clock = clock
    past_history(ledger, 1)
    past_history(ledger, 2)
    if ledger.database.is_sqlite:
        backup = sqlite_backup(settings, tmp_path)
    else:
        dump, schema = postgres_dump(settings, tmp_path)
    outcome = ledger.erasures.request(
        subject_id="E-00001", reason="Verzoek", requested_on=None, actor="fg"
    )
    assert outcome.state == "erased"
    ledger.close()

    database = None
    if settings.is_sqlite:
        live = Path(make_url(settings.database_url).database or "")
        for suffix in ("-wal", "-shm"):
            Path(f"{live}{suffix}").unlink(missing_ok=True)
        shutil.copy(backup, live)
        restored_settings = settings
    else:
        database = f"restore_{uuid.uuid4().hex[:12]}"
        admin = sa.create_engine(POSTGRES_URL or "", isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(sa.text(f"CREATE DATABASE {database}"))
        target = make_url(POSTGRES_URL or "").set(database=database)
        subprocess.run(
            ["pg_restore", "-d", _libpq(target.render_as_string(False)), str(dump)], check=True
        )
        restored_url = make_url(settings.database_url).set(database=database)
        restored_settings = dataclasses.replace(
            settings, database_url=restored_url.render_as_string(hide_password=False)
        )
        assert schema
    try:
        # The backup still knows the person: the list of shredded tags must put that right.
        restored = build_ledger(restored_settings)
        try:
            restored.clock = clock
            with restored.uow.read() as connection:
                assert restored.vault.find(connection, "E-00001") is None
                assert restored.vault.find(connection, "E-00002") is not None
            assert len(erased_facts(restored)) == 1
            report = restored.integrity.verify()
            assert report.ok, report.problems
            assert [item["basis"] for item in restored.erasures.in_state("done")] == ["request"]
        finally:
            restored.close()
    finally:
        if database is not None:
            with admin.connect() as connection:
                connection.execute(sa.text(f"DROP DATABASE {database} WITH (FORCE)"))
            admin.dispose()
