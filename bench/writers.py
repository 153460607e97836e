"""Concurrent writers: single `POST /api/v1/disclosures` from many clients at once.

For each backend (a fresh PostgreSQL schema when LEDGER_TEST_POSTGRES_URL is set, dropped
afterwards; a fresh temporary SQLite file for comparison) it starts `ledger serve` as it runs by
default on a free 127.0.0.1 port, creates a source key with the `ledger` CLI, warms the server up
with a few posts, and then has --clients threads (default 16) each post single disclosures on
their own keep-alive connection until --duration seconds have passed or each has posted
--per-client ones. It reports posts/s, p50/p95/p99 latency and every non-2xx answer or
connection error, and the CPU each post cost the server, PostgreSQL and this process's clients;
afterwards it checks that the ledger holds exactly the posts answered 2xx (`ledger verify`
passes). The clients share the machine's CPUs with the server: their own CPU per post says how
much of the machine the measurement itself takes.

Target (issue 14): PostgreSQL at least 300 posts/s with 16 clients, p99 under 100 ms.

Run: `make bench-writers`, or `python bench/writers.py --duration 10 --clients 16`.
Writes bench/results/writers.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import threading
import time
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.api import (
    SYSTEM,
    Client,
    Server,
    disclosures,
    latency_summary,
    post_singles,
)
from bench.ingest import drop_schema, postgres_schema_url
from ledger.demo import DEMO_CONTROLLERS

RESULTS = Path(__file__).resolve().parent / "results"
TARGET_PER_S = 300
TARGET_P99_MS = 100
# Hard bounds, whatever the arguments say.
MAX_PER_CLIENT = 3_000
MAX_SECONDS = 120.0
WARM_UP_POSTS = 50
SAMPLE_SECONDS = 0.01


def measure(
    server: Server, key: str, *, clients: int, duration: float, per_client: int, round_number: int
) -> Any:
    """`clients` threads post one disclosure per request each, for `duration` seconds or
    `per_client` posts; each thread its own seed, so its source references are its own."""
    bodies = [
        [
            json.dumps(item).encode()
            for item in disclosures(per_client, seed=200_000 + 1_000 * round_number + n)
        ]
        for n in range(clients)
    ]
    done = post_singles(server, key, bodies, duration, expected=(201,))
    statuses: dict[str, int] = {}
    for status, _ in done.unexpected:
        statuses[str(status)] = statuses.get(str(status), 0) + 1
    return {
        "clients": clients,
        "seconds": round(done.seconds, 2),
        "posts": len(done.latencies),
        "posts_per_s": round(len(done.latencies) / done.seconds, 1),
        **latency_summary(done.latencies),
        "non_201": len(done.unexpected),
        "non_201_by_status": statuses,
        "first_failures": [
            f"{status}: {answer.decode(errors='replace')}" for status, answer in done.unexpected
        ][:3],
        "connection_errors": done.connection_errors,
        "ok": len(done.latencies) - len(done.unexpected),
    }


def process_tree_cpu(root: int) -> float:
    """CPU seconds (user + system) of `root` and its live descendants, from /proc (Linux)."""
    ticks = os.sysconf("SC_CLK_TCK")
    children: dict[int, list[int]] = {}
    times: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
        times[int(entry.name)] = (int(fields[11]) + int(fields[12])) / ticks
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        total += times.get(pid, 0.0)
        todo += children.get(pid, [])
    return total


def postgres_cpu() -> float:
    """CPU seconds of every process named postgres (the server's backends), from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if "(postgres)" in stat:
            fields = stat.rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


class LockSampler:
    """Samples pg_locks every SAMPLE_SECONDS while the clients post: how often the sequencer
    (the events table's lock) is held, and how many writers wait for it or for the governing
    advisory lock. Its share of time held is the sequencer's utilisation: near 1, the lock
    bounds the rate; well below, the CPUs do."""

    def __init__(self, url: str) -> None:
        self.engine = sa.create_engine(url, pool_size=1)
        self.samples: list[tuple[int, int, int]] = []
        self.stop = threading.Event()
        self.thread: threading.Thread | None = None

    def __enter__(self) -> LockSampler:
        with self.engine.connect() as connection:
            self.relation = connection.execute(
                sa.text("SELECT 'ledger_events'::regclass::oid")
            ).scalar()
            self.key: int = connection.execute(
                sa.text("SELECT hashtext(current_schema() || '.ledger-governing')")
            ).scalar_one()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        return self

    def _run(self) -> None:
        query = sa.text(
            "SELECT count(*) FILTER (WHERE locktype = 'relation' AND relation = :relation"
            "   AND mode = 'ExclusiveLock' AND granted),"
            " count(*) FILTER (WHERE locktype = 'relation' AND relation = :relation"
            "   AND NOT granted),"
            " count(*) FILTER (WHERE locktype = 'advisory' AND objid = :objid AND NOT granted)"
            " FROM pg_locks WHERE database = (SELECT oid FROM pg_database"
            "   WHERE datname = current_database())"
        )
        # An advisory lock's 64-bit key shows as classid (high) and objid (low 32 bits).
        params = {"relation": self.relation, "objid": self.key & 0xFFFFFFFF}
        with self.engine.connect() as connection:
            while not self.stop.wait(SAMPLE_SECONDS):
                held, waiting, governed = connection.execute(query, params).one()
                connection.rollback()
                self.samples.append((held, waiting, governed))

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        if self.thread is not None:
            self.thread.join(timeout=10)
        self.engine.dispose()

    def summary(self) -> dict[str, Any]:
        count = max(1, len(self.samples))
        return {
            "lock_samples": len(self.samples),
            "sequencer_held_share": round(sum(s[0] > 0 for s in self.samples) / count, 3),
            "mean_waiting_for_sequencer": round(sum(s[1] for s in self.samples) / count, 2),
            "mean_waiting_for_governing_lock": round(sum(s[2] for s in self.samples) / count, 2),
        }


def run(name: str, url: str, workdir: Path, args: argparse.Namespace) -> dict[str, Any]:
    server = Server(url, workdir, workers=args.workers, threads=args.threads)
    server.start()
    try:
        source = server.create_key(
            "bench-source",
            "--role",
            "source",
            "--system",
            SYSTEM,
            *(option for kvk in DEMO_CONTROLLERS for option in ("--controller", kvk)),
        )
        warm = Client(server.port, source)
        for item in disclosures(WARM_UP_POSTS, seed=1):
            status, answer = warm.request("POST", "/api/v1/disclosures", json.dumps(item).encode())
            if status != 201:
                raise SystemExit(f"warm-up post answered {status}: {answer[:300]!r}")
        warm.close()
        rounds = []
        for round_number in range(args.rounds):
            print(f"[{name}] round {round_number + 1}: {args.clients} clients", flush=True)
            assert server.process is not None
            cpu_before, pg_before = process_tree_cpu(server.process.pid), postgres_cpu()
            own_before = time.process_time()
            sampler = LockSampler(url) if name == "postgresql" else None
            with sampler or nullcontext():
                rounds.append(
                    measure(
                        server,
                        source,
                        clients=args.clients,
                        duration=args.duration,
                        per_client=args.per_client,
                        round_number=round_number,
                    )
                )
            if sampler is not None:
                rounds[-1].update(sampler.summary())
            posts = max(1, rounds[-1]["posts"])
            cpu = process_tree_cpu(server.process.pid) - cpu_before
            rounds[-1]["server_cpu_ms_per_post"] = round(cpu * 1000 / posts, 2)
            # This process: the clients' threads (and the lock sampler's), which share the
            # machine's CPUs with the server and PostgreSQL.
            own = time.process_time() - own_before
            rounds[-1]["clients_cpu_ms_per_post"] = round(own * 1000 / posts, 2)
            if name == "postgresql":
                # Every postgres process on the machine: other sessions' load counts too, and a
                # backend that ended during the round takes its CPU with it (then it is None).
                pg = postgres_cpu() - pg_before
                rounds[-1]["postgres_cpu_ms_per_post_all_sessions"] = (
                    round(pg * 1000 / posts, 2) if pg > 0 else None
                )
            print(json.dumps(rounds[-1]), flush=True)
    finally:
        server.stop()
    verified = server.cli("verify")
    acknowledged = WARM_UP_POSTS + sum(r["ok"] for r in rounds)
    ordered = sorted(rounds, key=lambda r: r["posts_per_s"])
    median = ordered[len(ordered) // 2]
    return {
        "backend": name,
        "server": {
            "workers": args.workers or ("1 (default)" if name == "sqlite" else "CPUs (default)"),
            "threads": args.threads,
        },
        "rounds": rounds,
        "median_round": {
            key: median[key]
            for key in (
                "posts_per_s",
                "p50_ms",
                "p95_ms",
                "p99_ms",
                "max_ms",
                "server_cpu_ms_per_post",
                "clients_cpu_ms_per_post",
                "postgres_cpu_ms_per_post_all_sessions",
                "sequencer_held_share",
                "mean_waiting_for_sequencer",
            )
            if key in median
        },
        "acknowledged_posts": acknowledged,
        "verify": verified.strip().splitlines()[-1] if verified.strip() else "",
        # Exactly once: the log holds one event per post answered 201, no more, no fewer.
        "log_holds_every_acknowledged_post_once": f"OK: {acknowledged} events," in verified,
        "target": {"posts_per_s": TARGET_PER_S, "p99_ms": TARGET_P99_MS}
        if name == "postgresql"
        else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16, help="threads posting (default 16)")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per round")
    parser.add_argument(
        "--per-client",
        type=int,
        default=MAX_PER_CLIENT,
        help=f"posts per client and round at most (default and cap {MAX_PER_CLIENT})",
    )
    parser.add_argument("--rounds", type=int, default=3, help="rounds per backend (median)")
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="`ledger serve --workers` (default: its own: 1 on SQLite, the CPUs on PostgreSQL)",
    )
    parser.add_argument("--threads", type=int, default=8, help="`ledger serve --threads`")
    parser.add_argument("--postgres-only", action="store_true")
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args()
    if not 0 < args.duration <= MAX_SECONDS or not 1 <= args.clients <= 64:
        parser.error(f"--duration must be in (0, {MAX_SECONDS:g}], --clients in 1..64")
    if not 1 <= args.per_client <= MAX_PER_CLIENT or not 1 <= args.rounds <= 5:
        parser.error(f"--per-client must be in 1..{MAX_PER_CLIENT}, --rounds in 1..5")

    results: dict[str, Any] = {
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
        },
        "note": "clients and server share the machine's CPUs (and, when measured, other "
        "people's test runs); the median round is the figure",
        "runs": [],
    }
    with tempfile.TemporaryDirectory(prefix="ledger-bench-writers-") as tmp:
        base = Path(tmp)
        postgres = os.environ.get("LEDGER_TEST_POSTGRES_URL")
        if postgres and not args.sqlite_only:
            url, schema = postgres_schema_url(postgres)
            (base / "postgresql").mkdir()
            try:
                results["runs"].append(run("postgresql", url, base / "postgresql", args))
            finally:
                drop_schema(postgres, schema)
        if not args.postgres_only:
            (base / "sqlite").mkdir()
            url = f"sqlite:///{base / 'sqlite' / 'bench.db'}"
            results["runs"].append(run("sqlite", url, base / "sqlite", args))
    print(json.dumps(results, indent=2))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "writers.json").write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {RESULTS / 'writers.json'}")


if __name__ == "__main__":
    main()
