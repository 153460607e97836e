"""orjson where it is exact: the canonical bytes and the parsed values are the standard library's,
for any document, floats, odd characters and values orjson refuses included."""

from __future__ import annotations

import json
import math
import uuid
from collections import OrderedDict
from datetime import UTC, datetime
from enum import Enum, IntEnum
from typing import Any

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.adapters import fast_json
from ledger.adapters.vault import SubjectKey, SubjectVault
from ledger.domain.disclosure import opening, opening_document


def standard(document: Any) -> bytes:
    """The encoding every commitment was made with."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


# Every character but lone surrogates (which no UTF-8 text holds): control characters, DEL,
# quotes, backslashes, U+2028, astral planes.
TEXT = st.text(st.characters(exclude_categories=["Cs"]))
LEAVES = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | TEXT
)
DOCUMENTS = st.recursive(
    LEAVES,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(TEXT, inner, max_size=5),
    max_leaves=30,
)


@settings(max_examples=500)
@given(DOCUMENTS)
def test_the_canonical_bytes_are_the_standard_librarys_for_any_document(document: Any) -> None:
    assert fast_json.canonical(document) == standard(document)


@settings(max_examples=500)
@given(DOCUMENTS)
def test_the_indented_text_is_the_standard_librarys_for_any_document(document: Any) -> None:
    assert fast_json.indented(document) == json.dumps(document, ensure_ascii=False, indent=2)


@pytest.mark.parametrize(
    "document",
    [
        {},
        [],
        {"empty": {}, "none": [], "nested": [[], {}, [[]], {"a": {}}]},
        {"f": 1e-05, "big": 2**64, "tuple": (1, ("a", {}))},
        {1: "a", "b": 2},  # a key the standard library writes as a string
        {"\x00\x1f\x7f\u2028": '"\\\n\t\b\f\r', "ë🙂": "𝄞"},
        [{"a": [1, 2, {"b": None, "c": True}]}, "x"],
    ],
)
def test_odd_and_empty_documents_are_indented_as_the_standard_library_indents_them(
    document: Any,
) -> None:
    assert fast_json.indented(document) == json.dumps(document, ensure_ascii=False, indent=2)


def test_what_the_standard_library_refuses_to_indent_it_still_refuses() -> None:
    with pytest.raises(TypeError):
        fast_json.indented({"when": datetime(2026, 1, 1, tzinfo=UTC)})


@settings(max_examples=300)
@given(DOCUMENTS)
def test_parsing_gives_the_standard_librarys_values(document: Any) -> None:
    for text in (standard(document), json.dumps(document).encode()):
        assert fast_json.loads(text) == json.loads(text)


@pytest.mark.parametrize(
    "document",
    [
        {"f": 1e-05},  # orjson alone writes 0.00001
        {"f": 1e16},
        [1.0, -0.0],
        {"big": 2**64},  # past orjson's 64 bits
        {"tuple": (1, "a")},
        OrderedDict(b=1, a=2),
        {"e": IntEnum("N", "ONE").ONE},
        {"\x00\x1f\x7f\u2028": '"\\\n\t\b\f\r'},
    ],
)
def test_what_orjson_alone_would_write_differently_is_the_standard_librarys(
    document: Any,
) -> None:
    assert fast_json.canonical(document) == standard(document)


@pytest.mark.parametrize(
    "document",
    [
        {"when": datetime(2026, 1, 1, tzinfo=UTC)},
        {"id": uuid.UUID(int=1)},
        {"colour": Enum("Colour", "RED").RED},
        {1: "a", "b": 2},  # keys the standard library cannot sort
        {"nan": math.nan},
    ],
)
def test_what_the_standard_library_refuses_or_writes_as_nan_it_still_does(document: Any) -> None:
    try:
        expected = standard(document)
    except TypeError:
        with pytest.raises(TypeError):
            fast_json.canonical(document)
    else:
        assert fast_json.canonical(document) == expected


@pytest.mark.parametrize(
    "text",
    [
        b'{"a":1,"a":2}',
        b"[NaN, Infinity, 1e400]",
        b'"\\ud800"',
        b'"\xed\xa0\x80"',
        b"\xef\xbb\xbf{}",
        b"123456789012345678901234567890",
        b"-9223372036854775809",
        b"18446744073709551616",
    ],
)
def test_what_orjson_refuses_or_reads_otherwise_is_parsed_by_the_standard_library(
    text: bytes,
) -> None:
    parsed = fast_json.loads(text)
    expected = json.loads(text)
    assert repr(parsed) == repr(expected)


@pytest.mark.parametrize(
    "text",
    [
        b'{"id":"00000001003214345000"}',
        b'["ref-12345678901234567890", 1]',
        b'{"small": -123456789012345678, "float": 0.12345678901234567890123}',
    ],
)
def test_long_digits_in_strings_and_numbers_orjson_reads_exactly_take_the_quick_way(
    text: bytes,
) -> None:
    assert fast_json.quick_loads(text) == json.loads(text)


@pytest.mark.parametrize(
    "text", [b"[1, 12345678901234567890]", b'{"a": -12345678901234567890}', b"1234567890123456789"]
)
def test_a_long_integer_never_takes_the_quick_way(text: bytes) -> None:
    with pytest.raises(fast_json.Unsure):
        fast_json.quick_loads(text)


def test_what_neither_parses_fails_as_the_standard_library_fails() -> None:
    with pytest.raises(json.JSONDecodeError):
        fast_json.loads(b"{not json")


OPENINGS = st.fixed_dictionaries(
    {
        "disclosure_id": st.uuids(),
        "version": st.integers(min_value=1, max_value=2**31),
        "event_type": st.sampled_from(
            ["DisclosureRecorded", "DisclosureCorrected", "DisclosureRetracted"]
        ),
        "clear": st.dictionaries(TEXT, DOCUMENTS, max_size=8),
        "secret": st.dictionaries(TEXT, st.none() | TEXT, max_size=5),
        "retraction": st.none() | TEXT,
        "reason": st.none() | TEXT,
    }
)


@settings(max_examples=300)
@given(OPENINGS)
def test_an_opening_encoded_fast_is_the_opening_its_commitment_binds(values: Any) -> None:
    assert fast_json.canonical(opening_document(**values)) == opening(**values)


SEALED_TEXT = st.none() | TEXT


@settings(max_examples=300)
@given(st.dictionaries(TEXT, SEALED_TEXT, max_size=5))
def test_the_sealed_plaintext_is_the_standard_librarys_ascii_json(payload: dict[str, Any]) -> None:
    """A seal's plaintext is what it always was, every character past printable ASCII (DEL
    included) escaped, though orjson writes it where it can."""
    key = SubjectKey(tag="00" * 16, aead=AESGCM(bytes(32)), digest_key=bytes(32))
    disclosure_id = uuid.UUID(int=5)
    sealed = SubjectVault.seal(key, disclosure_id, payload)
    opened = SubjectVault.open_bytes(key, disclosure_id.bytes, sealed)
    assert opened == json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
    assert SubjectVault.open(key, disclosure_id, sealed) == payload


@pytest.mark.parametrize("text", ["plain", "x\x7fy", "Wiśniewski", "tab\t\u2028", ""])
def test_a_sealed_plaintext_with_odd_characters_is_the_standard_librarys(text: str) -> None:
    key = SubjectKey(tag="00" * 16, aead=AESGCM(bytes(32)), digest_key=bytes(32))
    disclosure_id = uuid.UUID(int=6)
    payload = {"subject_name": text, "subject_id": "E-1"}
    opened = SubjectVault.open_bytes(
        key, disclosure_id.bytes, SubjectVault.seal(key, disclosure_id, payload)
    )
    assert opened == json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
