"""The composition root: settings in, a wired Ledger out. Nothing opens a database before this."""

from __future__ import annotations

import json
from pathlib import Path

from ledger.application import Ledger
from ledger.domain.vocabulary import Vocabulary
from ledger.keys import load_key_ring, load_signer
from ledger.settings import Settings, SettingsError
from ledger.store import Database


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


def build_ledger(settings: Settings | None = None) -> Ledger:
    settings = settings or Settings.from_env()
    ledger = Ledger(
        database=Database(settings.database_url),
        keys=load_key_ring(settings),
        vocabulary=load_vocabulary(settings.vocabulary_file),
        signer=load_signer(settings),
        settings=settings,
    )
    ledger.create_schema()
    return ledger
