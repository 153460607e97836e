"""The register of processing activities on a real database: versions, read models, the log."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from ledger.app import Ledger
from ledger.domain.activity import REGISTER_TAG
from ledger.domain.errors import ActivityConflict, ActivityNotFound, InvalidChange
from ledger.integrity.leaves import Leaf
from ledger.projections.tables import activities, activity_versions
from tests.activities import an_activity
from tests.builders import a_disclosure


def test_defining_and_revising_keeps_every_version_with_its_reason(ledger: Ledger) -> None:
    first = ledger.register.define(an_activity(), actor="fg")
    change = ledger.register.revise(
        "loonaangifte",
        an_activity(purpose={"nl": "Aangifte loonheffingen", "en": "Payroll tax return"}),
        actor="fg",
        reason="clearer purpose",
    )

    assert first.version == 1
    assert first.reason == "first version"
    assert change.kind == "revised"
    assert change.changed == ("purpose",)
    versions = ledger.register.versions("loonaangifte")
    assert [(v.version, v.reason) for v in versions] == [
        (1, "first version"),
        (2, "clearer purpose"),
    ]
    assert versions[0].purpose["nl"] == "Loonheffingen aangeven bij de Belastingdienst"
    assert [v.version for v in ledger.register.list()] == [2]


def test_a_code_is_defined_once_and_revised_only_when_it_exists(ledger: Ledger) -> None:
    ledger.register.define(an_activity(), actor="fg")
    with pytest.raises(ActivityConflict) as conflict:
        ledger.register.define(an_activity(), actor="fg")
    assert "code" in conflict.value.errors
    with pytest.raises(ActivityNotFound):
        ledger.register.revise(
            "pensioenaangifte", an_activity("pensioenaangifte"), actor="fg", reason="r"
        )
    with pytest.raises(ActivityNotFound):
        ledger.register.versions("pensioenaangifte")


def test_a_revision_needs_a_reason_and_one_without_change_records_nothing(
    ledger: Ledger,
) -> None:
    ledger.register.define(an_activity(), actor="fg")
    with pytest.raises(InvalidChange) as caught:
        ledger.register.put(an_activity(retention="fiscal"), actor="fg")
    assert "changed (retention)" in caught.value.errors["reason"]

    change = ledger.register.put(an_activity(), actor="fg", reason="again")

    assert change.kind == "unchanged"
    assert change.version.version == 1
    assert len(ledger.register.versions("loonaangifte")) == 1


def test_the_register_is_in_the_log_under_its_own_tag_and_the_ledger_verifies(
    ledger: Ledger,
) -> None:
    ledger.recording.record(a_disclosure(1), actor="payroll")
    ledger.register.define(an_activity(), actor="fg")
    ledger.register.revise(
        "loonaangifte", an_activity(valid_until="2026-12-31"), actor="fg", reason="ends"
    )
    ledger.recording.record(a_disclosure(2), actor="payroll")

    report = ledger.integrity.verify()

    assert report.ok, report.problems
    assert report.events == 4
    decoded = [Leaf.decode(raw) for _, raw in ledger.integrity.leaves(0, 10)]
    register = [leaf for leaf in decoded if leaf.subject_tag == REGISTER_TAG]
    assert [(leaf.event_type, leaf.sequence) for leaf in register] == [
        ("ActivityDefined", 1),
        ("ActivityRevised", 2),
    ]
    assert all(leaf.subject_tag != REGISTER_TAG for leaf in decoded if leaf not in register)


def test_the_version_in_force_on_each_day_is_found_in_one_query(ledger: Ledger) -> None:
    ledger.register.define(an_activity(valid_until="2026-06-30"), actor="fg")
    ledger.register.revise(
        "loonaangifte",
        an_activity(valid_from="2026-07-01", retention="fiscal"),
        actor="fg",
        reason="new retention from July",
    )
    ledger.register.define(an_activity("pensioenaangifte", valid_from="2027-01-01"), actor="fg")
    wanted = [
        ("loonaangifte", date(2025, 12, 31)),
        ("loonaangifte", date(2026, 3, 1)),
        ("loonaangifte", date(2026, 6, 30)),
        ("loonaangifte", date(2026, 7, 1)),
        ("pensioenaangifte", date(2026, 7, 1)),
        ("nothing", date(2026, 7, 1)),
    ]
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    with ledger.uow.read() as connection:
        sa.event.listen(connection, "before_cursor_execute", count)
        found = ledger.register.in_force(connection, wanted)
        sa.event.remove(connection, "before_cursor_execute", count)

    assert {key: (v.version if v else None) for key, v in found.items()} == {
        ("loonaangifte", date(2025, 12, 31)): None,
        ("loonaangifte", date(2026, 3, 1)): 1,
        ("loonaangifte", date(2026, 6, 30)): 1,
        ("loonaangifte", date(2026, 7, 1)): 2,
        ("pensioenaangifte", date(2026, 7, 1)): None,
        ("nothing", date(2026, 7, 1)): None,
    }
    assert len(statements) == 1


def test_a_newer_version_covering_the_same_days_takes_over(ledger: Ledger) -> None:
    ledger.register.define(an_activity(), actor="fg")
    ledger.register.revise("loonaangifte", an_activity(retention="fiscal"), actor="fg", reason="r")
    with ledger.uow.read() as connection:
        found = ledger.register.in_force(connection, [("loonaangifte", date(2026, 5, 1))])
    version = found[("loonaangifte", date(2026, 5, 1))]
    assert version is not None
    assert version.version == 2
    assert version.retention == "fiscal"


def test_the_read_models_are_rebuilt_from_the_log_as_they_were(ledger: Ledger) -> None:
    ledger.register.define(an_activity(), actor="fg")
    ledger.register.revise("loonaangifte", an_activity(retention="fiscal"), actor="fg", reason="r")
    ledger.register.define(an_activity("pensioenaangifte"), actor="fg")

    def rows() -> list[list[dict[str, object]]]:
        with ledger.uow.read() as connection:
            return [
                [
                    dict(r)
                    for r in connection.execute(sa.select(t).order_by(*t.primary_key)).mappings()
                ]
                for t in (activities, activity_versions)
            ]

    before = rows()
    ledger.maintenance.rebuild_projections()
    assert rows() == before
    assert [r["current_version"] for r in before[0]] == [2, 1]


def test_uris_are_the_base_and_the_code_and_the_version(ledger: Ledger) -> None:
    assert ledger.register.uri("loonaangifte") == "urn:disclosure-ledger:register:loonaangifte"
    assert ledger.register.version_uri("loonaangifte", 2) == (
        "urn:disclosure-ledger:register:loonaangifte/v2"
    )


def test_a_default_reason_is_for_changes_and_a_new_activity_keeps_its_own(
    ledger: Ledger,
) -> None:
    ledger.register.define(an_activity(), actor="fg")
    changes = ledger.register.import_activities(
        [
            an_activity(retention="fiscal"),
            an_activity("pensioenaangifte"),
            an_activity("ziekmelding", reason="new in 2026"),
        ],
        actor="fg",
        reason="yearly review",
    )
    assert [(c.kind, c.version.reason) for c in changes] == [
        ("revised", "yearly review"),
        ("defined", "first version"),
        ("defined", "new in 2026"),
    ]


def test_a_register_import_with_one_bad_activity_records_nothing(ledger: Ledger) -> None:
    source = """
[[activity]]
code = "loonaangifte"
name = { nl = "Loonaangifte", en = "Payroll tax return" }
purpose = { nl = "Loonheffingen aangeven", en = "Filing payroll taxes" }
controllers = ["90000001"]
legal_basis = "legal_obligation"
legal_provision = "Wet op de loonbelasting 1964, art. 28"
data_categories = ["naam", "bsn"]
recipient_categories = ["belastingdienst"]
valid_from = 2026-01-01

[[activity]]
code = "vog_controle"
name = { nl = "VOG", en = "Certificate of conduct" }
purpose = { nl = "VOG tonen" }
controllers = ["90000001"]
legal_basis = "legitimate_interests"
data_categories = ["naam", "vog"]
recipient_categories = ["inlener"]
valid_from = 2026-01-01
"""
    with pytest.raises(InvalidChange) as caught:
        ledger.register.import_file(source, actor="fg")
    assert set(caught.value.errors) == {"activities.1.purpose.en", "activities.1.legal_provision"}
    assert ledger.register.list() == []
    assert ledger.integrity.verify().events == 0
