"""A batch stores a new disclosure's first event made directly (`Disclosure.recorded`), without
the aggregate `Disclosure.record` builds: the event, what is stored of it and the aggregate read
back from it must be those of `record`."""

from __future__ import annotations

import uuid
from dataclasses import fields
from typing import Any

from eventsourcing.persistence import DatetimeAsISO, JSONTranscoder, Mapper, UUIDAsHex
from eventsourcing.utils import get_topic

from ledger.adapters.state_codec import StateCompressor
from ledger.domain.disclosure import Disclosure

ARGS: dict[str, Any] = {
    "fields": {"controller": "12345678", "recipient": {"category": "uwv", "name": "UWV"}},
    "sealed": "c2VhbGVk",
    "subject_tag": "ab" * 16,
    "digest": "cd" * 32,
    "actor": "payroll",
    "commitment": "ef" * 32,
    "salt": "c2FsdA==",
}


def test_the_direct_event_is_the_event_record_makes() -> None:
    disclosure_id = uuid.uuid4()
    [made] = Disclosure.record(disclosure_id=disclosure_id, **ARGS).collect_events()
    direct = Disclosure.recorded(disclosure_id=disclosure_id, **ARGS)

    assert type(direct) is type(made)
    names = [field.name for field in fields(made)]
    assert list(vars(direct)) == list(vars(made)) == names
    for name in names:
        if name != "timestamp":
            assert getattr(direct, name) == getattr(made, name), name
    assert direct.originator_topic == get_topic(Disclosure)
    assert direct.timestamp.tzinfo is not None
    assert abs((direct.timestamp - made.timestamp).total_seconds()) < 5


def test_the_direct_event_stores_and_reads_back_as_record_s() -> None:
    disclosure_id = uuid.uuid4()
    [made] = Disclosure.record(disclosure_id=disclosure_id, **ARGS).collect_events()
    direct = Disclosure.recorded(disclosure_id=disclosure_id, **ARGS)
    # Same moment: then what is stored must be the same bytes.
    object.__setattr__(direct, "timestamp", made.timestamp)
    transcoder = JSONTranscoder()
    transcoder.register(UUIDAsHex())
    transcoder.register(DatetimeAsISO())
    mapper: Mapper[uuid.UUID] = Mapper(transcoder=transcoder, compressor=StateCompressor())

    stored, stored_made = mapper.to_stored_event(direct), mapper.to_stored_event(made)
    assert stored == stored_made

    aggregate = mapper.to_domain_event(stored).mutate(None)
    assert isinstance(aggregate, Disclosure)
    assert aggregate.id == disclosure_id
    assert aggregate.version == 1
    assert aggregate.fields == ARGS["fields"]
    assert (aggregate.sealed, aggregate.subject_tag, aggregate.digest, aggregate.recorded_by) == (
        ARGS["sealed"],
        ARGS["subject_tag"],
        ARGS["digest"],
        ARGS["actor"],
    )
    assert not aggregate.is_retracted
