"""End to end: a real `ledger serve` with its default setup keeps answering while clients are
slow and while its database hangs (SQLite's write lock held elsewhere; a PostgreSQL cluster of
the test's own, frozen with SIGSTOP), and recovers by itself."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Backend
from tests.e2e.serving import ServeProcess, environment
from tests.e2e.test_server import CONTROLLER, SYSTEM, Server, disclosure
from tests.e2e.throwaway_postgres import throwaway_cluster

HEALTH = "/api/v1/health"
SLOW_CLIENTS = 24
# How long the slow clients keep trickling while the test measures.
SLOW_SECONDS = 4.0


class DefaultServer(Server):
    """`ledger serve` with no options at all: what runs by default."""

    def start(self, *options: str) -> None:
        ServeProcess.start(self, *options)

    def timed(self, method: str, path: str, body: Any = None, key: str | None = None) -> Any:
        started = time.monotonic()
        status, headers, answer = self.call(method, path, body, key, timeout=30)
        return status, headers, answer, time.monotonic() - started


def started(tmp_path: Path, url: str, **settings: str) -> DefaultServer:
    server = DefaultServer(workdir=tmp_path, env=environment(tmp_path, url, **settings))
    server.start()
    server.create_keys(
        {"payroll": ["--role", "source", "--controller", CONTROLLER, "--system", SYSTEM]}
    )
    return server


@pytest.fixture
def default_server(backend: Backend, tmp_path: Path) -> Iterator[DefaultServer]:
    server = started(tmp_path, backend.url)
    try:
        yield server
    finally:
        server.stop()


class SlowClients:
    """Connections that send a request one byte at a time: half trickle their headers, the
    other half send whole headers and then trickle a body. One thread drives them all, until
    `stop()` or `seconds` have passed."""

    def __init__(self, port: int, count: int, *, pause: float = 0.2, seconds: float) -> None:
        head = (
            "POST /api/v1/disclosures HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            "Content-Type: application/json\r\n"
        )
        self.requests = [
            (head + "X-Slow: " + "a" * 4000).encode()
            if n % 2
            else (head + "Content-Length: 4000\r\n\r\n").encode() + b"{" * 4000
            for n in range(count)
        ]
        self.sockets = [socket.create_connection(("127.0.0.1", port)) for _ in range(count)]
        self.sent = [0] * count
        self.pause = pause
        self.deadline = time.monotonic() + seconds
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._trickle, daemon=True)

    def __enter__(self) -> SlowClients:
        for number, request in enumerate(self.requests):
            if not number % 2:  # whole headers now, the body byte by byte
                header_end = request.index(b"\r\n\r\n") + 4
                self.sockets[number].sendall(request[:header_end])
                self.sent[number] = header_end
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.done.set()
        self.thread.join(timeout=10)
        for connection in self.sockets:
            connection.close()

    def _trickle(self) -> None:
        while not self.done.is_set() and time.monotonic() < self.deadline:
            for number, connection in enumerate(self.sockets):
                position = self.sent[number]
                if position < len(self.requests[number]):
                    try:
                        connection.send(self.requests[number][position : position + 1])
                        self.sent[number] += 1
                    except OSError:
                        self.sent[number] = len(self.requests[number])
            self.done.wait(self.pause)


def test_slow_clients_do_not_keep_the_server_from_answering(
    default_server: DefaultServer,
) -> None:
    server = default_server
    health: list[tuple[int, float]] = []
    with SlowClients(server.port, SLOW_CLIENTS, seconds=SLOW_SECONDS + 5) as slow:
        time.sleep(0.5)  # every slow client is connected and has sent something
        until = time.monotonic() + SLOW_SECONDS
        while time.monotonic() < until:
            status, _, _, took = server.timed("GET", HEALTH)
            health.append((status, took))
            time.sleep(0.2)
        status, _, receipt, took = server.timed(
            "POST", "/api/v1/disclosures", disclosure(1), "payroll"
        )
        assert status == 201, receipt
        assert took < 2.0
        assert all(
            0 < sent < len(request) for sent, request in zip(slow.sent, slow.requests, strict=True)
        )
    assert len(health) >= 10
    assert all(status == 200 for status, _ in health), health
    assert max(took for _, took in health) < 1.0, health


def killed(server: DefaultServer) -> None:
    """SIGKILL for the gunicorn master and every worker at once: no goodbyes, no flushing."""
    assert server.process is not None
    master = server.process.pid
    workers = [
        int(entry.name)
        for entry in Path("/proc").iterdir()
        if entry.name.isdigit() and _parent(entry) == master
    ]
    for pid in [master, *workers]:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    server.process.wait(timeout=10)
    server.process = None


def _parent(entry: Path) -> int | None:
    try:
        return int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def test_no_acknowledged_write_is_lost_when_the_server_is_killed(
    default_server: DefaultServer,
) -> None:
    server = default_server
    server.create_keys({"fg": ["--role", "officer"]})
    acknowledged: list[str] = []
    stop = threading.Event()

    def post(client: int) -> None:
        for number in range(client * 1000, client * 1000 + 200):
            if stop.is_set():
                return
            try:
                status, _, receipt = server.call(
                    "POST", "/api/v1/disclosures", disclosure(number, subjects=100), "payroll"
                )
            except (OSError, http.client.HTTPException):
                return  # the server is gone: this one was never acknowledged
            if status == 201:
                acknowledged.append(receipt["id"])

    posting = [threading.Thread(target=post, args=(n,), daemon=True) for n in range(4)]
    for thread in posting:
        thread.start()
    time.sleep(1.5)
    killed(server)  # while the clients are still posting
    stop.set()
    for thread in posting:
        thread.join(timeout=30)

    server.start()
    assert len(acknowledged) >= 10
    for disclosure_id in acknowledged:
        status, _, found = server.call("GET", f"/api/v1/disclosures/{disclosure_id}", key="fg")
        assert status == 200, found


def chunked_post(server: DefaultServer, chunks: Iterator[bytes]) -> tuple[int, Any]:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            connection.request(
                "POST",
                "/api/v1/disclosures",
                body=chunks,
                headers={
                    "Authorization": f"Bearer {server.keys['payroll']}",
                    "Content-Type": "application/json",
                    "Transfer-Encoding": "chunked",
                },
                encode_chunked=True,
            )
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def test_a_chunked_body_is_read_whole_and_one_past_the_limit_is_413(tmp_path: Path) -> None:
    server = started(tmp_path, f"sqlite:///{tmp_path / 'ledger.db'}")
    try:
        encoded = json.dumps(disclosure(1)).encode()
        pieces = (encoded[start : start + 50] for start in range(0, len(encoded), 50))
        status, receipt = chunked_post(server, pieces)
        assert status == 201, receipt

        megabyte = b" " * 2**20
        status, problem = chunked_post(server, (megabyte for _ in range(11)))
        assert status == 413, problem
        assert server.timed("GET", HEALTH)[0] == 200
    finally:
        server.stop()


def test_a_write_waits_for_sqlite_s_lock_only_as_long_as_the_lock_timeout(
    tmp_path: Path,
) -> None:
    database = tmp_path / "ledger.db"
    server = started(tmp_path, f"sqlite:///{database}", LEDGER_DB_LOCK_TIMEOUT="1")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys, time\n"
            "connection = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
            "connection.execute('BEGIN IMMEDIATE')\n"
            "print('locked', flush=True)\n"
            "time.sleep(60)\n",
            str(database),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "locked"

        status, headers, problem, took = server.timed(
            "POST", "/api/v1/disclosures", disclosure(1), "payroll"
        )
        assert status == 503, problem
        assert headers["retry-after"] == "5"
        assert 0.8 <= took < 4.0
        status, _, _, took = server.timed("GET", HEALTH)  # reading is not held up
        assert (status, took < 1.0) == (200, True)

        holder.kill()
        holder.wait(timeout=10)
        status, _, receipt, _ = server.timed(
            "POST", "/api/v1/disclosures", disclosure(1), "payroll"
        )
        assert status == 201, receipt  # new, not a replay: the 503 left nothing behind
    finally:
        holder.kill()
        holder.wait(timeout=10)
        server.stop()


STATEMENT_TIMEOUT = 2
CONNECT_TIMEOUT = 2


@pytest.mark.postgres
def test_a_frozen_postgresql_gets_503_in_time_and_the_server_recovers_by_itself(
    tmp_path: Path,
) -> None:
    with throwaway_cluster() as cluster:
        server = started(
            tmp_path,
            cluster.url,
            LEDGER_DB_STATEMENT_TIMEOUT=str(STATEMENT_TIMEOUT),
            LEDGER_DB_LOCK_TIMEOUT="1",
            LEDGER_DB_CONNECT_TIMEOUT=str(CONNECT_TIMEOUT),
            LEDGER_DB_POOL_TIMEOUT="2",
        )
        try:
            for number in range(4):  # every worker has pooled connections now
                status, _, receipt, _ = server.timed(
                    "POST", "/api/v1/disclosures", disclosure(number), "payroll"
                )
                assert status == 201, receipt

            writes: list[tuple[int, dict[str, str], Any, float]] = []

            def write(number: int) -> None:
                writes.append(
                    server.timed("POST", "/api/v1/disclosures", disclosure(number), "payroll")
                )

            with cluster.frozen():
                # More writes than the server has threads, all stuck on the database at once.
                posting = [
                    threading.Thread(target=write, args=(n,), daemon=True) for n in range(10, 30)
                ]
                for thread in posting:
                    thread.start()
                time.sleep(0.5)
                checks = [server.timed("GET", HEALTH) for _ in range(3)]
                for thread in posting:
                    thread.join(timeout=30)

            timings = [(status, round(took, 3)) for status, _, _, took in checks]
            assert [(status, took < 1.0) for status, took in timings] == [(503, True)] * 3, timings
            assert len(writes) == 20
            # A pooled connection gets a ping of at most 2 s, then a new connection is tried.
            bound = 2 + CONNECT_TIMEOUT + 3
            for status, headers, problem, took in writes:
                assert status == 503, problem
                assert headers["retry-after"] == "5"
                assert took < bound, writes

            deadline = time.monotonic() + 20
            while server.timed("GET", HEALTH)[0] != 200:
                assert time.monotonic() < deadline, "the server did not recover"
                time.sleep(0.2)
            status, _, receipt, _ = server.timed(
                "POST", "/api/v1/disclosures", disclosure(10), "payroll"
            )
            assert status == 201, receipt
        finally:
            server.stop()
