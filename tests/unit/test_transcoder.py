"""The ledger's transcoder writes an event's state by orjson where that gives eventsourcing's
own JSON transcoder's very bytes, and leaves everything else to it: the same bytes, or the same
error, for any state."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from enum import IntEnum
from typing import Any

import pytest
from eventsourcing.persistence import (
    DatetimeAsISO,
    DecimalAsStr,
    JSONTranscoder,
    TranscodingNotRegisteredError,
    UUIDAsHex,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.adapters.event_store import LedgerTranscoder
from tests.unit.test_fast_json import LEAVES, TEXT


def transcoders() -> tuple[JSONTranscoder, LedgerTranscoder]:
    library, ledger = JSONTranscoder(), LedgerTranscoder()
    for transcoder in (library, ledger):
        for transcoding in (UUIDAsHex(), DatetimeAsISO(), DecimalAsStr()):
            transcoder.register(transcoding)
    return library, ledger


LIBRARY, LEDGER = transcoders()
MOMENTS = st.datetimes(timezones=st.sampled_from([UTC, timezone(timedelta(hours=2))]))
VALUES = st.recursive(
    LEAVES | MOMENTS | st.uuids(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=20,
)
STATES = st.dictionaries(TEXT, VALUES | MOMENTS | st.uuids() | st.decimals(allow_nan=False))


@settings(max_examples=500)
@given(STATES)
def test_a_state_is_written_as_eventsourcing_writes_it(state: dict[str, Any]) -> None:
    assert LEDGER.encode(state) == LIBRARY.encode(state)


class Level(IntEnum):
    LOW = 1


@pytest.mark.parametrize(
    "state",
    [
        {"timestamp": datetime(2026, 12, 2, 18, 6, 57, 952115, tzinfo=UTC), "a": "€\n\x00\u2028"},
        {"nested": {"timestamp": datetime(2026, 1, 1, tzinfo=UTC)}},  # transcoded below the top
        {"id": uuid.UUID(int=7), "amount": Decimal("1.10")},
        {"f": 1e-05, "big": 2**64, "neg": -(2**63) - 1},
        {"tuple": (1, "a"), "enum": Level.LOW, "bool": True},
        {1: "a", "b": 2},
        {"x": "y"},
        {},
    ],
)
def test_what_orjson_alone_would_write_otherwise_is_the_librarys(state: dict[str, Any]) -> None:
    assert LEDGER.encode(state) == LIBRARY.encode(state)


@pytest.mark.parametrize(
    "state",
    [
        {"when": date(2026, 1, 1)},  # no transcoding registered for a date
        {"deep": [{"when": date(2026, 1, 1)}]},
        {"set": {1, 2}},
    ],
)
def test_what_the_library_refuses_is_still_refused(state: dict[str, Any]) -> None:
    with pytest.raises(TranscodingNotRegisteredError):
        LIBRARY.encode(state)
    with pytest.raises(TranscodingNotRegisteredError):
        LEDGER.encode(state)


def test_a_state_that_holds_itself_is_refused_as_the_library_refuses_it() -> None:
    state: dict[str, Any] = {"a": 1}
    state["self"] = state
    with pytest.raises(ValueError, match="Circular"):
        LIBRARY.encode(state)
    with pytest.raises(ValueError, match="Circular"):
        LEDGER.encode(state)
