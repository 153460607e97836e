"""The health check answers in bounded time, whatever its probe of the database does."""

from __future__ import annotations

import threading
import time

from ledger.web.health import HealthCheck


class Probe:
    """A database probe that answers, fails, or hangs until released, and counts its calls."""

    def __init__(self) -> None:
        self.calls = 0
        self.released = threading.Event()
        self.released.set()
        self.failing = False

    def __call__(self) -> None:
        self.calls += 1
        self.released.wait(30)
        if self.failing:
            raise ConnectionError("refused")


def timed(check: HealthCheck) -> tuple[bool, float]:
    started = time.monotonic()
    healthy = check.healthy()
    return healthy, time.monotonic() - started


def test_the_health_check_answers_in_time_while_its_probe_hangs_and_recovers_by_itself() -> None:
    probe = Probe()
    check = HealthCheck(probe, answer_within=0.3, fresh_for=0.2)
    assert check.healthy()

    time.sleep(0.25)
    probe.released.clear()  # the database stops answering
    healthy, took = timed(check)  # starts a probe, which hangs: waits for it 0.3 s
    assert not healthy
    assert 0.25 < took < 0.6
    for _ in range(3):  # the probe is overdue: no waiting, and no new probe
        healthy, took = timed(check)
        assert not healthy
        assert took < 0.1
    assert probe.calls == 2

    probe.released.set()  # the database answers again
    deadline = time.monotonic() + 5
    while not check.healthy():
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_a_failing_probe_makes_the_check_unhealthy_and_results_are_reused_while_fresh() -> None:
    probe = Probe()
    check = HealthCheck(probe, answer_within=0.5, fresh_for=60)
    probe.failing = True
    assert not check.healthy()
    probe.failing = False
    assert not check.healthy()  # still fresh: no second probe
    assert probe.calls == 1
