"""The person's overview as data and as JSON, CSV, PDF and the `ledger overview` files, on a real
database: grouping by actual recipient, bases in words, corrections, retractions, suppression,
the access log, and the company's texts from configuration."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from jsonschema import Draft202012Validator
from pypdf import PdfReader

from ledger import overview
from ledger.app import Ledger, Reader
from ledger.cli import main
from ledger.domain.values import Recipient, Source
from ledger.overview import Overview, OverviewConfig
from ledger.overview.config import ASSETS, DEFAULT_CONFIG
from ledger.overview.csv import CSV_COLUMNS
from ledger.settings import Settings, SettingsError
from tests.builders import READER, a_disclosure, accesses_of, to_inlener
from tests.conftest import TEST_MASTER_KEY, FixedClock

SCHEMA = json.loads((ASSETS / "overview.schema.json").read_text(encoding="utf-8"))
ARBO = Recipient("arbodienst", "ArboNed B.V.", "30193658", "NL")
POLICE = Recipient("opsporingsinstantie", "Politie Midden-Nederland", None, "NL")


def sick_leave(number: int = 1, reference: str = "arbo-1") -> object:
    return a_disclosure(
        number,
        recipient=ARBO,
        data_categories=("naam", "verzuim"),
        special_category_condition="occupational_medicine",
        legal_provision="Arbeidsomstandighedenwet, art. 14",
        purpose="Verzuimbegeleiding door de bedrijfsarts",
        source=Source("payroll", reference),
    )


def police_request(number: int = 1, until: date = date(2026, 12, 1)) -> object:
    return a_disclosure(
        number,
        recipient=POLICE,
        data_categories=("naam", "contactgegevens"),
        legal_provision="Wetboek van Strafvordering, art. 126nd",
        purpose="Vordering van gegevens",
        suppressed_until=until,
        suppression_authority="Officier van justitie, zaak 2026/4711",
        source=Source("payroll", "police-1"),
    )


@pytest.fixture
def config() -> OverviewConfig:
    return overview.load_config(None)


def build(ledger: Ledger, config: OverviewConfig, **options: object) -> Overview:
    """E-00001's overview through the one reading path (which logs this read, as `READER`)."""
    ledger.reading.overview_config = config
    return ledger.reading.overview(reader=READER, subject_id="E-00001", **options)  # type: ignore[arg-type]


def test_the_overview_groups_by_actual_recipient_with_the_basis_in_words(
    ledger: Ledger, config: OverviewConfig
) -> None:
    ledger.recording.record(a_disclosure(1), actor="payroll")
    ledger.recording.record(sick_leave(), actor="payroll")
    ledger.recording.record(to_inlener(1), actor="planning")
    ledger.recording.record(
        to_inlener(1, source=Source("planning", "plan-2"), purpose="Urenregistratie"),
        actor="planning",
    )
    ledger.recording.record(a_disclosure(2), actor="payroll")  # someone else's

    view = build(ledger, config)

    assert view.subject_ref == "E-00001"
    assert view.subject_name == "Jan Jansen 1"
    assert view.count == 4
    groups = {group.name: group for group in view.groups}
    assert set(groups) == {"Belastingdienst", "ArboNed B.V.", "Bouwbedrijf De Vries B.V."}
    tax = groups["Belastingdienst"]
    assert tax.category.label == "Belastingdienst"
    assert [b.words for b in tax.bases] == [
        "wettelijke verplichting — Wet op de loonbelasting 1964, art. 28"
    ]
    assert tax.bases[0].citation == "art. 6 lid 1 onder c AVG"
    assert tax.data_text == "Burgerservicenummer (BSN), Naam, Salarisgegevens"
    assert tax.period == "op 31 oktober 2026"
    assert tax.times == "1 keer"
    assert tax.line_what == (
        "Eén keer, op 31 oktober 2026: burgerservicenummer (BSN), naam en salarisgegevens"
    )
    assert tax.line_why == "Waarvoor: Loonaangifte oktober 2026"
    assert tax.basis_lines == (
        (
            "Dit moet van de wet.",
            "art. 6 lid 1 onder c AVG — Wet op de loonbelasting 1964, art. 28",
        ),
    )
    assert not tax.special
    arbo = groups["ArboNed B.V."]
    assert [c.label for c in arbo.special] == ["Verzuimgegevens"]
    assert "arbeidsgeneeskunde" in overview.special_text(arbo, "nl")
    assert "art. 9 lid 2 onder h AVG" in overview.special_text(arbo, "nl")
    hirer = groups["Bouwbedrijf De Vries B.V."]
    assert hirer.count == 2
    assert hirer.times == "2 keer"
    assert set(hirer.purposes) == {"Planning van uw inzet", "Urenregistratie"}
    assert hirer.bases[0].words == "uitvoering van een overeenkomst"


