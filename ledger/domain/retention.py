"""How long the ledger keeps a person's data: retention rules per data category, pure.

A rule keeps the data of its categories for a period counted from one of three moments: the
disclosure's date, the end of the calendar year it fell in (AWR art. 52: seven years for fiscal
records), or the end of the person's employment (five years for copies of ID documents and
wage-tax declarations). A category no rule names falls under the `default` rule. The ledger's own
record of a disclosure is kept as long as the longest period of the data it disclosed.

Dates are calendar dates in the Netherlands: a disclosure counts on the date of its
`occurred_local` (the posting's own offset, as the read model stores it and the statistics count
months), "today" is `ledger.domain.suppression.dutch_date(now)`. An `until` is the first day on
which a rule no longer holds: a disclosure on 2019-03-01 under a rule of 7 years from the end of
the year is kept up to and including 2026-12-31, so `until` is 2027-01-01.

The caller passes only live disclosures: a retracted disclosure never holds anything.
"""

from __future__ import annotations

import calendar
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal, TypeGuard, get_args

CountsFrom = Literal["disclosure", "end_of_year", "employment_ended"]
COUNTS_FROM: tuple[str, ...] = get_args(CountsFrom)
DEFAULT_RULE = "default"
LANGUAGES = ("nl", "en")
MAX_YEARS = 100
_PERIOD_UNITS = ("years", "months", "weeks", "days")
_RULE_KEYS = frozenset({"categories", *_PERIOD_UNITS, "counts_from", "law", "label"})


@dataclass(frozen=True, slots=True)
class RetentionRule:
    """One period for a set of data categories; the `default` rule has no categories and
    covers every category no other rule names."""

    code: str
    categories: frozenset[str]
    years: int = 0
    months: int = 0
    weeks: int = 0
    days: int = 0
    counts_from: CountsFrom = "disclosure"
    law: str | None = None
    label: Mapping[str, str] = field(default_factory=dict, hash=False)

    @property
    def is_default(self) -> bool:
        return not self.categories

    def start(self, occurred_on: date, *, employment_ended: date | None) -> date | None:
        """The day the period counts from; None when it counts from an employment end that is
        not recorded, or that predates the disclosure (the person was employed again since, or
        the recorded end is wrong: either way the ledger cannot know when the period ends)."""
        if self.counts_from == "disclosure":
            return occurred_on
        if self.counts_from == "end_of_year":
            return date(occurred_on.year + 1, 1, 1)
        if employment_ended is None or employment_ended < occurred_on:
            return None
        return employment_ended

    def until(self, occurred_on: date, *, employment_ended: date | None) -> date | None:
        """The first day this rule no longer keeps a disclosure of `occurred_on`."""
        start = self.start(occurred_on, employment_ended=employment_ended)
        if start is None:
            return None
        return add_period(
            start, years=self.years, months=self.months, weeks=self.weeks, days=self.days
        )

    def period_text(self) -> str:
        """The period in words, English: ``7 years``, ``4 weeks``, ``1 year 6 months``."""
        parts = []
        for unit in _PERIOD_UNITS:
            amount = getattr(self, unit)
            if amount:
                parts.append(f"{amount} {unit[:-1] if amount == 1 else unit}")
        return " ".join(parts)

    def title(self, lang: str) -> str:
        return self.label.get(lang) or self.label.get("en") or self.code


@dataclass(frozen=True, slots=True)
class RetainedDisclosure:
    """What retention needs of one live disclosure: its id, Dutch local date and categories."""

    disclosure_id: str
    occurred_on: date
    data_categories: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Hold:
    """One rule that still keeps a person's data today."""

    rule: RetentionRule
    disclosure_ids: tuple[str, ...]
    # The first day on which this rule no longer holds; None: it counts from an employment end
    # that is not recorded (or predates one of these disclosures).
    until: date | None


