"""The composition root: settings in, a wired Ledger out. Nothing opens a database before this."""

from __future__ import annotations

import base64
import binascii
import json
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.adapters.database import Database
from ledger.adapters.keyring import KeyRing, decode_master_key, local_secret
from ledger.adapters.partitions import Partitioning
from ledger.adapters.retention_file import load_retention_rules
from ledger.adapters.timeouts import Timeouts
from ledger.app import Ledger
from ledger.domain.vocabulary import Vocabulary
from ledger.integrity.checkpoints import NoteSigner
from ledger.overview import OverviewConfig, load_config
from ledger.settings import Settings, SettingsError

MASTER_KEY_FILE = "master.key"
SIGNING_KEY_FILE = "signing.key"


def load_vocabulary(path: Path | None) -> Vocabulary:
    vocabulary = Vocabulary.default()
    if path is None:
        return vocabulary
    try:
        extension = json.loads(path.read_text(encoding="utf-8"))
        return vocabulary.extended(extension)
    except OSError as error:
        raise SettingsError(f"LEDGER_VOCABULARY_FILE cannot be read: {error}") from None
    except (ValueError, TypeError, KeyError) as error:
        raise SettingsError(f"LEDGER_VOCABULARY_FILE is not a valid extension: {error}") from None


def check_languages(vocabulary: Vocabulary, config: OverviewConfig) -> None:
    """A language the deployment adds to the overview needs a label for every vocabulary term
    too (its `labels` in LEDGER_VOCABULARY_FILE): the start stops naming what lacks one."""
    for lang in config.added_languages:
        if missing := vocabulary.missing_labels(lang):
            raise SettingsError(
                f"LEDGER_OVERVIEW_FILE adds the language {lang!r}, but LEDGER_VOCABULARY_FILE"
                f" has no {lang} label for {', '.join(missing[:10])}"
                + (f" and {len(missing) - 10} more" if len(missing) > 10 else "")
                + f"; add them under labels.{lang}"
            )


def load_key_ring(settings: Settings) -> KeyRing:
    """The configured master key; in development one is generated into var/ on first start."""
    encoded = settings.master_key or local_secret(settings, MASTER_KEY_FILE)
    return KeyRing.from_master(decode_master_key(encoded))


def load_signer(settings: Settings) -> NoteSigner:
    """The checkpoint signing key: LEDGER_SIGNING_KEY, or one generated into var/ locally."""
    encoded = settings.signing_key or local_secret(settings, SIGNING_KEY_FILE)
    try:
        seed = base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise SettingsError("LEDGER_SIGNING_KEY is not valid base64") from None
    if len(seed) != 32:
        raise SettingsError("LEDGER_SIGNING_KEY must be 32 bytes (an Ed25519 seed), base64")
    return NoteSigner(settings.checkpoint_origin, Ed25519PrivateKey.from_private_bytes(seed))


def database_timeouts(settings: Settings) -> Timeouts:
    return Timeouts(
        statement=settings.db_statement_timeout,
        lock=settings.db_lock_timeout,
        connect=settings.db_connect_timeout,
        pool=settings.db_pool_timeout,
    )


def build_ledger(settings: Settings | None = None) -> Ledger:
    settings = settings or Settings.from_env()
    vocabulary = load_vocabulary(settings.vocabulary_file)
    # Before the database: a bad rules file stops the start with a clear message.
    retention_rules = load_retention_rules(
        settings.retention_file, known_categories=vocabulary.data_categories
    )
    overview_config = load_config(settings.overview_file)
    check_languages(vocabulary, overview_config)
    ledger = Ledger(
        database=Database(
            settings.database_url,
            database_timeouts(settings),
            Partitioning(
                range_size=settings.partition_size,
                hash_count=settings.hash_partitions,
                enabled=settings.partitioned,
            ),
            replica_url=settings.read_database_url,
        ),
        keys=load_key_ring(settings),
        vocabulary=vocabulary,
        retention_rules=retention_rules,
        signer=load_signer(settings),
        settings=settings,
        overview_config=overview_config,
    )
    ledger.create_schema()
    # Every path starts here: erasures that a restored backup (or a crash) undid are redone.
    ledger.erasures.reapply()
    return ledger
