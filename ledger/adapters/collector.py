"""Python's cyclic garbage collector paused around work that allocates many objects which live
until it ends and form no reference cycles (a rebuild's pages, a bundle's items)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """The collector off for the block, and as it was after it.

    Each so many allocations set off a collection that walks what is alive, and what a long
    piece of work keeps alive (a rebuild's pending summaries, a bundle's 2,000 items) is walked
    again and again and promoted to the oldest generation, whose full pass then walks the whole
    process: about a third of a 10,000-event rebuild. Nothing is lost: reference counting still
    frees what the block drops, and cycles made meanwhile (by any thread: the switch is the
    process's) are collected after it. Threads that overlap leave it on when the first of
    them found it on: each turns it on again only if it was on when it began."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
