"""Scale benchmark: one ledger grown from 10,000 to millions of disclosures, measured at each size.

For each backend (SQLite: a file in a work folder; PostgreSQL: a database of its own, by default
`ledger_scale`, created and dropped by this script) and each size in order, the ledger grows by
the difference only, and the script measures:

- ingest: the step's disclosures through the ledger's own batch path (`Recording.record_batch`,
  the code behind `POST /api/v1/disclosures/batch` and `ledger import`), batches of 10,000, in
  process; then a few corrections and retractions;
- queries: p50/p95/p99 of every subject, category, statistics and proof query, in process
  (the application's services) and over HTTP (a real `ledger serve` on 127.0.0.1), each bounded
  by --samples and --query-seconds; the peak RSS of `ledger serve` meanwhile;
- storage: bytes per disclosure, in total and per table (PostgreSQL: pg_total_relation_size,
  partitions counted under their root; SQLite: the file and its WAL after a checkpoint, per
  table from dbstat);
- maintenance: `ledger projections rebuild`, `ledger verify` and, where the CLI has it,
  `ledger verify --since-checkpoint` (null where it has not), as child processes;
- `ledger import` of --import-lines further lines of the same stream, as a child process: its
  wall time and peak RSS (these lines count towards the next size);
- query plans of the per-person queries (the statements they run, explained).

Then, per query, the p95 growth from the smallest to the largest size measured.

The data are skewed and deterministic: one person with 2,000 disclosures first (the heavy person
measured at every size), then people who come and go in three tiers: light (about 30 disclosures
each, most people), medium (about 170) and heavy (about 3,000). `spread_bundle` is the bundle of
the heavy-tier person with the most disclosures so far, at most 3,000 (`spread_person` in each
step; no growth, as the person differs by size): theirs are spread over the log, as a real person's
are, where the heavy person's hold its first positions and share every block of leaves their proofs
need. A backend whose next size would not fit in --budget-seconds stops early and says what would
make it finish.

Run: `make bench-scale` (or `python bench/scale.py --sizes 10000,100000 --backends sqlite`).
Writes bench/results/scale.json (or --out). The machine is shared: say so with the figures.
"""

from __future__ import annotations

import argparse
import bisect
import contextlib
import functools
import json
import os
import platform
import random
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.api import Client, Server, latency_summary
from bench.children import run_child
from ledger.adapters.keyring import generate_secret
from ledger.app import Ledger, Reader
from ledger.bootstrap import build_ledger
from ledger.demo import AMSTERDAM, DEMO_CONTROLLERS, INLENERS, MIX
from ledger.domain.values import DisclosureFacts, Recipient, Source, Subject, Transfer
from ledger.overview import render_html, render_json
from ledger.schemas import DisclosureSchema
from ledger.settings import Settings

RESULTS = Path(__file__).resolve().parent / "results"
LEDGER = Path(sys.executable).with_name("ledger")
BATCH = 10_000
DEFAULT_SIZES = {
    "sqlite": [10_000, 100_000, 1_000_000],
    "postgresql": [10_000, 100_000, 1_000_000, 10_000_000],
}
SYSTEM = "bench-scale"
HEAVY_ID = "HEAVY-000001"
HEAVY_DISCLOSURES = 2_000
# The most disclosures of the spread person whose bundle is measured (`People.most`).
SPREAD_AT_MOST = 3_000
# Not the same person at every size (the spread person grows with the log): no p95 growth.
NOT_ONE_PERSON = {"spread_bundle"}
# The stream's clock: 10,000,000 disclosures over seven years (a staffing company's retention).
STREAM_START = datetime(2019, 10, 1, 8, 0, tzinfo=AMSTERDAM)
SECONDS_PER_ITEM = 22
CATEGORIES = sorted({entry[1].category for entry in MIX})
READER = Reader(actor="bench", role="officer", channel="bench scale", purpose="scale benchmark")
# Maintenance commands run long statements on purpose (README, "When the database hangs").
MAINTENANCE_ENV = {"LEDGER_DB_STATEMENT_TIMEOUT": "3600", "LEDGER_DB_LOCK_TIMEOUT": "600"}
LINKS_PER_TIER = 20
# Disclosure ids kept from all steps for the reads by id.
ID_SAMPLE = 2_000


# -- the data ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Tier:
    """People who come and go: a new one every `every` disclosures of the mixed stream, each
    active while the `window` newest of the tier are; `share` of the stream goes to the tier,
    so a person receives about share x every disclosures in all."""

    name: str
    prefix: str
    share: float
    every: int
    window: int


TIERS = (
    Tier("light", "L", 0.80, 40, 50),
    Tier("medium", "M", 0.17, 1_000, 20),
    Tier("heavy", "H", 0.03, 100_000, 10),
)
_SHARES = [sum(tier.share for tier in TIERS[: n + 1]) for n in range(len(TIERS))]


