"""Partitions on PostgreSQL: what they cost a write and what a person's queries read.

Records N disclosures (batches of 10,000, ~5,000 subjects) into a fresh partitioned database and
a fresh plain one (`LEDGER_PARTITIONED=0`), alternately, `--rounds` times; reports the median
ingest rate of each, the bytes of every table, and the partitions each per-person and leaf query
reads (`ledger.adapters.partitions.explain`, also what `plans()` gives the scale benchmark).

Run: `make bench-partitions` (or `python bench/partitions.py --count 30000 --rounds 3`), with
LEDGER_TEST_POSTGRES_URL set. Writes bench/results/partitions.json.
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

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.ingest import drop_schema, postgres_schema_url
from ledger.adapters.keyring import generate_secret
from ledger.adapters.partitions import explain
from ledger.app import Ledger
from ledger.bootstrap import build_ledger
from ledger.demo import demo_disclosures
from ledger.projections import queries
from ledger.settings import Settings

RESULTS = Path(__file__).resolve().parent / "results"
BATCH = 10_000
ANALYZED = (
    "ledger_events",
    "ledger_leaves",
    "ledger_subject_heads",
    "read_disclosures",
    "read_subject_recipients",
)


def plans(ledger: Ledger, *, subject_tag: str, leaf: int) -> dict[str, list[str]]:
    """The partitions each per-person query and leaf lookup reads, by query name: for the scale
    benchmark, on any ledger (a plain database lists its plain tables)."""
    log = ledger.integrity.log
    calls: dict[str, Any] = {
        "disclosures_of_subject": lambda c: queries.disclosures_of_subject(c, subject_tag),
        "recipients_of_subject": lambda c: queries.recipients_of_subject(c, subject_tag),
        "overview_rows": lambda c: queries.overview_rows(c, subject_tag),
        "leaf_range": lambda c: log.leaves_between(c, leaf, leaf + 100),
        "leaves_at": lambda c: log.leaves_at(c, [leaf, leaf + 1]),
        "subject_head": lambda c: log.subject_head(c, subject_tag),
    }
    found = {}
    with ledger.database.read_engine.connect() as connection:
        for name, call in calls.items():
            read = explain(connection, call, analyze=True)
            found[name] = sorted({table for plan in read for table in plan.scanned})
    return found


def run(base: str, count: int, *, partitioned: bool) -> dict[str, Any]:
    url, schema = postgres_schema_url(base)
    try:
        with tempfile.TemporaryDirectory() as var_dir:
            settings = Settings(
                database_url=url,
                var_dir=Path(var_dir),
                master_key=generate_secret(),
                partitioned=partitioned,
                # Small enough that the run crosses several range partitions.
                partition_size=max(1000, count // 4),
            )
            started = time.perf_counter()
            ledger = build_ledger(settings)
            created = time.perf_counter() - started
            items = list(demo_disclosures(count, subjects=5_000, seed=11, prefix="bench"))
            started = time.perf_counter()
            for start in range(0, count, BATCH):
                ledger.recording.record_batch(items[start : start + BATCH], actor="bench")
            elapsed = time.perf_counter() - started
            with ledger.database.read_engine.connect() as connection:
                # This schema's tables only: a bare ANALYZE would visit the whole database.
                connection.execute(sa.text(f"ANALYZE {', '.join(ANALYZED)}"))
                sizes = {
                    str(name): int(size)
                    for name, size in connection.execute(
                        sa.text(
                            "SELECT coalesce(p.parent, c.relname) AS name, "
                            "sum(pg_total_relation_size(c.oid)) FROM pg_class c "
                            "LEFT JOIN (SELECT i.inhrelid, pc.relname AS parent FROM pg_inherits i "
                            "JOIN pg_class pc ON pc.oid = i.inhparent) p ON p.inhrelid = c.oid "
                            "WHERE c.relnamespace = to_regnamespace(current_schema()) "
                            "AND c.relkind = 'r' GROUP BY 1 ORDER BY 2 DESC"
                        )
                    )
                }
                tag = connection.execute(
                    sa.text("SELECT subject_tag FROM read_disclosures WHERE position = 1")
                ).scalar_one()
            read = plans(ledger, subject_tag=tag, leaf=count // 2)
            ledger.close()
    finally:
        drop_schema(base, schema)
    return {
        "rate": round(count / elapsed),
        "schema_seconds": round(created, 3),
        "bytes_per_disclosure": {name: round(size / count) for name, size in sizes.items()},
        "plans": read,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=30_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    base = os.environ.get("LEDGER_TEST_POSTGRES_URL")
    if not base:
        sys.exit("LEDGER_TEST_POSTGRES_URL must be set: partitions are PostgreSQL's")
    runs: dict[str, list[dict[str, Any]]] = {"partitioned": [], "plain": []}
    for _round in range(args.rounds):
        for layout in runs:
            runs[layout].append(run(base, args.count, partitioned=layout == "partitioned"))
            print(layout, runs[layout][-1]["rate"], "disclosures/s", flush=True)
    result = {
        "count": args.count,
        "batch": BATCH,
        "rounds": args.rounds,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores (shared: timings are noisy)",
    }
    for layout, done in runs.items():
        result[layout] = {
            "rate_median": statistics.median(r["rate"] for r in done),
            "rates": [r["rate"] for r in done],
            "schema_seconds_median": statistics.median(r["schema_seconds"] for r in done),
            "bytes_per_disclosure": done[-1]["bytes_per_disclosure"],
            "plans": done[-1]["plans"],
        }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "partitions.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
