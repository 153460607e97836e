"""The Art. 30 report and the register's DPV export on a real database: real counts after
recording, correcting and retracting; the officer's page, its PDF and CSV; the JSON-LD parsed
back with rdflib; a database from before recording by activity brought up to it."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from flask.testing import FlaskClient
from pypdf import PdfReader
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF

from ledger.app import Ledger
from ledger.cli import main
from ledger.domain.values import Recipient
from ledger.projections.tables import activity_counts, disclosures, term_sets
from ledger.settings import Settings
from tests.activities import an_activity
from tests.builders import AMSTERDAM, a_disclosure
from tests.conftest import TEST_MASTER_KEY
from tests.integration.officer_pages import login
from tests.layouts import terms_on_every_row

DPV = Namespace("https://w3id.org/dpv#")
EU_GDPR = Namespace("https://w3id.org/dpv/legal/eu/gdpr#")
PD = Namespace("https://w3id.org/dpv/pd#")
DCT = Namespace("http://purl.org/dc/terms/")
# Not rdflib's XSD namespace at module level: pytest probes module attributes, and it warns.
XSD_DURATION = URIRef("http://www.w3.org/2001/XMLSchema#duration")


def define_register(ledger: Ledger) -> None:
    ledger.register.define(an_activity(controllers=["12345678"]), actor="fg")
    ledger.register.define(
        an_activity(
            "ziekmelding_uwv",
            name={"nl": "Ziekmelding aan het UWV", "en": "Sickness report to the UWV"},
            purpose={"nl": "Ziekmelding aan het UWV", "en": "Reporting sickness to the UWV"},
            controllers=["12345678"],
            legal_provision="Ziektewet, art. 38",
            special_category_condition="employment_social_security",
            data_categories=["naam", "bsn", "verzuim"],
            recipient_categories=["uwv", "arbodienst"],
            retention=None,
        ),
        actor="fg",
    )


def by_activity(number: int, activity: str = "loonaangifte", **changes: Any) -> Any:
    return a_disclosure(
        number,
        activity=activity,
        data_categories=None,
        legal_basis=None,
        legal_provision=None,
        **changes,
    )


def sickness(number: int, **changes: Any) -> Any:
    return by_activity(
        number,
        "ziekmelding_uwv",
        recipient=Recipient("uwv", "UWV", None, "NL"),
        **changes,
    )


def counted(ledger: Ledger, **period: str) -> dict[tuple[str, str, str], int]:
    """(activity or '', month, recipient category) -> count, from the report."""
    report = ledger.register_reports.report(**period)
    found = {
        (entry.code, row.month, row.recipient_category): row.count
        for entry in report.activities
        for row in entry.rows
    }
    found.update({("", row.month, row.recipient_category): row.count for row in report.without})
    return found


def fill(ledger: Ledger) -> list[Any]:
    """Three payroll returns in October, one in September; two sickness reports in October;
    one disclosure without an activity."""
    define_register(ledger)
    september = datetime(2026, 9, 30, 12, 0, tzinfo=AMSTERDAM)
    receipts = [ledger.recording.record(by_activity(n), actor="t") for n in (1, 2, 3)]
    receipts.append(ledger.recording.record(by_activity(4, occurred_at=september), actor="t"))
    receipts += [ledger.recording.record(sickness(n), actor="t") for n in (5, 6)]
    receipts.append(ledger.recording.record(a_disclosure(7), actor="t"))
    return receipts


def test_the_report_counts_actual_disclosures_and_follows_corrections_and_retractions(
    ledger: Ledger,
) -> None:
    receipts = fill(ledger)
    assert counted(ledger) == {
        ("loonaangifte", "2026-09", "belastingdienst"): 1,
        ("loonaangifte", "2026-10", "belastingdienst"): 3,
        ("ziekmelding_uwv", "2026-10", "uwv"): 2,
        ("", "2026-10", "belastingdienst"): 1,
    }

    # A sickness report went to the occupational health service, not the UWV.
    ledger.recording.correct(
        receipts[4].id,
        changes={"recipient": Recipient("arbodienst", "Arbo Unie", None, "NL")},
        reason="sent to the arbodienst",
        actor="fg",
    )
    ledger.recording.retract(receipts[0].id, reason="recorded twice", actor="fg")
    # The one without an activity is put under loonaangifte.
    ledger.recording.correct(
        receipts[6].id,
        changes={"activity": "loonaangifte"},
        reason="it was the payroll return",
        actor="fg",
    )
    assert counted(ledger) == {
        ("loonaangifte", "2026-09", "belastingdienst"): 1,
        ("loonaangifte", "2026-10", "belastingdienst"): 3,
        ("ziekmelding_uwv", "2026-10", "uwv"): 1,
        ("ziekmelding_uwv", "2026-10", "arbodienst"): 1,
    }
    assert counted(ledger, since_month="2026-10", until_month="2026-10") == {
        ("loonaangifte", "2026-10", "belastingdienst"): 3,
        ("ziekmelding_uwv", "2026-10", "uwv"): 1,
        ("ziekmelding_uwv", "2026-10", "arbodienst"): 1,
    }

    report = ledger.register_reports.report(lang="en")
    assert [entry.code for entry in report.activities] == ["loonaangifte", "ziekmelding_uwv"]
    assert report.activities[1].name == "Sickness report to the UWV"
    assert report.activities[0].total == 4
    assert report.without == ()

    # A rebuild from the log gives the same counts.
    before = counted(ledger)
    ledger.maintenance.rebuild_projections()
    assert counted(ledger) == before


def test_the_officer_page_pdf_and_csv_show_the_same_numbers(
    client: FlaskClient, ledger: Ledger, officer: str
) -> None:
    receipts = fill(ledger)
    login(client, officer)

    page = client.get("/officer/art30?from=2026-10")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Register van verwerkingsactiviteiten" in html
    assert "Loonheffingen aangeven bij de Belastingdienst" in html
    assert '<td class="num">3</td>' in html
    assert "Verstrekkingen zonder verwerkingsactiviteit" in html
    assert "2026-09" not in html

    english = client.get("/officer/art30?lang=en").get_data(as_text=True)
    assert "Record of processing activities" in english
    assert "Filing payroll taxes with the Tax Administration" in english

    bad = client.get("/officer/art30?from=oktober").get_data(as_text=True)
    assert "Vanaf maand: een maand als 2026-01" in bad

    as_csv = client.get("/officer/art30.csv?from=2026-10&to=2026-10")
    assert as_csv.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.get_data(as_text=True).lstrip("\ufeff"))))
    counts = {(r["activity"], r["recipient_category"]): int(r["count"]) for r in rows}
    assert counts == {
        ("loonaangifte", "belastingdienst"): 3,
        ("ziekmelding_uwv", "uwv"): 2,
        ("", "belastingdienst"): 1,
    }
    assert rows[0]["activity_uri"] == ledger.register.uri("loonaangifte")

    as_pdf = client.get("/officer/art30.pdf?lang=en")
    assert as_pdf.headers["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(as_pdf.data)).pages)
    assert "Record of processing activities" in text
    assert "Sickness report to the UWV" in text

    refused = client.get("/officer/art30.csv?to=2026-13")
    assert refused.status_code == 422
    assert "Tot en met maand" in refused.get_data(as_text=True)

    one = client.get(f"/officer/disclosures/{receipts[0].id}?reason=Art.%2030-controle")
    shown = one.get_data(as_text=True)
    assert one.status_code == 200
    assert 'href="/officer/register/loonaangifte"' in shown
    assert ledger.register.uri("loonaangifte") in shown


def test_the_report_pages_are_for_a_signed_in_officer(client: FlaskClient) -> None:
    for path in ("art30", "art30.pdf", "art30.csv"):
        response = client.get(f"/officer/{path}")
        assert response.status_code == 302
        assert "/officer/login" in response.headers["Location"]


def test_the_dpv_export_parses_as_rdf_with_every_activity_and_its_terms(
    client: FlaskClient, ledger: Ledger, officer: str
) -> None:
    define_register(ledger)
    auditor = ledger.api_keys.create(name="sna", role="auditor")[1]
    source = ledger.api_keys.create(
        name="payroll", role="source", controllers=["12345678"], system="payroll"
    )[1]

    response = client.get(
        "/api/v1/activities.jsonld", headers={"Authorization": f"Bearer {auditor}"}
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/ld+json")
    graph = Graph().parse(data=response.get_data(as_text=True), format="json-ld")

    processes = set(graph.subjects(RDF.type, DPV.Process))
    payroll = URIRef(ledger.register.uri("loonaangifte"))
    sick = URIRef(ledger.register.uri("ziekmelding_uwv"))
    assert processes == {payroll, sick}
    assert (payroll, DPV.hasLegalBasis, EU_GDPR["A6-1-c"]) in graph
    assert (sick, DPV.hasLegalBasis, EU_GDPR["A9-2-b"]) in graph
    assert (payroll, DPV.hasPersonalData, PD.Name) in graph
    assert (sick, DPV.hasPersonalData, PD.Health) in graph
    purpose = graph.value(payroll, DPV.hasPurpose)
    descriptions = set(graph.objects(purpose, DCT.description))
    assert Literal("Loonheffingen aangeven bij de Belastingdienst", lang="nl") in descriptions
    assert Literal("Filing payroll taxes with the Tax Administration", lang="en") in descriptions
    assert {literal.language for literal in descriptions} == {"nl", "en"}
    recipients = list(graph.objects(sick, DPV.hasRecipient))
    assert len(recipients) == 2
    assert all((node, RDF.type, DPV.Recipient) in graph for node in recipients)
    controller = graph.value(payroll, DPV.hasDataController)
    assert graph.value(controller, DCT.identifier) == Literal("KvK 12345678")
    retention = graph.value(payroll, DPV.hasStorageCondition)
    assert (retention, RDF.type, DPV.StorageDuration) in graph
    assert graph.value(payroll, DPV.hasDataRetentionPeriod) == retention
    assert graph.value(retention, RDF.value) == Literal("P5Y", datatype=XSD_DURATION)
    assert Literal("from the end of the employment", lang="en") in set(
        graph.objects(retention, DCT.description)
    )
    assert graph.value(payroll, DCT.hasVersion) == Literal("1")

    officer_answer = client.get(
        "/api/v1/activities.jsonld", headers={"Authorization": f"Bearer {officer}"}
    )
    assert officer_answer.status_code == 200
    forbidden = client.get(
        "/api/v1/activities.jsonld", headers={"Authorization": f"Bearer {source}"}
    )
    assert forbidden.status_code == 403


def test_ledger_activities_export_writes_the_same_jsonld(
    ledger: Ledger, settings: Settings
) -> None:
    define_register(ledger)
    runner = CliRunner(
        env={
            "LEDGER_DATABASE_URL": settings.database_url,
            "LEDGER_MASTER_KEY": TEST_MASTER_KEY,
            "LEDGER_VAR_DIR": str(settings.var_dir),
        }
    )

    result = runner.invoke(main, ["activities", "export", "--format", "jsonld"])

    assert result.exit_code == 0, result.output
    graph = Graph().parse(data=result.output, format="json-ld")
    assert len(set(graph.subjects(RDF.type, DPV.Process))) == 2
    assert json.loads(result.output) == ledger.register_reports.jsonld()


def test_a_database_from_before_recording_by_activity_is_brought_up_to_it(
    ledger: Ledger,
) -> None:
    ledger.recording.record(a_disclosure(1), actor="t")
    ledger.recording.record(a_disclosure(2), actor="t")
    retracted = ledger.recording.record(a_disclosure(3), actor="t")
    ledger.recording.retract(retracted.id, reason="in error", actor="t")
    with ledger.uow.write_rows() as connection:
        activity_counts.drop(connection)
        terms_on_every_row(connection, without={"activity", "activity_version"})

    ledger.create_schema()

    assert counted(ledger) == {("", "2026-10", "belastingdienst"): 2}
    with ledger.uow.read() as connection:
        columns = {c["name"] for c in sa.inspect(connection).get_columns(disclosures.name)}
        activities = connection.execute(
            sa.select(term_sets.c.activity, term_sets.c.activity_version).distinct()
        ).all()
    # The columns were added, and then went into the sets of terms with the others.
    assert "terms" in columns
    assert activities == [(None, None)]


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_an_empty_register_makes_a_report_of_disclosures_without_activity_only(
    ledger: Ledger, lang: str
) -> None:
    ledger.recording.record(a_disclosure(1), actor="t")

    report = ledger.register_reports.report(lang=lang)

    assert report.activities == ()
    assert report.without_total == 1
