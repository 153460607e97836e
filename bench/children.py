"""A `ledger` command as a child process, measured as a whole: exit code, output, wall time, CPU
time and peak RSS (the kernel's, through wait4), killed at a deadline. Shared by the import-memory
and scale benchmarks.

The command runs under a small Python process that reports its rusage, not straight under the
benchmark: Linux keeps a process's peak RSS across `exec`, and a child forked from a benchmark
that holds 260 MB starts with that peak, so every child (`ledger import` too) seemed to need at
least what the benchmark itself held. The reporter is a fresh interpreter (about 10 MB); the
command it forks starts from that."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

_USAGE = "usage.json"
# Runs the command, waits for it and writes its own rusage (not the reporter's) to argv[1].
_REPORTER = """\
import json, os, subprocess, sys
child = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(child.pid, 0)
with open(sys.argv[1], "w") as report:
    json.dump({"exit_code": os.waitstatus_to_exitcode(status), "maxrss_kb": usage.ru_maxrss,
               "user": usage.ru_utime, "system": usage.ru_stime}, report)
"""


def run_child(
    command: list[str],
    env: dict[str, str],
    *,
    timeout: float,
    cwd: Path | None = None,
    poll: float = 0.1,
) -> dict[str, Any]:
    """Run `command` to its end or to `timeout` seconds, whichever is first."""
    started = time.perf_counter()
    with (
        tempfile.TemporaryDirectory() as folder,
        tempfile.TemporaryFile() as out,
        subprocess.Popen(
            [sys.executable, "-c", _REPORTER, str(Path(folder, _USAGE)), *command],
            env=env,
            cwd=cwd,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a timeout kills the command and whatever it started
        ) as child,
    ):
        deadline = started + timeout
        timed_out = False
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                timed_out = True
                os.killpg(child.pid, signal.SIGKILL)
                pid, status, usage = os.wait4(child.pid, 0)
                break
            time.sleep(poll)
        child.returncode = os.waitstatus_to_exitcode(status)  # already reaped by wait4
        seconds = time.perf_counter() - started
        # The reporter writes it once the command has ended: none when the timeout killed both.
        usage_file = Path(folder, _USAGE)
        report = json.loads(usage_file.read_text()) if usage_file.exists() else None
        out.seek(0)
        output = out.read().decode("utf-8", "replace")
    lines = [line for line in output.replace("\r", "\n").splitlines() if line.strip()]
    if report is None:  # killed before the command ended: its own peak is lost
        report = {
            "exit_code": child.returncode,
            "maxrss_kb": None,
            "user": usage.ru_utime,
            "system": usage.ru_stime,
        }
    peak = report["maxrss_kb"]
    return {
        "exit_code": report["exit_code"],
        "seconds": round(seconds, 2),
        # ru_maxrss is in kilobytes on Linux.
        "peak_rss_mb": None if peak is None else round(peak / 1024, 1),
        "user_cpu_seconds": round(report["user"], 1),
        "system_cpu_seconds": round(report["system"], 1),
        "last_line": lines[-1][:500] if lines else "",
        "timed_out": timed_out,
    }
