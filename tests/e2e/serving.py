"""A real `ledger serve` process on a database of its own, for the end-to-end tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import TEST_MASTER_KEY

LEDGER = Path(sys.executable).parent / "ledger"
STARTUP_SECONDS = 30.0


def environment(tmp_path: Path, url: str, **settings: str) -> dict[str, str]:
    """The server's environment: this machine's, less any LEDGER_, FLASK_ or GUNICORN setting
    of its own, on the test's database, master key and var/ folder."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("LEDGER_", "FLASK_", "GUNICORN"))
    }
    env.update(
        LEDGER_DATABASE_URL=url,
        LEDGER_MASTER_KEY=TEST_MASTER_KEY,
        LEDGER_VAR_DIR=str(tmp_path / "var"),
        **settings,
    )
    return env


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class ServeProcess:
    """One database, the secrets of its keys, and at most one `ledger serve` on it at a time."""

    workdir: Path
    env: dict[str, str]
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    keys: dict[str, str] = field(default_factory=dict)
    runs: int = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cli(self, *args: str) -> str:
        done = subprocess.run(
            [str(LEDGER), *args],
            env=self.env,
            cwd=self.workdir,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, f"ledger {' '.join(args)}: {done.stderr}"
        return done.stdout

    def start(self, *options: str) -> None:
        """Start `ledger serve` and wait until /api/v1/health answers 200 (or fail the test)."""
        assert self.process is None
        self.runs += 1
        self.port = free_port()
        log = self.workdir / f"serve-{self.runs}.log"
        with log.open("wb") as stderr:
            self.process = subprocess.Popen(
                [str(LEDGER), "serve", "--host", "127.0.0.1", "--port", str(self.port), *options],
                env=self.env,
                cwd=self.workdir,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
            )
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                health = f"{self.base}/api/v1/health"  # always http://127.0.0.1
                with urllib.request.urlopen(health, timeout=1) as answer:  # noqa: S310
                    if answer.status == 200:
                        return
            except OSError:
                time.sleep(0.05)
        self.stop()
        pytest.fail(f"`ledger serve` did not come up:\n{log.read_text(errors='replace')}")

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
