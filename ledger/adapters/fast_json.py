"""JSON as the standard library reads and writes it, by orjson wherever that gives the very same
values or bytes, which is nearly always: a proof bundle of 2,000 events decodes and re-encodes
thousands of small documents, and the standard library spends most of that time in per-object
overhead (the canonical encoding of an opening took 10 µs with it and under 1 µs with orjson).

Where the two could differ, the standard library answers. orjson refuses some text the standard
library reads (NaN, a byte order mark, lone surrogates) and reads integers past 64 bits as
floats; it writes some floats differently (``1e-05`` as ``0.00001``) and writes values the
standard library refuses (UUIDs, dates). So text with a number of 19 digits or more is parsed,
and a document with anything but dicts, lists, strings, integers, booleans and None is encoded,
by the standard library. No stored event or opening holds such a value today; this keeps the
values and bytes exact if one ever does.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical(document: Any) -> bytes:
    """`json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)` as
    UTF-8: sorted keys, no spaces, nothing escaped that need not be. Byte for byte, or the same
    error."""
    if plain(document):
        try:
            return orjson.dumps(document, option=orjson.OPT_SORT_KEYS)
        except orjson.JSONEncodeError:  # keys that are not strings, integers past 64 bits
            pass
    return _CANONICAL.encode(document).encode()


def indented(document: Any) -> str:
    """`json.dumps(document, ensure_ascii=False, indent=2)`: the portable copies people download
    (a person's overview with its proof bundle is megabytes, which the standard library writes
    indented in Python, not in C). Character for character, or the same error."""
    if plain(document):
        try:
            return orjson.dumps(document, option=orjson.OPT_INDENT_2).decode()
        except orjson.JSONEncodeError:  # keys that are not strings, integers past 64 bits
            pass
    return json.dumps(document, ensure_ascii=False, indent=2)


class Unsure(ValueError):
    """orjson's answer might not be the standard library's: only the latter can say."""


def loads(text: bytes) -> Any:
    """`json.loads(text)`: the same values, or the same error."""
    try:
        return quick_loads(text)
    except Unsure:
        return json.loads(text)


def quick_loads(text: bytes) -> Any:
    """What `json.loads(text)` gives, by orjson; `Unsure` for text orjson refuses (the standard
    library reads some of it: NaN, a byte order mark, lone surrogates) and for a number of 19
    digits or more, which orjson reads as a float where it passes 64 bits."""
    if _may_hold_a_long_number(text):
        raise Unsure
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        raise Unsure from None


def _may_hold_a_long_number(text: bytes) -> bool:
    """Whether a number of 19 digits or more may be in the text: a run of digits where a value
    starts (the start, or after `:`, `,` or `[`, maybe a minus sign, whitespace left out).
    Digits in a string only seem so (an id of 20 digits after `:"` does not), and what only
    seems so costs the standard library's parse, never a wrong value. One translation and a
    few substring searches: a regular expression took five times as long as parsing."""
    shape = text.translate(_SHAPES, b" \t\n\r")
    return (
        _LONG_VALUE in shape
        or _LONG_NEGATIVE_VALUE in shape
        or shape.startswith(_LONG)
        or shape.startswith(_LONG_NEGATIVE)
    )


# Digits become 0, the bytes a value may follow `:`, a minus sign stays, and the rest a space.
_SHAPES = bytes(
    48 if 48 <= byte <= 57 else 58 if byte in b":,[" else 45 if byte == 45 else 32
    for byte in range(256)
)
_LONG = b"0" * 19
_LONG_NEGATIVE = b"-" + _LONG
_LONG_VALUE = b":" + _LONG
_LONG_NEGATIVE_VALUE = b":" + _LONG_NEGATIVE


_PLAIN = frozenset({str, int, bool, type(None)})
_CONTAINERS = 100_000


def plain(document: Any) -> bool:
    """Whether the document holds only dicts, lists, tuples, strings, integers, booleans and None,
    each of exactly that type (no float, no subclass): one pass, no recursion, and only the
    containers go on the stack. (The common case, a plain value, is tested first.) A document
    of more than `_CONTAINERS` dicts, lists and tuples, or one that holds itself, is not: the
    standard library writes it or names the cycle."""
    pending = [document]
    pop, push, kinds = pending.pop, pending.append, _PLAIN
    left = _CONTAINERS
    while pending:
        left -= 1
        if left < 0:
            return False
        value = pop()
        kind = type(value)
        if kind is dict:
            children = value.values()
        elif kind is list or kind is tuple:
            children = value
        elif kind in kinds:
            continue
        else:
            return False
        for child in children:
            kind = type(child)
            if kind in kinds:
                continue
            if kind is dict or kind is list or kind is tuple:
                push(child)
            else:
                return False
    return True
