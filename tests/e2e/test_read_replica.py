"""A real read replica: a PostgreSQL hot standby streaming from a throwaway primary (both made
and removed here). Reads go to the standby, writes are refused there, and a read that names a
write's position waits for the standby or is answered by the primary."""

from __future__ import annotations

import http.client
import json
import logging
import threading
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from flask.testing import FlaskClient

from ledger.app import Ledger
from ledger.bootstrap import build_ledger
from ledger.cli import main
from ledger.settings import Settings
from ledger.web import create_app
from tests.builders import a_disclosure, accesses_of
from tests.conftest import TEST_MASTER_KEY
from tests.e2e.serving import ServeProcess, environment
from tests.e2e.throwaway_postgres import Cluster, standby_of, throwaway_cluster
from tests.integration.officer_pages import csrf, login
from tests.integration.test_api import Keys, auth, body

WAIT = 0.5  # LEDGER_READ_REPLICA_WAIT in these tests, seconds
SUBJECT_READ = "/api/v1/subjects/E-00001/disclosures"


@dataclass
class Replicated:
    primary: Cluster
    standby: Cluster


@dataclass
class Served:
    ledger: Ledger
    client: FlaskClient
    keys: Keys
    database: str
    primary: Cluster
    standby: Cluster

    def post(self, number: int) -> int:
        posted = self.client.post(
            "/api/v1/disclosures", json=body(number), headers=auth(self.keys.source)
        )
        assert posted.status_code == 201, posted.get_json()
        return int(posted.headers["X-Ledger-Position"])

    def read(self, path: str = SUBJECT_READ, **headers: str) -> tuple[str, list[str]]:
        """Who answered, and the source references of the person's disclosures."""
        response = self.client.get(path, headers=auth(self.keys.officer, **headers))
        assert response.status_code == 200, response.get_json()
        references = [item["source"]["reference"] for item in response.get_json()["items"]]
        return response.headers["X-Ledger-Read-Source"], references

    def standby_sql(self, statement: str) -> list[tuple[object, ...]]:
        return self.standby.sql(statement, self.database)


@pytest.fixture(scope="module")
def replicated() -> Iterator[Replicated]:
    with throwaway_cluster() as primary, standby_of(primary) as standby:
        yield Replicated(primary, standby)


@pytest.fixture
def served(replicated: Replicated, tmp_path: Path) -> Iterator[Served]:
    """A ledger of the test's own database on the primary, read through the standby."""
    primary, standby = replicated.primary, replicated.standby
    database = f"ledger_{uuid.uuid4().hex[:12]}"
    primary.sql(f"CREATE DATABASE {database}")
    listed = f"SELECT 1 FROM pg_database WHERE datname = '{database}'"  # noqa: S608 - ours
    _until(lambda: bool(standby.sql(listed)))
    settings = Settings(
        database_url=primary.url_of(database),
        read_database_url=standby.url_of(database),
        read_replica_wait=WAIT,
        var_dir=tmp_path / "var",
        master_key=TEST_MASTER_KEY,
        db_connect_timeout=2,
    )
    ledger = build_ledger(settings)
    try:
        client = create_app(settings, ledger=ledger).test_client()
        yield Served(ledger, client, Keys(ledger), database, primary, standby)
    finally:
        ledger.close()
        if standby.sql("SELECT pg_is_wal_replay_paused()") == [(True,)]:
            standby.sql("SELECT pg_wal_replay_resume()")
        primary.sql(f"DROP DATABASE {database} WITH (FORCE)")


def _until(condition: object, within: float = 30.0) -> None:
    deadline = time.monotonic() + within
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "not within the time"
        time.sleep(0.02)


def _caught_up(served: Served, position: int) -> None:
    _until(lambda: _int(served.standby_sql("SELECT max(id) FROM ledger_events")) >= position)


def _in_a_month() -> str:
    return (datetime.now(UTC) + timedelta(days=30)).date().isoformat()


def _int(rows: list[tuple[object, ...]]) -> int:
    value = rows[0][0]
    return value if isinstance(value, int) else 0


