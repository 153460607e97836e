"""The Art. 18 rules as a table: when a disclosure of a restricted person needs a ground, and
what a restriction itself must state."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest

from ledger.domain.errors import DisclosureRefused, InvalidChange, RestrictionConflict
from ledger.domain.policy import check_disclosure
from ledger.domain.restriction import (
    RestrictionState,
    judge_imposing,
    judge_lifting,
    restriction_problem,
)
from ledger.domain.vocabulary import Vocabulary
from tests.builders import a_disclosure

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
SINCE = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
HOLDING = RestrictionState(since=SINCE, until=date(2026, 11, 30))
LIFTED = RestrictionState(
    since=SINCE, until=date(2026, 11, 30), lifted_at=datetime(2026, 11, 10, 12, tzinfo=UTC)
)
GROUNDS = Vocabulary.default().restriction_grounds


def at(moment: datetime, ground: str | None = None) -> Any:
    return replace(a_disclosure(1), occurred_at=moment, restriction_ground=ground)


REQUIRED = (
    "is required: the processing of this person's data is restricted (GDPR Art. 18) until"
    " 2026-11-30"
)


@pytest.mark.parametrize(
    ("occurred_at", "ground", "restrictions", "expected"),
    [
        # No restriction, or one that does not cover the moment: nothing to say.
        (datetime(2026, 11, 5, tzinfo=UTC), None, [], None),
        (datetime(2026, 11, 2, 8, 59, tzinfo=UTC), None, [HOLDING], None),  # before since
        (datetime(2026, 11, 30, 23, 0, tzinfo=UTC), None, [HOLDING], None),  # 1 Dec in NL
        (datetime(2026, 11, 10, 12, tzinfo=UTC), None, [LIFTED], None),  # at the lifting
        # Covered: refused without a ground, whichever ground is given it passes.
        (SINCE, None, [HOLDING], REQUIRED),
        (datetime(2026, 11, 30, 22, 59, tzinfo=UTC), None, [HOLDING], REQUIRED),  # 23:59 NL
        (datetime(2026, 11, 10, 11, 59, tzinfo=UTC), None, [LIFTED], REQUIRED),  # before lift
        (SINCE, "consent", [HOLDING], None),
        (SINCE, "legal_claims", [HOLDING], None),
        (SINCE, "protection_of_others", [HOLDING], None),
        (SINCE, "public_interest", [HOLDING], None),
        # A ground without a restriction is recorded as given.
        (datetime(2026, 1, 1, tzinfo=UTC), "legal_claims", [], None),
    ],
)
def test_a_disclosure_of_a_restricted_person_needs_a_ground_of_article_18_2(
    occurred_at: datetime,
    ground: str | None,
    restrictions: list[RestrictionState],
    expected: str | None,
) -> None:
    problem = restriction_problem(at(occurred_at, ground), restrictions, GROUNDS)
    if expected is None:
        assert problem is None
    else:
        assert problem is not None
        assert problem.startswith(expected)
        assert "consent, legal_claims, protection_of_others, public_interest" in problem


def test_of_overlapping_restrictions_the_message_names_the_latest_end() -> None:
    later = RestrictionState(since=SINCE, until=date(2027, 3, 1))
    problem = restriction_problem(at(SINCE), [HOLDING, later], GROUNDS)
    assert problem is not None
    assert "until 2027-03-01" in problem


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"reason": " "}, "reason"),
        ({"reason": "x" * 1001}, "reason"),
        ({"until": date(2026, 11, 1)}, "until"),
        ({"until": date(2028, 11, 10)}, "until"),
        ({"since": datetime(2026, 11, 2, 9, 6, tzinfo=UTC)}, "since"),
        ({"since": datetime(1999, 12, 31, tzinfo=UTC)}, "since"),
        ({"since": datetime(2026, 11, 2, 9, 0)}, "since"),
    ],
)
def test_a_restriction_must_have_a_reason_a_sound_start_and_an_end_within_two_years(
    changes: dict[str, Any], field: str
) -> None:
    values: dict[str, Any] = {"reason": "betwist", "since": SINCE, "until": date(2026, 12, 31)}
    with pytest.raises(InvalidChange) as refused:
        judge_imposing(**{**values, **changes}, now=NOW)
    assert field in refused.value.errors


def test_a_restriction_today_until_today_and_one_two_years_ahead_are_fine() -> None:
    assert judge_imposing(reason=" r ", since=SINCE, until=date(2026, 11, 2), now=NOW) == "r"
    judge_imposing(reason="r", since=SINCE, until=date(2028, 11, 2), now=NOW)


def test_a_restriction_is_lifted_once_and_not_after_it_ended() -> None:
    judge_lifting(until=date(2026, 11, 2), lifted_at=None, now=NOW)
    with pytest.raises(RestrictionConflict):
        judge_lifting(until=date(2026, 11, 30), lifted_at=NOW, now=NOW)
    with pytest.raises(RestrictionConflict):
        judge_lifting(until=date(2026, 11, 1), lifted_at=None, now=NOW)


def test_the_grounds_of_article_18_2_are_fixed_and_labelled_in_both_languages() -> None:
    vocabulary = Vocabulary.default()
    assert tuple(vocabulary.restriction_grounds) == (
        "consent",
        "legal_claims",
        "protection_of_others",
        "public_interest",
    )
    for ground in vocabulary.restriction_grounds.values():
        assert ground.nl
        assert ground.en
        assert ground.citation == "Art. 18(2)"
    with pytest.raises(ValueError, match="restriction_grounds cannot be extended"):
        vocabulary.extended({"restriction_grounds": []})


@pytest.mark.parametrize(
    ("ground", "message"),
    [
        ("legal-claims", "codes are lower_snake_case, use 'legal_claims'"),
        ("vital_interests", "is not a known Art. 18(2) ground"),
    ],
)
def test_a_ground_that_is_not_one_of_article_18_2_is_refused_naming_the_field(
    ground: str, message: str
) -> None:
    with pytest.raises(DisclosureRefused) as refused:
        check_disclosure(at(SINCE, ground), now=NOW, vocabulary=Vocabulary.default())
    assert set(refused.value.errors) == {"restriction_ground"}
    assert message in refused.value.errors["restriction_ground"]
