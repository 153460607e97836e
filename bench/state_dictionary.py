"""How `ledger/adapters/state_dictionary_v2.bin`, the zstd dictionary of stored event states
(format 2, `ledger.adapters.state_codec`), was made; kept to make the next one the same way.

The dictionary must carry what every event repeats (keys, topics, the vocabulary's codes, the
shape of times, ids and sealed values), never what one data set happens to say. So the corpus is
the ledger's own events, recorded by the ledger from its demo data set (the register's example
activities, disclosures, corrections and retractions), with every free text in them (purposes,
recipient names and ids, legal provisions, controllers, source systems, actors, reasons) replaced
by random text of about the same length before training: a dictionary trained on the demo's
texts compressed the demo's events to 400 bytes and others to 515, this one both to about 500.

Run: `python bench/state_dictionary.py --out FILE`. zstd's training is not promised to give the
same bytes on another version, and the stored events of format 2 inflate only with the very
bytes they were written with: a new dictionary is a new format byte, never a new file here.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import string
import sys
import tempfile
from pathlib import Path
from typing import Any

import zstandard

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ledger.adapters import state_codec
from ledger.adapters.keyring import generate_secret
from ledger.adapters.state_codec import DICTIONARY_SIZE, unpack
from ledger.bootstrap import build_ledger
from ledger.demo import EXAMPLE_REGISTER, demo_disclosures
from ledger.settings import Settings

FREE_TEXT = (
    "purpose",
    "name",
    "legal_provision",
    "controller",
    "source_system",
    "actor",
    "reason",
    "id",
    "description",
    "title",
)


def corpus(count: int, seed: int) -> list[bytes]:
    """The states of every event a ledger stores for a demo data set of `count` disclosures."""
    # The corpus is stored in format 1: it must not depend on the dictionary it is to train.
    state_codec.pack = state_codec.pack_v1
    with tempfile.TemporaryDirectory() as folder:
        var_dir = Path(folder)
        url = f"sqlite:///{var_dir / 'corpus.db'}"
        ledger = build_ledger(
            Settings(database_url=url, var_dir=var_dir, master_key=generate_secret())
        )
        ledger.register.import_file(
            EXAMPLE_REGISTER.read_text(encoding="utf-8"), actor="demo", reason="the corpus"
        )
        items = list(demo_disclosures(count, subjects=max(count // 4, 1), seed=seed))
        receipts = ledger.recording.record_batch(items, actor="corpus")
        rng = random.Random(seed)
        for receipt in rng.sample(receipts, len(receipts) // 20):
            ledger.recording.correct(
                receipt.id,
                changes={"purpose": "a corrected purpose"},
                reason="the purpose was wrong",
                actor="corpus",
            )
        for receipt in rng.sample(receipts, len(receipts) // 50):
            ledger.recording.retract(receipt.id, reason="recorded in error", actor="corpus")
        ledger.close()
        ledger.database.dispose()
        with sqlite3.connect(var_dir / "corpus.db") as connection:
            return [unpack(row[0]) for row in connection.execute("SELECT state FROM ledger_events")]


def scrambled(state: bytes, rng: random.Random) -> bytes:
    """The state with each free text replaced by random text of about its length."""

    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            return {
                key: _random_text(rng, len(item))
                if key in FREE_TEXT and isinstance(item, str)
                else walk(item)
                for key, item in value.items()
            }
        if isinstance(value, list):
            return [walk(item) for item in value]
        return value

    document = walk(json.loads(state))
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()


def _random_text(rng: random.Random, length: int) -> str:
    alphabet = string.ascii_letters + string.digits + "  ,.-"
    return "".join(rng.choice(alphabet) for _ in range(max(1, length + rng.randint(-4, 4))))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--count", type=int, default=4_000)
    args = parser.parse_args()
    rng = random.Random(2026)
    samples = [scrambled(state, rng) for seed in (1, 2) for state in corpus(args.count, seed)]
    trained = zstandard.train_dictionary(DICTIONARY_SIZE, samples, level=3, threads=0)
    args.out.write_bytes(trained.as_bytes())
    print(f"{len(samples)} states, dictionary {len(trained.as_bytes())} bytes -> {args.out}")


if __name__ == "__main__":
    main()
