"""Read replica benchmark: a throwaway PostgreSQL primary and a hot standby streaming from it
(the test suite's own clusters: initdb, `pg_basebackup -R`, free ports, removed afterwards),
measured in process through the Flask app:

- lag: a disclosure posted, then the standby polled directly until it has the event;
  milliseconds p50/p95/p99 over --posts posts;
- reads: `GET /api/v1/subjects/{id}/disclosures` over random subjects, --reads requests, on a
  ledger without a replica and on one with it; p50/p95/p99 ms and who answered;
- read-your-writes: a post, then at once a read of that person naming its position
  (`X-Ledger-Min-Position`); p50/p95/p99 ms of the read and how many the standby answered
  (the others waited LEDGER_READ_REPLICA_WAIT and went to the primary).

Run: `make bench-replica`, or `python bench/replica.py --posts 100 --reads 300`.
Writes bench/results/replica.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ledger.app import Ledger
from ledger.bootstrap import build_ledger
from ledger.demo import demo_disclosures
from ledger.settings import Settings
from ledger.web import create_app
from tests.conftest import TEST_MASTER_KEY
from tests.e2e.throwaway_postgres import Cluster, standby_of, throwaway_cluster

RESULTS = Path(__file__).resolve().parent / "results"
DATABASE = "ledger_bench"
# Hard bounds, whatever the arguments say.
MAX_POSTS = 5_000
MAX_READS = 20_000
LAG_GIVE_UP = 10.0


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def at(share: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000, 2)

    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 2),
        "p95_ms": at(0.95),
        "p99_ms": at(0.99),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--load", type=int, default=20_000, help="disclosures loaded first")
    parser.add_argument("--posts", type=int, default=200)
    parser.add_argument("--reads", type=int, default=1_000)
    args = parser.parse_args()
    posts, reads = min(args.posts, MAX_POSTS), min(args.reads, MAX_READS)
    result: dict[str, Any] = {
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "note": "2 cores shared with other work: figures are noisy",
        },
        "load": args.load,
    }
    with (
        tempfile.TemporaryDirectory(prefix="ledger-bench-") as tmp,
        throwaway_cluster() as primary,
        standby_of(primary) as standby,
    ):
        primary.sql(f"CREATE DATABASE {DATABASE}")
        base = Settings(
            database_url=primary.url_of(DATABASE),
            var_dir=Path(tmp) / "var",
            master_key=TEST_MASTER_KEY,
        )
        alone = build_ledger(base)
        items = list(demo_disclosures(args.load, subjects=2_000, seed=5, prefix="bench"))
        for start in range(0, len(items), 10_000):
            alone.recording.record_batch(items[start : start + 10_000], actor="bench")
        subjects = sorted({facts.subject.id for facts in items if facts.subject.id})
        replicated = build_ledger(
            Settings(
                database_url=base.database_url,
                read_database_url=standby.url_of(DATABASE),
                var_dir=base.var_dir,
                master_key=TEST_MASTER_KEY,
            )
        )
        try:
            result["lag"] = measure_lag(replicated, standby, posts)
            result["reads_without_replica"] = measure_reads(alone, subjects, reads)
            result["reads_with_replica"] = measure_reads(replicated, subjects, reads)
            result["read_your_writes"] = measure_read_your_writes(replicated, posts)
        finally:
            alone.close()
            replicated.close()
    print(json.dumps(result, indent=2))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "replica.json").write_text(json.dumps(result, indent=2) + "\n")


def _keys(ledger: Ledger, tag: str) -> tuple[str, str]:
    source = ledger.api_keys.create(
        name=f"bench-source-{tag}", role="source", controllers=["12345678"], system="bench"
    )[1]
    officer = ledger.api_keys.create(name=f"bench-fg-{tag}", role="officer")[1]
    return source, officer


_posted = 0


def _post(client: Any, source: str) -> int:
    global _posted
    _posted += 1
    number = _posted
    answer = client.post(
        "/api/v1/disclosures",
        json={
            "controller": "12345678",
            "subject": {"id": f"RYW-{number:06d}"},
            "recipient": {"category": "belastingdienst", "name": "Belastingdienst"},
            "data_categories": ["naam", "bsn", "salaris"],
            "legal_basis": "legal_obligation",
            "legal_provision": "Wet op de loonbelasting 1964, art. 28",
            "purpose": "Loonaangifte",
            "occurred_at": "2026-10-31T12:00:00+01:00",
            "source": {"system": "bench", "reference": f"ryw-{number}"},
        },
        headers={"Authorization": f"Bearer {source}"},
    )
    assert answer.status_code == 201, answer.get_json()
    return int(answer.headers["X-Ledger-Position"])


def measure_lag(ledger: Ledger, standby: Cluster, posts: int) -> dict[str, Any]:
    """From a post's answer to its event on the standby, polled on one open connection."""
    client = create_app(ledger.settings, ledger=ledger).test_client()
    source, _ = _keys(ledger, "lag")
    samples = []
    with psycopg.connect(
        host="127.0.0.1", port=standby.port, user="postgres", dbname=DATABASE, autocommit=True
    ) as connection:
        for _ in range(posts):
            position = _post(client, source)
            committed = time.perf_counter()
            while (
                connection.execute(
                    "SELECT 1 FROM ledger_events WHERE id = %s", (position,)
                ).fetchone()
                is None
            ):
                assert time.perf_counter() - committed < LAG_GIVE_UP, "the standby stopped"
            samples.append(time.perf_counter() - committed)
    return {"posts": posts, **percentiles(samples)}


def measure_reads(ledger: Ledger, subjects: list[str], reads: int) -> dict[str, Any]:
    client = create_app(ledger.settings, ledger=ledger).test_client()
    _, officer = _keys(ledger, f"reads-{id(ledger)}")
    rng = random.Random(7)
    headers = {"Authorization": f"Bearer {officer}"}
    samples, sources = [], {"replica": 0, "primary": 0}
    for _ in range(reads):
        path = f"/api/v1/subjects/{rng.choice(subjects)}/disclosures"
        started = time.perf_counter()
        answer = client.get(path, headers=headers)
        seconds = time.perf_counter() - started
        assert answer.status_code == 200
        samples.append(seconds)
        sources[answer.headers["X-Ledger-Read-Source"]] += 1
    return {"reads": reads, "answered_by": sources, **percentiles(samples)}


def measure_read_your_writes(ledger: Ledger, posts: int) -> dict[str, Any]:
    client = create_app(ledger.settings, ledger=ledger).test_client()
    source, officer = _keys(ledger, "ryw")
    samples, sources = [], {"replica": 0, "primary": 0}
    for _ in range(posts):
        position = _post(client, source)
        path = f"/api/v1/subjects/RYW-{_posted:06d}/disclosures"
        headers = {"Authorization": f"Bearer {officer}", "X-Ledger-Min-Position": str(position)}
        started = time.perf_counter()
        answer = client.get(path, headers=headers)
        seconds = time.perf_counter() - started
        assert answer.status_code == 200
        assert len(answer.get_json()["items"]) == 1, "the read missed its write"
        samples.append(seconds)
        sources[answer.headers["X-Ledger-Read-Source"]] += 1
    return {
        "posts": posts,
        "wait_setting_s": ledger.settings.read_replica_wait,
        "answered_by": sources,
        **percentiles(samples),
    }


if __name__ == "__main__":
    main()
