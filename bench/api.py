"""API benchmark: a real `ledger serve` (gunicorn) measured over HTTP from 127.0.0.1.

For each backend (a fresh temporary SQLite file; a fresh PostgreSQL schema too when
LEDGER_TEST_POSTGRES_URL is set, dropped afterwards) it starts `ledger serve` on a free port,
creates a source and an officer key with the `ledger` CLI, and measures with standard-library
clients only (http.client keep-alive connections, one per thread):

- batch: `POST /api/v1/disclosures/batch` with 10,000 realistic demo disclosures per request,
  until --load disclosures are in the ledger; disclosures/s (target >= 5,000/s on SQLite);
- single: `POST /api/v1/disclosures`, one disclosure per request, from --clients threads for
  --duration seconds; requests/s, p50 and p99 latency, non-2xx answers (should be 0);
- recipients: `GET /api/v1/subjects/{id}/recipients` over random demo subjects, --reads requests
  from 1 client and from 4; p50/p95/p99 latency (target p95 < 20 ms).

The client threads share the machine's CPUs with the server, as they would on a small host.

Run: `make bench` (after bench/ingest.py), or `python bench/api.py --duration 3 --load 20000`.
Writes bench/results/api.json.
"""

from __future__ import annotations

import argparse
import dataclasses
import http.client
import json
import os
import platform
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Container, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.ingest import drop_schema, postgres_schema_url
from ledger.adapters.keyring import generate_secret
from ledger.demo import DEMO_CONTROLLERS, demo_disclosures
from ledger.domain.values import DisclosureFacts

RESULTS = Path(__file__).resolve().parent / "results"
LEDGER = Path(sys.executable).parent / "ledger"
HOST = "127.0.0.1"
BATCH = 10_000
SUBJECTS = 5_000
SYSTEM = "bench"
STARTUP_SECONDS = 30.0
# Hard bounds, whatever the arguments say.
MAX_SINGLE_PER_CLIENT = 200_000
MAX_READ_SECONDS = 300.0


# -- the server -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


