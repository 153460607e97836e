"""`LEDGER_*` environment variables turned into one frozen Settings value."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path


class SettingsError(Exception):
    """Configuration that cannot work; the message names the variable."""


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str
    var_dir: Path
    env: str = "development"
    master_key: str | None = None
    vocabulary_file: Path | None = None

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        environ = os.environ if environ is None else environ
        var_dir = Path(environ.get("LEDGER_VAR_DIR", "var"))
        env = environ.get("LEDGER_ENV", "development")
        if env not in ("development", "production"):
            raise SettingsError("LEDGER_ENV must be 'development' or 'production'")
        database_url = environ.get("LEDGER_DATABASE_URL") or f"sqlite:///{var_dir / 'ledger.db'}"
        if not (
            database_url.startswith("sqlite:///")
            or database_url.startswith("postgresql+psycopg://")
        ):
            raise SettingsError(
                "LEDGER_DATABASE_URL must start with sqlite:/// or postgresql+psycopg://"
            )
        master_key = environ.get("LEDGER_MASTER_KEY") or None
        if env == "production" and master_key is None:
            raise SettingsError("LEDGER_MASTER_KEY is required when LEDGER_ENV=production")
        vocabulary = environ.get("LEDGER_VOCABULARY_FILE")
        return cls(
            database_url=database_url,
            var_dir=var_dir,
            env=env,
            master_key=master_key,
            vocabulary_file=Path(vocabulary) if vocabulary else None,
        )
