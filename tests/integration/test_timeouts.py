"""Waiting on the database is bounded: a write that cannot get what it needs in time answers
503 with Retry-After and leaves nothing behind; on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from sqlalchemy.engine.url import make_url
from sqlalchemy.pool import NullPool

from ledger.adapters.database import Database, metadata
from ledger.adapters.timeouts import Timeouts
from ledger.app import Ledger
from ledger.bootstrap import build_ledger
from ledger.settings import Settings
from ledger.web import create_app
from tests.conftest import POSTGRES_URL
from tests.integration.test_api import Keys, auth, body

LOCK_TIMEOUT = 1.0
# Scheduling on a busy two-core machine, on top of the timeout itself.
MARGIN = 3.0


@pytest.fixture
def impatient(settings: Settings) -> Iterator[Ledger]:
    """A ledger that waits one second for the writer lock."""
    ledger = build_ledger(replace(settings, db_lock_timeout=LOCK_TIMEOUT))
    try:
        yield ledger
    finally:
        ledger.close()


@contextmanager
def writer_blocked(ledger: Ledger) -> Iterator[None]:
    """Another session holds what a write needs. On SQLite that is the write lock itself
    (`BEGIN IMMEDIATE`); on PostgreSQL, the integrity log's leaves, which a write reaches only
    after it has stored its events and read models, so its timeout comes mid-transaction."""
    url = ledger.database.url
    if ledger.database.is_sqlite:
        holder = sqlite3.connect(str(make_url(url).database), isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        return
    engine = sa.create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection, connection.begin() as transaction:
            connection.exec_driver_sql("LOCK TABLE ledger_leaves IN ACCESS EXCLUSIVE MODE")
            yield
            transaction.rollback()
    finally:
        engine.dispose()


def row_counts(ledger: Ledger) -> dict[str, int]:
    """Every table of the ledger (events, vault, read models, integrity log) by its row count."""
    tables = [ledger.store.table, *metadata.sorted_tables]
    with ledger.uow.read() as connection:
        return {
            table.name: connection.execute(sa.select(sa.func.count()).select_from(table)).scalar()
            or 0
            for table in tables
        }


def post_in_background(client: FlaskClient, payload: dict[str, Any], key: str) -> dict[str, Any]:
    """Posts from another thread, so that a test whose post never returns still fails (and
    ends) instead of hanging."""
    answer: dict[str, Any] = {}

    def post() -> None:
        started = time.monotonic()
        answer["response"] = client.post("/api/v1/disclosures", json=payload, headers=auth(key))
        answer["took"] = time.monotonic() - started

    answer["thread"] = threading.Thread(target=post, daemon=True)
    answer["thread"].start()
    return answer


def test_a_write_that_cannot_get_the_writer_lock_in_time_is_503_and_leaves_nothing_behind(
    settings: Settings, impatient: Ledger
) -> None:
    keys = Keys(impatient)
    client = create_app(settings, ledger=impatient).test_client()
    assert (
        client.post("/api/v1/disclosures", json=body(1), headers=auth(keys.source)).status_code
        == 201
    )
    before = row_counts(impatient)

    with writer_blocked(impatient):
        answer = post_in_background(client, body(2), keys.source)
        answer["thread"].join(LOCK_TIMEOUT + MARGIN)
        assert "response" in answer, "the write still waits for the lock"

    response = answer["response"]
    assert response.status_code == 503, response.get_data(as_text=True)
    assert response.headers["Retry-After"] == "5"
    assert response.mimetype == "application/problem+json"
    assert LOCK_TIMEOUT * 0.8 <= answer["took"] <= LOCK_TIMEOUT + MARGIN
    assert row_counts(impatient) == before

    # Nothing of it was stored: posted again, it is new (201), not a replay (200).
    again = client.post("/api/v1/disclosures", json=body(2), headers=auth(keys.source))
    assert again.status_code == 201, again.get_data(as_text=True)


def test_writes_queued_in_one_process_share_the_lock_timeout(
    settings: Settings, impatient: Ledger
) -> None:
    """Four writes at once while the lock is held elsewhere: each answers 503 after about the
    lock timeout, not one timeout after another (SQLite's threads queue in the process)."""
    keys = Keys(impatient)
    client = create_app(settings, ledger=impatient).test_client()
    with writer_blocked(impatient):
        answers = [post_in_background(client, body(n), keys.source) for n in range(10, 14)]
        for answer in answers:
            answer["thread"].join(LOCK_TIMEOUT + MARGIN)
    assert [a["response"].status_code for a in answers if "response" in a] == [503] * 4
    assert max(a["took"] for a in answers) <= LOCK_TIMEOUT + MARGIN


@pytest.mark.postgres
def test_postgresql_ends_a_statement_past_the_statement_timeout() -> None:
    """SQLite has no statement timeout: its only wait is for the write lock, tested above."""
    assert POSTGRES_URL
    database = Database(POSTGRES_URL, Timeouts(statement=0.5))
    try:
        started = time.monotonic()
        with (
            pytest.raises(sa.exc.OperationalError, match="statement timeout"),
            database.read_engine.connect() as connection,
        ):
            connection.execute(sa.text("SELECT pg_sleep(5)"))
        assert time.monotonic() - started < 0.5 + MARGIN
        with database.read_engine.connect() as connection:  # the pool recovers by itself
            assert connection.execute(sa.text("SELECT 1")).scalar() == 1
    finally:
        database.dispose()
