"""`LEDGER_*` environment variables turned into one frozen Settings value."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

DEFAULT_ORIGIN = "disclosure-ledger.local/log"
DEFAULT_REGISTER_BASE_URI = "urn:disclosure-ledger:register:"
# A URI scheme, then no white space: `urn:...:` or `https://.../register/`.
_BASE_URI = re.compile(r"[a-z][a-z0-9+.-]*:[^\s]*")


class SettingsError(Exception):
    """Configuration that cannot work; the message names the variable."""


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str
    var_dir: Path
    env: str = "development"
    master_key: str | None = None
    vocabulary_file: Path | None = None
    # Retention periods per data category (TOML); None: the shipped ledger/retention.toml.
    retention_file: Path | None = None
    # The person's overview: controllers' names, privacy contact and supervisory authority.
    overview_file: Path | None = None
    # Integrity (RFC 9162 tree, C2SP signed checkpoints).
    checkpoint_origin: str = DEFAULT_ORIGIN
    signing_key: str | None = None
    checkpoint_every_events: int = 10_000
    checkpoint_every_seconds: int = 300
    # Failed authentications per client address before 429 (see ledger.app.authentication).
    auth_failure_limit: int = 20
    auth_failure_window_seconds: int = 60
    # How many reverse proxies in front set X-Forwarded-For; 0: the header is ignored.
    trusted_proxies: int = 0
    # How long the ledger waits on its database before it answers 503 (see README).
    db_statement_timeout: float = 10.0
    db_lock_timeout: float = 5.0
    db_connect_timeout: int = 5
    db_pool_timeout: float = 5.0
    # Public holidays a deployment adds to the Algemene termijnenwet's, for legal deadlines.
    extra_holidays: tuple[date, ...] = ()
    # A disclosure on a consent basis must name a consent recorded for the person (README).
    strict_consent: bool = False
    # The base of the register's URIs: + code for an activity, + code/v<n> for a version.
    register_base_uri: str = DEFAULT_REGISTER_BASE_URI
    # The list of shredded tags, outside the database (README, "Backups and restores").
    erasure_list: Path | None = None
    # A PostgreSQL hot standby that serves reads (README, "Read replica"); None: the primary.
    read_database_url: str | None = None
    # How long a read naming X-Ledger-Min-Position waits for the replica before the primary
    # answers it.
    read_replica_wait: float = 2.0
    # PostgreSQL only: a new database's event log and leaves in partitions of this many
    # positions, its per-person read models in this many hash partitions; 0/1 (README).
    partitioned: bool = True
    partition_size: int = 1_000_000
    hash_partitions: int = 16

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def erasure_list_path(self) -> Path:
        return self.erasure_list or self.var_dir / "erased-tags"

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
        read_database_url = _read_database_url(environ, database_url)
        master_key = environ.get("LEDGER_MASTER_KEY") or None
        if env == "production" and master_key is None:
            raise SettingsError("LEDGER_MASTER_KEY is required when LEDGER_ENV=production")
        vocabulary = environ.get("LEDGER_VOCABULARY_FILE")
        overview = environ.get("LEDGER_OVERVIEW_FILE")
        retention = environ.get("LEDGER_RETENTION_FILE")
        signing_key = environ.get("LEDGER_SIGNING_KEY") or None
        erasure_list = environ.get("LEDGER_ERASURE_LIST")
        if env == "production" and signing_key is None:
            raise SettingsError("LEDGER_SIGNING_KEY is required when LEDGER_ENV=production")
        return cls(
            database_url=database_url,
            var_dir=var_dir,
            env=env,
            master_key=master_key,
            vocabulary_file=Path(vocabulary) if vocabulary else None,
            overview_file=Path(overview) if overview else None,
            retention_file=Path(retention) if retention else None,
            checkpoint_origin=environ.get("LEDGER_CHECKPOINT_ORIGIN") or DEFAULT_ORIGIN,
            signing_key=signing_key,
            checkpoint_every_events=_positive(environ, "LEDGER_CHECKPOINT_EVERY_EVENTS", 10_000),
            checkpoint_every_seconds=_positive(environ, "LEDGER_CHECKPOINT_EVERY_SECONDS", 300),
            auth_failure_limit=_positive(environ, "LEDGER_AUTH_FAILURE_LIMIT", 20),
            auth_failure_window_seconds=_positive(
                environ, "LEDGER_AUTH_FAILURE_WINDOW_SECONDS", 60
            ),
            trusted_proxies=_positive(environ, "LEDGER_TRUSTED_PROXIES", 0, minimum=0),
            db_statement_timeout=_seconds(environ, "LEDGER_DB_STATEMENT_TIMEOUT", 10.0),
            db_lock_timeout=_seconds(environ, "LEDGER_DB_LOCK_TIMEOUT", 5.0),
            # psycopg, like libpq, counts whole seconds and waits at least 2.
            db_connect_timeout=_positive(environ, "LEDGER_DB_CONNECT_TIMEOUT", 5, minimum=2),
            db_pool_timeout=_seconds(environ, "LEDGER_DB_POOL_TIMEOUT", 5.0),
            extra_holidays=_dates(environ, "LEDGER_EXTRA_HOLIDAYS"),
            strict_consent=_flag(environ, "LEDGER_STRICT_CONSENT"),
            register_base_uri=_base_uri(environ, "LEDGER_REGISTER_BASE_URI"),
            erasure_list=Path(erasure_list) if erasure_list else None,
            read_database_url=read_database_url,
            read_replica_wait=_seconds(environ, "LEDGER_READ_REPLICA_WAIT", 2.0),
            partitioned=_flag(environ, "LEDGER_PARTITIONED", default="1"),
            partition_size=_positive(environ, "LEDGER_PARTITION_SIZE", 1_000_000, minimum=1000),
            hash_partitions=_positive(environ, "LEDGER_HASH_PARTITIONS", 16),
        )


def _read_database_url(environ: Mapping[str, str], database_url: str) -> str | None:
    """A replica only of PostgreSQL: SQLite has no streaming standby to read from."""
    url = (environ.get("LEDGER_READ_DATABASE_URL") or "").strip()
    if not url:
        return None
    if not url.startswith("postgresql+psycopg://"):
        raise SettingsError("LEDGER_READ_DATABASE_URL must start with postgresql+psycopg://")
    if not database_url.startswith("postgresql+psycopg://"):
        raise SettingsError(
            "LEDGER_READ_DATABASE_URL needs LEDGER_DATABASE_URL on PostgreSQL too:"
            " a read replica streams from a PostgreSQL primary"
        )
    return url


def _positive(environ: Mapping[str, str], name: str, default: int, *, minimum: int = 1) -> int:
    value = environ.get(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number") from None
    if number < minimum:
        raise SettingsError(f"{name} must be at least {minimum}")
    return number


def _flag(environ: Mapping[str, str], name: str, *, default: str = "0") -> bool:
    value = (environ.get(name) or default).strip()
    if value not in ("0", "1"):
        raise SettingsError(f"{name} must be 1 (on) or 0 (off)")
    return value == "1"


def _dates(environ: Mapping[str, str], name: str) -> tuple[date, ...]:
    """Comma-separated ISO dates: `2026-12-24,2026-12-31`."""
    found = []
    for part in (environ.get(name) or "").split(","):
        if part.strip():
            try:
                found.append(date.fromisoformat(part.strip()))
            except ValueError:
                raise SettingsError(
                    f"{name} must be ISO dates separated by commas, not {part.strip()!r}"
                ) from None
    return tuple(found)


def _seconds(environ: Mapping[str, str], name: str, default: float) -> float:
    """A duration in seconds, fractions allowed: `0.5`, `10`. Never zero: a wait without end
    is what these settings exist to prevent."""
    value = environ.get(name)
    if value is None or value == "":
        return default
    try:
        seconds = float(value)
    except ValueError:
        raise SettingsError(f"{name} must be a number of seconds") from None
    if not 0.1 <= seconds <= 3600:
        raise SettingsError(f"{name} must be between 0.1 and 3600 seconds")
    return seconds


def _base_uri(environ: Mapping[str, str], name: str) -> str:
    value = (environ.get(name) or "").strip()
    if not value:
        return DEFAULT_REGISTER_BASE_URI
    if not _BASE_URI.fullmatch(value) or not value.endswith((":", "/", "#")):
        raise SettingsError(
            f"{name} must be a URI base that ends in ':', '/' or '#', e.g."
            f" '{DEFAULT_REGISTER_BASE_URI}' or 'https://privacy.example.nl/register/'"
        )
    return value
