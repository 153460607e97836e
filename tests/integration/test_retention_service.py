"""Retention on a real database: the holds of one person, the retention run's candidates from
one grouped query, employment ends in the person's chain, and the rules file at start."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
import sqlalchemy as sa

from ledger.app import Ledger
from ledger.bootstrap import build_ledger
from ledger.domain.errors import InvalidChange
from ledger.integrity.bundle import verify_bundle
from ledger.projections.tables import employment_ends
from ledger.settings import Settings, SettingsError
from tests.builders import AMSTERDAM, READER, a_disclosure

TODAY = date(2026, 11, 2)  # the clock fixture's Dutch date


def record(ledger: Ledger, number: int, on: datetime, *categories: str, ref: str = "") -> str:
    facts = a_disclosure(
        number,
        data_categories=categories,
        occurred_at=on,
        source=dataclasses.replace(a_disclosure(number).source, reference=f"r-{number}-{ref}{on}"),
    )
    return ledger.recording.record(facts, actor="payroll").id.hex


def tag_of(ledger: Ledger, number: int) -> str:
    with ledger.uow.read() as connection:
        key = ledger.vault.find(connection, f"E-{number:05d}")
    assert key is not None
    return key.tag


def holds(ledger: Ledger, number: int, today: date = TODAY) -> list[tuple[str, Any, Any]]:
    with ledger.uow.read() as connection:
        found = ledger.retention.holds_of(connection, tag_of(ledger, number), today=today)
    return [(hold.rule.code, hold.disclosure_ids, hold.until) for hold in found]


def test_a_salary_disclosure_holds_seven_years_from_the_end_of_its_dutch_year(
    ledger: Ledger,
) -> None:
    # 00:30 on New Year's Day in Amsterdam is still 2019 in UTC: the Dutch date counts.
    first = record(ledger, 1, datetime(2020, 1, 1, 0, 30, tzinfo=AMSTERDAM), "salaris")
    camera = record(ledger, 1, datetime(2026, 10, 20, 9, 0, tzinfo=AMSTERDAM), "camerabeelden")
    assert holds(ledger, 1) == [
        ("fiscal", (first,), date(2028, 1, 1)),
        ("camera", (camera,), date(2026, 11, 17)),
    ]
    assert holds(ledger, 1, today=date(2026, 11, 17)) == [("fiscal", (first,), date(2028, 1, 1))]
    assert holds(ledger, 1, today=date(2028, 1, 1)) == []


def test_a_retracted_disclosure_holds_nothing(ledger: Ledger) -> None:
    kept = record(ledger, 1, datetime(2026, 1, 5, 9, 0, tzinfo=AMSTERDAM), "naam")
    wrong = record(ledger, 1, datetime(2026, 2, 5, 9, 0, tzinfo=AMSTERDAM), "bsn")
    ledger.recording.retract(UUID(hex=wrong), reason="verkeerde persoon", actor="fg")
    assert holds(ledger, 1) == [("default", (kept,), date(2029, 1, 1))]


def test_id_copies_hold_until_five_years_after_the_recorded_employment_end(
    ledger: Ledger,
) -> None:
    copy = record(ledger, 1, datetime(2020, 3, 1, 9, 0, tzinfo=AMSTERDAM), "kopie_id")
    assert holds(ledger, 1) == [("wage_tax_declaration_and_id", (copy,), None)]
    ledger.employment_ends.record(subject_id="E-00001", ended_on=date(2026, 1, 31), actor="hr")
    assert holds(ledger, 1) == [("wage_tax_declaration_and_id", (copy,), date(2031, 1, 31))]
    # Recording again corrects it: the latest recording counts, even an earlier date.
    ledger.employment_ends.record(subject_id="E-00001", ended_on=date(2021, 6, 30), actor="hr")
    assert holds(ledger, 1) == []


def test_the_retention_run_candidates_are_those_past_every_period(ledger: Ledger) -> None:
    old = datetime(2019, 5, 1, 9, 0, tzinfo=AMSTERDAM)
    recent = datetime(2026, 10, 20, 9, 0, tzinfo=AMSTERDAM)
    record(ledger, 1, old, "camerabeelden")  # expired
    record(ledger, 2, old, "naam")  # default, 2 years: expired
    record(ledger, 2, old, "camerabeelden", ref="x")  # 4 weeks: expired too
    record(ledger, 3, old, "naam")  # expired, but
    record(ledger, 3, recent, "camerabeelden")  # this one holds until 2026-11-17
    record(ledger, 4, old, "kopie_id")  # no employment end: never a candidate
    record(ledger, 5, old, "kopie_id", "naam")  # ended in 2020: expired since 2025-08-31
    ledger.employment_ends.record(subject_id="E-00005", ended_on=date(2020, 8, 31), actor="hr")
    record(ledger, 6, old, "loonheffingsverklaring")  # the end predates it: held
    ledger.employment_ends.record(subject_id="E-00006", ended_on=date(2019, 4, 30), actor="hr")
    with ledger.uow.read() as connection:
        expired = ledger.retention.expired_tags(connection, today=TODAY)
    assert sorted(expired) == sorted([tag_of(ledger, 1), tag_of(ledger, 2), tag_of(ledger, 5)])


@contextmanager
def counted(ledger: Ledger) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    engine = ledger.database.read_engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)


def test_finding_the_candidates_takes_the_same_statements_for_three_people_as_for_thirty(
    ledger: Ledger,
) -> None:
    def candidates() -> tuple[int, int]:
        with counted(ledger) as statements, ledger.uow.read() as connection:
            found = ledger.retention.expired_tags(connection, today=TODAY)
        return len(found), len(statements)

    old = datetime(2019, 5, 1, 9, 0, tzinfo=AMSTERDAM)
    for number in range(1, 4):
        record(ledger, number, old, "naam", "camerabeelden")
    few, statements_for_few = candidates()
    for number in range(4, 31):
        record(ledger, number, old, "naam", "camerabeelden")
        ledger.employment_ends.record(
            subject_id=f"E-{number:05d}", ended_on=date(2020, 1, 1), actor="hr"
        )
    many, statements_for_many = candidates()
    assert (few, many) == (3, 30)
    assert statements_for_many == statements_for_few


def test_an_employment_end_is_in_the_persons_chain_the_log_verifies_and_a_rebuild_keeps_it(
    ledger: Ledger,
) -> None:
    record(ledger, 1, datetime(2026, 10, 1, 9, 0, tzinfo=AMSTERDAM), "kopie_id")
    shown = ledger.employment_ends.record(
        subject_id=" E-00001 ", ended_on=date(2026, 10, 31), actor="hr"
    )
    assert shown["ended_on"] == date(2026, 10, 31)
    assert shown["actor"] == "hr"
    bundle = ledger.reading.proof_bundle(reader=READER, subject_id="E-00001")
    assert bundle is not None
    assert verify_bundle(bundle, ledger.integrity.verifier_key()) == []
    kinds = sorted(json.loads(event["plaintext"])["event"] for event in bundle["events"])
    assert kinds == ["DisclosureRecorded", "EmploymentEndRecorded"]
    assert ledger.integrity.verify().ok
    with ledger.uow.read() as connection:
        before = [dict(row) for row in connection.execute(sa.select(employment_ends)).mappings()]
    ledger.maintenance.rebuild_projections()
    with ledger.uow.read() as connection:
        after = [dict(row) for row in connection.execute(sa.select(employment_ends)).mappings()]
    assert after == before
    assert [row["ended_on"] for row in after] == [date(2026, 10, 31)]


@pytest.mark.parametrize(
    ("ended_on", "message"),
    [
        (date(1899, 12, 31), "may not be before 1900-01-01"),
        (date(2027, 11, 3), "may be at most 1 year ahead (2027-11-02)"),
        ("2026-01-01", "must be an ISO 8601 date"),
    ],
)
def test_an_employment_end_before_1900_or_more_than_a_year_ahead_is_refused_naming_the_field(
    ledger: Ledger, ended_on: Any, message: str
) -> None:
    with pytest.raises(InvalidChange) as refused:
        ledger.employment_ends.record(subject_id="E-00001", ended_on=ended_on, actor="hr")
    assert message in refused.value.errors["ended_on"]


def test_an_employment_end_planned_within_a_year_is_accepted(ledger: Ledger) -> None:
    shown = ledger.employment_ends.record(
        subject_id="E-00001", ended_on=date(2027, 11, 2), actor="hr"
    )
    assert shown["ended_on"] == date(2027, 11, 2)
    assert [
        row["ended_on"] for row in ledger.employment_ends.of_subject("E-00001", reader=READER)
    ] == [date(2027, 11, 2)]


def rules_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "retention.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[rules.default\nyears = 2", "LEDGER_RETENTION_FILE is not valid TOML"),
        ("[rules.default\nyears = 2", "line 1"),
        (
            '[rules.default]\nyears = 2\nlabel = {nl = "a", en = "b"}\n'
            '[rules.fiscal]\ncategories = ["salary"]\nyears = 7\nlabel = {nl = "a", en = "b"}\n',
            "rules.fiscal.categories: 'salary' is not a known data category",
        ),
        ('[rules.default]\nyears = "two"\n', "rules.default.years"),
    ],
)
def test_a_bad_rules_file_stops_the_start_naming_the_variable_and_the_rule(
    settings: Settings, tmp_path: Path, text: str, message: str
) -> None:
    bad = dataclasses.replace(settings, retention_file=rules_file(tmp_path, text))
    with pytest.raises(SettingsError) as refused:
        build_ledger(bad)
    assert message in str(refused.value)


def test_a_rules_file_replaces_the_defaults(settings: Settings, tmp_path: Path) -> None:
    text = (
        '[rules.default]\nmonths = 6\ncounts_from = "disclosure"\n'
        'label = {nl = "Overig", en = "Other"}\n'
    )
    ledger = build_ledger(dataclasses.replace(settings, retention_file=rules_file(tmp_path, text)))
    try:
        assert [rule.code for rule in ledger.retention.rules.rules] == ["default"]
        assert ledger.retention.rules.default.months == 6
    finally:
        ledger.close()


def test_the_settings_read_the_rules_file_from_its_variable() -> None:
    settings = Settings.from_env({"LEDGER_RETENTION_FILE": "/etc/ledger/retention.toml"})
    assert settings.retention_file == Path("/etc/ledger/retention.toml")
    assert Settings.from_env({}).retention_file is None
