"""Verification and proof-bundle benchmark at growing log sizes.

For each size N (default 100,000 and 1,000,000): a fresh ledger with N demo disclosures over
5,000 people plus one heavy person of 2,000, then

1. a full `ledger verify` in one process and with one worker per CPU (events/s, median of 2);
2. `ledger verify --since-checkpoint` after 10,000 more disclosures and a checkpoint (seconds,
   median of 2 rounds, each with its own 10,000);
3. the heavy person's proof bundle (median of 5) and light persons' bundles (p50/p95/p99 of
   100 people).

Run: `make bench-verify` (`VERIFY_SIZES="100000 1000000"`); PostgreSQL too when
LEDGER_TEST_POSTGRES_URL is set. Writes bench/results/verify.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.ingest import drop_schema, postgres_schema_url
from ledger.adapters.keyring import generate_secret
from ledger.app import Ledger, Reader
from ledger.bootstrap import build_ledger
from ledger.demo import demo_disclosures
from ledger.settings import Settings

RESULTS = Path(__file__).resolve().parent / "results"
BATCH = 10_000
SUBJECTS = 5_000
HEAVY = 2_000
READER = Reader(actor="bench", role="officer", channel="bench", purpose="benchmark")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def record(ledger: Ledger, count: int, *, seed: int, prefix: str, subjects: int) -> None:
    for start in range(0, count, BATCH):
        items = list(
            demo_disclosures(
                min(BATCH, count - start),
                subjects=subjects,
                seed=seed + start,
                prefix=f"{prefix}{start}",
            )
        )
        ledger.recording.record_batch(items, actor="bench")


def timed(call: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    result = call()
    return time.perf_counter() - started, result


def run_size(ledger: Ledger, size: int) -> dict[str, Any]:
    result: dict[str, Any] = {"disclosures": size}
    seconds, _ = timed(lambda: record(ledger, size, seed=11, prefix="b", subjects=SUBJECTS))
    # The heavy person: DEMO-000000 of a one-person generator.
    record(ledger, HEAVY, seed=77, prefix="heavy", subjects=1)
    ledger.integrity.publish_checkpoint()
    result["ingest_per_s"] = round(size / seconds)
    events = size + HEAVY
    for label, workers in (("verify_one_process", 1), ("verify_parallel", os.cpu_count() or 1)):
        runs = []
        for _ in range(2):
            seconds, report = timed(lambda w=workers: ledger.integrity.verify(workers=w))
            assert report.ok, report.problems
            runs.append(seconds)
        result[label] = {
            "workers": workers,
            "events": events,
            "seconds_median": round(statistics.median(runs), 3),
            "events_per_s": round(events / statistics.median(runs)),
        }
    since = []
    for round_ in range(2):
        record(ledger, 10_000, seed=1_000 + round_, prefix=f"new{round_}-", subjects=SUBJECTS)
        ledger.integrity.publish_checkpoint()
        seconds, report = timed(lambda: ledger.integrity.verify(since_checkpoint=True))
        assert report.ok, report.problems
        assert report.events == 10_000, report.events
        since.append(seconds)
    result["verify_since_checkpoint_10k_new"] = {
        "log_size": events + 20_000,
        "seconds": [round(s, 3) for s in since],
        "seconds_median": round(statistics.median(since), 3),
    }
    heavy = []
    for _ in range(5):
        seconds, bundle = timed(
            lambda: ledger.reading.proof_bundle(reader=READER, subject_id="DEMO-000000")
        )
        heavy.append(seconds * 1000)
    assert bundle is not None
    result["bundle_heavy"] = {
        "events": len(bundle["events"]),
        "ms_median": round(statistics.median(heavy), 1),
        "ms": [round(ms, 1) for ms in heavy],
    }
    light = []
    for number in range(1, 101):
        seconds, _ = timed(
            lambda n=number: ledger.reading.proof_bundle(reader=READER, subject_id=f"DEMO-{n:06d}")
        )
        light.append(seconds * 1000)
    result["bundle_light_ms"] = {
        "p50": round(statistics.median(light), 1),
        "p95": round(percentile(light, 0.95), 1),
        "p99": round(percentile(light, 0.99), 1),
    }
    print(json.dumps(result, indent=2), flush=True)
    return result


def run(name: str, make_url: Any, base: Path, sizes: list[int]) -> dict[str, Any]:
    runs = []
    for size in sizes:
        url, cleanup = make_url(f"v{size}")
        try:
            settings = Settings(
                database_url=url,
                var_dir=base / f"{name}-{size}",
                master_key=generate_secret(),
                checkpoint_every_events=100_000,
            )
            ledger = build_ledger(settings)
            try:
                runs.append(run_size(ledger, size))
            finally:
                ledger.close()
        finally:
            cleanup()
    growth = {}
    if len(runs) > 1:
        first, last = runs[0], runs[-1]
        growth = {
            "bundle_light_p95_growth": round(
                last["bundle_light_ms"]["p95"] / first["bundle_light_ms"]["p95"], 2
            ),
            "bundle_heavy_growth": round(
                last["bundle_heavy"]["ms_median"] / first["bundle_heavy"]["ms_median"], 2
            ),
        }
    return {"backend": name, "sizes": runs, **growth}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--postgres-only", action="store_true")
    args = parser.parse_args()
    results: dict[str, Any] = {
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "runs": [],
    }
    with tempfile.TemporaryDirectory(prefix="ledger-bench-verify-") as tmp:
        base = Path(tmp)

        def sqlite_url(label: str) -> tuple[str, Any]:
            return f"sqlite:///{base / (label + '.db')}", lambda: None

        if not args.postgres_only:
            results["runs"].append(run("sqlite", sqlite_url, base, args.sizes))
        postgres = os.environ.get("LEDGER_TEST_POSTGRES_URL")
        if postgres and not args.sqlite_only:

            def postgres_url(label: str) -> tuple[str, Any]:
                url, schema = postgres_schema_url(postgres)
                return url, lambda: drop_schema(postgres, schema)

            results["runs"].append(run("postgresql", postgres_url, base, args.sizes))
    # Other work on the machine shows here: the figures are only as good as this is low.
    results["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "verify.json").write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {RESULTS / 'verify.json'}")


if __name__ == "__main__":
    main()