class RetentionRules:
    """The configured rules: at most one rule per data category, and one `default` rule."""

    def __init__(self, rules: Iterable[RetentionRule]) -> None:
        self.rules: tuple[RetentionRule, ...] = tuple(rules)
        problems = _problems_of(self.rules)
        if problems:
            raise ValueError("; ".join(problems))
        self.default = next(rule for rule in self.rules if rule.is_default)
        self._by_category = {
            category: rule for rule in self.rules for category in sorted(rule.categories)
        }

    def __repr__(self) -> str:
        return f"RetentionRules({[rule.code for rule in self.rules]})"

    def rule(self, code: str) -> RetentionRule | None:
        return next((rule for rule in self.rules if rule.code == code), None)

    def rules_for(self, data_categories: Iterable[str]) -> tuple[RetentionRule, ...]:
        """The rules that keep data of these categories, in the configured order."""
        found = {self._by_category.get(category, self.default) for category in data_categories}
        return tuple(rule for rule in self.rules if rule in found)

    def needs_employment_end(self, data_categories: Iterable[str]) -> bool:
        return any(
            rule.counts_from == "employment_ended" for rule in self.rules_for(data_categories)
        )

    def keep_until(
        self, disclosure: RetainedDisclosure, *, employment_ended: date | None
    ) -> date | None:
        """The first day on which no rule keeps this disclosure any longer (the longest of its
        categories' periods); None when one of them counts from an unknown employment end."""
        ends = [
            rule.until(disclosure.occurred_on, employment_ended=employment_ended)
            for rule in self.rules_for(disclosure.data_categories)
        ]
        if not ends or any(end is None for end in ends):
            return None
        return max(end for end in ends if end is not None)

    def holds(
        self,
        disclosures: Iterable[RetainedDisclosure],
        *,
        employment_ended: date | None,
        today: date,
    ) -> list[Hold]:
        """The rules still keeping some of these (live) disclosures today, in the configured
        order, each with the disclosures it keeps and when it stops; [] when none does, so the
        person's data may be erased today."""
        held: dict[RetentionRule, list[tuple[str, date | None]]] = {}
        for disclosure in disclosures:
            for rule in self.rules_for(disclosure.data_categories):
                until = rule.until(disclosure.occurred_on, employment_ended=employment_ended)
                if until is None or until > today:
                    held.setdefault(rule, []).append((disclosure.disclosure_id, until))
        holds = []
        for rule in self.rules:
            if rule in held:
                ends = [until for _, until in held[rule]]
                holds.append(
                    Hold(
                        rule=rule,
                        disclosure_ids=tuple(disclosure_id for disclosure_id, _ in held[rule]),
                        until=None
                        if any(end is None for end in ends)
                        else max(end for end in ends if end is not None),
                    )
                )
        return holds


def erasable_from(holds: Sequence[Hold]) -> date | None:
    """The first day on which none of these holds keeps anything: the latest `until`.

    None when one of them has no end (an employment end is missing), and also when there are no
    holds at all: then the data may be erased today, so check `if not holds` first.
    """
    if not holds or any(hold.until is None for hold in holds):
        return None
    return max(hold.until for hold in holds if hold.until is not None)


def add_period(
    start: date, *, years: int = 0, months: int = 0, weeks: int = 0, days: int = 0
) -> date:
    """`start` plus a period; a day that the target month lacks becomes its last day (31 January
    plus one month is 28 or 29 February, 29 February plus one year is 28 February)."""
    month_index = start.month - 1 + months + 12 * years
    year, month = start.year + month_index // 12, month_index % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return date(year, month, day) + timedelta(weeks=weeks, days=days)


# -- the rules file, parsed -------------------------------------------------------------------


def parse_rules(data: Mapping[str, object], *, known_categories: Collection[str]) -> RetentionRules:
    """Rules from a parsed rules file (TOML: one table per rule under `rules`, see
    `ledger/retention.toml`). Raises ValueError naming every problem by its key, such as
    ``rules.fiscal.years``; a data category the vocabulary does not know is refused."""
    problems: list[str] = []
    unknown = sorted(set(data) - {"rules"})
    if unknown:
        problems.append(f"{', '.join(unknown)}: unknown key(s); the file holds only [rules.*]")
    tables = data.get("rules")
    if not isinstance(tables, Mapping) or not tables:
        raise ValueError("; ".join([*problems, "rules: there must be a [rules.<code>] table"]))
    rules = []
    for code, table in tables.items():
        rule = _parse_rule(str(code), table, known_categories, problems)
        if rule is not None:
            rules.append(rule)
    if not problems:
        problems += _problems_of(tuple(rules))
    if problems:
        raise ValueError("; ".join(problems))
    return RetentionRules(rules)


