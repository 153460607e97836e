"""Recording by activity on a real database: the API, a batch, a correction, `ledger import`,
the integrity log, and the person's overview in their language."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from flask.testing import FlaskClient

from ledger.app import Ledger
from ledger.cli import main
from ledger.domain.disclosure import Disclosure
from ledger.domain.errors import DisclosureRefused, InvalidChange
from ledger.domain.values import Recipient
from ledger.integrity.bundle import verify_bundle
from ledger.overview import render_csv, render_json
from ledger.projections.tables import disclosure_rows, term_sets
from ledger.settings import Settings
from tests.activities import an_activity
from tests.builders import AMSTERDAM, READER, a_disclosure
from tests.conftest import TEST_MASTER_KEY

OLD_PROVISION = "Wet op de loonbelasting 1964, art. 28"
NEW_PROVISION = "Wet op de loonbelasting 1964, art. 28, lid 1"

# A posting by activity: no data categories, basis, provision or purpose.
BY_ACTIVITY = {
    "controller": "12345678",
    "activity": "loonaangifte",
    "subject": {"id": "E-00001", "name": "Jan Jansen"},
    "recipient": {"category": "belastingdienst", "name": "Belastingdienst"},
    "occurred_at": "2026-10-31T12:00:00+01:00",
    "source": {"system": "payroll", "reference": "run-2026-10/E-00001"},
}


def posting(number: int = 1, **changes: Any) -> dict[str, Any]:
    result = copy.deepcopy(BY_ACTIVITY)
    result["subject"]["id"] = f"E-{number:05d}"
    result["source"]["reference"] = f"run-2026-10/E-{number:05d}"
    result.update(changes)
    return result


def define_register(ledger: Ledger) -> None:
    """loonaangifte v1 for the first half of 2026, v2 (a new provision) from July on; and a
    sickness report to the UWV with special-category data."""
    ledger.register.define(
        an_activity(controllers=["12345678"], valid_until="2026-06-30"), actor="fg"
    )
    ledger.register.put(
        an_activity(
            controllers=["12345678"],
            legal_provision=NEW_PROVISION,
            valid_from="2026-07-01",
        ),
        actor="fg",
        reason="the article's first paragraph",
    )
    ledger.register.define(
        an_activity(
            "ziekmelding_uwv",
            name={"nl": "Ziekmelding aan het UWV", "en": "Sickness report to the UWV"},
            purpose={
                "nl": "Ziekmelding van een flexkracht aan het UWV",
                "en": "Reporting a flex worker's sickness to the UWV",
            },
            controllers=["12345678"],
            legal_provision="Ziektewet, art. 38",
            special_category_condition="employment_social_security",
            data_categories=["naam", "bsn", "verzuim"],
            recipient_categories=["uwv"],
        ),
        actor="fg",
    )


@pytest.fixture
def keys(ledger: Ledger) -> dict[str, str]:
    define_register(ledger)
    return {
        "source": ledger.api_keys.create(
            name="payroll", role="source", controllers=["12345678"], system="payroll"
        )[1],
        "officer": ledger.api_keys.create(name="fg", role="officer")[1],
    }


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_a_disclosure_posted_by_activity_is_recorded_with_what_the_version_in_force_says(
    client: FlaskClient, keys: dict[str, str], ledger: Ledger
) -> None:
    october = client.post("/api/v1/disclosures", json=posting(1), headers=auth(keys["source"]))
    march = client.post(
        "/api/v1/disclosures",
        json=posting(2, occurred_at="2026-03-31T23:30:00+02:00"),
        headers=auth(keys["source"]),
    )
    assert october.status_code == 201, october.json
    assert march.status_code == 201, march.json
    assert (october.json["activity_version"], march.json["activity_version"]) == (2, 1)
    again = client.post("/api/v1/disclosures", json=posting(1), headers=auth(keys["source"]))
    assert (again.status_code, again.json) == (200, october.json)
    plain = client.post(
        "/api/v1/disclosures",
        json=posting(
            9,
            activity=None,
            data_categories=["naam"],
            legal_basis="legal_obligation",
            legal_provision=OLD_PROVISION,
            purpose="Loonaangifte",
        ),
        headers=auth(keys["source"]),
    )
    assert plain.status_code == 201, plain.json
    assert "activity_version" not in plain.json

    shown = client.get(
        f"/api/v1/disclosures/{october.json['id']}", headers=auth(keys["officer"])
    ).json
    assert shown["activity"] == "loonaangifte"
    assert shown["activity_version"] == 2
    assert shown["activity_uri"] == ledger.register.uri("loonaangifte")
    assert shown["legal_basis"] == "legal_obligation"
    assert shown["legal_provision"] == NEW_PROVISION
    assert shown["data_categories"] == ["naam", "bsn", "salaris"]
    assert shown["purpose"] == "Loonheffingen aangeven bij de Belastingdienst"
    earlier = client.get(
        f"/api/v1/disclosures/{march.json['id']}", headers=auth(keys["officer"])
    ).json
    assert (earlier["activity_version"], earlier["legal_provision"]) == (1, OLD_PROVISION)

    page = client.get("/api/v1/subjects/E-00001/disclosures", headers=auth(keys["officer"])).json
    assert page["items"][0]["activity_uri"] == ledger.register.uri("loonaangifte")


# (what the posting changes, the field named, words of the message)
REFUSED = [
    (
        {"legal_basis": "contract"},
        "legal_basis",
        "contradicts activity loonaangifte v2, which says legal_obligation",
    ),
    ({"data_categories": ["naam", "medisch"]}, "data_categories.1", "data categories of"),
    (
        {"recipient": {"category": "uwv", "name": "UWV"}},
        "recipient.category",
        "recipient categories of activity loonaangifte v2",
    ),
    ({"activity": "loonaangift"}, "activity", "is not an activity of the register"),
    (
        {"occurred_at": "2025-12-31T12:00:00+01:00"},
        "activity",
        "no version in force on 2025-12-31",
    ),
]


@pytest.mark.parametrize(("change", "field", "words"), REFUSED)
def test_a_posting_that_leaves_its_activity_is_422_naming_the_field(
    client: FlaskClient, keys: dict[str, str], change: dict[str, Any], field: str, words: str
) -> None:
    response = client.post(
        "/api/v1/disclosures", json=posting(1, **change), headers=auth(keys["source"])
    )

    assert response.status_code == 422, response.json
    assert words in response.json["errors"][field]


def test_the_policy_still_judges_a_posting_by_activity(
    client: FlaskClient, keys: dict[str, str]
) -> None:
    # A zzp'er's BSN is refused whatever the activity says.
    response = client.post(
        "/api/v1/disclosures",
        json=posting(1, subject={"id": "Z-1", "kind": "zzp"}),
        headers=auth(keys["source"]),
    )

    assert response.status_code == 422
    assert "zzp" in response.json["errors"]["data_categories.1"]


def test_a_batch_by_activity_is_all_or_nothing_with_errors_by_item(
    client: FlaskClient, keys: dict[str, str], ledger: Ledger
) -> None:
    sick = posting(
        3,
        activity="ziekmelding_uwv",
        recipient={"category": "uwv", "name": "UWV"},
        data_categories=["naam", "verzuim"],
    )
    items = [posting(1), sick, posting(2, legal_basis="contract")]

    refused = client.post(
        "/api/v1/disclosures/batch", json={"items": items}, headers=auth(keys["source"])
    )
    assert refused.status_code == 422
    assert list(refused.json["errors"]) == ["items.2.legal_basis"]
    assert ledger.reading.statistics() == []

    items[2] = posting(2)
    recorded = client.post(
        "/api/v1/disclosures/batch", json={"items": items}, headers=auth(keys["source"])
    )
    assert recorded.status_code == 201, recorded.json
    shown = client.get(
        f"/api/v1/disclosures/{recorded.json['items'][1]['id']}", headers=auth(keys["officer"])
    ).json
    assert shown["special_category_condition"] == "employment_social_security"
    assert shown["data_categories"] == ["naam", "verzuim"]


def test_a_disclosure_without_activity_keeps_its_payload_and_with_one_carries_it(
    ledger: Ledger,
) -> None:
    define_register(ledger)
    plain = ledger.recording.record(a_disclosure(1), actor="t")
    by_activity = ledger.recording.record(
        a_disclosure(
            2,
            activity="loonaangifte",
            data_categories=None,
            legal_basis=None,
            legal_provision=None,
        ),
        actor="t",
    )

    plain_event = ledger.store.repository.get(plain.id)
    assert isinstance(plain_event, Disclosure)
    assert "activity" not in plain_event.fields
    assert "activity_version" not in plain_event.fields
    recorded = ledger.store.repository.get(by_activity.id)
    assert recorded.fields["activity"] == "loonaangifte"
    assert recorded.fields["activity_version"] == 2


def test_a_correction_follows_the_version_of_the_corrected_date_and_verifies(
    ledger: Ledger,
) -> None:
    define_register(ledger)
    facts = a_disclosure(
        1, activity="loonaangifte", data_categories=None, legal_basis=None, legal_provision=None
    )
    receipt = ledger.recording.record(facts, actor="t")

    ledger.recording.correct(
        receipt.id,
        changes={"occurred_at": datetime(2026, 3, 2, 9, 0, tzinfo=AMSTERDAM)},
        reason="the March run",
        actor="fg",
    )
    moved = ledger.reading.disclosure(receipt.id, reader=READER)
    assert (moved["activity_version"], moved["legal_provision"]) == (1, OLD_PROVISION)

    with pytest.raises(DisclosureRefused) as refused:
        ledger.recording.correct(
            receipt.id, changes={"legal_basis": "contract"}, reason="wrong", actor="fg"
        )
    assert "contradicts activity loonaangifte v1" in refused.value.errors["legal_basis"]

    ledger.recording.correct(receipt.id, changes={"activity": None}, reason="none", actor="fg")
    left = ledger.reading.disclosure(receipt.id, reader=READER)
    assert (left["activity"], left["activity_version"], left["activity_uri"]) == (None,) * 3
    assert left["legal_provision"] == OLD_PROVISION
    with pytest.raises(InvalidChange):
        ledger.recording.correct(receipt.id, changes={"activity": None}, reason="x", actor="fg")

    ledger.recording.correct(
        receipt.id, changes={"activity": "loonaangifte"}, reason="under it again", actor="fg"
    )
    ledger.recording.retract(receipt.id, reason="recorded in error", actor="fg")
    assert ledger.integrity.verify().ok
    bundle = ledger.reading.proof_bundle(reader=READER, subject_id="E-00001")
    assert bundle is not None
    assert verify_bundle(json.loads(json.dumps(bundle)), ledger.integrity.verifier_key()) == []


def test_the_overview_shows_the_activitys_purpose_in_the_persons_language(
    ledger: Ledger,
) -> None:
    define_register(ledger)
    ledger.recording.record(
        a_disclosure(
            1,
            activity="loonaangifte",
            data_categories=None,
            legal_basis=None,
            legal_provision=None,
        ),
        actor="t",
    )
    ledger.recording.record(
        a_disclosure(
            1,
            source=replace(a_disclosure(1).source, reference="plain"),
            purpose="Eigen doel in het Nederlands",
        ),
        actor="t",
    )

    english = ledger.reading.overview(reader=READER, subject_id="E-00001", lang="en")
    dutch = ledger.reading.overview(reader=READER, subject_id="E-00001", lang="nl")

    purposes = {item.purpose for group in english.groups for item in group.items}
    assert purposes == {
        "Filing payroll taxes with the Tax Administration",
        "Eigen doel in het Nederlands",  # no activity: the stored purpose
    }
    assert "Loonheffingen aangeven bij de Belastingdienst" in {
        item.purpose for group in dutch.groups for item in group.items
    }
    document = json.loads(render_json(english))
    ids = {
        item["processing_activity_id"]
        for recipient in document["recipients"]
        for item in recipient["disclosures"]
    }
    assert ids == {ledger.register.uri("loonaangifte"), None}
    assert "Filing payroll taxes with the Tax Administration" in render_csv(english)


def test_ledger_import_records_a_file_of_lines_by_activity(
    ledger: Ledger, settings: Settings, tmp_path: Path
) -> None:
    define_register(ledger)
    lines = [posting(number) for number in range(1, 6)]
    lines.append(posting(6, legal_provision="Een ander artikel"))
    source = tmp_path / "october.jsonl"
    source.write_text("\n".join(json.dumps(item) for item in lines) + "\n")
    runner = CliRunner(
        env={
            "LEDGER_DATABASE_URL": settings.database_url,
            "LEDGER_MASTER_KEY": TEST_MASTER_KEY,
            "LEDGER_VAR_DIR": str(settings.var_dir),
        }
    )

    bad = runner.invoke(main, ["import", str(source)])
    assert bad.exit_code != 0
    assert f"{source}:6: legal_provision: contradicts activity loonaangifte v2" in bad.output

    source.write_text("\n".join(json.dumps(item) for item in lines[:5]) + "\n")
    good = runner.invoke(main, ["import", str(source)])
    assert good.exit_code == 0, good.output
    assert "Recorded 5 disclosures." in good.output
    with ledger.uow.read() as connection:
        rows = connection.execute(
            sa.select(term_sets.c.activity, term_sets.c.activity_version).select_from(
                disclosure_rows
            )
        ).all()
    assert sorted(rows) == [("loonaangifte", 2)] * 5


def test_a_sickness_report_by_activity_without_sickness_data_needs_no_condition(
    ledger: Ledger,
) -> None:
    define_register(ledger)
    receipt = ledger.recording.record(
        a_disclosure(
            1,
            activity="ziekmelding_uwv",
            recipient=Recipient("uwv", "UWV", None, "NL"),
            data_categories=("naam", "bsn"),
            legal_basis=None,
            legal_provision=None,
            purpose=None,
        ),
        actor="t",
    )

    shown = ledger.reading.disclosure(receipt.id, reader=READER)
    assert shown["special_category_condition"] is None
    assert shown["purpose"] == "Ziekmelding van een flexkracht aan het UWV"


def test_a_batch_by_activity_looks_up_the_register_once_however_many_items_and_dates(
    ledger: Ledger,
) -> None:
    define_register(ledger)
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "read_activity_versions" in statement:
            statements.append(statement)

    items = [
        a_disclosure(
            number,
            activity="loonaangifte",
            data_categories=None,
            legal_basis=None,
            legal_provision=None,
            occurred_at=datetime(2026, 1 + number % 10, 1 + number % 28, 12, tzinfo=AMSTERDAM),
        )
        for number in range(1, 201)
    ]
    engines = {ledger.database.write_engine, ledger.database.read_engine}
    for engine in engines:
        sa.event.listen(engine, "before_cursor_execute", seen)
    try:
        receipts = ledger.recording.record_batch(items, actor="t")
    finally:
        for engine in engines:
            sa.event.remove(engine, "before_cursor_execute", seen)

    assert len(receipts) == 200
    assert len(statements) == 1
    versions = {
        ledger.reading.disclosure(receipt.id, reader=READER)["activity_version"]
        for receipt in receipts[:20]
    }
    assert versions == {1, 2}  # January to June under v1, July on under v2


def test_ledger_import_reads_csv_lines_by_activity(
    ledger: Ledger, settings: Settings, tmp_path: Path
) -> None:
    define_register(ledger)
    source = tmp_path / "sick.csv"
    source.write_text(
        "controller,activity,subject.id,recipient.category,recipient.name,data_categories,"
        "occurred_at,source.system,source.reference\n"
        "12345678,ziekmelding_uwv,E-1,uwv,UWV,naam;verzuim,2026-10-01T09:00:00+02:00,payroll,s-1\n"
        "12345678,ziekmelding_uwv,E-2,uwv,UWV,,2026-10-02T09:00:00+02:00,payroll,s-2\n"
    )
    runner = CliRunner(
        env={
            "LEDGER_DATABASE_URL": settings.database_url,
            "LEDGER_MASTER_KEY": TEST_MASTER_KEY,
            "LEDGER_VAR_DIR": str(settings.var_dir),
        }
    )

    result = runner.invoke(main, ["import", str(source)])

    assert result.exit_code == 0, result.output
    assert "Recorded 2 disclosures." in result.output
    report = ledger.register_reports.report()
    sick = next(entry for entry in report.activities if entry.code == "ziekmelding_uwv")
    assert [(row.month, row.recipient_category, row.count) for row in sick.rows] == [
        ("2026-10", "uwv", 2)
    ]
