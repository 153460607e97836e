"""Storage benchmark: what the ledger stores per disclosure, table by table and index by index.

Records N disclosures (default 100,000) skewed like real data: ~5,000 people, most with tens of
disclosures, a few heavy ones with thousands (the demo's mix of recipients, categories and
purposes), in batches of 10,000 on a fresh database. Then reports bytes per disclosure for every
relation: PostgreSQL's pg_relation_size (heap), pg_indexes_size and pg_total_relation_size (heap,
indexes, TOAST, free-space and visibility maps) after VACUUM; SQLite's dbstat (pages of each
table and index, after VACUUM), whose sum is the file size.

Run: `make bench-storage` (or `python bench/storage.py --count 100000`). PostgreSQL too when
LEDGER_TEST_POSTGRES_URL is set. Writes bench/results/storage.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.ingest import drop_schema, postgres_schema_url
from ledger.adapters.keyring import generate_secret
from ledger.bootstrap import build_ledger
from ledger.demo import DEMO_CONTROLLERS, demo_disclosures
from ledger.domain.values import DisclosureFacts, Subject
from ledger.settings import Settings

RESULTS = Path(__file__).resolve().parent / "results"
BATCH = 10_000
# The heavy people (a share of the subjects) and the share of all disclosures that is theirs.
HEAVY_SUBJECTS = 0.005
HEAVY_SHARE = 0.25


def skewed_disclosures(count: int, *, subjects: int, seed: int) -> Iterator[DisclosureFacts]:
    """The demo's disclosures, re-assigned to people so that a few have thousands each."""
    rng = random.Random(seed)
    heavy = max(1, round(subjects * HEAVY_SUBJECTS))
    for facts in demo_disclosures(count, subjects=subjects, seed=seed, prefix="storage"):
        person = (
            rng.randrange(heavy) if rng.random() < HEAVY_SHARE else rng.randrange(heavy, subjects)
        )
        yield replace(
            facts,
            controller=DEMO_CONTROLLERS[person % len(DEMO_CONTROLLERS)],
            subject=Subject(
                id=f"STOR-{person:06d}",
                kind="employee",
                name=f"Opslag Persoon {person}",
                email=f"opslag.{person}@example.org",
            ),
        )


def record(url: str, var_dir: Path, count: int, subjects: int) -> float:
    settings = Settings(database_url=url, var_dir=var_dir, master_key=generate_secret())
    ledger = build_ledger(settings)
    items = list(skewed_disclosures(count, subjects=subjects, seed=14))
    started = time.perf_counter()
    for start in range(0, count, BATCH):
        ledger.recording.record_batch(items[start : start + BATCH], actor="bench")
    elapsed = time.perf_counter() - started
    ledger.close()
    return elapsed


def postgres_sizes(url: str, schema: str) -> dict[str, dict[str, int]]:
    """Per table: heap, indexes, total (with TOAST and maps); per index its own size."""
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.exec_driver_sql("VACUUM ANALYZE")
        rows = connection.execute(
            sa.text(
                "SELECT c.relname, c.oid FROM pg_class c JOIN pg_namespace n"
                " ON n.oid = c.relnamespace WHERE n.nspname = :schema AND c.relkind = 'r'"
            ),
            {"schema": schema},
        ).all()
        sizes: dict[str, dict[str, int]] = {}
        for name, oid in rows:
            heap, indexes, total = connection.execute(
                sa.text(
                    "SELECT pg_relation_size(:oid), pg_indexes_size(:oid),"
                    " pg_total_relation_size(:oid)"
                ),
                {"oid": oid},
            ).one()
            entry = {"heap": heap, "indexes": indexes, "toast_and_maps": total - heap - indexes}
            entry["total"] = total
            for index_name, size in connection.execute(
                sa.text(
                    "SELECT i.relname, pg_relation_size(i.oid) FROM pg_index x"
                    " JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = :oid"
                ),
                {"oid": oid},
            ):
                entry[f"index {index_name}"] = size
            sizes[name] = entry
    engine.dispose()
    return sizes


def sqlite_sizes(path: Path) -> tuple[dict[str, dict[str, int]], int]:
    """Per table: its own pages and each index's (dbstat, after VACUUM); and the file size."""
    engine = sa.create_engine(f"sqlite:///{path}", isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.exec_driver_sql("VACUUM")
        owners = dict(
            connection.exec_driver_sql(
                "SELECT name, tbl_name FROM sqlite_schema WHERE type IN ('table', 'index')"
            ).all()
        )
        sizes: dict[str, dict[str, int]] = {}
        for name, size in connection.exec_driver_sql(
            "SELECT name, sum(pgsize) FROM dbstat GROUP BY name"
        ):
            table = owners.get(name, name)
            entry = sizes.setdefault(table, {"heap": 0, "indexes": 0, "total": 0})
            if name == table:
                entry["heap"] += size
            else:
                entry["indexes"] += size
                entry[f"index {name}"] = size
            entry["total"] += size
    engine.dispose()
    return sizes, path.stat().st_size


def per_disclosure(sizes: dict[str, dict[str, int]], count: int) -> dict[str, Any]:
    tables = {
        name: {key: round(value / count, 1) for key, value in entry.items()}
        for name, entry in sorted(sizes.items(), key=lambda item: -item[1]["total"])
    }
    total = sum(entry["total"] for entry in sizes.values())
    return {"bytes_per_disclosure": round(total / count, 1), "total_bytes": total, "tables": tables}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--subjects", type=int, default=5_000)
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--output", type=Path, default=RESULTS / "storage.json")
    args = parser.parse_args()
    results: dict[str, Any] = {
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "disclosures": args.count,
        "subjects": args.subjects,
        "runs": [],
    }
    with tempfile.TemporaryDirectory(prefix="ledger-storage-") as tmp:
        base = Path(tmp)
        path = base / "storage.db"
        seconds = record(f"sqlite:///{path}", base, args.count, args.subjects)
        sizes, file_size = sqlite_sizes(path)
        run = {"backend": "sqlite", "record_seconds": round(seconds, 1), "file_bytes": file_size}
        run |= per_disclosure(sizes, args.count)
        results["runs"].append(run)
        print(json.dumps(run, indent=2), flush=True)
        postgres = os.environ.get("LEDGER_TEST_POSTGRES_URL")
        if postgres and not args.sqlite_only:
            url, schema = postgres_schema_url(postgres)
            try:
                seconds = record(url, base, args.count, args.subjects)
                run = {"backend": "postgresql", "record_seconds": round(seconds, 1)}
                run |= per_disclosure(postgres_sizes(url, schema), args.count)
                results["runs"].append(run)
                print(json.dumps(run, indent=2), flush=True)
            finally:
                drop_schema(postgres, schema)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