def _parse_rule(
    code: str, table: object, known_categories: Collection[str], problems: list[str]
) -> RetentionRule | None:
    where = f"rules.{code}"
    if not isinstance(table, Mapping):
        problems.append(f"{where}: must be a table")
        return None
    before = len(problems)
    unknown = sorted(set(table) - _RULE_KEYS)
    if unknown:
        problems.append(f"{where}: unknown key(s) {', '.join(unknown)}")
    categories = table.get("categories", [])
    if not isinstance(categories, list) or not all(isinstance(c, str) for c in categories):
        problems.append(f"{where}.categories: must be a list of data category codes")
        categories = []
    for category in categories:
        if category not in known_categories:
            problems.append(f"{where}.categories: {category!r} is not a known data category")
    if len(set(categories)) != len(categories):
        problems.append(f"{where}.categories: names a category twice")
    if code == DEFAULT_RULE and categories:
        problems.append(f"{where}.categories: the default rule covers every other category")
    if code != DEFAULT_RULE and not categories:
        problems.append(f"{where}.categories: is required (only the default rule has none)")
    period: dict[str, int] = {}
    for unit in _PERIOD_UNITS:
        value = table.get(unit, 0)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            problems.append(f"{where}.{unit}: must be a whole number, 0 or more")
        else:
            period[unit] = value
    if len(period) == len(_PERIOD_UNITS):
        if not any(period.values()):
            problems.append(f"{where}: needs a period (years, months, weeks or days)")
        elif period["years"] + period["months"] // 12 > MAX_YEARS:
            problems.append(f"{where}: a period may be at most {MAX_YEARS} years")
    counts_from = table.get("counts_from", "disclosure")
    if not _is_counts_from(counts_from):
        problems.append(f"{where}.counts_from: must be one of {', '.join(COUNTS_FROM)}")
        counts_from = "disclosure"
    law = table.get("law")
    if law is not None and (not isinstance(law, str) or not law.strip()):
        problems.append(f"{where}.law: must be a text")
        law = None
    label = table.get("label", {})
    if not isinstance(label, Mapping) or set(label) != set(LANGUAGES):
        problems.append(f"{where}.label: needs exactly the languages {', '.join(LANGUAGES)}")
        label = {}
    elif not all(isinstance(text, str) and text.strip() for text in label.values()):
        problems.append(f"{where}.label: every label must be a text")
    if len(problems) > before:
        return None
    return RetentionRule(
        code=code,
        categories=frozenset(categories),
        counts_from=counts_from,
        law=law.strip() if isinstance(law, str) else None,
        label={lang: str(label[lang]).strip() for lang in LANGUAGES},
        **period,
    )


def _is_counts_from(value: object) -> TypeGuard[CountsFrom]:
    return value in COUNTS_FROM


def _problems_of(rules: Sequence[RetentionRule]) -> list[str]:
    problems = []
    codes = [rule.code for rule in rules]
    if len(set(codes)) != len(codes):
        problems.append("rules: a rule code is used twice")
    defaults = [rule for rule in rules if rule.is_default]
    if len(defaults) != 1 or defaults[0].code != DEFAULT_RULE:
        problems.append(f"rules.{DEFAULT_RULE}: there must be one default rule, without categories")
    seen: dict[str, str] = {}
    for rule in rules:
        for category in sorted(rule.categories):
            if category in seen:
                problems.append(
                    f"rules.{rule.code}.categories: {category!r} is in rules.{seen[category]} too"
                )
            seen[category] = rule.code
    return problems
