"""In a real browser against a real `ledger serve` (both backends): disclosures posted by
activity of the demo's example register show up in the officer's Art. 30 report, which the
officer reaches from the menu, filters by month, reads in English and downloads as CSV; and
the person's English overview shows the activity's English purpose."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from tests.e2e.test_browser import (  # noqa: F401 - the fixtures, shared
    SUBJECT,
    Browser,
    Ledger,
    browser,
    ledger,
    outside_requests,
    playwright,
)


def by_activity(reference: str, occurred_at: str) -> dict[str, Any]:
    """A payroll tax return posted by activity: only who, to whom, when and the reference."""
    return {
        "controller": "90000001",
        "activity": "loonaangifte",
        "subject": {"id": SUBJECT},
        "recipient": {"category": "belastingdienst", "name": "Belastingdienst"},
        "occurred_at": occurred_at,
        "source": {"system": "demo", "reference": reference},
    }


def test_the_officer_reads_the_art30_report_and_the_person_the_activitys_own_purpose(
    ledger: Ledger,  # noqa: F811 - the shared fixture
    browser: Browser,  # noqa: F811
    tmp_path: Path,
) -> None:
    for number, when in enumerate(
        ("2026-09-30T12:00:00+02:00", "2026-10-05T12:00:00+02:00", "2026-10-06T12:00:00+02:00")
    ):
        ledger.call(
            "POST", "/api/v1/disclosures", by_activity(f"act-{number}", when), "demo-source"
        )

    office = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = office.new_page()
    elsewhere = outside_requests(page, ledger.base)
    page.goto(ledger.base + "/officer/")
    page.get_by_label("API-sleutel").fill(ledger.keys["fg"])
    page.get_by_role("button", name="Inloggen").click()
    page.get_by_role("link", name="Art. 30-rapport", exact=True).click()
    assert page.locator("h1").inner_text() == "Register van verwerkingsactiviteiten (art. 30 AVG)"
    payroll = page.locator("#activity-loonaangifte")
    assert "Loonaangifte" in payroll.locator("h2").inner_text()

    page.get_by_label("Vanaf maand").fill("2026-10")
    page.get_by_label("Tot en met").fill("2026-10")
    page.get_by_role("button", name="Tonen").click()
    rows = page.locator("#activity-loonaangifte tbody tr")
    assert rows.count() == 1
    assert rows.first.locator("td").all_inner_texts()[-1] == "2"
    assert page.locator("#without-activity").count() == 1

    page.get_by_role("link", name="English").click()
    assert page.locator("h1").inner_text() == "Record of processing activities (GDPR Art. 30)"
    assert "2026-10" in page.get_by_label("Until").input_value()
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    saved = tmp_path / "report.csv"
    download.value.save_as(saved)
    lines = list(csv.DictReader(io.StringIO(saved.read_text(encoding="utf-8-sig"))))
    payroll_rows = [row for row in lines if row["activity"] == "loonaangifte"]
    assert [(row["month"], row["count"]) for row in payroll_rows] == [("2026-10", "2")]
    assert elsewhere == []
    office.close()

    link = ledger.call("POST", f"/api/v1/subjects/{SUBJECT}/overview-links", {"lang": "en"}, "fg")
    person = browser.new_context()
    page = person.new_page()
    assert page.goto(link["url"]).status == 200  # type: ignore[union-attr]
    english = ledger.call("GET", "/api/v1/activities/loonaangifte", key="fg")["items"][0]
    assert english["purpose"]["en"] in page.content()
    person.close()
