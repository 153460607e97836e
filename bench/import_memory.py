"""Import benchmark: wall time and peak memory of `ledger import` as the file grows.

Writes a JSON-lines file of N demo disclosures (`ledger.demo.demo_disclosures`) in a temporary
folder, then runs `ledger import FILE` as a child process on a fresh SQLite database (and on a
fresh PostgreSQL schema when LEDGER_TEST_POSTGRES_URL is set). The peak resident set size is
the child's own, as the kernel reports it to `os.wait4`; the wall time is the whole command,
both passes included.

Run: `make bench-import` (or `python bench/import_memory.py --lines 1000000 300000`).
Writes bench/results/import_memory.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.children import run_child
from bench.ingest import drop_schema, postgres_schema_url
from ledger.adapters.keyring import generate_secret
from ledger.demo import demo_disclosures
from ledger.schemas import DisclosureSchema, load_disclosure

RESULTS = Path(__file__).resolve().parent / "results"
LEDGER = Path(sys.executable).with_name("ledger")


def write_file(path: Path, lines: int, subjects: int) -> int:
    """N demo disclosures as JSON lines, in the shape the API and `ledger import` take."""
    schema = DisclosureSchema()
    with path.open("w", encoding="utf-8") as file:
        for number, facts in enumerate(demo_disclosures(lines, subjects=subjects, prefix="import")):
            record = schema.dump(facts)
            if number == 0:
                assert load_disclosure(record) == facts, "the dump must read back as it was"
            file.write(json.dumps(record, separators=(",", ":"), ensure_ascii=False) + "\n")
    return path.stat().st_size


def run_import(
    file: Path, database_url: str, var_dir: Path, timeout: float, batch_size: int | None
) -> dict[str, Any]:
    """One `ledger import` in a child process: its exit, output, wall time and peak RSS."""
    env = {
        **os.environ,
        "LEDGER_DATABASE_URL": database_url,
        "LEDGER_VAR_DIR": str(var_dir),
        "LEDGER_MASTER_KEY": generate_secret(),
    }
    command = [str(LEDGER), "import", str(file)]
    if batch_size:
        command += ["--batch-size", str(batch_size)]
    run = run_child(command, env, timeout=timeout, poll=0.2)
    run["seconds"] = round(run["seconds"], 1)
    return run


def measure(
    backend: str, url: str, var_dir: Path, file: Path, lines: int, args: argparse.Namespace
) -> dict[str, Any]:
    run = run_import(file, url, var_dir, args.timeout, args.batch_size)
    recorded = re.search(r"Recorded (\d+) disclosures", run["last_line"])
    result = {
        "backend": backend,
        "lines": lines,
        "file_mb": round(file.stat().st_size / 2**20, 1),
        "batch_size": args.batch_size or 10_000,
        **run,
        "lines_per_s": round(lines / run["seconds"]),
        "all_recorded": recorded is not None and int(recorded.group(1)) == lines,
    }
    print(json.dumps(result, indent=2), flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--lines", type=int, nargs="+", default=[1_000_000], help="file sizes to import, in lines"
    )
    parser.add_argument("--subjects", type=int, default=5_000)
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--timeout", type=float, default=3 * 3600, help="seconds per import")
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args()
    results: dict[str, Any] = {
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "subjects": args.subjects,
        "runs": [],
    }
    postgres = None if args.sqlite_only else os.environ.get("LEDGER_TEST_POSTGRES_URL")
    for lines in args.lines:
        with tempfile.TemporaryDirectory(prefix="ledger-import-bench-") as tmp:
            base = Path(tmp)
            file = base / "disclosures.jsonl"
            write_file(file, lines, args.subjects)
            sqlite_dir = base / "sqlite"
            results["runs"].append(
                measure(
                    "sqlite", f"sqlite:///{sqlite_dir / 'ledger.db'}", sqlite_dir, file, lines, args
                )
            )
            if postgres:
                url, schema = postgres_schema_url(postgres)
                try:
                    results["runs"].append(
                        measure("postgresql", url, base / "postgres", file, lines, args)
                    )
                finally:
                    drop_schema(postgres, schema)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "import_memory.json").write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {RESULTS / 'import_memory.json'}")
    if not all(run["exit_code"] == 0 and run["all_recorded"] for run in results["runs"]):
        sys.exit("an import failed: see last_line above")


if __name__ == "__main__":
    main()
