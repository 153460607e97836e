"""Retention rules as tables: periods, what they count from, holds, and the rules file."""

from __future__ import annotations

import tomllib
from datetime import date
from importlib.resources import files
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.domain.retention import (
    Hold,
    RetainedDisclosure,
    RetentionRule,
    RetentionRules,
    add_period,
    erasable_from,
    parse_rules,
)
from ledger.domain.vocabulary import Vocabulary

KNOWN = Vocabulary.default().data_categories
SHIPPED = tomllib.loads(files("ledger").joinpath("retention.toml").read_text(encoding="utf-8"))
RULES = parse_rules(SHIPPED, known_categories=KNOWN)


def disclosed(on: str, *categories: str, number: int = 1) -> RetainedDisclosure:
    return RetainedDisclosure(f"d{number}", date.fromisoformat(on), categories)


def day(text: str) -> date:
    return date.fromisoformat(text)


@pytest.mark.parametrize(
    ("start", "period", "expected"),
    [
        ("2019-03-01", {"years": 7}, "2026-03-01"),
        ("2024-02-29", {"years": 1}, "2025-02-28"),
        ("2024-02-29", {"years": 4}, "2028-02-29"),
        ("2025-01-31", {"months": 1}, "2025-02-28"),
        ("2024-01-31", {"months": 1}, "2024-02-29"),
        ("2025-11-30", {"months": 3}, "2026-02-28"),
        ("2025-12-15", {"years": 1, "months": 1}, "2027-01-15"),
        ("2026-01-01", {"weeks": 4}, "2026-01-29"),
        ("2026-12-31", {"days": 1}, "2027-01-01"),
    ],
)
def test_a_period_is_added_in_calendar_months_with_short_months_clamped(
    start: str, period: dict[str, int], expected: str
) -> None:
    assert add_period(day(start), **period) == day(expected)


@pytest.mark.parametrize(
    ("disclosure", "employment_ended", "expected"),
    [
        # 7 years from the end of the calendar year: kept up to and including 2026-12-31.
        (disclosed("2019-03-01", "salaris"), None, "2027-01-01"),
        (disclosed("2019-12-31", "bsn"), None, "2027-01-01"),
        (disclosed("2020-01-01", "sociale_premies"), None, "2028-01-01"),
        # 5 years after the employment ended, whenever the copy was disclosed before it.
        (disclosed("2019-03-01", "kopie_id"), "2021-06-30", "2026-06-30"),
        (disclosed("2021-06-30", "loonheffingsverklaring"), "2021-06-30", "2026-06-30"),
        (disclosed("2020-02-29", "kopie_id"), "2020-02-29", "2025-02-28"),
        # Unknown, or earlier than the disclosure it must count from: no end can be known.
        (disclosed("2019-03-01", "kopie_id"), None, None),
        (disclosed("2022-01-10", "kopie_id"), "2021-06-30", None),
        # Camera images: 4 weeks from the disclosure.
        (disclosed("2026-01-01", "camerabeelden"), None, "2026-01-29"),
        # Everything else: the default, 2 years from the end of the year.
        (disclosed("2024-05-05", "naam"), None, "2027-01-01"),
        # Several categories: as long as the longest rule.
        (disclosed("2019-03-01", "camerabeelden", "salaris"), None, "2027-01-01"),
        (disclosed("2019-03-01", "naam", "salaris"), None, "2027-01-01"),
        (disclosed("2019-03-01", "salaris", "kopie_id"), "2030-01-01", "2035-01-01"),
        (disclosed("2019-03-01", "salaris", "kopie_id"), None, None),
    ],
)
def test_a_disclosure_is_kept_until_its_longest_period_ends(
    disclosure: RetainedDisclosure, employment_ended: str | None, expected: str | None
) -> None:
    ended = None if employment_ended is None else day(employment_ended)
    kept = RULES.keep_until(disclosure, employment_ended=ended)
    assert kept == (None if expected is None else day(expected))