class Server:
    """`ledger serve` on one database, and the `ledger` CLI against the same database."""

    def __init__(
        self,
        url: str,
        workdir: Path,
        *,
        workers: int | None,
        threads: int,
        kind: str = "gunicorn",
    ) -> None:
        self.kind = kind
        self.workdir = workdir
        self.workers = workers
        self.threads = threads
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("LEDGER_", "FLASK_"))}
        self.env.update(
            LEDGER_DATABASE_URL=url,
            LEDGER_MASTER_KEY=generate_secret(),
            LEDGER_VAR_DIR=str(workdir / "var"),
        )
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None
        self.log = workdir / "serve.log"

    def start(self) -> None:
        self.port = free_port()
        command = [str(LEDGER), "serve", "--host", HOST, "--port", str(self.port)]
        command += ["--threads", str(self.threads)]
        if self.workers is not None:
            command += ["--workers", str(self.workers)]
        if self.kind == "waitress":
            # The alternative measured for the choice of server: one process, threads only.
            # Create the schema first, as `ledger serve` does before gunicorn forks.
            subprocess.run(
                [str(LEDGER), "keys", "list"],
                env=self.env,
                cwd=self.workdir,
                check=True,
                capture_output=True,
            )
            command = [
                str(LEDGER.parent / "waitress-serve"),
                f"--host={HOST}",
                f"--port={self.port}",
                f"--threads={self.threads}",
                "--call",
                "ledger.web:create_app",
            ]
        with self.log.open("wb") as stderr:
            self.process = subprocess.Popen(
                command, env=self.env, cwd=self.workdir, stdout=subprocess.DEVNULL, stderr=stderr
            )
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                connection = http.client.HTTPConnection(HOST, self.port, timeout=1)
                connection.request("GET", "/api/v1/health")
                if connection.getresponse().status == 200:
                    connection.close()
                    return
                connection.close()
            except OSError:
                pass
            time.sleep(0.05)
        self.stop()
        raise SystemExit(f"`ledger serve` did not come up:\n{self.log.read_text(errors='replace')}")

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)

    def cli(self, *arguments: str, timeout: float = 600) -> str:
        """The `ledger` CLI against the server's database; its output, or exit with its errors."""
        done = subprocess.run(
            [str(LEDGER), *arguments],
            env=self.env,
            cwd=self.workdir,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if done.returncode != 0:
            raise SystemExit(f"ledger {' '.join(arguments)} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def create_key(self, name: str, *options: str) -> str:
        created = self.cli("keys", "create", "--name", name, *options, timeout=60)
        return created.strip().splitlines()[-1]


class Client:
    """One keep-alive connection; reconnects once when the server closed it while idle."""

    def __init__(self, port: int, key: str, timeout: float = 120) -> None:
        self.port = port
        self.timeout = timeout
        self.headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        self.connection: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
        for attempt in (1, 2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection(HOST, self.port, timeout=self.timeout)
            try:
                self.connection.request(method, path, body=body, headers=self.headers)
                response = self.connection.getresponse()
                return response.status, response.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


# -- data -------------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def as_json(facts: DisclosureFacts) -> dict[str, Any]:
    """A DisclosureFacts as a posting system sends it (SPEC §3)."""
    body: dict[str, Any] = _plain(dataclasses.asdict(facts))
    return body


def disclosures(count: int, seed: int) -> Iterator[dict[str, Any]]:
    for facts in demo_disclosures(count, subjects=SUBJECTS, seed=seed, prefix=SYSTEM):
        yield as_json(facts)


# -- measurements -----------------------------------------------------------------------------


def percentile(ordered: list[float], share: float) -> float:
    """Nearest-rank percentile of sorted values (0 for none)."""
    if not ordered:
        return 0.0
    rank = max(1, round(share * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def latency_summary(seconds: list[float]) -> dict[str, float]:
    ordered = sorted(seconds)
    return {
        f"p{int(share * 100)}_ms": round(percentile(ordered, share) * 1000, 2)
        for share in (0.5, 0.95, 0.99)
    } | {"max_ms": round(ordered[-1] * 1000, 2) if ordered else 0.0}


def measure_batches(server: Server, key: str, load: int, seed: int) -> dict[str, Any]:
    """Post `load` disclosures in batches of 10,000; the request bodies are built beforehand."""
    items = list(disclosures(load, seed))
    bodies = [
        json.dumps({"items": items[start : start + BATCH]}).encode()
        for start in range(0, len(items), BATCH)
    ]
    client = Client(server.port, key, timeout=600)
    seconds: list[float] = []
    sizes: list[int] = []
    try:
        for body in bodies:
            started = time.perf_counter()
            status, answer = client.request("POST", "/api/v1/disclosures/batch", body)
            seconds.append(time.perf_counter() - started)
            if status != 201:
                raise SystemExit(f"batch answered {status}: {answer[:500]!r}")
            sizes.append(len(json.loads(answer)["items"]))
    finally:
        client.close()
    rates = [size / took for size, took in zip(sizes, seconds, strict=True)]
    return {
        "batches": len(bodies),
        "batch_size": BATCH,
        "disclosures": sum(sizes),
        "mean_body_mib": round(sum(map(len, bodies)) / len(bodies) / 2**20, 2),
        "seconds": round(sum(seconds), 3),
        "disclosures_per_s": round(sum(sizes) / sum(seconds)),
        "first_batch_per_s": round(rates[0]),
        "last_batch_per_s": round(rates[-1]),
        "target_per_s": 5_000,
    }


@dataclasses.dataclass
class Singles:
    """What `post_singles` saw: every answered request's latency, the answers that were not
    expected (status, first bytes), and the requests that got no answer."""

    seconds: float
    latencies: list[float]
    unexpected: list[tuple[int, bytes]]
    connection_errors: int


def post_singles(
    server: Server,
    key: str,
    bodies: Sequence[Iterable[bytes]],
    duration: float,
    *,
    expected: Container[int] = range(200, 300),
) -> Singles:
    """One thread per entry of `bodies`, each on its own keep-alive connection, posting its
    bodies one per `POST /api/v1/disclosures` until `duration` has passed (or it has none left).
    A lazy iterable's bodies are built between posts, outside the timed part."""
    clients = len(bodies)
    latencies: list[list[float]] = [[] for _ in range(clients)]
    unexpected: list[list[tuple[int, bytes]]] = [[] for _ in range(clients)]
    errors = [0] * clients
    barrier = threading.Barrier(clients + 1)
    deadline = [0.0]

    def post(number: int) -> None:
        client = Client(server.port, key, timeout=60)
        mine = latencies[number]
        barrier.wait()
        try:
            for body in bodies[number]:
                if time.perf_counter() >= deadline[0]:
                    break
                started = time.perf_counter()
                try:
                    status, answer = client.request("POST", "/api/v1/disclosures", body)
                except OSError:
                    errors[number] += 1
                    client.close()
                    continue
                mine.append(time.perf_counter() - started)
                if status not in expected:
                    unexpected[number].append((status, answer[:200]))
        finally:
            client.close()

    threads = [threading.Thread(target=post, args=(n,), daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    deadline[0] = time.perf_counter() + duration
    started = time.perf_counter()
    barrier.wait()
    for thread in threads:
        thread.join(timeout=duration + 120)
    return Singles(
        seconds=time.perf_counter() - started,
        latencies=[value for own in latencies for value in own],
        unexpected=[failure for own in unexpected for failure in own],
        connection_errors=sum(errors),
    )


def measure_singles(server: Server, key: str, clients: int, duration: float) -> dict[str, Any]:
    """`clients` threads post one disclosure per request each until `duration` has passed."""
    # Each thread its own seed, so its source references are its own.
    bodies = [
        (json.dumps(item).encode() for item in disclosures(MAX_SINGLE_PER_CLIENT, seed=100_000 + n))
        for n in range(clients)
    ]
    done = post_singles(server, key, bodies, duration)
    statuses: dict[int, int] = {}
    for status, _ in done.unexpected:
        statuses[status] = statuses.get(status, 0) + 1
    return {
        "clients": clients,
        "seconds": round(done.seconds, 2),
        "requests": len(done.latencies),
        "requests_per_s": round(len(done.latencies) / done.seconds, 1),
        **latency_summary(done.latencies),
        "non_2xx": len(done.unexpected),
        "non_2xx_by_status": {str(k): v for k, v in sorted(statuses.items())},
        "connection_errors": done.connection_errors,
    }


def measure_reads(server: Server, key: str, clients: int, reads: int) -> dict[str, Any]:
    """`reads` recipient lists of random demo subjects, shared over `clients` threads."""
    rng = random.Random(7)
    subjects = [f"DEMO-{rng.randrange(SUBJECTS):06d}" for _ in range(reads)]
    shares = [subjects[n::clients] for n in range(clients)]
    latencies: list[list[float]] = [[] for _ in range(clients)]
    failures = [0] * clients
    empty = [0] * clients
    stop_at = time.perf_counter() + MAX_READ_SECONDS

    def read(number: int) -> None:
        client = Client(server.port, key, timeout=60)
        try:
            for subject in shares[number]:
                if time.perf_counter() >= stop_at:
                    break
                started = time.perf_counter()
                status, body = client.request("GET", f"/api/v1/subjects/{subject}/recipients")
                latencies[number].append(time.perf_counter() - started)
                if status != 200:
                    failures[number] += 1
                elif not json.loads(body)["items"]:
                    empty[number] += 1  # a demo subject that no disclosure happened to name
        finally:
            client.close()

    # A few warm-up reads: the first requests of each worker open connections and fill caches.
    warm = Client(server.port, key)
    for subject in subjects[:20]:
        warm.request("GET", f"/api/v1/subjects/{subject}/recipients")
    warm.close()
    threads = [threading.Thread(target=read, args=(n,), daemon=True) for n in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=MAX_READ_SECONDS + 60)
    elapsed = time.perf_counter() - started
    every = [value for own in latencies for value in own]
    return {
        "clients": clients,
        "requests": len(every),
        "requests_per_s": round(len(every) / elapsed, 1),
        **latency_summary(every),
        "non_200": sum(failures),
        "empty_answers": sum(empty),
        "target_p95_ms": 20,
    }


def run(name: str, url: str, workdir: Path, args: argparse.Namespace) -> dict[str, Any]:
    server = Server(url, workdir, workers=args.workers, threads=args.threads, kind=args.server)
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
        officer = server.create_key("bench-officer", "--role", "officer")
        print(f"[{name}] batches: loading {args.load} disclosures", flush=True)
        batch = measure_batches(server, source, args.load, seed=11)
        print(json.dumps(batch), flush=True)
        print(f"[{name}] single posts: {args.clients} clients, {args.duration} s", flush=True)
        single = measure_singles(server, source, args.clients, args.duration)
        print(json.dumps(single), flush=True)
        reads = []
        for clients in args.read_clients:
            print(f"[{name}] recipients: {args.reads} reads from {clients} client(s)", flush=True)
            reads.append(measure_reads(server, officer, clients, args.reads))
            print(json.dumps(reads[-1]), flush=True)
    finally:
        server.stop()
    return {
        "backend": name,
        "server": (
            {
                "kind": "gunicorn",
                "workers": args.workers
                or ("1 (default)" if name == "sqlite" else "CPUs (default)"),
                "threads": args.threads,
            }
            if args.server == "gunicorn"
            else {"kind": "waitress", "workers": 1, "threads": args.threads}
        ),
        "batch": batch,
        "single": single,
        "recipients": reads,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--load",
        type=int,
        default=100_000,
        help="disclosures posted in batches of 10,000 before the reads (default 100,000)",
    )
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of single posts")
    parser.add_argument("--clients", type=int, default=8, help="threads posting single ones")
    parser.add_argument("--reads", type=int, default=2_000, help="recipient lists read per run")
    parser.add_argument(
        "--read-clients",
        type=lambda text: [int(part) for part in text.split(",")],
        default=[1, 4],
        help="comma-separated client counts for the reads (default 1,4)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="`ledger serve --workers` (default: its own: 1 on SQLite, the CPUs on PostgreSQL)",
    )
    parser.add_argument("--threads", type=int, default=8, help="`ledger serve --threads`")
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument(
        "--server",
        choices=["gunicorn", "waitress"],
        default="gunicorn",
        help="waitress only to compare; `ledger serve` runs gunicorn",
    )
    args = parser.parse_args()
    if not BATCH <= args.load <= 1_000_000 or args.load % BATCH:
        parser.error(f"--load must be a multiple of {BATCH} up to 1,000,000")
    if not 0 < args.duration <= 600 or not 1 <= args.clients <= 64 or args.reads < 1:
        parser.error("--duration must be in (0, 600], --clients in 1..64, --reads >= 1")

    results: dict[str, Any] = {
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
        },
        "note": "clients and server share the machine's CPUs",
        "runs": [],
    }
    with tempfile.TemporaryDirectory(prefix="ledger-bench-api-") as tmp:
        base = Path(tmp)
        (base / "sqlite").mkdir()
        url = f"sqlite:///{base / 'sqlite' / 'bench.db'}"
        results["runs"].append(run("sqlite", url, base / "sqlite", args))
        postgres = os.environ.get("LEDGER_TEST_POSTGRES_URL")
        if postgres and not args.sqlite_only:
            url, schema = postgres_schema_url(postgres)
            (base / "postgresql").mkdir()
            try:
                results["runs"].append(run("postgresql", url, base / "postgresql", args))
            finally:
                drop_schema(postgres, schema)
    print(json.dumps(results, indent=2))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "api.json").write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {RESULTS / 'api.json'}")


if __name__ == "__main__":
    main()
