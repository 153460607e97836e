"""LEDGER_REGISTER_BASE_URI: the base of the register's URIs, a default that works anywhere."""

from __future__ import annotations

import pytest

from ledger.settings import DEFAULT_REGISTER_BASE_URI, Settings, SettingsError


def test_the_register_base_uri_defaults_to_a_urn_and_takes_an_https_base() -> None:
    assert Settings.from_env({}).register_base_uri == DEFAULT_REGISTER_BASE_URI
    assert DEFAULT_REGISTER_BASE_URI == "urn:disclosure-ledger:register:"
    chosen = Settings.from_env({"LEDGER_REGISTER_BASE_URI": "https://privacy.example.nl/r/"})
    assert chosen.register_base_uri == "https://privacy.example.nl/r/"


@pytest.mark.parametrize(
    "value", ["privacy.example.nl/register/", "https://example.nl/register", "urn:a b:"]
)
def test_a_base_that_is_no_uri_base_is_refused_naming_the_variable(value: str) -> None:
    with pytest.raises(SettingsError, match="LEDGER_REGISTER_BASE_URI"):
        Settings.from_env({"LEDGER_REGISTER_BASE_URI": value})
