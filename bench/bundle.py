"""Proof-bundle benchmark: a heavy person's bundle (2,000 disclosures) and light persons' bundles
on a kept ledger, timed or profiled, so that two versions of the code can be compared in turns.

    python bench/bundle.py build --backend postgresql --size 50000 --workdir DIR
    python bench/bundle.py time --workdir DIR [--code TREE] [--heavy 5] [--light 40]
    python bench/bundle.py profile --workdir DIR [--code TREE]

`build` grows a ledger with `bench/scale.py`'s stream (the heavy person's 2,000 disclosures first,
then light, medium and heavy people), corrects two of the heavy person's disclosures and retracts
one, and keeps it: `env.json` and `people.json` in the work folder open it again. `time` prints
one JSON line: the heavy bundle's median, that of the person with the most disclosures besides
(a heavy person of the stream, whose disclosures are spread over the log where the heavy
person's 2,000 are its first positions) and the light bundles' p50/p95 in milliseconds, with the
load average. `--code TREE` imports `ledger` from another tree (e.g. `git archive main ledger`
unpacked there): run `time` alternately with and without it to compare old and new code under
the same load. Nothing is written to bench/results.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
if "--code" in sys.argv:  # before anything imports `ledger`
    sys.path.insert(0, str(Path(sys.argv[sys.argv.index("--code") + 1]).resolve()))
    # Imported now, the package's own path decides where its modules come from, whatever
    # bench.scale puts first on sys.path when it is imported.
    import ledger  # noqa: F401

import argparse
import contextlib
import cProfile
import json
import os
import pstats
import random
import statistics
import time
from typing import Any

import ledger as ledger_package
from bench.scale import BATCH, HEAVY_DISCLOSURES, HEAVY_ID, READER, SPREAD_AT_MOST, Stream
from bench.scale import postgres_database as new_database
from ledger.adapters.driver_reads import driver_rows
from ledger.adapters.keyring import generate_secret
from ledger.app import Ledger
from ledger.bootstrap import build_ledger
from ledger.settings import Settings

LIGHT_PEOPLE = 200


def open_ledger(workdir: Path) -> Ledger:
    env = json.loads((workdir / "env.json").read_text())
    return build_ledger(Settings.from_env(env))


def build(args: argparse.Namespace) -> None:
    workdir: Path = args.workdir
    workdir.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as stack:
        if args.backend == "sqlite":
            url = f"sqlite:///{workdir / 'ledger.db'}"
        else:
            url = stack.enter_context(new_database(args.postgres_url, args.pg_database, True))
        env = {
            "LEDGER_DATABASE_URL": url,
            "LEDGER_VAR_DIR": str(workdir / "var"),
            "LEDGER_MASTER_KEY": generate_secret(),
        }
        if args.partition_size:
            # Smaller range partitions give a small ledger as many as a large one has.
            env["LEDGER_PARTITION_SIZE"] = str(args.partition_size)
        (workdir / "var").mkdir(exist_ok=True)
        (workdir / "env.json").write_text(json.dumps(env))
        ledger = open_ledger(workdir)
        stream = Stream(seed=args.seed, heavy_first=HEAVY_DISCLOSURES)
        items = stream.items(0, args.size)
        light: dict[str, int] = {}
        heavy: list[Any] = []
        for start in range(0, args.size, BATCH):
            batch = [next(items) for _ in range(min(BATCH, args.size - start))]
            done = ledger.recording.record_batch([facts for _, facts in batch], actor="bench")
            for (tier, facts), receipt in zip(batch, done, strict=True):
                if tier == "light":
                    light[facts.subject.id] = light.get(facts.subject.id, 0) + 1
                elif tier == "first_heavy" and len(heavy) < 3:
                    heavy.append(receipt.id)
            print(f"recorded {start + len(batch)}", flush=True)
        for disclosure_id in heavy[:2]:
            ledger.recording.correct(
                disclosure_id,
                changes={"purpose": "[BENCH] Gecorrigeerde omschrijving"},
                reason="De omschrijving was onvolledig",
                actor="bench",
            )
        ledger.recording.retract(heavy[2], reason="Dubbel geboekt", actor="bench")
        ledger.integrity.publish_checkpoint()
        people = sorted(subject for subject, count in light.items() if count >= 5)
        chosen = random.Random(args.seed).sample(people, min(LIGHT_PEOPLE, len(people)))
        (workdir / "people.json").write_text(json.dumps({"light": chosen, "heavy": HEAVY_ID}))
        ledger.close()


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def measure(args: argparse.Namespace) -> None:
    ledger = open_ledger(args.workdir)
    people = json.loads((args.workdir / "people.json").read_text())
    reading = ledger.reading

    def bundle(subject_id: str) -> float:
        started = time.perf_counter()
        found = reading.proof_bundle(reader=READER, subject_id=subject_id)
        elapsed = time.perf_counter() - started
        assert found is not None
        assert found["events"]
        return elapsed * 1000

    bundle(people["heavy"])  # warm-up: caches, statements, the checkpoint
    heavy = [bundle(people["heavy"]) for _ in range(args.heavy)]
    spread_tag, spread_count = spread_person(ledger, people["heavy"])
    spread = []
    if spread_tag is not None:
        found = reading.proof_bundle(reader=READER, tag=spread_tag)  # warm-up
        assert found is not None
        for _ in range(args.heavy):
            started = time.perf_counter()
            reading.proof_bundle(reader=READER, tag=spread_tag)
            spread.append((time.perf_counter() - started) * 1000)
    light_people = people["light"][: args.light]
    bundle(light_people[0])
    light = [bundle(subject) for subject in light_people]
    print(
        json.dumps(
            {
                "code": str(Path(ledger_package.__file__).parents[1]),
                "heavy_ms_median": round(statistics.median(heavy), 1),
                "heavy_ms": [round(ms, 1) for ms in heavy],
                # A heavy person of the stream: their disclosures are spread over the log.
                "spread_disclosures": spread_count,
                "spread_ms_median": round(statistics.median(spread), 1) if spread else None,
                "spread_ms": [round(ms, 1) for ms in spread],
                "light_ms_p50": round(percentile(light, 0.5), 2),
                "light_ms_p95": round(percentile(light, 0.95), 2),
                "light_samples": len(light),
                "load": [round(x, 2) for x in os.getloadavg()],
            }
        ),
        flush=True,
    )
    ledger.close()


def spread_person(ledger: Ledger, heavy_id: str) -> tuple[str | None, int]:
    """The tag and number of disclosures of the person with the most (at most SPREAD_AT_MOST)
    besides the heavy person. That person's 2,000 disclosures are the log's first positions,
    so their proofs share every leaf block; a heavy person of the stream, like a real one, has
    theirs spread over the whole log, and each proof needs a block of leaves of its own."""
    with ledger.uow.read() as connection:
        key = ledger.vault.find(connection, heavy_id)
        rows = driver_rows(
            connection,
            "SELECT subject_tag, count(*) FROM read_disclosures GROUP BY subject_tag "
            "HAVING count(*) <= :most ORDER BY count(*) DESC LIMIT 2",
            {"most": SPREAD_AT_MOST},
        )
    for tag, count in rows:
        if key is None or bytes(tag).hex() != key.tag:
            return bytes(tag).hex(), count
    return None, 0


def profile(args: argparse.Namespace) -> None:
    ledger = open_ledger(args.workdir)
    people = json.loads((args.workdir / "people.json").read_text())
    reading = ledger.reading
    subject = args.subject or (people["heavy"] if not args.light_person else people["light"][0])
    reading.proof_bundle(reader=READER, subject_id=subject)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(args.rounds):
        reading.proof_bundle(reader=READER, subject_id=subject)
    profiler.disable()
    stats = pstats.Stats(profiler)
    stats.sort_stats(args.sort).print_stats(args.top)
    ledger.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    grow = commands.add_parser("build", help="grow and keep a ledger")
    grow.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    grow.add_argument("--size", type=int, default=50_000)
    grow.add_argument("--seed", type=int, default=14)
    grow.add_argument("--postgres-url", default=os.environ.get("LEDGER_TEST_POSTGRES_URL"))
    grow.add_argument("--pg-database", default="ledger_bundle")
    grow.add_argument(
        "--partition-size", type=int, default=None, help="positions per range partition"
    )
    timing = commands.add_parser("time", help="time heavy and light bundles (one JSON line)")
    timing.add_argument("--heavy", type=int, default=5, help="heavy bundles timed")
    timing.add_argument("--light", type=int, default=40, help="light people timed")
    prof = commands.add_parser("profile", help="cProfile of bundles")
    prof.add_argument("--rounds", type=int, default=1)
    prof.add_argument("--light-person", action="store_true")
    prof.add_argument("--subject", default=None, help="whose bundle (default: the heavy person)")
    prof.add_argument("--sort", default="tottime")
    prof.add_argument("--top", type=int, default=40)
    for command in (grow, timing, prof):
        command.add_argument("--workdir", type=Path, required=True)
    for command in (timing, prof):
        command.add_argument("--code", default=None, help="import ledger from this tree")
    args = parser.parse_args()
    {"build": build, "time": measure, "profile": profile}[args.command](args)


if __name__ == "__main__":
    main()