def test_english_is_chosen_per_overview(ledger: Ledger, config: OverviewConfig) -> None:
    ledger.recording.record(a_disclosure(1), actor="payroll")
    ledger.recording.record(sick_leave(), actor="payroll")

    view = build(ledger, config, lang="en")

    assert view.lang == "en"
    assert view.texts["title"] == "Who have we given your data to?"
    tax = next(group for group in view.groups if group.name == "Belastingdienst")
    assert tax.bases[0].words == "legal obligation — Wet op de loonbelasting 1964, art. 28"
    assert tax.bases[0].citation == "GDPR Art. 6(1)(c)"
    assert tax.category.label == "Tax and Customs Administration"
    assert tax.times == "once"
    assert tax.period == "on 31 October 2026"
    assert tax.line_what.startswith("Once, on 31 October 2026: citizen service number (BSN)")
    assert tax.basis_lines[0][0] == "The law requires this."
    assert build(ledger, config, lang="fr").lang == "nl"


def test_a_correction_is_shown_corrected_and_a_retraction_retracted(
    ledger: Ledger, config: OverviewConfig
) -> None:
    first = ledger.recording.record(to_inlener(1), actor="planning")
    second = ledger.recording.record(
        to_inlener(1, source=Source("planning", "plan-2")), actor="planning"
    )
    wrong = ledger.recording.record(a_disclosure(1), actor="payroll")
    ledger.recording.correct(
        first.id, changes={"purpose": "Planning week 45"}, reason="typo", actor="planning"
    )
    ledger.recording.retract(wrong.id, reason="verkeerde werknemer", actor="payroll")

    view = build(ledger, config)

    hirer = next(group for group in view.groups if group.name.startswith("Bouwbedrijf"))
    items = {item.id: item for item in hirer.items}
    assert items[str(first.id)].state == "corrected"
    assert items[str(first.id)].purpose == "Planning week 45"
    # The date is when the correction was recorded (the event's own timestamp).
    assert items[str(first.id)].state_text.startswith("verbeterd op ")
    assert items[str(second.id)].state == "recorded"
    assert hirer.notes == (
        "1 keer hebben wij later iets verbeterd. U ziet de verbeterde gegevens.",
    )
    tax = next(group for group in view.groups if group.name == "Belastingdienst")
    assert tax.count == 0
    assert tax.items[0].state == "retracted"
    assert tax.items[0].state_text == (
        "Deze verstrekking is per vergissing geregistreerd en heeft niet plaatsgevonden."
        " Toelichting: verkeerde werknemer"
    )
    assert tax.notes == (
        "Alles bij deze ontvanger was per vergissing geregistreerd: wij hebben deze"
        " ontvanger uw gegevens niet gegeven.",
    )
    assert view.count == 2
    # The summary leaves out a recipient whose only disclosure was retracted: no "0 keer".
    assert [group.name for group in view.summary_groups] == [hirer.name]
    document = overview.to_json(view)
    states = {d["id"]: d["state"] for g in document["recipients"] for d in g["disclosures"]}
    assert states == {
        str(first.id): "corrected",
        str(second.id): "recorded",
        str(wrong.id): "retracted",
    }


