"""Fixtures: every test that touches a database runs on a fresh SQLite file and, when
LEDGER_TEST_POSTGRES_URL is set, on a fresh PostgreSQL schema too."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from ledger.app import Ledger
from ledger.bootstrap import build_ledger
from ledger.settings import Settings

POSTGRES_URL = os.environ.get("LEDGER_TEST_POSTGRES_URL")
BACKENDS = ["sqlite", "postgres"]

TEST_MASTER_KEY = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="  # 32 bytes, tests only


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if POSTGRES_URL:
        return
    if os.environ.get("LEDGER_TEST_REQUIRE_POSTGRES"):
        raise pytest.UsageError("LEDGER_TEST_POSTGRES_URL must be set: PostgreSQL is required")
    skip = pytest.mark.skip(reason="LEDGER_TEST_POSTGRES_URL is not set")
    for item in items:
        if "postgres" in item.keywords or "[postgres" in item.nodeid:
            item.add_marker(skip)


@dataclass
class Backend:
    name: str
    url: str


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    """A database of its own for one test: a SQLite file, or a PostgreSQL schema."""
    if request.param == "sqlite":
        yield Backend("sqlite", f"sqlite:///{tmp_path / 'ledger.db'}")
        return
    assert POSTGRES_URL
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f"CREATE SCHEMA {schema}"))
    separator = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield Backend("postgres", f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}")
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


# The tests of what partitions change (the write path, the log, the read models, erasure)
# run on PostgreSQL partitioned as in production, with 4 hash partitions instead of 16; the
# rest on plain tables, the layout of a database made before partitions. Each test makes its
# schema afresh, and a partitioned one costs about a second more to make than a plain one.
PARTITIONED_MODULES = frozenset(
    f"tests.integration.{name}"
    for name in (
        "test_concurrent_writers",
        "test_erasure",
        "test_erasure_restore",
        "test_erasure_traces",
        "test_integrity",
        "test_partitions",
        "test_projections",
        "test_read_positions",
        "test_recording",
        "test_storage",
        "test_verify_parallel",
    )
)


@pytest.fixture
def settings(backend: Backend, tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    return Settings(
        database_url=backend.url,
        var_dir=tmp_path / "var",
        master_key=TEST_MASTER_KEY,
        partitioned=request.module.__name__ in PARTITIONED_MODULES,
        hash_partitions=4,
    )


class FixedClock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 11, 2, 9, 0, tzinfo=UTC))


@pytest.fixture
def ledger(settings: Settings, clock: FixedClock) -> Iterator[Ledger]:
    app = build_ledger(settings)
    app.clock = clock
    try:
        yield app
    finally:
        app.close()
        app.database.dispose()
