"""The database timeouts as settings."""

from __future__ import annotations

import pytest

from ledger.adapters.timeouts import Timeouts
from ledger.bootstrap import database_timeouts
from ledger.settings import Settings, SettingsError


def test_the_database_timeouts_have_defaults_and_come_from_the_environment() -> None:
    default = Settings.from_env({})
    assert database_timeouts(default) == Timeouts(statement=10.0, lock=5.0, connect=5, pool=5.0)

    chosen = Settings.from_env(
        {
            "LEDGER_DB_STATEMENT_TIMEOUT": "2.5",
            "LEDGER_DB_LOCK_TIMEOUT": "0.5",
            "LEDGER_DB_CONNECT_TIMEOUT": "3",
            "LEDGER_DB_POOL_TIMEOUT": "1",
        }
    )
    timeouts = database_timeouts(chosen)
    assert timeouts == Timeouts(statement=2.5, lock=0.5, connect=3, pool=1.0)
    assert timeouts.server_options() == "-c statement_timeout=2500 -c lock_timeout=500"
    assert timeouts.round_trip == 4.5


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("LEDGER_DB_STATEMENT_TIMEOUT", "soon", "LEDGER_DB_STATEMENT_TIMEOUT must be a number"),
        ("LEDGER_DB_STATEMENT_TIMEOUT", "0", "LEDGER_DB_STATEMENT_TIMEOUT must be between"),
        ("LEDGER_DB_LOCK_TIMEOUT", "-1", "LEDGER_DB_LOCK_TIMEOUT must be between"),
        ("LEDGER_DB_LOCK_TIMEOUT", "nan", "LEDGER_DB_LOCK_TIMEOUT must be between"),
        ("LEDGER_DB_POOL_TIMEOUT", "inf", "LEDGER_DB_POOL_TIMEOUT must be between"),
        ("LEDGER_DB_CONNECT_TIMEOUT", "1", "LEDGER_DB_CONNECT_TIMEOUT must be at least 2"),
        ("LEDGER_DB_CONNECT_TIMEOUT", "2.5", "LEDGER_DB_CONNECT_TIMEOUT must be a whole number"),
    ],
)
def test_a_timeout_that_cannot_work_is_refused_naming_its_variable(
    name: str, value: str, message: str
) -> None:
    with pytest.raises(SettingsError, match=message):
        Settings.from_env({name: value})


def test_a_read_replica_is_optional_and_waited_for_two_seconds_by_default() -> None:
    default = Settings.from_env({})
    assert default.read_database_url is None
    assert default.read_replica_wait == 2.0

    replicated = Settings.from_env(
        {
            "LEDGER_DATABASE_URL": "postgresql+psycopg://ledger@primary/ledger",
            "LEDGER_READ_DATABASE_URL": "postgresql+psycopg://ledger@standby/ledger",
            "LEDGER_READ_REPLICA_WAIT": "0.5",
        }
    )
    assert replicated.read_database_url == "postgresql+psycopg://ledger@standby/ledger"
    assert replicated.read_replica_wait == 0.5


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        (
            {"LEDGER_READ_DATABASE_URL": "sqlite:///var/replica.db"},
            "LEDGER_READ_DATABASE_URL must start with postgresql\\+psycopg://",
        ),
        (
            {"LEDGER_READ_DATABASE_URL": "postgresql+psycopg://ledger@standby/ledger"},
            "LEDGER_READ_DATABASE_URL needs LEDGER_DATABASE_URL on PostgreSQL",
        ),
        (
            {
                "LEDGER_DATABASE_URL": "postgresql+psycopg://ledger@primary/ledger",
                "LEDGER_READ_DATABASE_URL": "postgresql+psycopg://ledger@standby/ledger",
                "LEDGER_READ_REPLICA_WAIT": "0",
            },
            "LEDGER_READ_REPLICA_WAIT must be between",
        ),
    ],
)
def test_a_read_replica_that_cannot_work_is_refused_naming_its_variable(
    environ: dict[str, str], message: str
) -> None:
    with pytest.raises(SettingsError, match=message):
        Settings.from_env(environ)


def test_partitions_have_defaults_and_come_from_the_environment() -> None:
    default = Settings.from_env({})
    assert (default.partitioned, default.partition_size, default.hash_partitions) == (
        True,
        1_000_000,
        16,
    )
    chosen = Settings.from_env(
        {
            "LEDGER_PARTITIONED": "0",
            "LEDGER_PARTITION_SIZE": "250000",
            "LEDGER_HASH_PARTITIONS": "32",
        }
    )
    assert (chosen.partitioned, chosen.partition_size, chosen.hash_partitions) == (
        False,
        250_000,
        32,
    )


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("LEDGER_PARTITIONED", "yes", "LEDGER_PARTITIONED must be 1"),
        ("LEDGER_PARTITION_SIZE", "999", "LEDGER_PARTITION_SIZE must be at least 1000"),
        ("LEDGER_PARTITION_SIZE", "1e6", "LEDGER_PARTITION_SIZE must be a whole number"),
        ("LEDGER_HASH_PARTITIONS", "0", "LEDGER_HASH_PARTITIONS must be at least 1"),
    ],
)
def test_a_partition_setting_that_cannot_work_is_refused_naming_its_variable(
    name: str, value: str, message: str
) -> None:
    with pytest.raises(SettingsError, match=message):
        Settings.from_env({name: value})