def test_a_suppressed_disclosure_is_absent_for_the_person_until_its_date(
    ledger: Ledger, config: OverviewConfig, clock: FixedClock
) -> None:
    ledger.recording.record(a_disclosure(1), actor="payroll")
    ledger.recording.record(police_request(), actor="payroll")

    person = build(ledger, config)
    officer = build(ledger, config, audience="officer")

    assert [group.name for group in person.groups] == ["Belastingdienst"]
    assert person.count == 1
    for rendered in (
        overview.render_json(person),
        overview.render_csv(person),
    ):
        assert "Politie" not in rendered
        assert "126nd" not in rendered
    assert "Politie" not in _pdf_text(overview.render_pdf(person))
    police = next(group for group in officer.groups if group.name == POLICE.name)
    assert police.items[0].hidden
    assert police.items[0].note == (
        "Verborgen voor de betrokkene tot 1 december 2026"
        " (op last van Officier van justitie, zaak 2026/4711)."
    )

    # The last day of the suppression, Dutch time, it is still hidden; the next day it shows.
    clock.now = datetime(2026, 11, 30, 22, 59, tzinfo=UTC)
    assert [group.name for group in build(ledger, config).groups] == ["Belastingdienst"]
    clock.now = datetime(2026, 11, 30, 23, 0, tzinfo=UTC)  # 1 December, 00:00 in Amsterdam
    lifted = build(ledger, config)
    police = next(group for group in lifted.groups if group.name == POLICE.name)
    assert not police.items[0].hidden
    assert police.items[0].note == (
        "Tot 1 december 2026 niet in uw overzicht getoond,"
        " op last van Officier van justitie, zaak 2026/4711."
    )
    exported = overview.to_json(lifted)
    withheld = [d["withheld_until"] for g in exported["recipients"] for d in g["disclosures"]]
    assert "2026-12-01" in withheld


def test_the_person_sees_when_and_why_their_data_was_consulted_but_not_by_whom(
    ledger: Ledger, config: OverviewConfig, clock: FixedClock
) -> None:
    ledger.recording.record(a_disclosure(1), actor="payroll")
    officer = Reader(
        actor="fg-anna",
        role="officer",
        channel="GET /api/v1/subjects/{subject_id}/recipients",
        purpose="AVG-verzoek 2026-017",
    )
    ledger.reading.recipients_of("E-00001", reader=officer)
    # Someone about whom the ledger holds nothing: nothing is read, nothing logged.
    ledger.reading.recipients_of("E-00002", reader=officer)
    clock.now = datetime(2026, 11, 4, 8, 0, tzinfo=UTC)
    person = Reader(
        actor="betrokkene",
        role="subject",
        channel="GET /o/{token} (html)",
        purpose="own overview through a personal link",
    )
    with ledger.uow.read() as connection:
        found = ledger.vault.find(connection, "E-00001")
    assert found is not None

    view = ledger.reading.overview(reader=person, tag=found.tag)

    # The person's own look is logged before it is read, so it is in the list it shows.
    assert [(a.by_label, a.purpose_text) for a in view.accesses] == [
        ("uzelf, via uw persoonlijke link", "uw eigen overzicht bekeken of gedownload"),
        ("medewerker privacyzaken", "AVG-verzoek 2026-017"),
    ]
    assert view.accesses[1].when == "2 november 2026, 10:00"
    exported = overview.render_json(view)
    assert "fg-anna" not in exported
    assert json.loads(exported)["accesses"][1] == {
        "at": "2026-11-02T09:00:00+00:00",
        "by": "officer",
        "purpose": "AVG-verzoek 2026-017",
    }


def test_the_json_export_follows_its_schema_with_dpv_iris(
    ledger: Ledger, config: OverviewConfig
) -> None:
    ledger.recording.record(a_disclosure(1), actor="payroll")
    ledger.recording.record(sick_leave(), actor="payroll")
    ledger.recording.record(to_inlener(1), actor="planning")

    document = json.loads(overview.render_json(build(ledger, config)))

    Draft202012Validator.check_schema(SCHEMA)
    errors = sorted(Draft202012Validator(SCHEMA).iter_errors(document), key=str)
    assert not errors, errors[0]
    assert document["format"] == "disclosure-ledger-overview/1"
    arbo = next(g for g in document["recipients"] if g["recipient"]["name"] == "ArboNed B.V.")
    assert arbo["recipient"]["category"]["dpv"] == "https://w3id.org/dpv#HealthcareOrganisation"
    assert arbo["legal_bases"][0]["dpv"] == "https://w3id.org/dpv/legal/eu/gdpr#A6-1-c"
    assert arbo["special_category_conditions"][0]["dpv"] == (
        "https://w3id.org/dpv/legal/eu/gdpr#A9-2-h"
    )
    assert {c["dpv"] for c in arbo["data_categories"]} == {
        "https://w3id.org/dpv/pd#Name",
        "https://w3id.org/dpv/pd#Health",
    }
    hirer = next(
        g for g in document["recipients"] if g["recipient"]["category"]["code"] == "inlener"
    )
    assert hirer["recipient"]["category"]["dpv"] == "https://w3id.org/dpv#Recipient"
    assert document["privacy_contact"]["email"] == "privacy@backofficeplus.nl"
    assert document["supervisory_authority"]["name"] == "Autoriteit Persoonsgegevens"


