"""The failure limit and the trusted proxies are read from the environment, and a value that
cannot work is refused naming its variable."""

from __future__ import annotations

import pytest

from ledger.app.authentication import client_address
from ledger.settings import Settings, SettingsError


def test_the_defaults_are_20_failures_a_minute_and_no_trusted_proxy() -> None:
    settings = Settings.from_env({})
    assert (settings.auth_failure_limit, settings.auth_failure_window_seconds) == (20, 60)
    assert settings.trusted_proxies == 0


def test_the_limits_come_from_the_environment() -> None:
    settings = Settings.from_env(
        {
            "LEDGER_AUTH_FAILURE_LIMIT": "5",
            "LEDGER_AUTH_FAILURE_WINDOW_SECONDS": "300",
            "LEDGER_TRUSTED_PROXIES": "1",
        }
    )
    assert (settings.auth_failure_limit, settings.auth_failure_window_seconds) == (5, 300)
    assert settings.trusted_proxies == 1


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("LEDGER_AUTH_FAILURE_LIMIT", "0"),
        ("LEDGER_AUTH_FAILURE_LIMIT", "many"),
        ("LEDGER_AUTH_FAILURE_WINDOW_SECONDS", "-1"),
        ("LEDGER_TRUSTED_PROXIES", "-1"),
        ("LEDGER_TRUSTED_PROXIES", "yes"),
    ],
)
def test_a_value_that_cannot_work_is_refused_by_name(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({name: value})


@pytest.mark.parametrize(
    ("address", "counted_as"),
    [
        ("192.0.2.7", "192.0.2.7"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        ("2001:DB8:1:2::9", "2001:db8:1:2::/64"),
        ("::ffff:192.0.2.7", "192.0.2.7"),
        (None, "unknown"),
        ("", "unknown"),
        ("not an address\x00", "not an address"),
    ],
)
def test_failures_are_counted_by_address_and_ipv6_by_its_64_network(
    address: str | None, counted_as: str
) -> None:
    assert client_address(address) == counted_as
