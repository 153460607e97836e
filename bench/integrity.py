"""Integrity benchmark: the cost of leaves at ingest, proof latency at a million leaves, and
`ledger verify` throughput.

1. Ingest N disclosures twice on fresh databases, with the integrity log and with its append
   switched off (a benchmark-only patch), and report the ratio.
2. Append 1,000,000 leaves through the log's own append path (synthetic entries: proofs read
   only leaves and stored subtrees), then time inclusion and consistency proofs at random sizes
   and indexes, from the database.
3. Run verify over the events of step 1 (use --verify-events to record more first).

Run: `python bench/integrity.py` (make bench). PostgreSQL too when LEDGER_TEST_POSTGRES_URL is
set. Writes bench/results/integrity.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.ingest import drop_schema, postgres_schema_url
from ledger.adapters.keyring import generate_secret
from ledger.app import Ledger
from ledger.bootstrap import build_ledger
from ledger.demo import demo_disclosures
from ledger.integrity import merkle
from ledger.integrity.log import Entry
from ledger.settings import Settings

RESULTS = Path(__file__).resolve().parent / "results"
BATCH = 10_000


def fresh_ledger(url: str, var_dir: Path) -> Ledger:
    settings = Settings(
        database_url=url,
        var_dir=var_dir,
        master_key=generate_secret(),
        checkpoint_every_events=100_000,
    )
    return build_ledger(settings)


def ingest(ledger: Ledger, count: int, *, with_leaves: bool) -> float:
    if not with_leaves:
        ledger.uow.tlog.append = lambda connection, entries: None  # type: ignore[method-assign]
        ledger.uow.tlog.publish_if_due = lambda connection, **_: None  # type: ignore[method-assign]
    items = list(demo_disclosures(count, subjects=5_000, seed=3, prefix="bench"))
    started = time.perf_counter()
    for start in range(0, count, BATCH):
        ledger.recording.record_batch(items[start : start + BATCH], actor="bench")
    return time.perf_counter() - started


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def synthetic_leaves(ledger: Ledger, count: int) -> float:
    """Append `count` leaves via the log's own append, in batches, as recording would."""
    rng = random.Random(5)
    tags = [uuid.UUID(int=rng.getrandbits(128)).hex for _ in range(5_000)]
    start_time = datetime(2026, 10, 1, tzinfo=UTC)
    started = time.perf_counter()
    for start in range(0, count, BATCH):
        entries = [
            Entry(
                position=position,
                event_type="DisclosureRecorded",
                recorded_at=start_time + timedelta(seconds=position),
                subject_tag=tags[position % len(tags)],
                commitment=hashlib.sha256(b"c%d" % position).digest(),
                event_digest=hashlib.sha256(b"e%d" % position).digest(),
            )
            for position in range(start + 1, min(start + BATCH, count) + 1)
        ]
        with ledger.database.write_engine.begin() as connection:
            ledger.uow.tlog.append(connection, entries)
    return time.perf_counter() - started


def time_proofs(ledger: Ledger, size: int, samples: int) -> dict[str, Any]:
    rng = random.Random(9)
    inclusion, consistency = [], []
    with ledger.database.read_engine.connect() as connection:
        root = ledger.uow.tlog.root(connection, size)
        for _ in range(samples):
            index = rng.randrange(size)
            started = time.perf_counter()
            proof = ledger.uow.tlog.inclusion_proof(connection, index, size)
            inclusion.append((time.perf_counter() - started) * 1000)
            # Leaves store their hash empty now: it is the leaf's own hash.
            leaf = connection.exec_driver_sql(
                f"SELECT leaf FROM ledger_leaves WHERE idx = {index}"  # noqa: S608 - an int
            ).scalar_one()
            merkle.verify_inclusion(index, size, merkle.leaf_hash(bytes(leaf)), proof, root)
            first = rng.randrange(1, size)
            started = time.perf_counter()
            ledger.uow.tlog.consistency_proof(connection, first, size)
            consistency.append((time.perf_counter() - started) * 1000)
    return {
        "tree_size": size,
        "samples": samples,
        "inclusion_ms": {
            "p50": round(statistics.median(inclusion), 3),
            "p95": round(percentile(inclusion, 0.95), 3),
            "p99": round(percentile(inclusion, 0.99), 3),
        },
        "consistency_ms": {
            "p50": round(statistics.median(consistency), 3),
            "p95": round(percentile(consistency, 0.95), 3),
            "p99": round(percentile(consistency, 0.99), 3),
        },
    }


def run(name: str, make_url: Any, base: Path, args: argparse.Namespace) -> dict[str, Any]:
    result: dict[str, Any] = {"backend": name}
    url, cleanup = make_url("without")
    try:
        without = ingest(fresh_ledger(url, base / f"{name}-a"), args.ingest, with_leaves=False)
    finally:
        cleanup()
    url, cleanup = make_url("with")
    try:
        ledger = fresh_ledger(url, base / f"{name}-b")
        with_leaves = ingest(ledger, args.ingest, with_leaves=True)
        result["ingest"] = {
            "disclosures": args.ingest,
            "seconds_without_leaves": round(without, 3),
            "seconds_with_leaves": round(with_leaves, 3),
            "per_s_with_leaves": round(args.ingest / with_leaves),
            "overhead": round(with_leaves / without - 1, 3),
        }
        extra = max(0, args.verify_events - args.ingest)
        for start in range(0, extra, BATCH):
            items = list(
                demo_disclosures(min(BATCH, extra - start), seed=1000 + start, prefix="more")
            )
            ledger.recording.record_batch(items, actor="bench")
        events = max(args.verify_events, args.ingest)
        started = time.perf_counter()
        report = ledger.integrity.verify()
        seconds = time.perf_counter() - started
        assert report.ok, report.problems
        result["verify"] = {
            "events": report.events,
            "seconds": round(seconds, 3),
            "events_per_s": round(events / seconds),
        }
    finally:
        cleanup()
    url, cleanup = make_url("proofs")
    try:
        ledger = fresh_ledger(url, base / f"{name}-c")
        seconds = synthetic_leaves(ledger, args.proof_leaves)
        result["log_append_leaves_per_s"] = round(args.proof_leaves / seconds)
        result["proofs"] = time_proofs(ledger, args.proof_leaves, args.samples)
    finally:
        cleanup()
    print(json.dumps(result, indent=2), flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ingest", type=int, default=100_000)
    parser.add_argument("--verify-events", type=int, default=100_000)
    parser.add_argument("--proof-leaves", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=1_000)
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args()
    results: dict[str, Any] = {
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "runs": [],
    }
    with tempfile.TemporaryDirectory(prefix="ledger-bench-") as tmp:
        base = Path(tmp)

        def sqlite_url(label: str) -> tuple[str, Any]:
            return f"sqlite:///{base / (label + '.db')}", lambda: None

        results["runs"].append(run("sqlite", sqlite_url, base, args))
        postgres = os.environ.get("LEDGER_TEST_POSTGRES_URL")
        if postgres and not args.sqlite_only:

            def postgres_url(label: str) -> tuple[str, Any]:
                url, schema = postgres_schema_url(postgres)
                return url, lambda: drop_schema(postgres, schema)

            results["runs"].append(run("postgresql", postgres_url, base, args))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "integrity.json").write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {RESULTS / 'integrity.json'}")


if __name__ == "__main__":
    main()
