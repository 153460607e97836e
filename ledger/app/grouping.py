"""Group commit: calls that arrive together from a process's request threads, done as one.

A single posting pays for a whole transaction: its turn of the sequencer (on PostgreSQL the
event table's lock, held to the commit), the log's reads before an append, a commit and its
flush to disk. Sixteen clients posting one disclosure each kept the sequencer busy 92 % of the
time with one post per turn. Here the threads that want to write at once queue their items; one
of them (the first to find nobody writing) takes every item queued, up to `limit`, and does
them in one call, while the others wait for their own outcome. Nothing waits for a group to
fill: a thread alone is a group of one at once, so a quiet ledger answers as fast as before.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar, cast

T = TypeVar("T")
R = TypeVar("R")


class _Call(Generic[T]):
    __slots__ = ("done", "item", "outcome", "since")

    def __init__(self, item: T) -> None:
        self.item = item
        self.since = time.monotonic()
        self.done = False
        self.outcome: object = None


class Combiner(Generic[T, R]):
    """`run` for the items of concurrent callers, in groups: `run(items, since)` returns one
    outcome per item, in order, a result or the exception that caller gets; `since` is when
    the group's first caller began to wait (`time.monotonic()`), so that a wait `run` bounds
    (for the writer) can count from there rather than start afresh.

    Each caller's item is done exactly once, by whichever thread writes the group it falls in,
    and groups follow the order the items came in. `run` raising (it should not) fails every
    call of that group with its exception."""

    def __init__(
        self, run: Callable[[list[T], float], Sequence[R | BaseException]], *, limit: int
    ) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        self._run = run
        self._limit = limit
        self._waiting: deque[_Call[T]] = deque()
        self._changed = threading.Condition(threading.Lock())
        self._busy = False

    def __call__(self, item: T) -> R:
        call = _Call(item)
        with self._changed:
            self._waiting.append(call)
            while not call.done:
                if self._busy:
                    self._changed.wait()
                    continue
                self._busy = True
                group = [
                    self._waiting.popleft() for _ in range(min(self._limit, len(self._waiting)))
                ]
                self._changed.release()
                try:
                    outcomes = self._outcomes(group)
                finally:
                    self._changed.acquire()
                    self._busy = False
                    self._changed.notify_all()
                for done, outcome in zip(group, outcomes, strict=True):
                    done.outcome = outcome
                    done.done = True
        if isinstance(call.outcome, BaseException):
            raise call.outcome
        return cast(R, call.outcome)

    def _outcomes(self, group: list[_Call[T]]) -> Sequence[object]:
        try:
            outcomes = self._run([call.item for call in group], group[0].since)
        except BaseException as error:
            return [error] * len(group)
        if len(outcomes) != len(group):
            wrong = RuntimeError(f"{len(outcomes)} outcomes for {len(group)} items")
            return [wrong] * len(group)
        return outcomes
