"""A PostgreSQL cluster of a test's own, on a free port, that the test may freeze (SIGSTOP) and
thaw, and a hot standby streaming from it; stopped and removed afterwards whatever happens. The
shared server is never touched."""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from tests.e2e.serving import free_port


def _bin(name: str) -> Path | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=_version)
    return Path(found[-1]) if found else None


def _version(path: str) -> int:
    part = Path(path).parts[-3]
    return int(part) if part.isdigit() else 0


@dataclass
class Cluster:
    data: Path
    port: int
    as_user: list[str]

    @property
    def url(self) -> str:
        return self.url_of("postgres")

    def url_of(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def sql(self, statement: str, database: str = "postgres") -> list[tuple[object, ...]]:
        """One statement in autocommit (CREATE DATABASE needs it); its rows, if any."""
        with psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname=database, autocommit=True
        ) as connection:
            cursor = connection.execute(statement.encode())
            return cursor.fetchall() if cursor.description else []

    def pids(self) -> list[int]:
        """The postmaster and every process it started (backends, checkpointer, ...)."""
        postmaster = int((self.data / "postmaster.pid").read_text().split()[0])
        children = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                # pid (comm) state ppid ...: comm may hold spaces, so split after its ')'.
                if int(stat.rsplit(")", 1)[1].split()[1]) == postmaster:
                    children.append(int(entry.name))
        return [postmaster, *children]

    @contextmanager
    def frozen(self) -> Iterator[None]:
        """Every process of the cluster stopped (SIGSTOP), continued again on leaving."""
        stopped: list[int] = []
        try:
            for pid in self.pids():  # the postmaster first: it starts no new backend after
                os.kill(pid, signal.SIGSTOP)
                stopped.append(pid)
            yield
        finally:
            for pid in reversed(stopped):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGCONT)


def _binaries(*names: str) -> list[Path]:
    found = [_bin(name) for name in names]
    if any(path is None for path in found):
        needed = ", ".join(names)
        if os.environ.get("LEDGER_TEST_REQUIRE_POSTGRES"):
            pytest.fail(f"{needed} are needed under /usr/lib/postgresql/*/bin")
        pytest.skip(f"no {needed} under /usr/lib/postgresql/*/bin")
    return [path for path in found if path is not None]


@contextmanager
def _home() -> Iterator[tuple[Path, list[str]]]:
    """A directory for one cluster, and the command prefix that runs its programs: PostgreSQL
    refuses to run as root, so then the cluster belongs to the postgres user."""
    as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    home = Path(tempfile.mkdtemp(prefix="ledger-pg-"))
    if as_user:
        account = pwd.getpwnam("postgres")
        os.chown(home, account.pw_uid, account.pw_gid)
    try:
        yield home, as_user
    finally:
        shutil.rmtree(home, ignore_errors=True)


def _run(as_user: list[str], *command: str) -> None:
    done = subprocess.run(
        [*as_user, *command], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, f"{' '.join(command)}: {done.stdout}{done.stderr}"


@contextmanager
def _started(cluster: Cluster, pg_ctl: Path, home: Path) -> Iterator[Cluster]:
    try:
        _run(
            cluster.as_user, str(pg_ctl), "-D", str(cluster.data), "-l", str(home / "log"),
            "-w", "-t", "60",
            "-o", f"-p {cluster.port} -k {home} -c listen_addresses=127.0.0.1 -c fsync=off",
            "start",
        )  # fmt: skip
        yield cluster
    finally:
        if (cluster.data / "postmaster.pid").exists():
            for pid in cluster.pids():  # a test that failed while frozen
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGCONT)
            stop = [str(pg_ctl), "-D", str(cluster.data), "-m", "immediate", "-w", "stop"]
            subprocess.run(
                [*cluster.as_user, *stop],
                capture_output=True,
                timeout=60,
                check=False,
            )


@contextmanager
def throwaway_cluster() -> Iterator[Cluster]:
    initdb, pg_ctl = _binaries("initdb", "pg_ctl")
    with _home() as (home, as_user):
        cluster = Cluster(data=home / "data", port=free_port(), as_user=as_user)
        _run(
            as_user, str(initdb), "-D", str(cluster.data), "-U", "postgres", "--auth=trust",
            "--no-sync", "-E", "UTF8",
        )  # fmt: skip
        with _started(cluster, pg_ctl, home):
            yield cluster


STREAMING_WITHIN = 60.0


@contextmanager
def standby_of(primary: Cluster) -> Iterator[Cluster]:
    """A hot standby of `primary`, yielded once it streams: `pg_basebackup -R` copies the
    cluster and writes the settings that make the copy replay the primary's WAL. initdb's
    trust authentication admits replication connections from 127.0.0.1; the shared server's
    configuration is never needed."""
    pg_basebackup, pg_ctl = _binaries("pg_basebackup", "pg_ctl")
    with _home() as (home, as_user):
        standby = Cluster(data=home / "data", port=free_port(), as_user=as_user)
        _run(
            as_user, str(pg_basebackup), "-h", "127.0.0.1", "-p", str(primary.port),
            "-U", "postgres", "-D", str(standby.data), "-R", "-X", "stream", "--no-sync",
            "--checkpoint=fast",
        )  # fmt: skip
        with _started(standby, pg_ctl, home):
            deadline = time.monotonic() + STREAMING_WITHIN
            while not primary.sql(
                "SELECT 1 FROM pg_stat_replication WHERE state = 'streaming'"
            ) or standby.sql("SELECT pg_is_in_recovery()") != [(True,)]:
                assert time.monotonic() < deadline, "the standby did not start streaming"
                time.sleep(0.1)
            yield standby