def codes(holds: list[Hold]) -> list[tuple[str, tuple[str, ...], date | None]]:
    return [(hold.rule.code, hold.disclosure_ids, hold.until) for hold in holds]


def test_a_rule_holds_up_to_the_day_before_its_until_and_not_on_it() -> None:
    salary = [disclosed("2019-03-01", "salaris")]
    assert codes(RULES.holds(salary, employment_ended=None, today=day("2026-12-31"))) == [
        ("fiscal", ("d1",), day("2027-01-01"))
    ]
    assert RULES.holds(salary, employment_ended=None, today=day("2027-01-01")) == []


def test_holds_name_each_rule_once_with_the_disclosures_it_keeps_and_its_latest_end() -> None:
    disclosures = [
        disclosed("2019-03-01", "salaris", number=1),
        disclosed("2021-07-01", "salaris", "naam", number=2),
        disclosed("2026-05-01", "camerabeelden", number=3),
        disclosed("2020-01-01", "kopie_id", number=4),
    ]
    holds = RULES.holds(disclosures, employment_ended=None, today=day("2026-05-10"))
    assert codes(holds) == [
        ("fiscal", ("d1", "d2"), day("2029-01-01")),
        ("wage_tax_declaration_and_id", ("d4",), None),
        ("camera", ("d3",), day("2026-05-29")),
    ]
    assert erasable_from(holds) is None


def test_a_rule_whose_period_ended_for_some_disclosures_names_only_the_ones_it_still_keeps() -> (
    None
):
    disclosures = [
        disclosed("2018-03-01", "salaris", number=1),
        disclosed("2022-03-01", "salaris", number=2),
    ]
    holds = RULES.holds(disclosures, employment_ended=None, today=day("2027-02-01"))
    assert codes(holds) == [("fiscal", ("d2",), day("2030-01-01"))]
    assert erasable_from(holds) == day("2030-01-01")


def test_an_employment_end_makes_the_id_copies_erasable_five_years_later() -> None:
    copies = [disclosed("2020-01-01", "kopie_id")]
    ended = day("2021-03-31")
    assert codes(RULES.holds(copies, employment_ended=ended, today=day("2026-03-30"))) == [
        ("wage_tax_declaration_and_id", ("d1",), day("2026-03-31"))
    ]
    assert RULES.holds(copies, employment_ended=ended, today=day("2026-03-31")) == []


def test_no_disclosures_hold_nothing_and_erasable_from_of_no_holds_is_none() -> None:
    # A retracted disclosure never holds: the caller passes only live ones, so a person whose
    # every disclosure was retracted passes none.
    assert RULES.holds([], employment_ended=None, today=day("2026-01-01")) == []
    assert erasable_from([]) is None


def test_erasable_from_is_the_latest_end_of_all_holds() -> None:
    rule = RULES.default
    holds = [Hold(rule, ("a",), day("2027-01-01")), Hold(rule, ("b",), day("2030-01-01"))]
    assert erasable_from(holds) == day("2030-01-01")
    assert erasable_from([*holds, Hold(rule, ("c",), None)]) is None


def test_the_shipped_defaults_follow_the_privacy_statement_and_dutch_law() -> None:
    fiscal = RULES.rule("fiscal")
    ids = RULES.rule("wage_tax_declaration_and_id")
    camera = RULES.rule("camera")
    assert fiscal is not None
    assert ids is not None
    assert camera is not None
    assert (fiscal.categories, fiscal.years, fiscal.counts_from, fiscal.law) == (
        frozenset({"salaris", "sociale_premies", "bsn"}),
        7,
        "end_of_year",
        "AWR art. 52 lid 4",
    )
    assert (ids.categories, ids.years, ids.counts_from) == (
        frozenset({"kopie_id", "loonheffingsverklaring"}),
        5,
        "employment_ended",
    )
    assert (camera.weeks, camera.counts_from) == (4, "disclosure")
    assert (RULES.default.code, RULES.default.years, RULES.default.counts_from) == (
        "default",
        2,
        "end_of_year",
    )
    assert RULES.default.title("nl") == "Overige gegevens"
    assert fiscal.period_text() == "7 years"


