"""`bench.children.run_child` measures the command, not the benchmark that starts it."""

from __future__ import annotations

import os
import sys

from bench.children import run_child

ALLOCATE = (
    "import sys\n"
    "held = bytearray(int(sys.argv[1]) * 1024 * 1024)\n"
    "for at in range(0, len(held), 4096):\n"
    "    held[at] = 1\n"
    "print('held', sys.argv[1])\n"
)


def test_a_child_does_not_inherit_the_parents_peak() -> None:
    # Linux keeps a process's peak RSS across exec: a child forked straight from a parent that
    # holds 300 MB reported at least 300 MB, whatever it used itself.
    held = bytearray(300 * 1024 * 1024)
    for at in range(0, len(held), 4096):
        held[at] = 1
    small = run_child([sys.executable, "-c", ALLOCATE, "1"], dict(os.environ), timeout=60)
    large = run_child([sys.executable, "-c", ALLOCATE, "120"], dict(os.environ), timeout=60)
    assert small["exit_code"] == 0
    assert small["last_line"] == "held 1"
    assert small["peak_rss_mb"] < 100
    assert 120 < large["peak_rss_mb"] < 250
    del held


def test_exit_code_and_timeout() -> None:
    failed = run_child([sys.executable, "-c", "raise SystemExit(3)"], dict(os.environ), timeout=60)
    assert failed["exit_code"] == 3
    assert not failed["timed_out"]
    slow = [sys.executable, "-c", "import time; print('started', flush=True); time.sleep(60)"]
    stopped = run_child(slow, dict(os.environ), timeout=1.5)
    assert stopped["timed_out"]
    assert stopped["exit_code"] != 0
    assert stopped["peak_rss_mb"] is None  # the command's own figures are lost with it
    assert stopped["seconds"] < 30
