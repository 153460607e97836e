"""Log positions over HTTP: every write answers `X-Ledger-Position`, every read says which
source answered it, and `X-Ledger-Min-Position` is checked. With a read replica named, reads
go there in read-only sessions; the shared server stands in for the replica here (the real hot
standby is in tests/e2e/test_read_replica.py)."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from dataclasses import replace

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from ledger.app import Ledger
from ledger.bootstrap import build_ledger
from ledger.settings import Settings
from ledger.web import create_app
from tests.builders import accesses_of
from tests.conftest import Backend, FixedClock
from tests.integration.test_api import Keys, auth, body

SUBJECT_READ = "/api/v1/subjects/E-00001/disclosures"


@pytest.fixture
def keys(ledger: Ledger) -> Keys:
    return Keys(ledger)


def test_a_write_answers_its_log_position_and_a_replay_the_same(
    client: FlaskClient, keys: Keys
) -> None:
    first = client.post("/api/v1/disclosures", json=body(1), headers=auth(keys.source))
    assert first.status_code == 201
    assert first.headers["X-Ledger-Position"] == str(first.get_json()["position"])

    second = client.post("/api/v1/disclosures", json=body(2), headers=auth(keys.source))
    assert int(second.headers["X-Ledger-Position"]) > int(first.headers["X-Ledger-Position"])

    # A replay appends nothing: it names the log's head, which includes the first recording.
    again = client.post("/api/v1/disclosures", json=body(1), headers=auth(keys.source))
    assert again.status_code == 200
    assert again.headers["X-Ledger-Position"] == second.headers["X-Ledger-Position"]


def test_a_refused_write_names_no_position(client: FlaskClient, keys: Keys) -> None:
    refused = client.post(
        "/api/v1/disclosures", json=body(1, legal_basis="whim"), headers=auth(keys.source)
    )
    assert refused.status_code == 422
    assert "X-Ledger-Position" not in refused.headers


def test_without_a_replica_the_primary_answers_every_read_even_one_naming_a_position(
    client: FlaskClient, keys: Keys
) -> None:
    posted = client.post("/api/v1/disclosures", json=body(1), headers=auth(keys.source))
    position = posted.headers["X-Ledger-Position"]

    read = client.get(
        SUBJECT_READ, headers=auth(keys.officer, **{"X-Ledger-Min-Position": position})
    )
    assert read.status_code == 200
    assert read.headers["X-Ledger-Read-Source"] == "primary"
    assert len(read.get_json()["items"]) == 1


@pytest.mark.parametrize("value", ["soon", "-1", "1.5", "0x10", "", "9223372036854775808", "1 2"])
def test_a_bad_min_position_is_400_naming_the_header(
    client: FlaskClient, keys: Keys, value: str
) -> None:
    response = client.get(
        SUBJECT_READ, headers=auth(keys.officer, **{"X-Ledger-Min-Position": value})
    )
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert "X-Ledger-Min-Position" in response.get_json()["errors"]


def test_the_openapi_document_names_the_position_headers(client: FlaskClient) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    read = document["paths"]["/api/v1/subjects/{subject_id}/disclosures"]["get"]
    assert any(p["name"] == "X-Ledger-Min-Position" for p in read["parameters"])
    assert "X-Ledger-Read-Source" in read["responses"]["200"]["headers"]
    assert "400" in read["responses"]
    write = document["paths"]["/api/v1/disclosures"]["post"]
    assert "X-Ledger-Position" in write["responses"]["201"]["headers"]


# -- a read replica: the shared server in read-only sessions ----------------------------------


@pytest.fixture
def replicated(
    backend: Backend, settings: Settings, clock: FixedClock
) -> Iterator[tuple[Ledger, FlaskClient]]:
    if backend.name != "postgres":
        pytest.skip("a read replica is PostgreSQL's")
    ledger = build_ledger(replace(settings, read_database_url=backend.url))
    ledger.clock = clock
    try:
        yield ledger, create_app(ledger.settings, ledger=ledger).test_client()
    finally:
        ledger.close()


def test_reads_go_to_the_replica_and_the_access_log_to_the_primary(
    replicated: tuple[Ledger, FlaskClient],
) -> None:
    ledger, client = replicated
    keys = Keys(ledger)
    posted = client.post("/api/v1/disclosures", json=body(1), headers=auth(keys.source))
    assert posted.status_code == 201

    read = client.get(SUBJECT_READ, headers=auth(keys.officer))
    assert read.status_code == 200
    assert read.headers["X-Ledger-Read-Source"] == "replica"
    assert len(read.get_json()["items"]) == 1
    # Written although every session on the replica's engine is read-only.
    assert [access.actor for access in accesses_of(ledger, "E-00001")] == ["fg"]
    recipients = client.get("/api/v1/subjects/E-00001/recipients", headers=auth(keys.officer))
    assert recipients.status_code == 200
    assert recipients.headers["X-Ledger-Read-Source"] == "replica"
    assert [access.actor for access in accesses_of(ledger, "E-00001")] == ["fg", "fg"]


def test_no_write_can_go_through_the_replicas_engine(
    replicated: tuple[Ledger, FlaskClient],
) -> None:
    ledger, _ = replicated
    engine = ledger.database.replica_engine
    assert engine is not None
    with pytest.raises(sa.exc.DBAPIError, match="read-only transaction"), engine.begin() as c:
        c.execute(sa.text("CREATE TABLE replica_write_attempt (x integer)"))


def test_a_write_request_reads_from_the_primary(
    replicated: tuple[Ledger, FlaskClient],
) -> None:
    ledger, client = replicated
    keys = Keys(ledger)
    posted = client.post("/api/v1/disclosures", json=body(1), headers=auth(keys.source))
    assert posted.status_code == 201
    assert posted.headers.get("X-Ledger-Read-Source", "primary") == "primary"


def test_an_unreachable_replica_leaves_reads_to_the_primary_with_a_log_line(
    backend: Backend, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    if backend.name != "postgres":
        pytest.skip("a read replica is PostgreSQL's")
    with socket.socket() as closed:  # a port nothing listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    down = f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    ledger = build_ledger(replace(settings, read_database_url=down))
    try:
        client = create_app(ledger.settings, ledger=ledger).test_client()
        keys = Keys(ledger)
        client.post("/api/v1/disclosures", json=body(1), headers=auth(keys.source))
        with caplog.at_level(logging.WARNING, logger="ledger.app.replica"):
            read = client.get(SUBJECT_READ, headers=auth(keys.officer))
        assert read.status_code == 200
        assert read.headers["X-Ledger-Read-Source"] == "primary"
        assert len(read.get_json()["items"]) == 1
        assert "the read replica cannot be reached" in caplog.text
    finally:
        ledger.close()