def test_a_read_is_answered_by_the_standby(served: Served) -> None:
    position = served.post(1)
    _caught_up(served, position)

    source, references = served.read()
    assert (source, references) == ("replica", ["run-2026-10/E-00001"])
    # The standby itself holds the ledger's sessions: its own pg_stat_activity shows them.
    sessions = served.standby_sql(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
        " AND pid <> pg_backend_pid()"
    )
    assert sessions[0][0] >= 1
    # The person's read is logged, on the primary: the standby cannot be written.
    assert [access.actor for access in accesses_of(served.ledger, "E-00001")] == ["fg"]


def test_a_paused_standby_shows_what_the_primary_no_longer_would(served: Served) -> None:
    """The proof that the standby answered: with its replay paused, a write the primary has is
    missing from the answer."""
    first = served.post(1)
    _caught_up(served, first)
    served.standby.sql("SELECT pg_wal_replay_pause()")
    _until(lambda: served.standby.sql("SELECT pg_get_wal_replay_pause_state()") == [("paused",)])
    second = served.client.post(
        "/api/v1/disclosures",
        json=body(1, source={"system": "payroll", "reference": "run-2026-11/E-00001"}),
        headers=auth(served.keys.source),
    )
    assert second.status_code == 201

    assert served.read() == ("replica", ["run-2026-10/E-00001"])


def test_writes_are_refused_on_the_standby(served: Served) -> None:
    engine = served.ledger.database.replica_engine
    assert engine is not None
    insert = "INSERT INTO ledger_events SELECT * FROM ledger_events WHERE false"
    with (
        pytest.raises(sa.exc.DBAPIError, match="cannot execute INSERT in a read-only transaction"),
        engine.begin() as connection,
    ):
        connection.exec_driver_sql(insert)
    # Not only the ledger's read-only sessions: the standby refuses any writer.
    with pytest.raises(psycopg.Error, match="cannot execute CREATE TABLE in a read-only"):
        served.standby_sql("CREATE TABLE standby_write_attempt (x integer)")


def test_a_read_naming_a_position_goes_to_the_primary_after_the_wait_then_to_the_standby(
    served: Served,
) -> None:
    _caught_up(served, served.post(1))
    served.standby.sql("SELECT pg_wal_replay_pause()")
    position = served.post(2)
    subject_2 = "/api/v1/subjects/E-00002/disclosures"

    started = time.monotonic()
    source, references = served.read(subject_2, **{"X-Ledger-Min-Position": str(position)})
    waited = time.monotonic() - started
    assert (source, references) == ("primary", ["run-2026-10/E-00002"])
    assert waited >= WAIT
    # Without the position the standby answers, and does not have it yet.
    assert served.read(subject_2) == ("replica", [])

    served.standby.sql("SELECT pg_wal_replay_resume()")
    _caught_up(served, position)
    assert served.read(subject_2, **{"X-Ledger-Min-Position": str(position)}) == (
        "replica",
        ["run-2026-10/E-00002"],
    )


def test_a_read_naming_a_position_waits_for_a_standby_that_catches_up_in_time(
    served: Served,
) -> None:
    _caught_up(served, served.post(1))
    served.standby.sql("SELECT pg_wal_replay_pause()")
    position = served.post(2)
    served.ledger.uow.reads.wait = 10.0
    resume = threading.Timer(0.3, lambda: served.standby.sql("SELECT pg_wal_replay_resume()"))
    resume.start()
    try:
        assert served.read(
            "/api/v1/subjects/E-00002/disclosures", **{"X-Ledger-Min-Position": str(position)}
        ) == ("replica", ["run-2026-10/E-00002"])
    finally:
        resume.join()


def test_a_standby_that_stops_answering_leaves_reads_to_the_primary(
    served: Served, caplog: pytest.LogCaptureFixture
) -> None:
    _caught_up(served, served.post(1))
    assert served.read()[0] == "replica"  # the pool now holds a standby connection

    with served.standby.frozen(), caplog.at_level(logging.WARNING, logger="ledger.app.replica"):
        assert served.read() == ("primary", ["run-2026-10/E-00001"])
        # Skipped at once while it is held down: no second connect timeout.
        started = time.monotonic()
        assert served.read() == ("primary", ["run-2026-10/E-00001"])
        assert time.monotonic() - started < 1.0
    assert "the read replica cannot be reached" in caplog.text


