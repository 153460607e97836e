"""Group commit's combiner: concurrent calls done in groups, each item exactly once, each
caller with its own outcome, groups in arrival order and never larger than the limit."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

import pytest

from ledger.app.grouping import Combiner

THREADS = 12


class Recorder:
    """A `run` that notes its groups; the first group waits until released, so that the
    calls made meanwhile queue behind it."""

    def __init__(self, *, hold_first: bool = False) -> None:
        self.groups: list[list[int]] = []
        self.since: list[float] = []
        self.started = threading.Event()
        self.release = threading.Event()
        if not hold_first:
            self.release.set()

    def __call__(self, items: list[int], since: float) -> Sequence[int | BaseException]:
        self.groups.append(list(items))
        self.since.append(since)
        self.started.set()
        self.release.wait(10)
        return [ValueError(f"odd {item}") if item % 2 else item * 10 for item in items]


def call_all(
    combiner: Combiner[int, int], items: list[int]
) -> tuple[list[threading.Thread], dict[int, object]]:
    """A thread per item calling the combiner; each item's result or error message."""
    outcomes: dict[int, object] = {}

    def call(item: int) -> None:
        try:
            outcomes[item] = combiner(item)
        except ValueError as error:
            outcomes[item] = str(error)

    threads = [threading.Thread(target=call, args=(item,)) for item in items]
    for thread in threads:
        thread.start()
    return threads, outcomes


def test_a_caller_alone_is_a_group_of_one_at_once() -> None:
    run = Recorder()
    combiner = Combiner(run, limit=8)
    before = time.monotonic()
    assert combiner(4) == 40
    assert run.groups == [[4]]
    assert before <= run.since[0] <= time.monotonic()
    with pytest.raises(ValueError, match="odd 3"):
        combiner(3)
    assert run.groups == [[4], [3]]


def test_calls_made_while_a_group_is_written_are_written_together_each_once() -> None:
    run = Recorder(hold_first=True)
    combiner = Combiner(run, limit=100)
    first, first_outcomes = call_all(combiner, [0])
    assert run.started.wait(10)
    rest, rest_outcomes = call_all(combiner, list(range(1, THREADS + 1)))
    # Every later call is queued before the first group is let go.
    deadline = time.monotonic() + 10
    while len(combiner._waiting) < THREADS and time.monotonic() < deadline:
        time.sleep(0.001)
    assert len(combiner._waiting) == THREADS
    run.release.set()
    for thread in [*first, *rest]:
        thread.join(10)
    assert run.groups[0] == [0]
    assert sorted(run.groups[1]) == list(range(1, THREADS + 1))
    assert len(run.groups) == 2
    outcomes = {**first_outcomes, **rest_outcomes}
    assert outcomes == {
        item: f"odd {item}" if item % 2 else item * 10 for item in range(THREADS + 1)
    }


def test_a_group_is_never_larger_than_the_limit_and_takes_the_calls_in_order() -> None:
    run = Recorder(hold_first=True)
    combiner = Combiner(run, limit=5)
    first, _ = call_all(combiner, [0])
    assert run.started.wait(10)
    threads: list[threading.Thread] = []
    for item in range(1, THREADS + 1):
        # One at a time, so the queue holds them in this order.
        threads += call_all(combiner, [item])[0]
        deadline = time.monotonic() + 10
        while len(combiner._waiting) < item and time.monotonic() < deadline:
            time.sleep(0.001)
    run.release.set()
    for thread in [*first, *threads]:
        thread.join(10)
    assert run.groups == [[0], [1, 2, 3, 4, 5], [6, 7, 8, 9, 10], [11, 12]]
    # A group's `since` is when its first call came.
    assert run.since == sorted(run.since)


def test_a_run_that_raises_fails_every_call_of_its_group_and_only_those() -> None:
    def broken(items: list[int], since: float) -> Sequence[int]:
        if 7 in items:
            raise RuntimeError("the writer broke")
        return items

    combiner = Combiner(broken, limit=4)
    with pytest.raises(RuntimeError, match="the writer broke"):
        combiner(7)
    assert combiner(8) == 8


def test_a_run_that_answers_too_few_outcomes_fails_its_group() -> None:
    combiner: Combiner[int, int] = Combiner(lambda items, since: [], limit=4)
    with pytest.raises(RuntimeError, match="0 outcomes for 1 items"):
        combiner(1)


def test_the_limit_must_be_positive() -> None:
    with pytest.raises(ValueError, match="limit"):
        Combiner(Recorder(), limit=0)
