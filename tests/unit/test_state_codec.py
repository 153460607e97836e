"""The stored form of an event's state: deflated against the fixed dictionary, or plain JSON as
ledgers before it stored it."""

from __future__ import annotations

import json
import os

import pytest

from ledger.adapters.state_codec import FORMAT_V1, StateCodecError, pack, unpack


def a_state(size: int = 1) -> bytes:
    return json.dumps(
        {
            "fields": {"recipient": {"category": "belastingdienst"}, "purpose": "x" * size},
            "sealed": os.urandom(150).hex(),
            "subject_tag": os.urandom(16).hex(),
        },
        separators=(",", ":"),
    ).encode()


@pytest.mark.parametrize("size", [0, 100, 20_000])
def test_a_packed_state_unpacks_to_the_same_bytes(size: int) -> None:
    state = a_state(size)
    packed = pack(state)
    assert packed[0] == FORMAT_V1
    assert unpack(packed) == state


def test_the_dictionary_makes_a_disclosure_much_smaller() -> None:
    state = a_state()
    assert len(pack(state)) < len(state) * 0.65


def test_plain_json_of_earlier_ledgers_is_read_as_it_is() -> None:
    state = a_state()
    assert unpack(state) == state


@pytest.mark.parametrize(
    "stored",
    [b"", b"\x02abc", bytes((FORMAT_V1,)) + b"not deflate", pack(a_state())[:-5]],
    ids=["empty", "unknown format", "not deflate", "cut short"],
)
def test_anything_else_is_refused(stored: bytes) -> None:
    with pytest.raises(StateCodecError):
        unpack(stored)