def test_the_csv_has_a_row_per_disclosure_and_defuses_spreadsheet_formulas(
    ledger: Ledger, config: OverviewConfig
) -> None:
    ledger.recording.record(a_disclosure(1), actor="payroll")
    ledger.recording.record(to_inlener(1, purpose='=HYPERLINK("http://x")'), actor="planning")

    table = overview.render_csv(build(ledger, config, lang="en"))
    assert table.startswith("\ufeffoccurred_at,")  # a byte-order mark for spreadsheets
    rows = list(csv.DictReader(io.StringIO(table.removeprefix("\ufeff"))))

    assert len(rows) == 2
    assert set(rows[0]) == set(CSV_COLUMNS)
    tax = next(row for row in rows if row["recipient_name"] == "Belastingdienst")
    assert tax["legal_basis_text"] == ("legal obligation — Wet op de loonbelasting 1964, art. 28")
    assert tax["data_categories"] == "naam; bsn; salaris"
    assert tax["occurred_at"] == "2026-10-31T12:00:00+01:00"
    hirer = next(row for row in rows if row["recipient_category"] == "inlener")
    assert hirer["purpose"] == '\'=HYPERLINK("http://x")'


def test_the_pdf_has_the_same_content_as_real_text(ledger: Ledger, config: OverviewConfig) -> None:
    ledger.recording.record(a_disclosure(1), actor="payroll")
    ledger.recording.record(sick_leave(), actor="payroll")

    for lang, words in (
        (
            "nl",
            ["Aan wie hebben wij uw gegevens gegeven?", "Dit moet van de wet.", "Verzuimgegevens"],
        ),
        (
            "en",
            ["Who have we given your data to?", "The law requires this.", "Sickness absence data"],
        ),
        ("pl", ["Komu przekazaliśmy Twoje dane?", "Wymaga tego prawo.", "Dane o nieobecności"]),
    ):
        pdf = overview.render_pdf(build(ledger, config, lang=lang))
        assert pdf.startswith(b"%PDF-")
        reader = PdfReader(io.BytesIO(pdf))
        assert reader.metadata is not None
        content = _pdf_text(pdf)
        for expected in [*words, "ArboNed B.V.", "Belastingdienst", "privacy@backofficeplus.nl"]:
            assert expected in content, (lang, expected)
        assert "Autoriteit Persoonsgegevens" in content


def _pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    # pypdf may break or double-space lines; compare on single spaces.
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_an_unknown_subject_has_an_empty_overview(ledger: Ledger, config: OverviewConfig) -> None:
    view = ledger.reading.overview(reader=READER, subject_id="E-99999")

    assert not view.known
    assert view.groups == ()
    assert overview.to_json(view)["summary"] == {"disclosures": 0, "recipients": 0}
    assert "Wij hebben uw gegevens aan niemand gegeven." in _pdf_text(overview.render_pdf(view))


