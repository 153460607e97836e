"""A `ledger` command as a child process, measured as a whole: exit code, output, wall time, CPU
time and peak RSS (the kernel's, through wait4), killed at a deadline. Shared by the import-memory
and scale benchmarks."""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any


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
        tempfile.TemporaryFile() as out,
        subprocess.Popen(command, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT) as child,
    ):
        deadline = started + timeout
        timed_out = False
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                timed_out = True
                child.kill()
                pid, status, usage = os.wait4(child.pid, 0)
                break
            time.sleep(poll)
        child.returncode = os.waitstatus_to_exitcode(status)  # already reaped by wait4
        seconds = time.perf_counter() - started
        out.seek(0)
        output = out.read().decode("utf-8", "replace")
    lines = [line for line in output.replace("\r", "\n").splitlines() if line.strip()]
    return {
        "exit_code": child.returncode,
        "seconds": round(seconds, 2),
        # ru_maxrss is in kilobytes on Linux.
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "user_cpu_seconds": round(usage.ru_utime, 1),
        "system_cpu_seconds": round(usage.ru_stime, 1),
        "last_line": lines[-1][:500] if lines else "",
        "timed_out": timed_out,
    }
