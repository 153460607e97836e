"""In a real browser against a real `ledger serve` (both backends): the officer reaches the
register of processing activities from the menu (the demo imported the example register),
opens one activity, switches its texts to English, and sees a new version with what changed."""

from __future__ import annotations

from tests.e2e.test_browser import (  # noqa: F401 - the fixtures, shared
    Browser,
    Ledger,
    browser,
    ledger,
    outside_requests,
    playwright,
)


def test_the_officer_reads_the_register_and_an_activitys_versions_in_dutch_and_english(
    ledger: Ledger,  # noqa: F811 - the shared fixture
    browser: Browser,  # noqa: F811
) -> None:
    current = ledger.call("GET", "/api/v1/activities/ziekmelding_uwv", key="fg")["items"][0]
    revised = {
        name: value
        for name, value in current.items()
        if name not in ("version", "uri", "activity_uri", "reason", "recorded_at")
    }
    revised["retention"] = "fiscal"
    revised["reason"] = "Ziekmeldingen tellen mee voor de loonadministratie"
    ledger.call("POST", "/api/v1/activities", revised, "fg")

    office = browser.new_context(viewport={"width": 1280, "height": 900})
    page = office.new_page()
    elsewhere = outside_requests(page, ledger.base)
    page.goto(ledger.base + "/officer/")
    page.get_by_label("API-sleutel").fill(ledger.keys["fg"])
    page.get_by_role("button", name="Inloggen").click()
    page.get_by_role("link", name="Verwerkingsregister", exact=True).click()
    assert page.locator("h1").inner_text() == "Verwerkingsregister"
    row = page.locator("#activity-verzuimbegeleiding_arbodienst")
    assert "Verzuimbegeleiding door de arbodienst" in row.inner_text()
    assert "Arbodienst of bedrijfsarts" in row.inner_text()
    assert "urn:disclosure-ledger:register:verzuimbegeleiding_arbodienst/v1" in row.inner_text()

    page.locator("#activity-ziekmelding_uwv").get_by_role("link").click()
    assert page.locator("section.version").count() == 2
    newest = page.locator("section.version").first
    assert newest.locator("h2").inner_text() == "Versie 2"
    assert "Reden: Ziekmeldingen tellen mee voor de loonadministratie" in newest.inner_text()
    assert "Gewijzigd: Bewaartermijn." in newest.inner_text()

    page.get_by_role("link", name="English").click()
    assert "Sickness report to UWV" in page.locator("h1").inner_text()
    assert "Retention (changed)" in page.locator("section.version").first.inner_text()
    assert elsewhere == []
    office.close()
