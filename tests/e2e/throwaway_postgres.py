"""A PostgreSQL cluster of a test's own, on a free port, that the test may freeze (SIGSTOP) and
thaw; stopped and removed afterwards whatever happens. The shared server is never touched."""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

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
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

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


@contextmanager
def throwaway_cluster() -> Iterator[Cluster]:
    initdb, pg_ctl = _bin("initdb"), _bin("pg_ctl")
    if initdb is None or pg_ctl is None:
        if os.environ.get("LEDGER_TEST_REQUIRE_POSTGRES"):
            pytest.fail("initdb and pg_ctl are needed under /usr/lib/postgresql/*/bin")
        pytest.skip("no initdb/pg_ctl under /usr/lib/postgresql/*/bin")
    # PostgreSQL refuses to run as root: then the cluster belongs to the postgres user.
    as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    home = Path(tempfile.mkdtemp(prefix="ledger-pg-"))
    data = home / "data"
    if as_user:
        account = pwd.getpwnam("postgres")
        os.chown(home, account.pw_uid, account.pw_gid)
    cluster = Cluster(data=data, port=free_port(), as_user=as_user)

    def run(*command: str) -> None:
        done = subprocess.run(
            [*as_user, *command], capture_output=True, text=True, timeout=60, check=False
        )
        assert done.returncode == 0, f"{' '.join(command)}: {done.stdout}{done.stderr}"

    try:
        run(
            str(initdb),
            "-D",
            str(data),
            "-U",
            "postgres",
            "--auth=trust",
            "--no-sync",
            "-E",
            "UTF8",
        )
        run(
            str(pg_ctl), "-D", str(data), "-l", str(home / "log"), "-w", "-t", "30",
            "-o", f"-p {cluster.port} -k {home} -c listen_addresses=127.0.0.1 -c fsync=off",
            "start",
        )  # fmt: skip
        yield cluster
    finally:
        if (data / "postmaster.pid").exists():
            for pid in cluster.pids():  # a test that failed while frozen
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGCONT)
            subprocess.run(
                [*as_user, str(pg_ctl), "-D", str(data), "-m", "immediate", "-w", "stop"],
                capture_output=True,
                timeout=60,
                check=False,
            )
        shutil.rmtree(home, ignore_errors=True)
