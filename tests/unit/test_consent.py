"""The consent rule for a disclosure, and the rules of giving and withdrawing, as tables."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from ledger.domain.consent import ConsentState, consent_problem, judge_giving, judge_withdrawal
from ledger.domain.errors import ConsentConflict, InvalidChange, SuppressionConflict
from ledger.domain.suppression_orders import judge_extension, judge_lifting
from tests.builders import a_disclosure

OCCURRED = datetime(2026, 10, 31, 12, 0, tzinfo=UTC)
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
GIVEN = ConsentState(datetime(2026, 1, 1, tzinfo=UTC), None)
WITHDRAWN_BEFORE = ConsentState(datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 10, 1, tzinfo=UTC))
WITHDRAWN_AT = ConsentState(datetime(2026, 1, 1, tzinfo=UTC), OCCURRED)
WITHDRAWN_AFTER = ConsentState(datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC))


def on_consent(**changes: object) -> object:
    return a_disclosure(
        1,
        legal_basis="consent",
        legal_provision=None,
        consent_reference="form 2026-0042",
        occurred_at=OCCURRED,
        **changes,
    )


@pytest.mark.parametrize(
    ("facts", "recorded", "strict", "refused"),
    [
        (on_consent(), [GIVEN], False, None),
        (on_consent(), [GIVEN], True, None),
        (on_consent(), [WITHDRAWN_BEFORE], False, "withdrawn at 2026-10-01"),
        (on_consent(), [WITHDRAWN_BEFORE], True, "withdrawn at 2026-10-01"),
        # Withdrawal works from its moment on: a disclosure at that very moment has no consent.
        (on_consent(), [WITHDRAWN_AT], False, "before occurred_at"),
        (on_consent(), [WITHDRAWN_AFTER], False, None),
        # Given again after an earlier withdrawal under the same reference: one in force is enough.
        (on_consent(), [WITHDRAWN_BEFORE, GIVEN], True, None),
        (on_consent(), [], False, None),
        (on_consent(), [], True, "never recorded for this person"),
        # Explicit consent for special categories is judged the same way.
        (
            a_disclosure(
                1,
                special_category_condition="explicit_consent",
                consent_reference="form 7",
                occurred_at=OCCURRED,
            ),
            [WITHDRAWN_BEFORE],
            False,
            "withdrawn",
        ),
        (a_disclosure(1, occurred_at=OCCURRED), [], True, None),  # not a consent basis
        (a_disclosure(1, occurred_at=OCCURRED, consent_reference="x"), [], True, None),
    ],
)
def test_a_disclosure_on_consent_is_judged_against_the_recorded_consents(
    facts: object, recorded: list[ConsentState], strict: bool, refused: str | None
) -> None:
    problem = consent_problem(facts, recorded, strict=strict)  # type: ignore[arg-type]
    if refused is None:
        assert problem is None
    else:
        assert problem is not None
        assert refused in problem


@pytest.mark.parametrize(
    ("reference", "purpose", "given_at", "fields"),
    [
        ("", "payroll", NOW, {"consent_reference"}),
        ("f", " ", NOW, {"purpose"}),
        ("f", "p", datetime(2027, 1, 1, tzinfo=UTC), {"given_at"}),
        ("f", "p", datetime(1999, 1, 1, tzinfo=UTC), {"given_at"}),
        ("x" * 201, "p", NOW, {"consent_reference"}),
    ],
)
def test_giving_names_each_field_at_fault(
    reference: str, purpose: str, given_at: datetime, fields: set[str]
) -> None:
    with pytest.raises(InvalidChange) as refused:
        judge_giving(consent_reference=reference, purpose=purpose, given_at=given_at, now=NOW)
    assert set(refused.value.errors) == fields


def test_a_consent_is_withdrawn_once_and_not_before_it_was_given() -> None:
    given = datetime(2026, 5, 1, tzinfo=UTC)
    judge_withdrawal(given_at=given, withdrawn_at=None, at=NOW, now=NOW)
    with pytest.raises(ConsentConflict):
        judge_withdrawal(given_at=given, withdrawn_at=NOW, at=NOW, now=NOW)
    with pytest.raises(InvalidChange) as early:
        judge_withdrawal(
            given_at=given, withdrawn_at=None, at=datetime(2026, 4, 1, tzinfo=UTC), now=NOW
        )
    assert set(early.value.errors) == {"withdrawn_at"}


# -- suppression orders --------------------------------------------------------------------

TODAY = date(2026, 11, 2)


@pytest.mark.parametrize(
    ("current", "until", "authority", "reason", "error", "fields"),
    [
        (None, date(2027, 1, 1), "Politie", "onderzoek", None, set()),
        (date(2026, 12, 1), date(2027, 1, 1), "Politie", "onderzoek", None, set()),
        (None, date(2027, 1, 1), "", "", InvalidChange, {"authority", "reason"}),
        (None, TODAY, "Politie", "r", InvalidChange, {"until"}),
        (date(2026, 12, 1), date(2026, 11, 20), "Politie", "r", SuppressionConflict, {"until"}),
        # An ended suppression may be ordered anew, to any later date.
        (date(2026, 10, 1), date(2026, 11, 20), "Politie", "r", None, set()),
    ],
)
def test_extending_a_suppression(
    current: date | None,
    until: date,
    authority: str,
    reason: str,
    error: type[Exception] | None,
    fields: set[str],
) -> None:
    judged = lambda: judge_extension(  # noqa: E731
        current_until=current, until=until, authority=authority, reason=reason, now=NOW
    )
    if error is None:
        assert judged() == (authority, reason)
    else:
        with pytest.raises(error) as refused:
            judged()
        assert set(refused.value.errors) == fields  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("current", "authority", "reason", "error", "fields"),
    [
        (date(2026, 12, 1), "OM", "zaak gesloten", None, set()),
        (date(2026, 12, 1), " ", "r", InvalidChange, {"authority"}),
        (date(2026, 12, 1), "OM", "", InvalidChange, {"reason"}),
        (None, "OM", "r", SuppressionConflict, {"suppressed_until"}),
        (TODAY, "OM", "r", SuppressionConflict, {"suppressed_until"}),  # shown from today on
    ],
)
def test_lifting_a_suppression(
    current: date | None,
    authority: str,
    reason: str,
    error: type[Exception] | None,
    fields: set[str],
) -> None:
    if error is None:
        assert judge_lifting(
            current_until=current, authority=authority, reason=reason, now=NOW
        ) == (
            authority,
            reason,
            TODAY,
        )
    else:
        with pytest.raises(error) as refused:
            judge_lifting(current_until=current, authority=authority, reason=reason, now=NOW)
        assert set(refused.value.errors) == fields  # type: ignore[attr-defined]
