"""The retention rules file: the shipped `ledger/retention.toml`, or LEDGER_RETENTION_FILE in its
place. A file that cannot be read or parsed stops the start with a message naming the variable
and the line (a TOML error) or the rule and key (a rule that makes no sense)."""

from __future__ import annotations

import tomllib
from collections.abc import Collection
from importlib.resources import files
from pathlib import Path

from ledger.domain.retention import RetentionRules, parse_rules
from ledger.settings import SettingsError

SHIPPED = "retention.toml"


def load_retention_rules(path: Path | None, *, known_categories: Collection[str]) -> RetentionRules:
    where = "the shipped ledger/retention.toml" if path is None else "LEDGER_RETENTION_FILE"
    try:
        text = (
            files("ledger").joinpath(SHIPPED).read_text(encoding="utf-8")
            if path is None
            else path.read_text(encoding="utf-8")
        )
    except OSError as error:
        raise SettingsError(f"{where} cannot be read: {error}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(f"{where} is not valid TOML: {error}") from None
    try:
        return parse_rules(data, known_categories=known_categories)
    except ValueError as error:
        raise SettingsError(f"{where} is not a valid rules file: {error}") from None
