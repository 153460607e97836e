"""Corrections and retractions as a table: each row a request and the exact errors it must get."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any
from uuid import UUID

import pytest

from ledger.domain.corrections import (
    MAX_REASON,
    Correction,
    apply_changes,
    check_reason,
    judge_correction,
    judge_retraction,
)
from ledger.domain.errors import DisclosureRefused, DisclosureRetractedError, InvalidChange
from ledger.domain.values import DisclosureFacts, Recipient, Subject
from ledger.domain.vocabulary import Vocabulary
from tests.builders import NOW, a_disclosure

VOCABULARY = Vocabulary.default()
DISCLOSURE_ID = UUID("0b7c1d4e-2f3a-4b5c-8d9e-0f1a2b3c4d5e")
REASON = "Het doel was verkeerd overgenomen uit de loonrun"

# A payroll tax return to the Belastingdienst, as recorded: the start of every row below.
CURRENT = a_disclosure()
FROZEN = "cannot be corrected: retract this disclosure and record a new one"
UNKNOWN = "is not a field of a disclosure"
NOTHING = "change nothing: every value is already as given"
NO_REASON = "is required: say why, for the person and the auditor"
TOO_LONG = f"must be at most {MAX_REASON} characters"
# Recorded when a deployment's vocabulary file still had this category; today's has not.
TO_UNION = replace(CURRENT, recipient=Recipient("vakbond", "FNV", None, "NL"))


def outcome(action: Any) -> tuple[type[Exception], dict[str, str]]:
    try:
        action()
    except (InvalidChange, DisclosureRefused) as error:
        return type(error), error.errors
    pytest.fail("no error was raised")


def judged(
    changes: dict[str, Any], reason: str | None = REASON, *, current: DisclosureFacts = CURRENT
) -> Correction:
    return judge_correction(current, changes, reason, now=NOW, vocabulary=VOCABULARY)


def refused(
    name: str,
    changes: dict[str, Any],
    error: type[Exception],
    /,
    *,
    with_reason: str | None = REASON,
    current: DisclosureFacts = CURRENT,
    **expected: str,
) -> Any:
    """One row; `expected` maps each field path (dots written as '__') to part of its message."""
    paths = {path.replace("__", "."): fragment for path, fragment in expected.items()}
    return pytest.param(current, changes, with_reason, error, paths, id=name)


def corrected(
    name: str, changes: dict[str, Any], facts: DisclosureFacts, *, reason: str = REASON
) -> Any:
    return pytest.param(changes, reason, Correction(facts=facts, reason=reason.strip()), id=name)


REFUSED = [
    # the change itself
    refused(
        "an empty change", {}, InvalidChange, changes="must name at least one field to correct"
    ),
    refused(
        "the controller", {"controller": "87654321"}, InvalidChange, changes__controller=FROZEN
    ),
    refused("the source", {"source": "planning"}, InvalidChange, changes__source=FROZEN),
    refused(
        "the subject id", {"subject": {"id": "E-2"}}, InvalidChange, changes__subject__id=FROZEN
    ),
    refused("an unknown field", {"colour": "red"}, InvalidChange, changes__colour=UNKNOWN),
    refused(
        "the subject's id written as a dotted field",
        {"subject.id": "E-2"},
        InvalidChange,
        changes__subject__id=FROZEN,
    ),
    refused(
        "an unknown field of the subject",
        {"subject": {"nickname": "Jan"}},
        InvalidChange,
        changes__subject__nickname=UNKNOWN,
    ),
    refused(
        "a subject that is no object",
        {"subject": "Jan"},
        InvalidChange,
        changes__subject="must be an object of kind, name and email",
    ),
    refused(
        "every frozen and unknown field at once",
        {"controller": "87654321", "source": "x", "colour": "red", "subject": {"id": "E-2"}},
        InvalidChange,
        changes__controller=FROZEN,
        changes__source=FROZEN,
        changes__colour=UNKNOWN,
        changes__subject__id=FROZEN,
    ),
    refused(
        "a frozen field is refused before the result is judged",
        {"controller": "87654321", "purpose": ""},
        InvalidChange,
        changes__controller=FROZEN,
    ),
    # the corrected disclosure, judged like a new one
    refused(
        "bsn under contract",
        {"legal_basis": "contract"},
        DisclosureRefused,
        legal_basis="must be legal_obligation or public_task when bsn is disclosed",
    ),
    refused("an empty purpose", {"purpose": ""}, DisclosureRefused, purpose="must not be empty"),
    refused(
        "a suppression without its authority",
        {"suppressed_until": date(2027, 1, 31)},
        DisclosureRefused,
        suppression_authority="is required when suppressed_until is given",
    ),
    refused(
        "a subject name with a control character",
        {"subject": {"name": "Jan\x1b[31m"}},
        DisclosureRefused,
        subject__name="must not contain control characters (found U+001B)",
    ),
    refused(
        "occurred in the future",
        {"occurred_at": NOW + timedelta(hours=1)},
        DisclosureRefused,
        occurred_at="must not be more than 5 minutes in the future",
    ),
    refused(
        "a refused result is refused before its reason is read",
        {"purpose": ""},
        DisclosureRefused,
        with_reason=None,
        purpose="must not be empty",
    ),
    refused(
        "a change of nothing to a disclosure today's rules refuse",
        {"purpose": TO_UNION.purpose},
        DisclosureRefused,
        current=TO_UNION,
        recipient__category="is not a known recipient category",
    ),
    # a change that changes nothing
    refused("the purpose it has", {"purpose": CURRENT.purpose}, InvalidChange, changes=NOTHING),
    refused(
        "the subject name it has",
        {"subject": {"name": CURRENT.subject.name}},
        InvalidChange,
        changes=NOTHING,
    ),
    refused("an empty subject change", {"subject": {}}, InvalidChange, changes=NOTHING),
    refused(
        "the data categories it has, as a list",
        {"data_categories": list(CURRENT.data_categories)},
        InvalidChange,
        changes=NOTHING,
    ),
    refused(
        "every value as it is",
        {"purpose": CURRENT.purpose, "legal_basis": CURRENT.legal_basis, "transfer": None},
        InvalidChange,
        changes=NOTHING,
    ),
    refused(
        "a change of nothing is refused before its reason is read",
        {"purpose": CURRENT.purpose},
        InvalidChange,
        with_reason=None,
        changes=NOTHING,
    ),
    # the reason
    refused("no reason", {"purpose": "X"}, InvalidChange, with_reason=None, reason=NO_REASON),
    refused("an empty reason", {"purpose": "X"}, InvalidChange, with_reason="", reason=NO_REASON),
    refused(
        "a blank reason", {"purpose": "X"}, InvalidChange, with_reason=" \t\n ", reason=NO_REASON
    ),
    refused(
        "a reason of 501 characters",
        {"purpose": "X"},
        InvalidChange,
        with_reason="r" * 501,
        reason=TOO_LONG,
    ),
    refused(
        "a NUL in the reason",
        {"purpose": "X"},
        InvalidChange,
        with_reason="Typo\x00",
        reason="must not contain control characters (found U+0000)",
    ),
    refused(
        "an escape sequence in the reason",
        {"purpose": "X"},
        InvalidChange,
        with_reason="Typo \x1b[2J",
        reason="must not contain control characters (found U+001B)",
    ),
    refused(
        "a right-to-left override in the reason",
        {"purpose": "X"},
        InvalidChange,
        with_reason="Typo \u202ehtgnel",
        reason="must not contain control characters (found U+202E)",
    ),
    refused(
        "a newline inside the reason",
        {"purpose": "X"},
        InvalidChange,
        with_reason="Typo\nin purpose",
        reason="must not contain control characters (found U+000A)",
    ),
]

CORRECTED = [
    corrected(
        "a new purpose",
        {"purpose": "Loonaangifte november 2026"},
        replace(CURRENT, purpose="Loonaangifte november 2026"),
    ),
    corrected(
        "a new subject name, the id kept",
        {"subject": {"name": "Jan de Vries"}},
        replace(CURRENT, subject=replace(CURRENT.subject, name="Jan de Vries")),
    ),
    corrected(
        "the subject's e-mail dropped and kind changed",
        {"subject": {"email": None, "kind": "candidate"}},
        replace(CURRENT, subject=Subject("E-00001", "candidate", "Jan Jansen 1", None)),
    ),
    corrected(
        "data categories given as a list",
        {"data_categories": ["naam", "bsn"]},
        replace(CURRENT, data_categories=("naam", "bsn")),
    ),
    corrected(
        "a suppression with its authority",
        {"suppressed_until": date(2027, 1, 31), "suppression_authority": "OvJ Utrecht"},
        replace(CURRENT, suppressed_until=date(2027, 1, 31), suppression_authority="OvJ Utrecht"),
    ),
    corrected(
        "the same moment with another UTC offset",
        {"occurred_at": datetime(2026, 10, 31, 11, 0, tzinfo=UTC)},
        replace(CURRENT, occurred_at=datetime(2026, 10, 31, 11, 0, tzinfo=UTC)),
    ),
    corrected(
        "a reason with surrounding white space",
        {"purpose": "X"},
        replace(CURRENT, purpose="X"),
        reason="  Typo\n",
    ),
    corrected(
        "a reason of exactly 500 characters",
        {"purpose": "X"},
        replace(CURRENT, purpose="X"),
        reason="r" * 500,
    ),
    corrected(
        "a reason in any script",
        {"purpose": "X"},
        replace(CURRENT, purpose="X"),
        reason="Zürich, Łódź, Ελλάδα: verkeerd doel",
    ),
]


@pytest.mark.parametrize(("current", "changes", "reason", "error", "expected"), REFUSED)
def test_refuses_a_correction_with_exactly_the_errors_of_its_row(
    current: DisclosureFacts,
    changes: dict[str, Any],
    reason: str | None,
    error: type[Exception],
    expected: dict[str, str],
) -> None:
    kind, errors = outcome(lambda: judged(changes, reason, current=current))

    assert kind is error
    assert sorted(errors) == sorted(expected)
    for path, fragment in expected.items():
        assert fragment in errors[path], f"{path}: {errors[path]!r} lacks {fragment!r}"


@pytest.mark.parametrize(("changes", "reason", "expected"), CORRECTED)
def test_a_correction_that_keeps_every_rule_gives_the_corrected_facts_and_its_reason(
    changes: dict[str, Any], reason: str, expected: Correction
) -> None:
    assert judged(changes, reason) == expected


def test_a_correction_leaves_the_current_facts_as_they_were() -> None:
    before = a_disclosure()

    judged({"purpose": "Loonaangifte november 2026"}, current=before)

    assert before == CURRENT


def test_a_correction_is_judged_against_the_clock_it_is_given() -> None:
    later = NOW + timedelta(days=30)
    changes = {"occurred_at": later}

    assert "occurred_at" in outcome(lambda: judged(changes))[1]
    result = judge_correction(CURRENT, changes, REASON, now=later, vocabulary=VOCABULARY)
    assert result.facts.occurred_at == later


def test_a_correction_is_judged_against_the_vocabulary_it_is_given() -> None:
    vocabulary = VOCABULARY.extended(
        {"recipient_categories": [{"code": "vakbond", "nl": "Vakbond", "en": "Union", "dpv": None}]}
    )

    result = judge_correction(TO_UNION, {"purpose": "X"}, REASON, now=NOW, vocabulary=vocabulary)

    assert result.facts == replace(TO_UNION, purpose="X")


def test_a_naive_clock_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        judge_correction(
            CURRENT, {"purpose": "X"}, REASON, now=datetime(2026, 11, 2), vocabulary=VOCABULARY
        )


# -- retraction ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reason", "expected"),
    [
        pytest.param(None, NO_REASON, id="no reason"),
        pytest.param("", NO_REASON, id="an empty reason"),
        pytest.param("   ", NO_REASON, id="a blank reason"),
        pytest.param("r" * 501, TOO_LONG, id="a reason of 501 characters"),
        pytest.param("Fout\x00", "must not contain control characters (found U+0000)", id="NUL"),
        pytest.param("Fout\x1b", "must not contain control characters (found U+001B)", id="ESC"),
        pytest.param("\u202eFout", "must not contain control characters (found U+202E)", id="RLO"),
        pytest.param(
            "Fout\x85en meer", "must not contain control characters (found U+0085)", id="NEL"
        ),
        pytest.param(
            "Fout \ud800",
            "contains an unpaired surrogate (U+D800): half of an escaped pair, which is no"
            " character",
            id="lone surrogate",
        ),
    ],
)
def test_refuses_a_retraction_without_a_good_reason(reason: str | None, expected: str) -> None:
    kind, errors = outcome(
        lambda: judge_retraction(disclosure_id=DISCLOSURE_ID, is_retracted=False, reason=reason)
    )

    assert kind is InvalidChange
    assert errors == {"reason": expected}


@pytest.mark.parametrize("reason", [REASON, None, "Fout\x00"])
def test_refuses_to_retract_a_retracted_disclosure_whatever_the_reason(
    reason: str | None,
) -> None:
    with pytest.raises(DisclosureRetractedError) as raised:
        judge_retraction(disclosure_id=DISCLOSURE_ID, is_retracted=True, reason=reason)

    assert raised.value.disclosure_id == DISCLOSURE_ID
    assert str(DISCLOSURE_ID) in str(raised.value)


@pytest.mark.parametrize(
    ("reason", "expected"),
    [
        pytest.param("Dubbel geboekt", "Dubbel geboekt", id="a reason"),
        pytest.param("  Dubbel geboekt\n", "Dubbel geboekt", id="a reason with white space"),
        pytest.param("r" * 500, "r" * 500, id="a reason of exactly 500 characters"),
    ],
)
def test_a_retraction_with_a_reason_gives_the_reason_stripped(reason: str, expected: str) -> None:
    assert (
        judge_retraction(disclosure_id=DISCLOSURE_ID, is_retracted=False, reason=reason) == expected
    )


# -- the building blocks keep their messages -------------------------------------------------------


def test_apply_changes_refuses_a_frozen_field_with_its_path() -> None:
    with pytest.raises(InvalidChange) as raised:
        apply_changes(CURRENT, {"subject": {"id": "E-2", "name": "X"}})

    assert raised.value.errors == {"changes.subject.id": FROZEN}


def test_apply_changes_does_not_judge_the_result() -> None:
    assert apply_changes(CURRENT, {"purpose": ""}) == replace(CURRENT, purpose="")


def test_check_reason_is_idempotent() -> None:
    assert check_reason(check_reason("  Typo \n")) == "Typo"


def test_a_reason_may_hold_a_non_breaking_space_but_not_a_tab() -> None:
    assert check_reason("Typo\u00a0in doel") == "Typo\u00a0in doel"
    with pytest.raises(InvalidChange, match=r"U\+0009"):
        check_reason("Typo\tin doel")


def test_offsets_are_kept_in_the_corrected_facts() -> None:
    plus_two = datetime(2026, 10, 31, 13, 0, tzinfo=timezone(timedelta(hours=2)))

    result = judged({"occurred_at": plus_two})

    assert result.facts.occurred_at.utcoffset() == timedelta(hours=2)
