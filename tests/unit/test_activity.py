"""The rules of a valid version of a register's activity, as a table; and the aggregate."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.domain.activity import (
    FIELDS,
    REGISTER_TAG,
    ActivityVersion,
    ProcessingActivity,
    activity_id,
    changed_fields,
    judge_activity,
    judge_reason,
)
from ledger.domain.errors import ActivityConflict, InvalidChange
from ledger.domain.vocabulary import Vocabulary
from tests.activities import an_activity

VOCABULARY = Vocabulary.default()


def errors_of(raw: dict[str, Any], **kwargs: Any) -> dict[str, str]:
    with pytest.raises(InvalidChange) as caught:
        judge_activity(raw, vocabulary=VOCABULARY, **kwargs)
    return caught.value.errors


def test_a_complete_activity_is_accepted_as_its_canonical_content() -> None:
    content = judge_activity(an_activity(), vocabulary=VOCABULARY)
    assert content["code"] == "loonaangifte"
    assert content["valid_from"] == "2026-01-01"
    assert content["valid_until"] is None
    assert content["transfers"] == []
    assert content["special_category_condition"] is None


REFUSED = [
    # (what changes, the field named, a word of the message)
    ({"code": "Loon aangifte"}, "code", "lower-case"),
    ({"code": "x"}, "code", "2-64"),
    ({"code": None}, "code", "required"),
    ({"name": {"nl": "Loonaangifte"}}, "name.en", "required"),
    ({"purpose": {"en": "Payroll"}}, "purpose.nl", "required"),
    ({"purpose": {"nl": "x", "en": "y", "Deutsch": "z"}}, "purpose.Deutsch", "language code"),
    ({"purpose": {"nl": "x", "en": "  "}}, "purpose.en", "empty"),
    ({"purpose": {"nl": "x", "en": "y" * 501}}, "purpose.en", "at most 500"),
    ({"purpose": "Loonaangifte"}, "purpose", "table of texts"),
    ({"controllers": ["1234567"]}, "controllers.0", "KvK"),
    ({"controllers": ["90000001", "90000001"]}, "controllers.1", "repeats"),
    ({"controllers": []}, "controllers", "KvK numbers"),
    ({"legal_basis": "law"}, "legal_basis", "not a known legal basis"),
    ({"legal_basis": "contract"}, "legal_basis", "UAVG art. 46"),
    ({"data_categories": ["naam", "salary"]}, "data_categories.1", "salaris"),
    ({"data_categories": ["naam", "naam"]}, "data_categories.1", "repeats"),
    ({"data_categories": []}, "data_categories", "at least one"),
    ({"recipient_categories": ["belastingdienst", "tax"]}, "recipient_categories.1", "not a known"),
    ({"recipient_categories": []}, "recipient_categories", "at least one"),
    (
        {
            "data_categories": ["naam", "verzuim"],
            "legal_provision": None,
            "legal_basis": "contract",
        },
        "special_category_condition",
        "Art. 9",
    ),
    (
        {"special_category_condition": "occupational_medicine"},
        "special_category_condition",
        "left out",
    ),
    ({"legal_provision": None}, "legal_provision", "name the law"),
    (
        {
            "legal_basis": "legitimate_interests",
            "legal_provision": None,
            "data_categories": ["naam", "vog"],
        },
        "legal_provision",
        "Art. 10",
    ),
    (
        {"transfers": [{"country": "DE", "safeguard": "adequacy_decision"}]},
        "transfers.0.country",
        "EEA",
    ),
    (
        {"transfers": [{"country": "US", "safeguard": "trust"}]},
        "transfers.0.safeguard",
        "safeguard",
    ),
    ({"transfers": [{"country": "US"}]}, "transfers.0", "country and safeguard"),
    ({"retention": "Fiscal"}, "retention", "lower-case"),
    ({"valid_from": None}, "valid_from", "required"),
    ({"valid_from": "1-1-2026"}, "valid_from", "YYYY-MM-DD"),
    ({"valid_from": "2026-02-30"}, "valid_from", "calendar"),
    ({"valid_until": "2025-12-31"}, "valid_until", "before valid_from"),
    ({"security_measures": {"nl": "Versleuteld"}}, "security_measures.en", "required"),
    ({"recipient": "Belastingdienst"}, "recipient", "not a field"),
]


@pytest.mark.parametrize(("change", "field", "word"), REFUSED)
def test_a_version_that_breaks_a_rule_is_refused_naming_the_field(
    change: dict[str, Any], field: str, word: str
) -> None:
    errors = errors_of(an_activity(**change))
    assert field in errors, errors
    assert word.lower() in errors[field].lower(), errors[field]


def test_every_error_is_named_at_once() -> None:
    errors = errors_of(
        an_activity(purpose={"nl": "x"}, controllers=["x"], data_categories=["nope"])
    )
    assert {"purpose.en", "controllers.0", "data_categories.0"} <= set(errors)


def test_further_languages_and_dates_as_toml_gives_them_are_accepted() -> None:
    content = judge_activity(
        an_activity(
            purpose={"nl": "x", "en": "y", "de": "z", "pap": "w"},
            valid_from=date(2026, 1, 1),
            valid_until=date(2026, 12, 31),
        ),
        vocabulary=VOCABULARY,
    )
    assert content["purpose"]["pap"] == "w"
    assert content["valid_until"] == "2026-12-31"


def test_a_special_category_needs_its_art_9_condition_and_then_passes() -> None:
    raw = an_activity(
        "verzuimbegeleiding_arbodienst",
        legal_basis="legal_obligation",
        legal_provision="Wet verbetering poortwachter",
        data_categories=["naam", "verzuim"],
        recipient_categories=["arbodienst"],
        special_category_condition="occupational_medicine",
    )
    assert judge_activity(raw, vocabulary=VOCABULARY)["special_category_condition"] == (
        "occupational_medicine"
    )


def test_a_known_retention_list_refuses_other_codes() -> None:
    errors = errors_of(an_activity(retention="forever"), retention_codes={"fiscal", "default"})
    assert "not a known retention rule" in errors["retention"]


def test_a_transfer_outside_the_eea_with_a_safeguard_passes() -> None:
    content = judge_activity(
        an_activity(transfers=[{"country": "US", "safeguard": "standard_contractual_clauses"}]),
        vocabulary=VOCABULARY,
    )
    assert content["transfers"] == [{"country": "US", "safeguard": "standard_contractual_clauses"}]


@pytest.mark.parametrize(
    ("reason", "required", "outcome"),
    [
        (None, False, None),
        ("  new law  ", True, "new law"),
        (None, True, "reason"),
        ("", True, "reason"),
    ],
)
def test_a_reason_is_stripped_and_required_for_a_revision(
    reason: str | None, required: bool, outcome: str | None
) -> None:
    if outcome == "reason":
        with pytest.raises(InvalidChange) as caught:
            judge_reason(reason, required=required)
        assert "reason" in caught.value.errors
    else:
        assert judge_reason(reason, required=required) == outcome


def test_a_version_reads_back_from_its_content_and_knows_when_it_is_in_force() -> None:
    content = judge_activity(an_activity(valid_until="2026-06-30"), vocabulary=VOCABULARY)
    version = ActivityVersion.from_content(
        content, version=2, reason="r", recorded_at=datetime(2026, 1, 1, tzinfo=UTC)
    )
    assert version.content == content
    assert version.transfers == ()
    assert version.in_force_on(date(2026, 1, 1))
    assert version.in_force_on(date(2026, 6, 30))
    assert not version.in_force_on(date(2026, 7, 1))
    assert not version.in_force_on(date(2025, 12, 31))
    assert version.text("purpose", "de") == content["purpose"]["en"]


def aggregate() -> ProcessingActivity:
    content = judge_activity(an_activity(), vocabulary=VOCABULARY)
    return ProcessingActivity.define(
        code="loonaangifte",
        content=content,
        reason="first version",
        actor="fg",
        subject_tag=REGISTER_TAG,
        commitment="00" * 32,
        salt="00" * 32,
    )


def test_an_activity_has_one_id_per_code_and_events_under_the_register_tag() -> None:
    activity = aggregate()
    assert activity.id == activity_id("loonaangifte")
    new = judge_activity(an_activity(purpose={"nl": "a", "en": "b"}), vocabulary=VOCABULARY)
    activity.revise(content=new, reason="clearer", actor="fg", commitment="00" * 32, salt="00" * 32)
    events = activity.collect_events()
    assert [type(e).__name__ for e in events] == ["ActivityDefined", "ActivityRevised"]
    assert all(e.subject_tag == REGISTER_TAG for e in events)  # type: ignore[attr-defined]
    assert activity.version == 2
    assert changed_fields(judge_activity(an_activity(), vocabulary=VOCABULARY), new) == ["purpose"]


def test_a_revision_that_changes_nothing_or_the_code_is_refused() -> None:
    activity = aggregate()
    same = judge_activity(an_activity(), vocabulary=VOCABULARY)
    with pytest.raises(ActivityConflict):
        activity.revise(content=same, reason="r", actor="fg", commitment="", salt="")
    other = judge_activity(an_activity("pensioenaangifte"), vocabulary=VOCABULARY)
    with pytest.raises(InvalidChange) as caught:
        activity.revise(content=other, reason="r", actor="fg", commitment="", salt="")
    assert "code" in caught.value.errors


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"legal_basis": ["legal_obligation"]}, "legal_basis"),
        ({"special_category_condition": {"a": 1}}, "special_category_condition"),
        ({"data_categories": [1, "salary"]}, "data_categories.0"),
        ({"data_categories": [1, "salary"]}, "data_categories.1"),
        ({"recipient_categories": ["uwv", "uwv"]}, "recipient_categories.1"),
        ({"recipient_categories": [None]}, "recipient_categories.0"),
        ({"transfers": [{"country": 1, "safeguard": []}]}, "transfers.0.country"),
        ({"recipient_categories": ["uwv"] * 41}, "recipient_categories"),
        ({"name": {"nl": 1, "en": "x"}}, "name.nl"),
        ({"valid_from": datetime(2026, 1, 1, tzinfo=UTC)}, "valid_from"),
    ],
)
def test_values_of_the_wrong_type_are_refused_naming_the_field_not_raised(
    change: dict[str, Any], field: str
) -> None:
    assert field in errors_of(an_activity(**change))


VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.text(max_size=8)
    | st.sampled_from(["naam", "uwv", "legal_obligation", "US", "2026-01-01", "nl", "en"])
    | st.dates(),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from([*FIELDS, "reason", "other"]), VALUES))
def test_any_shape_of_input_is_judged_without_an_unexpected_error(raw: dict[str, Any]) -> None:
    errors: dict[str, str] = {}
    try:
        judge_activity({**an_activity(), **raw}, vocabulary=VOCABULARY)
    except InvalidChange as refused:
        errors = refused.errors or {"": ""}
    assert all(isinstance(message, str) and message for message in errors.values())