class Stream:
    """The n-th disclosure of the benchmark, the same at any size: a block of 10,000 is drawn
    from its own seed, so a database grown in steps holds exactly what one grown at once would.

    The first `heavy_first` disclosures are the heavy person's (HEAVY_ID); then the tiers."""

    def __init__(self, *, seed: int, heavy_first: int) -> None:
        self.seed = seed
        self.heavy_first = heavy_first
        self.weights = [entry[0] for entry in MIX]
        self.cumulative = [sum(self.weights[: n + 1]) for n in range(len(self.weights))]

    def person(self, number: int, rng: random.Random) -> tuple[str, str]:
        """(tier, subject id) of the disclosure `number`."""
        if number < self.heavy_first:
            return "first_heavy", HEAVY_ID
        mixed = number - self.heavy_first
        tier = TIERS[min(bisect.bisect(_SHARES, rng.random()), len(TIERS) - 1)]
        newest = mixed // tier.every
        index = newest - rng.randrange(min(tier.window, newest + 1))
        return tier.name, f"{tier.prefix}-{index:07d}"

    def items(self, start: int, stop: int) -> Iterator[tuple[str, DisclosureFacts]]:
        """(tier, facts) of the disclosures start .. stop-1."""
        for block in range(start // BATCH, -(-stop // BATCH)):
            rng = random.Random(f"{self.seed}-{block}")
            for number in range(block * BATCH, (block + 1) * BATCH):
                drawn = self._draw(number, rng)
                if start <= number < stop:
                    yield drawn

    def _draw(self, number: int, rng: random.Random) -> tuple[str, DisclosureFacts]:
        tier, subject_id = self.person(number, rng)
        pick = bisect.bisect(self.cumulative, rng.random() * self.cumulative[-1])
        subject, controller, key = self._subject(subject_id)
        recipient, categories, basis, condition, provision, purpose, transfer = self._mix(
            pick, key % len(INLENERS)
        )
        occurred = STREAM_START + timedelta(
            seconds=number * SECONDS_PER_ITEM + rng.randrange(3 * 24 * 3600)
        )
        return tier, DisclosureFacts(
            controller=controller,
            subject=subject,
            recipient=recipient,
            data_categories=categories,
            legal_basis=basis,
            special_category_condition=condition,
            legal_provision=provision,
            purpose=purpose,
            occurred_at=occurred,
            transfer=transfer,
            source=Source(system=SYSTEM, reference=f"scale-{self.seed}-{number:09d}"),
        )

    @functools.lru_cache(maxsize=1 << 16)  # noqa: B019 - one Stream per run, kept for it
    def _subject(self, subject_id: str) -> tuple[Subject, str, int]:
        key = sum(map(ord, subject_id))
        subject = Subject(
            id=subject_id,
            kind="employee",
            name=f"Bench Persoon {subject_id}",
            email=f"{subject_id.lower()}@example.org",
        )
        return subject, DEMO_CONTROLLERS[key % len(DEMO_CONTROLLERS)], key

    @functools.lru_cache(maxsize=256)  # noqa: B019 - one Stream per run, kept for it
    def _mix(self, pick: int, inlener: int) -> tuple[Any, ...]:
        _, recipient, categories, basis, condition, provision, purpose = MIX[pick]
        if recipient.category == "inlener":
            name, kvk = INLENERS[inlener]
            recipient = Recipient("inlener", name, kvk, "NL")
        transfer = Transfer("GB", "adequacy_decision") if recipient.country == "GB" else None
        return recipient, categories, basis, condition, provision, f"[BENCH] {purpose}", transfer


@dataclass
class People:
    """How many disclosures each person has so far, by tier: to pick whom to read."""

    counts: dict[str, dict[str, int]] = field(default_factory=dict)

    def add(self, tier: str, subject_id: str) -> None:
        own = self.counts.setdefault(tier, {})
        own[subject_id] = own.get(subject_id, 0) + 1

    def summary(self) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for tier, own in sorted(self.counts.items()):
            ordered = sorted(own.values())
            found[tier] = {
                "people": len(ordered),
                "median_disclosures": ordered[len(ordered) // 2],
                "max_disclosures": ordered[-1],
            }
        return found

    def most(self, *tiers: str, at_most: int = SPREAD_AT_MOST) -> tuple[str, int] | None:
        """The person with the most disclosures, at most `at_most`, of the first of these tiers
        that has one: a heavy person of the stream, whose disclosures are spread over the log
        (the heavy person of HEAVY_ID holds its first positions, so their proofs share every
        block of leaves). The heavy tier's first person passes 8,000 at 1M: the bound keeps
        the bundle near the 2,000 events its target speaks of."""
        for tier in tiers:
            own = {subject: n for subject, n in self.counts.get(tier, {}).items() if n <= at_most}
            if own:
                subject = max(sorted(own), key=own.__getitem__)
                return subject, own[subject]
        return None

    def sample(self, tier: str, count: int, rng: random.Random, least: int = 5) -> list[str]:
        """Up to `count` people of the tier with at least `least` disclosures."""
        own = sorted(subject for subject, n in self.counts.get(tier, {}).items() if n >= least)
        return rng.sample(own, min(count, len(own))) if own else []


# -- measuring --------------------------------------------------------------------------------


class Budget:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.started = time.monotonic()

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    @property
    def left(self) -> float:
        return self.seconds - self.elapsed


def timed_samples(
    call: Callable[[int], None], *, samples: int, max_seconds: float
) -> dict[str, Any]:
    """Latencies of `call(n)` after one warm-up call, until `samples` or `max_seconds`."""
    seconds: list[float] = []
    errors: list[str] = []
    stop_at = time.perf_counter() + max_seconds
    for number in range(samples + 1):
        started = time.perf_counter()
        try:
            call(number)
        except Exception as error:  # a failed query is a result too
            errors.append(f"{type(error).__name__}: {error}"[:300])
            if len(errors) >= 3:
                break
            continue
        if number > 0:
            seconds.append(time.perf_counter() - started)
        if time.perf_counter() >= stop_at and len(seconds) >= min(3, samples):
            break
    summary: dict[str, Any] = {"samples": len(seconds), **latency_summary(seconds)}
    if errors:
        summary["errors"] = errors
    return summary


def proc_hwm_mb(pid: int) -> float | None:
    """The peak resident set (VmHWM) of a live process, in MB."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    found = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
    return round(int(found.group(1)) / 1024, 1) if found else None


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def serve_memory(pid: int) -> dict[str, Any]:
    """Peak RSS of `ledger serve`: its main process and each worker."""
    main = proc_hwm_mb(pid)
    workers = [mb for mb in map(proc_hwm_mb, descendants(pid)) if mb is not None]
    every = [mb for mb in [main, *workers] if mb is not None]
    return {
        "main_peak_rss_mb": main,
        "worker_peak_rss_mb": workers,
        "max_peak_rss_mb": max(every) if every else None,
        "sum_peak_rss_mb": round(sum(every), 1),
    }


# -- query plans ------------------------------------------------------------------------------


class Statements:
    """The SELECT statements every engine runs while it listens (SQLAlchemy's cursor events)."""

    def __init__(self) -> None:
        self.seen: dict[str, dict[str, Any]] = {}

    def __enter__(self) -> Statements:
        sa.event.listen(sa.Engine, "before_cursor_execute", self._note)
        return self

    def __exit__(self, *exc: object) -> None:
        sa.event.remove(sa.Engine, "before_cursor_execute", self._note)

    def _note(self, _conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            entry = self.seen.setdefault(statement, {"parameters": parameters, "calls": 0})
            entry["calls"] += 1


def _pg_nodes(plan: dict[str, Any], out: list[str]) -> None:
    node = plan.get("Node Type", "?")
    for key in ("Relation Name", "Index Name"):
        if key in plan:
            node += f" {plan[key]}"
    if plan.get("Subplans Removed"):
        node += f" (subplans removed: {plan['Subplans Removed']})"
    out.append(node)
    for child in plan.get("Plans", []):
        _pg_nodes(child, out)


def explain(engine: sa.Engine, statements: Statements, limit: int = 12) -> list[dict[str, Any]]:
    """Each captured statement's plan, compactly: node types with the relations they scan."""
    plans = []
    is_sqlite = engine.dialect.name == "sqlite"
    prefix = "EXPLAIN QUERY PLAN " if is_sqlite else "EXPLAIN (FORMAT JSON) "
    ranked = sorted(statements.seen.items(), key=lambda item: -item[1]["calls"])
    with engine.connect() as connection:
        for statement, entry in ranked[:limit]:
            try:
                rows = connection.exec_driver_sql(prefix + statement, entry["parameters"]).all()
            except Exception as error:  # a statement EXPLAIN cannot take
                connection.rollback()
                nodes = [f"not explained: {type(error).__name__}"]
            else:
                if is_sqlite:
                    nodes = [str(row[-1]) for row in rows]
                else:
                    document = rows[0][0]
                    document = json.loads(document) if isinstance(document, str) else document
                    nodes = []
                    _pg_nodes(document[0]["Plan"], nodes)
            plans.append(
                {"sql": " ".join(statement.split())[:160], "calls": entry["calls"], "plan": nodes}
            )
    return plans


def partition_plans(ledger: Ledger) -> Any:
    """`ledger.adapters.partitions`' own explain, where the module has one (PostgreSQL
    partitions are a colleague's change); None where it has not."""
    try:
        import importlib

        module = importlib.import_module("ledger.adapters.partitions")
    except ImportError:
        return None
    names = [
        name
        for name in dir(module)
        if name.startswith("explain") and callable(getattr(module, name))
    ]
    if not names:
        return None
    function = getattr(module, names[0])
    for argument in (ledger.database, ledger.database.read_engine):
        try:
            return json.loads(json.dumps(function(argument), default=str))
        except Exception as error:  # its signature is not ours to know
            last = f"{type(error).__name__}: {error}"
    return {"error": f"{module.__name__}.{names[0]} could not be called: {last}"}


# -- storage ----------------------------------------------------------------------------------


def storage(backend: str, url: str, disclosures: int) -> dict[str, Any]:
    per_table: dict[str, int] = {}
    if backend == "postgresql":
        engine = sa.create_engine(url)
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text(
                    "SELECT coalesce(pg_partition_root(c.oid), c.oid)::regclass::text, "
                    "sum(pg_total_relation_size(c.oid)) FROM pg_class c "
                    "JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'm') GROUP BY 1"
                )
            ).all()
            database_bytes = connection.execute(
                sa.text("SELECT pg_database_size(current_database())")
            ).scalar_one()
        engine.dispose()
        per_table = {str(name): int(size) for name, size in rows}
        total = sum(per_table.values())
        extra = {"database_bytes": int(database_bytes)}
    else:
        path = Path(url.removeprefix("sqlite:///"))
        with contextlib.closing(sqlite3.connect(path)) as connection:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            try:
                rows = connection.execute(
                    "SELECT coalesce(m.tbl_name, s.name), sum(s.pgsize) FROM dbstat s "
                    "LEFT JOIN sqlite_master m ON m.name = s.name GROUP BY 1"
                ).fetchall()
                per_table = {str(name): int(size) for name, size in rows}
            except sqlite3.OperationalError:
                per_table = {}  # no dbstat in this SQLite
        wal = path.with_name(path.name + "-wal")
        total = path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)
        extra = {"file_bytes": path.stat().st_size, "dbstat": bool(per_table)}
    ordered = dict(sorted(per_table.items(), key=lambda item: -item[1]))
    return {
        "total_bytes": total,
        "bytes_per_disclosure": round(total / disclosures),
        "per_table_bytes_per_disclosure": {
            name: round(size / disclosures, 1) for name, size in ordered.items()
        },
        "per_table_bytes": ordered,
        **extra,
    }


# -- one backend ------------------------------------------------------------------------------


class Run:
    """One backend grown through its sizes."""

    def __init__(self, backend: str, url: str, workdir: Path, args: argparse.Namespace) -> None:
        self.backend = backend
        self.url = url
        self.workdir = workdir
        self.args = args
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("LEDGER_", "FLASK_"))}
        self.env.update(
            LEDGER_DATABASE_URL=url,
            LEDGER_VAR_DIR=str(workdir / "var"),
            LEDGER_MASTER_KEY=generate_secret(),
        )
        (workdir / "var").mkdir(parents=True, exist_ok=True)
        (workdir / "env.json").write_text(
            json.dumps({k: v for k, v in self.env.items() if k.startswith("LEDGER_")})
        )
        self.budget = Budget(args.budget_seconds)
        self.stream = Stream(
            seed=args.seed, heavy_first=min(HEAVY_DISCLOSURES, args.sizes_of[backend][0] // 5)
        )
        self.people = People()
        self.rng = random.Random(args.seed)
        # Ids of disclosures sampled from every step (at most ID_SAMPLE), for the reads by id.
        self.sampled_ids: list[Any] = []
        self.recorded = 0
        self.events = 0
        self.since_checkpoint = self._has_since_checkpoint()
        self.ledger: Ledger = build_ledger(Settings.from_env(self.env))

    def _has_since_checkpoint(self) -> bool:
        done = subprocess.run(
            [str(LEDGER), "verify", "--help"],
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
        )
        return "--since-checkpoint" in done.stdout

    def close(self) -> None:
        self.ledger.close()

    # -- a step ----------------------------------------------------------------------------

    def grow(self, size: int, *, guard: bool) -> dict[str, Any]:
        """Record disclosures up to `size` through the batch path; a few corrections after.
        With `guard`, an ingest that runs a tenth past the budget stops the backend."""
        new = size - self.recorded
        generating = recording = 0.0
        receipts: list[tuple[str, Any]] = []
        items = self.stream.items(self.recorded, size)
        while self.recorded < size:
            started = time.perf_counter()
            batch = [next(items) for _ in range(min(BATCH, size - self.recorded))]
            generating += time.perf_counter() - started
            started = time.perf_counter()
            done = self.ledger.recording.record_batch([facts for _, facts in batch], actor="bench")
            recording += time.perf_counter() - started
            for (tier, facts), receipt in zip(batch, done, strict=True):
                self.people.add(tier, facts.subject.id)
                if len(receipts) < 5_000 and (tier == "first_heavy" or self.rng.random() < 0.01):
                    receipts.append((tier, receipt.id))
            self.recorded += len(batch)
            if guard and self.budget.left < -0.1 * self.budget.seconds:
                raise BudgetExceeded(f"ingest passed the budget at {self.recorded} disclosures")
        self.events += new
        ingest = {
            "disclosures": new,
            "batch_size": BATCH,
            "seconds": round(recording, 2),
            "disclosures_per_s": round(new / recording) if recording else None,
            "generating_seconds": round(generating, 2),
        }
        self._sample_ids([rid for _, rid in receipts])
        return {"ingest": ingest, "amendments": self._amend(new, receipts)}

    def _sample_ids(self, ids: list[Any]) -> None:
        """Keep a uniform sample of the ids recorded so far (reservoir sampling)."""
        for number, disclosure_id in enumerate(ids, start=len(self.sampled_ids)):
            if len(self.sampled_ids) < ID_SAMPLE:
                self.sampled_ids.append(disclosure_id)
            elif (slot := self.rng.randrange(number + 1)) < ID_SAMPLE:
                self.sampled_ids[slot] = disclosure_id

    def _amend(self, new: int, receipts: list[tuple[str, Any]]) -> dict[str, Any]:
        corrections = min(100, max(1, new // 2_000))
        retractions = max(1, corrections // 2)
        heavy = [rid for tier, rid in receipts if tier == "first_heavy"]
        others = [rid for tier, rid in receipts if tier != "first_heavy"]
        chosen = heavy[:2] + self.rng.sample(others, min(len(others), corrections + retractions))
        started = time.perf_counter()
        done = {"corrections": 0, "retractions": 0}
        for number, disclosure_id in enumerate(chosen):
            if number < len(chosen) - retractions:
                self.ledger.recording.correct(
                    disclosure_id,
                    changes={"purpose": "[BENCH] Gecorrigeerde omschrijving"},
                    reason="De omschrijving was onvolledig",
                    actor="bench",
                )
                done["corrections"] += 1
            else:
                self.ledger.recording.retract(disclosure_id, reason="Dubbel geboekt", actor="bench")
                done["retractions"] += 1
        self.events += len(chosen)
        seconds = time.perf_counter() - started
        return {**done, "seconds": round(seconds, 2), "per_s": round(len(chosen) / seconds, 1)}

    # -- queries -----------------------------------------------------------------------------

    def _targets(self) -> dict[str, Any]:
        rng = random.Random(self.recorded)
        light = self.people.sample("light", self.args.samples + 1, rng) or [HEAVY_ID]
        checkpoint = (
            self.ledger.integrity.latest_checkpoint() or self.ledger.integrity.publish_checkpoint()
        )
        ids = rng.sample(self.sampled_ids, min(len(self.sampled_ids), self.args.samples + 1))
        spread = self.people.most("heavy", "medium") or (HEAVY_ID, HEAVY_DISCLOSURES)
        return {
            "light": light,
            "tree_size": checkpoint.tree_size,
            "rng": rng,
            "ids": ids,
            "spread": spread,
        }

    def in_process(self, targets: dict[str, Any]) -> dict[str, Any]:
        reading, integrity = self.ledger.reading, self.ledger.integrity
        light, size, rng = targets["light"], targets["tree_size"], targets["rng"]
        ids = targets["ids"]

        def person(number: int) -> str:
            return str(light[number % len(light)])

        calls: dict[str, Callable[[int], Any]] = {
            "light_disclosures": lambda n: reading.disclosures_of(
                person(n), reader=READER, limit=100
            ),
            "light_recipients": lambda n: reading.recipients_of(person(n), reader=READER),
            "light_overview_json": lambda n: render_json(
                reading.overview(reader=READER, subject_id=person(n), with_proof=True)
            ),
            "light_overview_html": lambda n: render_html(
                reading.overview(reader=READER, subject_id=person(n))
            ),
            "light_bundle": lambda n: reading.proof_bundle(reader=READER, subject_id=person(n)),
            "heavy_disclosures": lambda n: reading.disclosures_of(
                HEAVY_ID, reader=READER, limit=100
            ),
            "heavy_recipients": lambda n: reading.recipients_of(HEAVY_ID, reader=READER),
            "heavy_overview_json": lambda n: render_json(
                reading.overview(reader=READER, subject_id=HEAVY_ID, with_proof=True)
            ),
            "heavy_overview_html": lambda n: render_html(
                reading.overview(reader=READER, subject_id=HEAVY_ID)
            ),
            "heavy_bundle": lambda n: reading.proof_bundle(reader=READER, subject_id=HEAVY_ID),
            "spread_bundle": lambda n: reading.proof_bundle(
                reader=READER, subject_id=targets["spread"][0]
            ),
            "category_disclosures": lambda n: reading.disclosures_to(
                CATEGORIES[n % len(CATEGORIES)], reader=READER, limit=100
            ),
            "disclosure_by_id": lambda n: reading.disclosure(ids[n % len(ids)], reader=READER),
            "statistics": lambda n: reading.statistics(),
            "inclusion_proof": lambda n: integrity.inclusion_proof(rng.randrange(size), size),
            "consistency_proof": lambda n: integrity.consistency_proof(
                rng.randrange(1, size), size
            ),
            "checkpoint": lambda n: integrity.latest_checkpoint(),
        }
        return {name: self._measure(name, call) for name, call in calls.items()}

    def _measure(self, name: str, call: Callable[[int], Any]) -> dict[str, Any]:
        result = timed_samples(call, samples=self.args.samples, max_seconds=self.args.query_seconds)
        print(f"  [{self.backend} {self.recorded}] {name}: {result}", flush=True)
        return result

    def plans(self, targets: dict[str, Any]) -> dict[str, Any]:
        """What the per-person and category queries run, explained."""
        reading = self.ledger.reading
        light = str(targets["light"][0])
        calls: dict[str, Callable[[], Any]] = {
            "light_disclosures": lambda: reading.disclosures_of(light, reader=READER, limit=100),
            "light_recipients": lambda: reading.recipients_of(light, reader=READER),
            "heavy_disclosures": lambda: reading.disclosures_of(HEAVY_ID, reader=READER, limit=100),
            "heavy_overview": lambda: reading.overview(reader=READER, subject_id=HEAVY_ID),
            "heavy_bundle": lambda: reading.proof_bundle(reader=READER, subject_id=HEAVY_ID),
            "category_disclosures": lambda: reading.disclosures_to("uwv", reader=READER, limit=100),
        }
        found: dict[str, Any] = {}
        for name, call in calls.items():
            with Statements() as statements:
                call()
            found[name] = explain(self.ledger.database.read_engine, statements)
        partitions = partition_plans(self.ledger)
        if partitions is not None:
            found["partitions"] = partitions
        return found

    def over_http(self, targets: dict[str, Any]) -> dict[str, Any]:
        server = Server(self.url, self.workdir, workers=None, threads=8)
        server.env = dict(self.env)
        server.start()
        try:
            officer = server.create_key(f"scale-officer-{self.recorded}", "--role", "officer")
            client = Client(server.port, officer, timeout=120)
            light, size, rng = targets["light"], targets["tree_size"], targets["rng"]
            ids = targets["ids"]
            links = {
                subject: self._link(client, subject)
                for subject in [HEAVY_ID, *light[:LINKS_PER_TIER]]
            }
            light_links = [links[s] for s in light[:LINKS_PER_TIER]]

            def get(path: str) -> None:
                status, body = client.request("GET", path)
                if not 200 <= status < 300:
                    raise RuntimeError(
                        f"GET {path.split('?')[0]} answered {status}: {body[:200]!r}"
                    )

            def person(number: int) -> str:
                return str(light[number % len(light)])

            api = "/api/v1"
            calls: dict[str, Callable[[int], None]] = {
                "light_disclosures": lambda n: get(
                    f"{api}/subjects/{person(n)}/disclosures?limit=100"
                ),
                "light_recipients": lambda n: get(f"{api}/subjects/{person(n)}/recipients"),
                "light_overview_json": lambda n: get(
                    f"{light_links[n % len(light_links)]}/overview.json"
                ),
                "light_overview_html": lambda n: get(light_links[n % len(light_links)]),
                "heavy_disclosures": lambda n: get(
                    f"{api}/subjects/{HEAVY_ID}/disclosures?limit=100"
                ),
                "heavy_recipients": lambda n: get(f"{api}/subjects/{HEAVY_ID}/recipients"),
                "heavy_overview_json": lambda n: get(f"{links[HEAVY_ID]}/overview.json"),
                "heavy_overview_html": lambda n: get(links[HEAVY_ID]),
                "category_disclosures": lambda n: get(
                    f"{api}/recipients/{CATEGORIES[n % len(CATEGORIES)]}/disclosures?limit=100"
                ),
                "disclosure_by_id": lambda n: get(f"{api}/disclosures/{ids[n % len(ids)]}"),
                "statistics": lambda n: get(f"{api}/stats"),
                "inclusion_proof": lambda n: get(
                    f"{api}/ledger/proofs/inclusion?index={rng.randrange(size)}&tree_size={size}"
                ),
                "consistency_proof": lambda n: get(
                    f"{api}/ledger/proofs/consistency?first={rng.randrange(1, size)}&second={size}"
                ),
                "checkpoint": lambda n: get(f"{api}/ledger/checkpoint"),
            }
            results: dict[str, Any] = {
                name: self._measure(name, call) for name, call in calls.items()
            }
            # A person's bundle has no endpoint of its own over HTTP: it is in the overview JSON.
            results["light_bundle"] = None
            results["heavy_bundle"] = None
            results["spread_bundle"] = None
            client.close()
            assert server.process is not None
            memory = serve_memory(server.process.pid)
        finally:
            server.stop()
        return {"queries": results, "serve_memory": memory, "workers": "ledger serve default"}

    def _link(self, client: Client, subject_id: str) -> str:
        body = json.dumps({"expires_in_days": 30}).encode()
        status, answer = client.request(
            "POST", f"/api/v1/subjects/{subject_id}/overview-links", body
        )
        if status != 201:
            raise RuntimeError(
                f"overview link for {subject_id} answered {status}: {answer[:200]!r}"
            )
        return str(urlsplit(json.loads(answer)["url"]).path)

    # -- maintenance -------------------------------------------------------------------------

    def cli(self, *command: str, timeout: float | None = None) -> dict[str, Any]:
        env = {**self.env, **MAINTENANCE_ENV}
        limit = timeout if timeout is not None else max(60.0, self.budget.left + 600)
        return run_child([str(LEDGER), *command], env, cwd=self.workdir, timeout=limit)

    def rebuild(self) -> dict[str, Any]:
        run = self.cli("projections", "rebuild")
        events = _number(r"from (\d+) events", run["last_line"]) or self.events
        return {**run, "events": events, "events_per_s": _rate(events, run)}

    def verify(self) -> dict[str, Any]:
        run = self.cli("verify")
        events = _number(r"(\d+) events", run["last_line"]) or self.events
        return {**run, "events": events, "events_per_s": _rate(events, run)}

    def verify_since(self) -> dict[str, Any] | None:
        if not self.since_checkpoint:
            return None
        return self.cli("verify", "--since-checkpoint")

    def import_child(self, lines: int) -> dict[str, Any]:
        """`ledger import` of the stream's next `lines` disclosures; they count towards the
        next size."""
        file = self.workdir / "import.jsonl"
        schema = DisclosureSchema()
        with file.open("w", encoding="utf-8") as out:
            for tier, facts in self.stream.items(self.recorded, self.recorded + lines):
                self.people.add(tier, facts.subject.id)
                out.write(json.dumps(schema.dump(facts), separators=(",", ":"), ensure_ascii=False))
                out.write("\n")
        run = self.cli("import", str(file))
        file.unlink()
        recorded = _number(r"Recorded (\d+) disclosures", run["last_line"])
        if run["exit_code"] == 0:
            self.recorded += lines
            self.events += lines
        return {
            **run,
            "lines": lines,
            "into_disclosures": self.recorded - (lines if run["exit_code"] == 0 else 0),
            "all_recorded": recorded == lines,
            "lines_per_s": _rate(lines, run),
        }


class BudgetExceeded(Exception):
    pass


def _number(pattern: str, text: str) -> int | None:
    found = re.search(pattern, text)
    return int(found.group(1)) if found else None


def _rate(count: int, run: dict[str, Any]) -> int | None:
    return round(count / run["seconds"]) if run["exit_code"] == 0 and run["seconds"] else None


def estimate_step(
    *, new: int, events: int, import_lines: int, last: dict[str, Any]
) -> dict[str, float]:
    """Seconds the next size would take, phase by phase, by the rates of the `last` size."""
    imported = last.get("import") or {}
    estimate = {
        "ingest": new / max(1, last["ingest"]["disclosures_per_s"] or 1),
        "queries": last["query_seconds"] * 1.5,
        "import": import_lines / imported["lines_per_s"] if imported.get("lines_per_s") else 0,
        "maintenance": 0.0,
    }
    for phase in ("rebuild", "verify"):
        rate = (last.get(phase) or {}).get("events_per_s")
        estimate["maintenance"] += (events + new) / rate if rate else 0
    return estimate


def decide(estimate: dict[str, float], left: float) -> tuple[bool, str | None]:
    """(stop?, why rebuild and verify are skipped): stop when the size itself would not fit in
    what is left of the budget; measure it without the full rebuild and verify when only
    those would not."""
    essential = estimate["ingest"] + estimate["queries"] + estimate["import"]
    if essential > left:
        return True, None
    if essential + estimate["maintenance"] > left:
        return False, (
            f"the budget: rebuild and verify would take about {estimate['maintenance']:.0f} s,"
            f" {left - essential:.0f} s were left"
        )
    return False, None


def stopped_report(
    *,
    size: int,
    new: int,
    estimate: dict[str, float],
    left: float,
    elapsed: float,
    last: dict[str, Any],
) -> dict[str, Any]:
    """Why a backend stopped before `size`, and what would make it finish."""
    total = sum(estimate.values())
    room = left - estimate["queries"] - estimate["import"]
    needed = f"{new / room:.0f}" if room > 0 else "any"
    return {
        "reason": (
            f"growing to {size} would take about {total:.0f} s by the rates so far"
            f" ({max(0.0, left):.0f} s of the budget left)"
        ),
        "at_size": size,
        "estimate_seconds": {k: round(v) for k, v in estimate.items()},
        "elapsed_seconds": round(elapsed),
        "would_finish_with": (
            f"an ingest rate of {needed} disclosures/s or more"
            f" (measured {last['ingest']['disclosures_per_s']}/s at {last['disclosures']}),"
            f" or --budget-seconds {elapsed + total:.0f}"
        ),
    }


def run_backend(backend: str, url: str, workdir: Path, args: argparse.Namespace) -> dict[str, Any]:
    sizes = args.sizes_of[backend]
    run = Run(backend, url, workdir, args)
    steps: list[dict[str, Any]] = []
    result: dict[str, Any] = {"backend": backend, "sizes": steps, "stopped": None}
    last: dict[str, Any] | None = None
    try:
        for number, size in enumerate(sizes):
            next_size = sizes[number + 1] if number + 1 < len(sizes) else None
            if size <= run.recorded:
                size = run.recorded  # the previous import already passed it
            estimate, skip_maintenance = None, None
            if last is not None:
                new = size - run.recorded
                estimate = estimate_step(
                    new=new, events=run.events, import_lines=args.import_lines, last=last
                )
                stop, skip_maintenance = decide(estimate, run.budget.left)
                if stop:
                    result["stopped"] = stopped_report(
                        size=size,
                        new=new,
                        estimate=estimate,
                        left=run.budget.left,
                        elapsed=run.budget.elapsed,
                        last=last,
                    )
                    break
            print(f"[{backend}] growing to {size}", flush=True)
            step = measure_size(run, size, next_size, skip_maintenance, estimate)
            steps.append(step)
            last = step
            _write_partial(args, result)
    except BudgetExceeded as error:
        result["stopped"] = {"reason": str(error), "elapsed_seconds": round(run.budget.elapsed)}
    finally:
        run.close()
    result["elapsed_seconds"] = round(run.budget.elapsed)
    result["growth"] = growth(steps)
    return result


def measure_size(
    run: Run,
    size: int,
    next_size: int | None,
    skip_maintenance: str | None,
    estimate: dict[str, float] | None,
) -> dict[str, Any]:
    started = time.monotonic()
    step: dict[str, Any] = {"size": size}
    # The first size always runs: it gives the rates that later estimates rest on.
    step.update(run.grow(size, guard=estimate is not None))
    step["disclosures"] = run.recorded
    step["events"] = run.events
    step["people"] = run.people.summary()
    step["verify_since_checkpoint"] = run.verify_since()
    targets = run._targets()
    spread_id, spread_count = targets["spread"]
    step["spread_person"] = {"id": spread_id, "disclosures": spread_count}
    query_started = time.monotonic()
    step["in_process"] = run.in_process(targets)
    http = run.over_http(targets)
    step["query_seconds"] = round(time.monotonic() - query_started, 1)
    step["http"] = http["queries"]
    step["serve_memory"] = http["serve_memory"]
    step["plans"] = run.plans(targets)
    step["storage"] = storage(run.backend, run.url, run.recorded)
    if skip_maintenance:
        step["rebuild"] = {"skipped": skip_maintenance}
        step["verify"] = {"skipped": skip_maintenance}
    else:
        step["rebuild"] = run.rebuild()
        step["verify"] = run.verify()
    # Before a further size, at most half its growth: the rest is the next ingest's to measure.
    lines = run.args.import_lines
    if next_size is not None:
        lines = min(lines, (next_size - run.recorded) // 2)
    step["import"] = run.import_child(lines) if lines > 0 else None
    step["estimate_seconds"] = (
        {k: round(v) for k, v in estimate.items()} if estimate is not None else None
    )
    step["seconds"] = round(time.monotonic() - started, 1)
    return step


def growth(steps: list[dict[str, Any]]) -> dict[str, Any]:
    """Each query's p95 at the largest size measured over its p95 at the smallest."""
    if not steps:
        return {}
    first, last = steps[0], steps[-1]
    found: dict[str, Any] = {"from_size": first["disclosures"], "to_size": last["disclosures"]}
    for phase in ("in_process", "http"):
        for name, summary in first[phase].items():
            end = last[phase].get(name)
            key = f"{phase}_{name}_p95_growth"
            if name in NOT_ONE_PERSON:
                found[key] = None
            elif summary and end and summary.get("samples") and end.get("samples"):
                found[key] = round(end["p95_ms"] / max(summary["p95_ms"], 0.001), 2)
            else:
                found[key] = None
    return found


# -- the machine and the databases ------------------------------------------------------------


def machine(postgres: str | None) -> dict[str, Any]:
    meminfo = Path("/proc/meminfo").read_text() if Path("/proc/meminfo").exists() else ""
    total = re.search(r"MemTotal:\s+(\d+) kB", meminfo)
    facts: dict[str, Any] = {
        "cpus": os.cpu_count(),
        "memory_mb": round(int(total.group(1)) / 1024) if total else None,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": None,
        "load_average": os.getloadavg(),
        # The code measured: results of different commits are compared in the docs, not mixed.
        "commit": _commit(),
    }
    if postgres:
        engine = sa.create_engine(postgres)
        with engine.connect() as connection:
            facts["postgresql"] = connection.execute(sa.text("SHOW server_version")).scalar_one()
        engine.dispose()
    return facts


def _commit() -> str | None:
    """The checkout's commit, with "+changes" when its files differ from it; None outside git."""
    here = Path(__file__).resolve().parent
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=here, capture_output=True, text=True
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=here,
            capture_output=True,
            text=True,
        )
    except OSError:
        return None
    if head.returncode != 0:
        return None
    return head.stdout.strip() + ("+changes" if dirty.stdout.strip() else "")


@contextlib.contextmanager
def postgres_database(base: str, name: str, keep: bool) -> Iterator[str]:
    """A database of its own, made here and dropped after (unless kept)."""
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", name):
        raise SystemExit(f"--pg-database {name!r}: use lower-case letters, digits and _")
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.execute(
            sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
        ).first()
        if exists:
            raise SystemExit(
                f"database {name} exists (a kept or interrupted run?): drop it or name another "
                "with --pg-database"
            )
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sa.engine.make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        if keep:
            print(f"kept database {name}", flush=True)
        else:
            with admin.connect() as connection:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _write_partial(args: argparse.Namespace, backend_result: dict[str, Any]) -> None:
    """What is measured so far, beside the output: a long run that dies keeps its sizes."""
    partial = args.out.with_suffix(".partial.json")
    partial.parent.mkdir(parents=True, exist_ok=True)
    found = json.loads(partial.read_text()) if partial.exists() else {}
    found[backend_result["backend"]] = backend_result
    partial.write_text(json.dumps(found, indent=1, default=str) + "\n")


def parse_sizes(text: str) -> list[int]:
    sizes = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    if not sizes or sizes != sorted(set(sizes)) or sizes[0] < 1_000:
        raise argparse.ArgumentTypeError("sizes must rise, each at least 1000: 10000,100000")
    return sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=parse_sizes, default=None, help="default per backend")
    parser.add_argument(
        "--backends",
        type=lambda text: [part.strip() for part in text.split(",")],
        default=["sqlite", "postgresql"],
    )
    parser.add_argument("--budget-seconds", type=float, default=3600.0, help="per backend")
    parser.add_argument("--samples", type=int, default=200, help="per query and size")
    parser.add_argument("--query-seconds", type=float, default=15.0, help="per query and size")
    parser.add_argument("--import-lines", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--postgres-url", default=os.environ.get("LEDGER_TEST_POSTGRES_URL"))
    parser.add_argument("--pg-database", default="ledger_scale")
    parser.add_argument("--workdir", type=Path, default=None, help="default: a temporary folder")
    parser.add_argument("--keep", action="store_true", help="keep the databases")
    parser.add_argument("--out", type=Path, default=RESULTS / "scale.json")
    args = parser.parse_args()
    unknown = set(args.backends) - set(DEFAULT_SIZES)
    if unknown:
        parser.error(f"--backends: unknown {', '.join(sorted(unknown))} (sqlite, postgresql)")
    if "postgresql" in args.backends and not args.postgres_url:
        parser.error("postgresql needs --postgres-url or LEDGER_TEST_POSTGRES_URL")
    if not 1 <= args.samples <= 10_000 or not 0 < args.query_seconds <= 600:
        parser.error("--samples must be in 1..10000, --query-seconds in (0, 600]")
    args.sizes_of = {name: args.sizes or DEFAULT_SIZES[name] for name in args.backends}

    results: dict[str, Any] = {
        "benchmark": "scale",
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(args.postgres_url if "postgresql" in args.backends else None),
        "note": "2 cores shared with other work: compare within one run; medians of several",
        "settings": {
            "sizes": args.sizes_of,
            "samples": args.samples,
            "query_seconds": args.query_seconds,
            "budget_seconds": args.budget_seconds,
            "batch_size": BATCH,
            "import_lines": args.import_lines,
            "seed": args.seed,
            "heavy_person": {"id": HEAVY_ID, "disclosures": HEAVY_DISCLOSURES},
            "tiers": [
                {"name": t.name, "share": t.share, "new_every": t.every, "window": t.window}
                for t in TIERS
            ],
        },
        "backends": {},
    }
    keep = args.keep
    args.out.with_suffix(".partial.json").unlink(missing_ok=True)  # an earlier run's
    with contextlib.ExitStack() as stack:
        if args.workdir is None:
            base = Path(tempfile.mkdtemp(prefix="ledger-scale-"))
            if not keep:
                stack.callback(lambda: subprocess.run(["rm", "-rf", str(base)], check=False))
        else:
            base = args.workdir
            base.mkdir(parents=True, exist_ok=True)
        for backend in args.backends:
            workdir = base / backend
            workdir.mkdir(parents=True, exist_ok=True)
            if backend == "sqlite":
                url = f"sqlite:///{workdir / 'ledger.db'}"
                results["backends"][backend] = run_backend(backend, url, workdir, args)
            else:
                with postgres_database(args.postgres_url, args.pg_database, keep) as url:
                    results["backends"][backend] = run_backend(backend, url, workdir, args)
            if not keep and backend == "sqlite":
                for name in ("ledger.db", "ledger.db-wal", "ledger.db-shm"):
                    (workdir / name).unlink(missing_ok=True)
        if keep:
            print(f"kept the work folder {base} (its env.json opens each ledger)", flush=True)
    results["ended_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    results["machine"]["load_average_at_end"] = os.getloadavg()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1, default=str) + "\n")
    args.out.with_suffix(".partial.json").unlink(missing_ok=True)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
