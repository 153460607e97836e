"""The health check: whether the database answers, decided within a bounded time whatever the
database does."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)

# /health answers within a second: a probe that has not answered this long after it started
# means "unhealthy" (the rest of the second is for the request itself on a busy machine).
ANSWER_WITHIN = 0.5
# A result this recent is reused, so a load balancer polling often costs no extra queries.
FRESH_FOR = 1.0


class HealthCheck:
    """Runs `probe` (which raises when the database does not answer) on a thread of its own,
    at most one at a time per process, and waits for it until `answer_within` seconds after it
    started.

    A probe stuck on a hung database keeps its thread, never a request's: later checks see it
    overdue and answer "unhealthy" at once, and the first probe to succeed after the database
    is back makes them healthy again.
    """

    def __init__(
        self,
        probe: Callable[[], None],
        *,
        answer_within: float = ANSWER_WITHIN,
        fresh_for: float = FRESH_FOR,
    ) -> None:
        self.probe = probe
        self.answer_within = answer_within
        self.fresh_for = fresh_for
        self._lock = threading.Lock()
        self._running: threading.Event | None = None
        self._started_at = 0.0
        self._healthy = False
        self._checked_at = float("-inf")

    def healthy(self) -> bool:
        with self._lock:
            if time.monotonic() - self._checked_at < self.fresh_for:
                return self._healthy
            running = self._running
            if running is None:
                running = self._running = threading.Event()
                self._started_at = time.monotonic()
                threading.Thread(
                    target=self._run, args=(running,), name="ledger-health", daemon=True
                ).start()
            left = self._started_at + self.answer_within - time.monotonic()
        if not running.wait(max(0.0, left)):
            return False
        with self._lock:
            return self._healthy

    def _run(self, done: threading.Event) -> None:
        try:
            self.probe()
            healthy = True
        except Exception as error:  # any failure to reach the database means "not healthy"
            log.warning("health check: the database did not answer: %s", error)
            healthy = False
        with self._lock:
            self._healthy = healthy
            self._checked_at = time.monotonic()
            self._running = None
        done.set()
