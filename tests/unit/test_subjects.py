"""One person, one id: the normal form of a subject id and the ids no person can have."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.domain.errors import InvalidSubjectId
from ledger.domain.subjects import MAX_LENGTH, normal_form, normal_subject_id, subject_id_problem


@pytest.mark.parametrize(
    ("given_id", "normal"),
    [
        ("E-10001", "E-10001"),
        (" E-10001 ", "E-10001"),
        ("\tE-10001\n", "E-10001"),
        ("\u00a0E-10001\u3000", "E-10001"),  # non-breaking and ideographic space
        ("\uff25-\uff11\uff10\uff10\uff10\uff11", "E-10001"),  # full width
        ("\uff11\uff11\uff11\uff12\uff12\uff12\uff13\uff13\uff13", "111222333"),
        ("Jan Jansen", "Jan Jansen"),
        ("Ren\u00e9", "Ren\u00e9"),
        ("Rene\u0301", "Ren\u00e9"),  # a combining accent is composed
        ("\u2460", "1"),  # circled digit one
    ],
)
def test_the_normal_form_folds_width_and_compatibility_forms_and_trims(
    given_id: str, normal: str
) -> None:
    assert normal_form(given_id) == normal
    assert normal_subject_id(given_id) == normal


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("", "must not be empty"),
        ("   ", "must not be empty"),
        ("E" * (MAX_LENGTH + 1), f"at most {MAX_LENGTH} characters"),
        ("A/B", "must not contain '/'"),
        ("\uff0f", "must not contain '/'"),  # full-width solidus folds to '/'
        (".", "must not be '.'"),
        ("..", "must not be '..'"),
        ("\u2025", "must not be '..'"),  # two dot leader folds to '..'
        ("E-1\x00", "control characters (found U+0000)"),
        ("E-1\x1b[31m", "control characters (found U+001B)"),
        ("E\u202e1-", "control characters (found U+202E)"),
        ("E-1\u200b", "U+200B"),
        ("\u2060E-1", "U+2060"),
        ("E-\u00ad1", "U+00AD"),  # soft hyphen: invisible
        ("E\u2028-1", "U+2028"),
        ("E\u2029-1", "U+2029"),
        ("E-1\ue000", "U+E000"),
        ("E-1\U000e0001", "U+E0001"),
        ("E-1\u0378", "U+0378"),  # unassigned
        ("E-1\ufffd", "U+FFFD"),
        ("E-1\ud800", "unpaired surrogate (U+D800)"),
    ],
)
def test_an_id_that_a_url_cannot_name_or_that_looks_like_another_is_refused(
    value: str, fragment: str
) -> None:
    with pytest.raises(InvalidSubjectId) as refused:
        normal_subject_id(value)

    assert list(refused.value.errors) == ["subject_id"]
    assert fragment in refused.value.errors["subject_id"]


def test_the_refusal_names_the_field_it_is_given() -> None:
    with pytest.raises(InvalidSubjectId) as refused:
        normal_subject_id("a/b", field="SUBJECT_ID")
    assert list(refused.value.errors) == ["SUBJECT_ID"]
    assert str(refused.value).startswith("SUBJECT_ID: must not contain '/'")


@pytest.mark.parametrize("value", [" E-1", "E-1 ", "\uff25-1", "Rene\u0301"])
def test_an_id_that_is_not_in_its_normal_form_is_a_problem_as_given(value: str) -> None:
    problem = subject_id_problem(value)
    assert problem is not None
    assert "normal form" in problem
    assert repr(normal_form(value)) in problem


@given(st.text(max_size=80))
def test_an_accepted_id_is_its_own_normal_form_and_a_url_segment(value: str) -> None:
    try:
        normal = normal_subject_id(value)
    except InvalidSubjectId:
        return
    assert normal == normal_form(normal)
    assert subject_id_problem(normal) is None
    assert normal_subject_id(normal) == normal
    assert "/" not in normal
    assert normal not in {"", ".", ".."}
    assert 0 < len(normal) <= MAX_LENGTH
    assert all(unicodedata.category(char) not in {"Cc", "Cf", "Cs", "Co", "Cn"} for char in normal)
