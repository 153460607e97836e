"""Recording by activity as a pure rule: what a posting by activity gets filled in, and what it
may not say otherwise (`ledger.domain.by_activity`)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.domain.activity import ActivityVersion
from ledger.domain.by_activity import (
    activity_date,
    activity_key,
    fill_from_activity,
    not_found,
    reopened,
)
from ledger.domain.errors import DisclosureRefused
from ledger.domain.policy import check_disclosure
from ledger.domain.values import DisclosureFacts, Recipient, Transfer
from ledger.domain.vocabulary import Vocabulary
from tests.builders import NOW, a_disclosure

VOCABULARY = Vocabulary.default()


def an_activity(**changes: Any) -> ActivityVersion:
    version = ActivityVersion(
        code="loonaangifte",
        version=2,
        name={"nl": "Loonaangifte", "en": "Payroll tax return"},
        purpose={
            "nl": "Loonaangifte aan de Belastingdienst",
            "en": "Payroll tax return to the tax authority",
        },
        controllers=("12345678",),
        legal_basis="legal_obligation",
        legal_provision="Wet op de loonbelasting 1964, art. 28",
        special_category_condition=None,
        data_categories=("naam", "bsn", "salaris", "contactgegevens"),
        recipient_categories=("belastingdienst",),
        retention=None,
        transfers=(),
        security_measures={"nl": "Versleuteld verzonden", "en": "Sent encrypted"},
        valid_from=date(2026, 1, 1),
        valid_until=None,
        reason="first version",
        recorded_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    return replace(version, **changes)


def by_activity(**changes: Any) -> DisclosureFacts:
    """A posting that names the activity and leaves out what it defines."""
    fields: dict[str, Any] = {
        "activity": "loonaangifte",
        "data_categories": None,
        "legal_basis": None,
        "legal_provision": None,
        "purpose": None,
    }
    return a_disclosure(**{**fields, **changes})


def test_a_posting_by_activity_gets_what_the_activity_defines_and_passes_the_policy() -> None:
    filled = fill_from_activity(by_activity(), an_activity(), vocabulary=VOCABULARY)

    assert filled.legal_basis == "legal_obligation"
    assert filled.legal_provision == "Wet op de loonbelasting 1964, art. 28"
    assert filled.data_categories == ("naam", "bsn", "salaris", "contactgegevens")
    assert filled.purpose == "Loonaangifte aan de Belastingdienst"  # stored in Dutch
    assert filled.special_category_condition is None
    assert filled.activity == "loonaangifte"
    assert filled.activity_version == 2
    check_disclosure(filled, now=NOW, vocabulary=VOCABULARY)


def test_what_a_posting_gives_itself_stands_when_it_agrees_with_the_activity() -> None:
    posting = by_activity(
        data_categories=("naam", "salaris"),
        legal_basis="legal_obligation",
        purpose="Loonaangifte oktober 2026",
    )

    filled = fill_from_activity(posting, an_activity(), vocabulary=VOCABULARY)

    assert filled.data_categories == ("naam", "salaris")
    assert filled.purpose == "Loonaangifte oktober 2026"


# (what the posting says, the activity's changes, the field refused, words in the message)
REFUSALS = [
    (
        {"legal_basis": "contract"},
        {"version": 2},
        "legal_basis",
        "contradicts activity loonaangifte v2, which says legal_obligation",
    ),
    (
        {"legal_provision": "Wet ander, art. 1"},
        {},
        "legal_provision",
        "which says Wet op de loonbelasting 1964, art. 28",
    ),
    (
        {"special_category_condition": "occupational_medicine"},
        {},
        "special_category_condition",
        "which says none",
    ),
    ({"data_categories": ("naam", "medisch")}, {}, "data_categories.1", "data categories"),
    (
        {"recipient": Recipient("uwv", "UWV", None, "NL")},
        {},
        "recipient.category",
        "recipient categories of activity loonaangifte v2 (belastingdienst)",
    ),
    ({"controller": "87654321"}, {}, "controller", "not a controller of activity loonaangifte"),
    (
        {
            "recipient": Recipient("belastingdienst", "IRS", None, "US"),
            "transfer": Transfer("US", "standard_contractual_clauses"),
        },
        {},
        "transfer",
        "not among the transfers",
    ),
]


@pytest.mark.parametrize(("posting", "activity", "field", "words"), REFUSALS)
def test_a_posting_that_says_otherwise_than_its_activity_is_refused_naming_the_field(
    posting: dict[str, Any], activity: dict[str, Any], field: str, words: str
) -> None:
    with pytest.raises(DisclosureRefused) as refused:
        fill_from_activity(by_activity(**posting), an_activity(**activity), vocabulary=VOCABULARY)

    assert field in refused.value.errors
    assert words in refused.value.errors[field]


def test_the_condition_is_filled_only_when_a_special_category_is_disclosed() -> None:
    sick = an_activity(
        code="ziekmelding_uwv",
        legal_provision="Wet WIA, art. 38",
        special_category_condition="employment_social_security",
        data_categories=("naam", "bsn", "verzuim"),
        recipient_categories=("uwv",),
    )
    uwv = Recipient("uwv", "UWV", None, "NL")

    with_sickness = fill_from_activity(
        by_activity(activity="ziekmelding_uwv", recipient=uwv), sick, vocabulary=VOCABULARY
    )
    without = fill_from_activity(
        by_activity(activity="ziekmelding_uwv", recipient=uwv, data_categories=("naam", "bsn")),
        sick,
        vocabulary=VOCABULARY,
    )

    assert with_sickness.special_category_condition == "employment_social_security"
    assert without.special_category_condition is None


def test_the_one_transfer_to_the_recipients_country_is_filled_in() -> None:
    abroad = an_activity(transfers=(("US", "standard_contractual_clauses"),))
    posting = by_activity(recipient=Recipient("belastingdienst", "IRS", None, "US"))

    filled = fill_from_activity(posting, abroad, vocabulary=VOCABULARY)

    assert filled.transfer == Transfer("US", "standard_contractual_clauses")


def test_the_date_that_chooses_the_version_is_occurred_ats_own_date() -> None:
    late = datetime(2026, 12, 31, 23, 30, tzinfo=timezone(timedelta(hours=1)))

    assert activity_date(late) == date(2026, 12, 31)
    assert activity_date(datetime(2026, 12, 31, 23, 30)) is None  # naive: the policy says so
    assert activity_key(by_activity(occurred_at=late)) == ("loonaangifte", date(2026, 12, 31))
    assert activity_key(a_disclosure()) is None


def test_an_unknown_activity_and_one_without_a_version_in_force_are_told_apart() -> None:
    unknown = not_found("loonaangift", date(2026, 10, 31), known=False).errors["activity"]
    expired = not_found("loonaangifte", date(2020, 1, 1), known=True).errors["activity"]

    assert "'loonaangift' is not an activity of the register" in unknown
    assert "no version in force on 2020-01-01" in expired


def test_a_correction_leaves_the_activitys_own_fields_to_the_activity_unless_it_names_them() -> (
    None
):
    recorded = fill_from_activity(by_activity(), an_activity(), vocabulary=VOCABULARY)

    again = reopened(recorded, frozenset({"occurred_at"}))
    named = reopened(recorded, frozenset({"legal_basis"}))
    left = reopened(replace(recorded, activity=None), frozenset({"activity"}))

    assert (again.legal_basis, again.legal_provision, again.activity_version) == (None, None, None)
    assert again.data_categories == recorded.data_categories  # what was sent stays
    assert named.legal_basis == "legal_obligation"
    assert left.legal_basis == "legal_obligation"
    assert left.activity_version is None


@given(
    chosen=st.lists(
        st.sampled_from(("naam", "bsn", "verzuim", "contactgegevens")), unique=True, max_size=4
    ),
    given_basis=st.booleans(),
)
def test_any_part_of_an_activitys_categories_posted_by_activity_passes_the_policy(
    chosen: list[str], given_basis: bool
) -> None:
    sick = an_activity(
        code="ziekmelding_uwv",
        legal_provision="Ziektewet, art. 38",
        special_category_condition="employment_social_security",
        data_categories=("naam", "bsn", "verzuim", "contactgegevens"),
        recipient_categories=("uwv",),
    )
    posting = by_activity(
        activity="ziekmelding_uwv",
        recipient=Recipient("uwv", "UWV", None, "NL"),
        data_categories=tuple(chosen) or None,
        legal_basis="legal_obligation" if given_basis else None,
    )

    filled = fill_from_activity(posting, sick, vocabulary=VOCABULARY)

    check_disclosure(filled, now=NOW, vocabulary=VOCABULARY)
    assert set(filled.data_categories) <= set(sick.data_categories)
    assert (filled.special_category_condition is not None) == ("verzuim" in filled.data_categories)
