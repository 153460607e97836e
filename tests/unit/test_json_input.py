"""The bounded JSON parser that every request body and import line goes through."""

from __future__ import annotations

import json
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.json_input import MAX_DEPTH, JSONRefused, OversizedNumber, loads


def nested(depth: int, inner: str = "1") -> str:
    return "[" * depth + inner + "]" * depth


def refusal(document: str | bytes) -> dict[str, str]:
    with pytest.raises(JSONRefused) as refused:
        loads(document)
    return refused.value.errors


def test_nesting_up_to_the_bound_is_parsed_and_one_level_more_is_refused() -> None:
    assert MAX_DEPTH == 32
    assert loads(nested(32)) == json.loads(nested(32))
    assert refusal(nested(33)) == {"body": "nests deeper than 32 levels"}
    assert refusal(nested(100_000).encode()) == {"body": "nests deeper than 32 levels"}


def test_objects_count_as_levels_like_arrays() -> None:
    document = '{"a": ' * 33 + "1" + "}" * 33
    assert refusal(document) == {".".join(["a"] * 32): "nests deeper than 32 levels"}


@pytest.mark.parametrize(
    ("document", "path"),
    [
        ('{"purpose": ' + nested(40) + "}", "purpose"),
        (
            '{"items": [{"a": 1}, {"purpose": "x", "subject": {"id": ' + nested(40) + "}}]}",
            "items.1.subject.id",
        ),
        ('{"data_categories": ["naam", ' + nested(40) + "]}", "data_categories"),
        ('{"changes": {"recipient": {"name": ' + nested(40) + "}}}", "changes.recipient.name"),
        ('{"a\\"]]]": {"b": ' + nested(40) + "}}", 'a"]]].b'),
    ],
)
def test_a_refusal_names_the_field_where_the_nesting_goes_too_deep(
    document: str, path: str
) -> None:
    assert refusal(document) == {path: "nests deeper than 32 levels"}


@pytest.mark.parametrize(
    "document",
    [
        json.dumps({"purpose": "[" * 1_000 + "{" * 1_000}),
        json.dumps({"purpose": 'say \\"[[[[" ' + "[" * 100}),
        json.dumps(["[" * 50, "]" * 50, "{" * 50]),
    ],
)
def test_brackets_inside_strings_are_no_nesting(document: str) -> None:
    assert loads(document) == json.loads(document)


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(),
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
        ),
        max_leaves=20,
    )
)
def test_what_the_standard_library_parses_within_the_bound_is_parsed_alike(value: object) -> None:
    text = json.dumps(value)
    assert loads(text) == json.loads(text)
    assert loads(text.encode()) == json.loads(text)


def test_an_integer_beyond_the_conversion_limit_stays_a_value_of_its_own() -> None:
    limit = sys.get_int_max_str_digits()
    parsed = loads('{"a": ' + "9" * (limit + 1) + ', "b": -' + "9" * limit + "}")

    assert isinstance(parsed["a"], OversizedNumber)
    assert parsed["a"].digits == limit + 1
    assert parsed["b"] == -int("9" * limit)


@pytest.mark.parametrize(
    ("document", "fragment"),
    [
        ("{not json", "is not JSON: Expecting property name enclosed in double quotes"),
        ("", "is not JSON: Expecting value (line 1, column 1)"),
        (b'{"a": "\xff"}', "is not UTF-8 text (byte 8 is not)"),
        ('{"a": 1}'.encode("utf-16"), "is not UTF-8 text (byte 1 is not)"),
        (b'"\xed\xa0\x80"', "is not UTF-8 text (byte 2 is not)"),  # a surrogate, raw
    ],
)
def test_what_is_not_json_is_refused_as_the_body(document: str | bytes, fragment: str) -> None:
    errors = refusal(document)
    assert list(errors) == ["body"]
    assert fragment in errors["body"]