def test_ledger_verify_reads_the_standby(served: Served) -> None:
    _caught_up(served, served.post(1))
    served.standby.sql("SELECT pg_wal_replay_pause()")
    _until(lambda: served.standby.sql("SELECT pg_get_wal_replay_pause_state()") == [("paused",)])
    served.post(2)
    on_standby = _int(served.standby_sql("SELECT count(*) FROM ledger_events"))
    on_primary = _int(served.primary.sql("SELECT count(*) FROM ledger_events", served.database))
    assert on_standby < on_primary

    settings = served.ledger.settings
    env = {
        "LEDGER_DATABASE_URL": settings.database_url,
        "LEDGER_READ_DATABASE_URL": settings.read_database_url or "",
        "LEDGER_MASTER_KEY": TEST_MASTER_KEY,
        "LEDGER_VAR_DIR": str(settings.var_dir),
    }
    done = CliRunner(env=env).invoke(main, ["verify"], catch_exceptions=False)
    assert done.exit_code == 0, done.output
    assert f"OK: {on_standby} events" in done.output


def test_the_page_a_form_leads_to_shows_what_the_form_did(served: Served) -> None:
    """Pages carry the officer's last write position in a cookie: the page after a form waits
    for the standby or is read from the primary, like an API read naming the position."""
    served.ledger.recording.record(
        a_disclosure(1, occurred_at=datetime(2026, 11, 1, tzinfo=UTC)), actor="p"
    )
    _caught_up(served, served.ledger.integrity.head_position())
    client = served.client
    login(client, served.keys.officer)
    page = client.get("/officer/subject?id=E-00001&reason=verzoek+18")
    assert page.headers["X-Ledger-Read-Source"] == "replica"
    served.standby.sql("SELECT pg_wal_replay_pause()")

    form = {"subject_id": "E-00001", "view_reason": "verzoek 18", "until": _in_a_month()}
    form |= {"csrf_token": csrf(page.get_data(as_text=True)), "reason": "betwist"}
    done = client.post("/officer/restrictions", data=form)
    assert done.status_code == 303, done.get_data(as_text=True)
    restricted = "gebruiken wij uw gegevens"

    after = client.get(done.headers["Location"])
    assert after.headers["X-Ledger-Read-Source"] == "primary"
    assert restricted in after.get_data(as_text=True)
    # Without the cookie the standby answers, still without the restriction.
    client.delete_cookie("ledger_position")
    stale = client.get(done.headers["Location"])
    assert stale.headers["X-Ledger-Read-Source"] == "replica"
    assert restricted not in stale.get_data(as_text=True)


def test_ledger_serve_reads_the_standby_over_http(served: Served, tmp_path: Path) -> None:
    settings = served.ledger.settings
    server = ServeProcess(
        workdir=tmp_path,
        env=environment(
            tmp_path,
            settings.database_url,
            LEDGER_READ_DATABASE_URL=settings.read_database_url or "",
        ),
    )
    source = server.cli(
        "keys", "create", "--name", "http-source", "--role", "source",
        "--controller", "12345678", "--system", "payroll",
    ).split()[-1]  # fmt: skip
    officer = server.cli("keys", "create", "--name", "http-fg", "--role", "officer").split()[-1]
    server.start("--workers", "1", "--threads", "2")
    try:
        posted = _http(
            f"{server.base}/api/v1/disclosures",
            source,
            data=json.dumps(body(7)).encode(),
            headers={"Content-Type": "application/json"},
        )
        assert posted.status == 201
        position = posted.headers["X-Ledger-Position"]
        assert position == str(json.loads(posted.read())["position"])
        read = _http(
            f"{server.base}/api/v1/subjects/E-00007/disclosures",
            officer,
            headers={"X-Ledger-Min-Position": position},
        )
        assert read.status == 200
        assert read.headers["X-Ledger-Read-Source"] == "replica"
        assert len(json.loads(read.read())["items"]) == 1
    finally:
        server.stop()


def _http(
    url: str, key: str, *, data: bytes | None = None, headers: dict[str, str] | None = None
) -> http.client.HTTPResponse:
    request = urllib.request.Request(  # noqa: S310 - always http://127.0.0.1
        url, data=data, headers={"Authorization": f"Bearer {key}", **(headers or {})}
    )
    answer: http.client.HTTPResponse = urllib.request.urlopen(request, timeout=30)  # noqa: S310
    return answer
