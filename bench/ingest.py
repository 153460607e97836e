"""Ingest benchmark: the ledger's batch recording against the floor of storing the same rows,
and the rate of `ledger projections rebuild` over what it recorded.

Records N realistic disclosures (a payroll month: ~5,000 subjects, the privacy statement's mix of
recipients) in batches of 10,000 on a fresh database, then writes every row the ledger wrote
(events, vault, read models, leaves, nodes) into identical empty tables (same columns, same
indexes) the fastest plain way each backend has: COPY on PostgreSQL, one executemany of a
prepared INSERT on SQLite; batch by batch, one transaction per batch. `ratio` = ledger rate /
floor rate. Then rebuilds the read models from the log and times it (`rebuild_events_per_s`).

Run: `make bench` (or `python bench/ingest.py --count 100000`). PostgreSQL too when
LEDGER_TEST_POSTGRES_URL is set. Writes bench/results/ingest.json.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import platform
import pstats
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ledger.adapters.bulk_writes import bulk_write
from ledger.adapters.database import metadata
from ledger.adapters.keyring import generate_secret
from ledger.bootstrap import build_ledger
from ledger.demo import demo_disclosures
from ledger.settings import Settings

RESULTS = Path(__file__).resolve().parent / "results"
BATCH = 10_000


def postgres_schema_url(base: str) -> tuple[str, str]:
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f"CREATE SCHEMA {schema}"))
    engine.dispose()
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}options=-csearch_path%3D{schema}", schema


def drop_schema(base: str, schema: str) -> None:
    engine = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    engine.dispose()


def run_ledger(url: str, var_dir: Path, count: int, profile: bool) -> dict[str, Any]:
    settings = Settings(database_url=url, var_dir=var_dir, master_key=generate_secret())
    ledger = build_ledger(settings)
    items = list(demo_disclosures(count, subjects=5_000, seed=11, prefix="bench"))
    profiler = cProfile.Profile() if profile else None
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    for start in range(0, count, BATCH):
        ledger.recording.record_batch(items[start : start + BATCH], actor="bench")
    if profiler:
        profiler.disable()
    elapsed = time.perf_counter() - started
    if profiler:
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(35)
    tables = [ledger.store.table, *metadata.sorted_tables]
    with ledger.database.read_engine.connect() as connection:
        rows = {
            table.name: [dict(row) for row in connection.execute(sa.select(table)).mappings()]
            for table in tables
        }
    started = time.perf_counter()
    replayed = ledger.maintenance.rebuild_projections()
    rebuild_seconds = time.perf_counter() - started
    ledger.close()
    ledger.database.dispose()
    return {
        "seconds": elapsed,
        "rows": rows,
        "tables": tables,
        "rebuild_seconds": rebuild_seconds,
        "replayed": replayed,
    }


def run_floor(url: str, tables: list[sa.Table], rows: dict[str, list[dict[str, Any]]]) -> float:
    """Insert the same rows into the same tables (same columns, keys and indexes) of a fresh
    database the fastest plain way (`bulk_write` without a merge: COPY on PostgreSQL,
    executemany on SQLite): the cost of merely storing them."""
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        for table in tables:
            table.create(connection)
    batches = max(1, len(rows[tables[0].name]) // BATCH)
    started = time.perf_counter()
    for number in range(batches):
        with engine.begin() as connection:
            for table in tables:
                table_rows = rows[table.name]
                size = -(-len(table_rows) // batches)
                part = table_rows[number * size : (number + 1) * size]
                if part:
                    bulk_write(connection, table, part)
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed


def measure(
    name: str, url: str, floor_url: str, var_dir: Path, count: int, profile: bool
) -> dict[str, Any]:
    ledger_run = run_ledger(url, var_dir, count, profile)
    floor_seconds = run_floor(floor_url, ledger_run["tables"], ledger_run["rows"])
    per_s = count / ledger_run["seconds"]
    floor_per_s = count / floor_seconds
    rebuild_seconds = ledger_run["rebuild_seconds"]
    written = {table: len(rows) for table, rows in ledger_run["rows"].items()}
    result = {
        "backend": name,
        "disclosures": count,
        "batch_size": BATCH,
        "rows_written": written,
        "ledger_seconds": round(ledger_run["seconds"], 3),
        "floor_seconds": round(floor_seconds, 3),
        "disclosures_per_s": round(per_s),
        "raw_rows_equivalent_per_s": round(floor_per_s),
        "ratio": round(per_s / floor_per_s, 3),
        "floor_method": "COPY" if name == "postgresql" else "executemany",
        "rebuild_events": ledger_run["replayed"],
        "rebuild_seconds": round(rebuild_seconds, 3),
        "rebuild_events_per_s": round(ledger_run["replayed"] / rebuild_seconds),
    }
    print(json.dumps(result, indent=2), flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the ledger")
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args()
    results: dict[str, Any] = {
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "runs": [],
    }
    with tempfile.TemporaryDirectory(prefix="ledger-bench-") as tmp:
        base = Path(tmp)
        results["runs"].append(
            measure(
                "sqlite",
                f"sqlite:///{base / 'bench.db'}",
                f"sqlite:///{base / 'floor.db'}",
                base,
                args.count,
                args.profile,
            )
        )
        postgres = os.environ.get("LEDGER_TEST_POSTGRES_URL")
        if postgres and not args.sqlite_only:
            url, schema = postgres_schema_url(postgres)
            floor_url, floor_schema = postgres_schema_url(postgres)
            try:
                results["runs"].append(
                    measure("postgresql", url, floor_url, base, args.count, args.profile)
                )
            finally:
                drop_schema(postgres, schema)
                drop_schema(postgres, floor_schema)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "ingest.json").write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {RESULTS / 'ingest.json'}")


if __name__ == "__main__":
    main()