def test_controllers_and_the_complaint_text_come_from_configuration(
    ledger: Ledger, tmp_path: Path
) -> None:
    ledger.recording.record(a_disclosure(1), actor="payroll")
    document = json.loads(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    document["controllers"].append(
        {"kvk": "12345678", "name": "Uitzendbureau Test B.V.", "address": "Teststraat 1, Utrecht"}
    )
    document["complaint"]["nl"] = "Mail {email} of ga naar de {authority} ({authority_url})."
    path = tmp_path / "overview.json"
    path.write_text(json.dumps(document), encoding="utf-8")

    config = overview.load_config(path)
    view = build(ledger, config)

    assert [c.name for c in view.controllers] == ["Uitzendbureau Test B.V."]
    assert config.complaint_text("nl") == (
        "Mail privacy@backofficeplus.nl of ga naar de Autoriteit Persoonsgegevens"
        " (https://www.autoriteitpersoonsgegevens.nl)."
    )
    assert "Uitzendbureau Test B.V." in _pdf_text(overview.render_pdf(view))

    document["complaint"]["en"] = "Write to {mailbox}."
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(SettingsError, match=r"complaint\.en uses unknown placeholders"):
        overview.load_config(path)
    del document["supervisory_authority"]["name"]["en"]
    document["complaint"]["en"] = "Write to {email}."
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(SettingsError, match=r"supervisory_authority\.name\.en"):
        overview.load_config(path)


def test_the_default_configuration_names_the_demo_controllers_as_demo(
    config: OverviewConfig,
) -> None:
    for kvk in ("90000001", "90000002"):
        assert config.controllers[kvk].demo
        assert "DEMO" in config.controllers[kvk].name
    assert config.controllers["20105245"].name == "Backoffice Plus B.V."
    assert config.contact_address == "Ptolemaeuslaan 52, 3528 BP Utrecht"


# -- `ledger overview --format ... -o FILE` ------------------------------------------------------


@pytest.fixture
def run(settings: Settings):  # type: ignore[no-untyped-def]
    env = {
        "LEDGER_DATABASE_URL": settings.database_url,
        "LEDGER_MASTER_KEY": TEST_MASTER_KEY,
        "LEDGER_VAR_DIR": str(settings.var_dir),
    }

    def invoke(*args: str):  # type: ignore[no-untyped-def]
        return CliRunner(env=env).invoke(main, list(args), catch_exceptions=False)

    return invoke


def test_ledger_overview_writes_each_format_for_the_person(
    ledger: Ledger,
    run,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    ledger.recording.record(a_disclosure(1), actor="payroll")
    ledger.recording.record(police_request(until=date(2099, 1, 1)), actor="payroll")

    for fmt in ("html", "pdf", "json", "csv"):
        target = tmp_path / f"overview.{fmt}"
        result = run(
            "overview",
            "E-00001",
            "--purpose",
            "AVG-verzoek 2026-017",
            "--format",
            fmt,
            "-o",
            str(target),
            "--lang",
            "en",
        )
        assert result.exit_code == 0, result.output
        assert f"Wrote the {fmt.upper()} overview of E-00001" in result.output
        content = (
            _pdf_text(target.read_bytes()) if fmt == "pdf" else target.read_text(encoding="utf-8")
        )
        assert "Belastingdienst" in content
        assert "Politie" not in content  # suppressed until 2099: not in the person's files
    page = (tmp_path / "overview.html").read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>")
    assert '<html lang="en">' in page
    assert "<style>" in page
    assert "/static/" not in page
    assert json.loads((tmp_path / "overview.json").read_text())["language"] == "en"

    # The officer's own views still show everything, --json as before.
    raw = json.loads(
        run("overview", "E-00001", "--purpose", "AVG-verzoek 2026-017", "--json").output
    )
    assert {d["recipient"]["name"] for d in raw["disclosures"]} == {"Belastingdienst", POLICE.name}
    assert "Politie" in run("overview", "E-00001", "--purpose", "AVG-verzoek 2026-017").output

    refused = run("overview", "E-00001", "--purpose", "AVG-verzoek 2026-017", "--format", "pdf")
    assert refused.exit_code != 0
    assert "add -o FILE" in refused.output
    assert "Traceback" not in refused.output

    logged = accesses_of(ledger, "E-00001")
    assert {entry.endpoint for entry in logged} >= {
        "cli overview --format pdf",
        "cli overview --format json",
    }


def test_the_json_copy_with_its_proof_is_valid_against_the_published_schema(
    ledger: Ledger,
) -> None:
    ledger.recording.record(a_disclosure(1), actor="payroll")
    view = ledger.reading.overview(reader=READER, subject_id="E-00001", with_proof=True)
    document = json.loads(overview.render_json(view))

    assert "proof" in document
    errors = sorted(Draft202012Validator(SCHEMA).iter_errors(document), key=str)
    assert errors == []
