"""The stored form of an event's state: zstd against the trained dictionary (format 2), deflate
against the fixed one (format 1, as ledgers stored events before format 2), or plain JSON as
ledgers before both stored it. Every format stays readable."""

from __future__ import annotations

import hashlib
import json
import os
import threading

import pytest

from ledger.adapters.state_codec import (
    DICTIONARY_V2_FILE,
    FORMAT_V1,
    FORMAT_V2,
    MAX_STATE,
    StateCodecError,
    pack,
    pack_v1,
    unpack,
)

# One state as stored in each format, byte for byte (made by `pack` and `pack_v1`): the
# events a ledger holds must read whatever the code that reads them becomes.
STATE = (
    b'{"timestamp":{"_type_":"datetime_iso","_data_":"2026-12-02T18:06:57.952115+00:00"},'
    b'"fields":{"recipient":{"category":"belastingdienst"},"purpose":"Loonaangifte"},'
    b'"subject_tag":"b8cadbca8a0743f184b96a18ed5fcbea"}'
)
STORED_V2 = bytes.fromhex(
    "0220d3350200b3830a5dbcd07ef35fbbc751dbbc298e7fd20b35d67c77cdf1f6b6bf4ac1b486c5629b1735465973"
    "c6ad29b03008fc26f98019bdacfb7983fb811a7e6135494c1659646bc002"
)
STORED_V1 = bytes.fromhex(
    "01232b311a1ae91a1885185a58199859999aeb599a1a191a9a221223224de14a29e8856e2d7228fb006bc04460"
    "99909906ac856bd1fd9864919c9892949c689168606e629c666861926469966868919a629a969c949aa8540b00"
)


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
    assert packed[0] == FORMAT_V2
    assert unpack(packed) == state


@pytest.mark.parametrize("size", [0, 100, 20_000])
def test_a_state_of_format_1_still_unpacks(size: int) -> None:
    state = a_state(size)
    packed = pack_v1(state)
    assert packed[0] == FORMAT_V1
    assert unpack(packed) == state


@pytest.mark.parametrize("stored", [STORED_V2, STORED_V1, STATE], ids=["v2", "v1", "plain"])
def test_stored_bytes_of_every_format_read_as_they_were_written(stored: bytes) -> None:
    assert unpack(stored) == STATE


def test_format_2_writes_what_it_wrote_with_the_dictionary_it_was_written_with() -> None:
    """Format 2's events decompress only with these very dictionary bytes: a new dictionary is
    a new format byte, never a new file."""
    assert (
        hashlib.sha256(DICTIONARY_V2_FILE.read_bytes()).hexdigest()
        == "09fc7d5f5cdcd83417fdd07026e40a815e7d3b88780ebc7204fa30d3fa55bd5f"
    )
    assert pack(STATE) == STORED_V2


def test_the_dictionary_makes_a_disclosure_much_smaller() -> None:
    state = a_state()
    assert len(pack(state)) < len(state) * 0.65


def test_plain_json_of_earlier_ledgers_is_read_as_it_is() -> None:
    state = a_state()
    assert unpack(state) == state


def test_threads_pack_and_unpack_at_once() -> None:
    """zstd's contexts serve one thread at a time: each thread has its own."""
    states = [a_state(size) for size in range(0, 4000, 50)]
    failures: list[str] = []

    def work() -> None:
        for _ in range(20):
            for state in states:
                if unpack(pack(state)) != state:
                    failures.append("differs")

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


@pytest.mark.parametrize(
    "stored",
    [
        b"",
        b"\x03abc",
        bytes((FORMAT_V1,)) + b"not deflate",
        pack_v1(a_state())[:-5],
        bytes((FORMAT_V2,)) + b"not zstd at all",
        pack(a_state())[:-5],
        bytes((FORMAT_V2,)),
        pack(bytes(MAX_STATE + 1)),
    ],
    ids=[
        "empty",
        "unknown format",
        "not deflate",
        "deflate cut short",
        "not zstd",
        "zstd cut short",
        "no frame",
        "longer than any state",
    ],
)
def test_anything_else_is_refused(stored: bytes) -> None:
    with pytest.raises(StateCodecError):
        unpack(stored)
