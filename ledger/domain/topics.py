"""The topic an event is stored under: its class's qualified name (`Disclosure.DisclosureRecorded`)
instead of eventsourcing's module path (`ledger.domain.disclosure:Disclosure.DisclosureRecorded`).

The topic is a column of every stored event: the module path cost 25 bytes a disclosure and
said nothing the qualified name does not. Events stored before keep their long topics, which
still resolve (eventsourcing imports the module); the integrity log hashes whichever topic a row
holds, and `ledger verify` reads an event's type from the part after the last dot of either.
"""

from __future__ import annotations

from typing import Any, TypeVar

from eventsourcing.domain import Aggregate, DomainEvent

A = TypeVar("A", bound=type[Aggregate])


def short_topics(aggregate: A) -> A:
    """Class decorator: each event class the aggregate declares is stored under its qualified
    name (eventsourcing's `TOPIC` attribute; the event store registers the names, so a process
    that only reads the log resolves them). The library's generic `Event` and `Created` keep
    theirs."""
    generic: tuple[Any, ...] = (aggregate.Event, aggregate.Created)
    prefix = f"{aggregate.__qualname__}."
    for value in list(vars(aggregate).values()):
        if (
            isinstance(value, type)
            and issubclass(value, DomainEvent)
            and value not in generic
            and value.__qualname__.startswith(prefix)
            and "TOPIC" not in vars(value)
        ):
            type.__setattr__(value, "TOPIC", value.__qualname__)
    return aggregate
