"""The scale benchmark (`make bench-scale`) run at tiny sizes, as the long run would be: one
ledger grown from 2,000 to 5,000 disclosures on a real SQLite file and a real PostgreSQL
database, a real `ledger serve` and real `ledger` commands; its JSON must have every section,
with numbers that make sense, and it must leave no database behind."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from bench.scale import SPREAD_AT_MOST
from tests.conftest import POSTGRES_URL

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "bench" / "scale.py"
SIZES = (2_000, 5_000)
QUERIES = {
    "light_disclosures",
    "light_recipients",
    "light_overview_json",
    "light_overview_html",
    "light_bundle",
    "heavy_disclosures",
    "heavy_recipients",
    "heavy_overview_json",
    "heavy_overview_html",
    "heavy_bundle",
    "spread_bundle",
    "category_disclosures",
    "disclosure_by_id",
    "statistics",
    "inclusion_proof",
    "consistency_proof",
    "checkpoint",
}
# A person's bundle has no endpoint of its own: over HTTP it comes inside the overview JSON.
NOT_OVER_HTTP = {"light_bundle", "heavy_bundle", "spread_bundle"}


def run_scale(tmp_path: Path, *options: str, timeout: float = 900) -> tuple[dict[str, Any], str]:
    out = tmp_path / "scale.json"
    command = [sys.executable, str(SCRIPT), "--out", str(out), "--workdir", str(tmp_path / "w")]
    done = subprocess.run(
        [*command, *options],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        check=False,
        env={k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
        | ({"LEDGER_TEST_POSTGRES_URL": POSTGRES_URL} if POSTGRES_URL else {}),
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return json.loads(out.read_text()), done.stdout


def database_exists(name: str) -> bool:
    assert POSTGRES_URL
    engine = sa.create_engine(POSTGRES_URL)
    try:
        with engine.connect() as connection:
            return (
                connection.execute(
                    sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
                ).first()
                is not None
            )
    finally:
        engine.dispose()


def check_latencies(name: str, summary: dict[str, Any]) -> None:
    assert not summary.get("errors"), (name, summary)
    assert summary["samples"] >= 1, name
    assert 0 < summary["p50_ms"] <= summary["p95_ms"] <= summary["p99_ms"] <= summary["max_ms"]
    assert summary["max_ms"] < 60_000, name


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_the_scale_benchmark_reports_every_section_at_every_size(
    backend: str, tmp_path: Path
) -> None:
    database = f"ledger_scale_test_{uuid.uuid4().hex[:10]}"
    result, _ = run_scale(
        tmp_path,
        "--sizes",
        ",".join(map(str, SIZES)),
        "--backends",
        backend,
        "--samples",
        "4",
        "--query-seconds",
        "1",
        "--import-lines",
        "300",
        "--pg-database",
        database,
    )
    assert result["benchmark"] == "scale"
    assert result["started_at"] <= result["ended_at"]
    facts = result["machine"]
    assert facts["cpus"] >= 1
    assert facts["memory_mb"] > 0
    assert facts["python"].startswith("3.")
    assert facts["sqlite"]
    assert bool(facts["postgresql"]) == (backend == "postgresql")

    run = result["backends"][backend]
    assert run["stopped"] is None
    steps = run["sizes"]
    assert [step["disclosures"] for step in steps] == list(SIZES)
    for step in steps:
        assert step["ingest"]["disclosures"] > 0
        assert step["ingest"]["disclosures_per_s"] > 0
        assert step["amendments"]["corrections"] >= 1
        assert step["amendments"]["retractions"] >= 1
        assert step["events"] > step["disclosures"]  # the corrections and retractions
        people = step["people"]
        # The heavy person: a fifth of the first size, at most 2,000.
        assert people["first_heavy"] == {
            "people": 1,
            "median_disclosures": 400,
            "max_disclosures": 400,
        }
        assert 5 <= people["light"]["median_disclosures"] <= 100
        assert people["light"]["people"] > people["medium"]["people"]
        # The spread bundle's person: the heavy tier's (or, this small, the medium tier's) most.
        spread = step["spread_person"]
        tier = "heavy" if "heavy" in people else "medium"
        assert spread["disclosures"] == people[tier]["max_disclosures"] <= SPREAD_AT_MOST
        assert spread["id"][0] == tier[0].upper()

        assert set(step["in_process"]) == QUERIES
        for name, summary in step["in_process"].items():
            check_latencies(name, summary)
        assert set(step["http"]) == QUERIES
        for name, summary in step["http"].items():
            if name in NOT_OVER_HTTP:
                assert summary is None
            else:
                check_latencies(name, summary)
        assert 20 < step["serve_memory"]["max_peak_rss_mb"] < 4_000

        stored = step["storage"]
        assert 200 < stored["bytes_per_disclosure"] < 100_000
        assert "ledger_events" in stored["per_table_bytes"]
        assert "read_disclosures" in stored["per_table_bytes"]
        assert sum(stored["per_table_bytes"].values()) <= stored["total_bytes"] * 1.01

        for phase in ("rebuild", "verify"):
            assert step[phase]["exit_code"] == 0, step[phase]
            assert step[phase]["events"] == step["events"]
            assert step[phase]["events_per_s"] > 0
        since = step["verify_since_checkpoint"]
        assert since is None or since["exit_code"] == 0

        imported = step["import"]
        assert imported["exit_code"] == 0, imported
        assert imported["all_recorded"], imported
        assert imported["peak_rss_mb"] > 20
        assert imported["lines_per_s"] > 0

        plans = step["plans"]
        scanned = json.dumps(plans["heavy_disclosures"])
        assert "read_disclosures" in scanned
        assert all(entry["plan"] for name in plans for entry in plans[name] if name != "partitions")

    # The import after the first size counts towards the second; the last import comes after.
    assert steps[0]["import"]["lines"] == 300
    assert steps[1]["ingest"]["disclosures"] == SIZES[1] - SIZES[0] - 300

    growth = run["growth"]
    assert (growth["from_size"], growth["to_size"]) == SIZES
    for phase in ("in_process", "http"):
        for name in QUERIES:
            value = growth[f"{phase}_{name}_p95_growth"]
            # The spread person differs by size: their bundle has no growth.
            if (phase == "http" and name in NOT_OVER_HTTP) or name == "spread_bundle":
                assert value is None
            else:
                assert isinstance(value, float | int)
                assert value > 0

    # Nothing left behind: the database dropped, the SQLite file removed.
    if backend == "postgresql":
        assert not database_exists(database)
    assert not (tmp_path / "w" / backend / "ledger.db").exists()