def a_file(**rules: dict[str, Any]) -> dict[str, Any]:
    default = {"years": 1, "label": {"nl": "Overig", "en": "Other"}}
    return {"rules": {**rules, "default": rules.pop("default", default)}}


def a_rule(**changes: Any) -> dict[str, Any]:
    return {
        "categories": ["salaris"],
        "years": 7,
        "counts_from": "end_of_year",
        "label": {"nl": "Fiscaal", "en": "Fiscal"},
        **changes,
    }


@pytest.mark.parametrize(
    ("data", "named"),
    [
        (a_file(fiscal=a_rule(categories=["geheim"])), "rules.fiscal.categories: 'geheim'"),
        (a_file(fiscal=a_rule(categories=[])), "rules.fiscal.categories: is required"),
        (a_file(fiscal=a_rule(years=-1)), "rules.fiscal.years"),
        (a_file(fiscal=a_rule(years="7")), "rules.fiscal.years"),
        (a_file(fiscal=a_rule(years=True)), "rules.fiscal.years"),
        (a_file(fiscal=a_rule(years=0)), "rules.fiscal: needs a period"),
        (a_file(fiscal=a_rule(years=500)), "rules.fiscal: a period may be at most"),
        (a_file(fiscal=a_rule(counts_from="hire")), "rules.fiscal.counts_from"),
        (a_file(fiscal=a_rule(label={"nl": "x"})), "rules.fiscal.label"),
        (a_file(fiscal=a_rule(law=3)), "rules.fiscal.law"),
        (a_file(fiscal=a_rule(period=3)), "rules.fiscal: unknown key(s) period"),
        (a_file(fiscal=a_rule(), other=a_rule()), "rules.other.categories: 'salaris' is in"),
        (
            a_file(default={"categories": ["naam"], "years": 1, "label": {"nl": "a", "en": "b"}}),
            "rules.default.categories",
        ),
        ({"rules": {"fiscal": a_rule()}}, "rules.default: there must be one default rule"),
        ({"rules": {}}, "rules: there must be a [rules.<code>] table"),
        ({"rule": {}}, "rule: unknown key(s)"),
    ],
)
def test_a_bad_rules_file_is_refused_naming_the_rule_and_key(data: Any, named: str) -> None:
    with pytest.raises(ValueError, match="rule") as refused:
        parse_rules(data, known_categories=KNOWN)
    assert named in str(refused.value)


def test_rules_built_in_code_need_one_default_rule() -> None:
    with pytest.raises(ValueError, match="one default rule"):
        RetentionRules([RetentionRule("fiscal", frozenset({"salaris"}), years=7)])


CATEGORIES = sorted(
    ["salaris", "bsn", "kopie_id", "loonheffingsverklaring", "camerabeelden", "naam"]
)
dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31))


@settings(max_examples=300, deadline=None)
@given(
    disclosures=st.lists(
        st.tuples(dates, st.sets(st.sampled_from(CATEGORIES), min_size=1)), max_size=6
    ),
    employment_ended=st.none() | dates,
    today=dates,
)
def test_holds_agree_with_each_disclosures_keep_until(
    disclosures: list[tuple[date, set[str]]], employment_ended: date | None, today: date
) -> None:
    retained = [
        RetainedDisclosure(f"d{number}", on, tuple(sorted(categories)))
        for number, (on, categories) in enumerate(disclosures)
    ]
    ends = [RULES.keep_until(d, employment_ended=employment_ended) for d in retained]
    holds = RULES.holds(retained, employment_ended=employment_ended, today=today)
    still_kept = {
        d.disclosure_id for d, end in zip(retained, ends, strict=True) if end is None or end > today
    }
    assert {i for hold in holds for i in hold.disclosure_ids} == still_kept
    if holds:
        known = [end for end in ends if end is not None]
        expected = None if None in ends else max(known)
        assert erasable_from(holds) == expected
    for d, end in zip(retained, ends, strict=True):
        assert end is None or end > d.occurred_on
