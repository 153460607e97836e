"""In a real browser (Playwright driving Debian's Chromium) against a real `ledger serve`, on
SQLite and PostgreSQL: the person opens their link, reads who received their data, switches to
English and downloads the PDF; the officer logs in, finds the person and makes a link, runs an
access request from the queue to its answer (link and e-mail), and marks the Art. 19
notifications of a rectification on their page, restricts a person's processing (the person
reads it) and lifts it, records a missing employment end on the retention page, and erases a
person from their page; an expired link says so. A screenshot of the
overview is saved under var/screenshots/."""

from __future__ import annotations

import io
import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from ledger.overview.texts import long_date
from tests.conftest import Backend
from tests.e2e.serving import ServeProcess, environment

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
SCREENSHOTS = Path("var") / "screenshots"
SUBJECT = "DEMO-000004"

if not CHROMIUM.exists():
    if os.environ.get("CI"):
        raise RuntimeError(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
    pytest.skip(
        f"{CHROMIUM} is missing (`make test` installs it with apt-get)", allow_module_level=True
    )

from playwright.sync_api import Browser, Page, Playwright, sync_playwright  # noqa: E402


class Ledger(ServeProcess):
    """A `ledger serve` process on its own database, and the secrets of its keys."""

    def call(self, method: str, path: str, body: Any = None, key: str | None = None) -> Any:
        request = urllib.request.Request(  # noqa: S310 - always http://127.0.0.1
            self.base + path,
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={
                **({"Content-Type": "application/json"} if body is not None else {}),
                **({"Authorization": f"Bearer {self.keys[key]}"} if key else {}),
                "X-Ledger-Purpose": "Inzageverzoek 2026-017",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
                return json.loads(answer.read() or b"null")
        except urllib.error.HTTPError as error:
            pytest.fail(f"{method} {path}: {error.code} {error.read().decode()}")


@pytest.fixture
def ledger(backend: Backend, tmp_path: Path) -> Iterator[Ledger]:
    env = environment(tmp_path, backend.url)
    server = Ledger(workdir=tmp_path, env=env)
    # DEMO data (a payroll month for ten demo people) and keys, made with the real CLI.
    server.cli("demo", "--count", "400", "--subjects", "10")
    for name, options in {
        "demo-source": ["--role", "source", "--system", "demo"],
        "fg": ["--role", "officer"],
    }.items():
        server.keys[name] = server.cli("keys", "create", "--name", name, *options).split()[-1]
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    try:
        yield launched
    finally:
        launched.close()


def police_request(reference: str) -> dict[str, Any]:
    """A disclosure under a gag order: the person must not see it until 2099."""
    return {
        "controller": "90000001",
        "subject": {"id": SUBJECT},
        "recipient": {"category": "opsporingsinstantie", "name": "Politie Midden-Nederland"},
        "data_categories": ["naam", "contactgegevens"],
        "legal_basis": "legal_obligation",
        "legal_provision": "Wetboek van Strafvordering, art. 126nd",
        "purpose": "[DEMO] Vordering van gegevens",
        "occurred_at": "2026-10-20T10:00:00+02:00",
        "suppressed_until": "2099-01-01",
        "suppression_authority": "Officier van justitie (DEMO)",
        "source": {"system": "demo", "reference": reference},
    }


def outside_requests(page: Page, base: str) -> list[str]:
    seen: list[str] = []
    page.on(
        "request",
        lambda request: (
            None if request.url.startswith((base, "data:")) else seen.append(request.url)
        ),
    )
    return seen


def test_the_person_reads_switches_language_and_downloads_the_pdf_and_the_officer_makes_a_link(
    ledger: Ledger, browser: Browser, backend: Backend, tmp_path: Path
) -> None:
    ledger.call("POST", "/api/v1/disclosures", police_request("gag-1"), "demo-source")
    recipients = ledger.call("GET", f"/api/v1/subjects/{SUBJECT}/recipients", key="fg")["items"]
    shown = {r["recipient"]["name"] for r in recipients} - {"Politie Midden-Nederland"}
    link = ledger.call("POST", f"/api/v1/subjects/{SUBJECT}/overview-links", {}, "fg")
    assert link["url"].startswith(ledger.base + "/o/")

    # The person opens their link: no account, Dutch by default.
    person = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = person.new_page()
    elsewhere = outside_requests(page, ledger.base)
    answer = page.goto(link["url"])
    assert answer is not None
    assert answer.status == 200
    assert page.locator("html").get_attribute("lang") == "nl"
    assert page.locator("h1").inner_text() == "Aan wie hebben wij uw gegevens gegeven?"
    assert page.locator(".sender").inner_text().startswith("Van ")
    assert "Voor: Demo Persoon 4 (uw referentie bij ons: DEMO-000004)" in (
        page.locator(".overview-head .meta").inner_text().replace("\n", " ")
    )
    names = page.locator(".answer-line .who a").all_inner_texts()
    assert set(names) == shown
    assert "Politie" not in page.content()
    assert page.get_by_text("Inzageverzoek 2026-017").first.is_visible()
    assert page.get_by_role("link", name="privacy@backofficeplus.nl", exact=True).is_visible()
    mail = page.locator("#rights a.mailto")
    assert mail.is_visible()
    assert (mail.get_attribute("href") or "").startswith(
        "mailto:privacy@backofficeplus.nl?subject="
    )
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    if backend.name == "sqlite":
        page.screenshot(path=str(SCREENSHOTS / "overview.png"), full_page=True)
        phone = person.new_page()
        phone.set_viewport_size({"width": 390, "height": 844})
        phone.goto(link["url"])
        phone.screenshot(path=str(SCREENSHOTS / "overview-phone.png"))
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        phone.close()

    # On paper: no menus or download links, and every disclosure, also the folded ones.
    page.emulate_media(media="print")
    assert not page.locator("nav.downloads").is_visible()
    assert page.locator("table.items tbody tr").first.is_visible()
    assert page.locator("details:not([open]) table.items").first.is_visible()
    page.emulate_media(media="screen")
    assert not page.locator("details:not([open]) table.items").first.is_visible()

    # English, chosen on the page.
    page.get_by_role("link", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "Who have we given your data to?"
    assert page.get_by_text("The law requires this.").first.is_visible()

    # The PDF of the same overview, with real text.
    with page.expect_download() as download:
        page.get_by_role("link", name="PDF", exact=True).click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name.startswith("disclosure-overview-")
    text = " ".join(
        " ".join(p.extract_text() for p in PdfReader(io.BytesIO(saved.read_bytes())).pages).split()
    )
    assert "Who have we given your data to?" in text
    for name in shown:
        assert name in text
    assert "Politie" not in text
    assert elsewhere == []
    person.close()

    # The officer logs in with their key, finds the person, sees the hidden one, makes a link.
    office = browser.new_context(viewport={"width": 1280, "height": 900})
    page = office.new_page()
    page.goto(ledger.base + "/officer/")
    assert page.url.startswith(ledger.base + "/officer/login")
    page.get_by_label("API-sleutel").fill(ledger.keys["fg"])
    page.get_by_role("button", name="Inloggen").click()
    page.get_by_label("Persoonsnummer").fill(SUBJECT)
    page.get_by_label("Reden van inzage").fill("Inzageverzoek 2026-017")
    page.get_by_role("button", name="Zoeken").click()
    assert page.locator("h1").inner_text() == f"Betrokkene {SUBJECT}"
    assert page.get_by_text("Verborgen voor de betrokkene tot 1 januari 2099").first.is_visible()
    page.get_by_label("Geldig (dagen)").fill("7")
    page.get_by_role("button", name="Link maken").click()
    made = page.locator("#link-url").input_value()
    assert made.startswith(ledger.base + "/o/")
    page.goto(ledger.base + "/officer/statistics")
    assert page.locator("svg.bar-chart rect").count() > 0
    office.close()

    fresh = browser.new_context()
    page = fresh.new_page()
    assert page.goto(made).status == 200  # type: ignore[union-attr]
    assert page.locator("h1").inner_text() == "Aan wie hebben wij uw gegevens gegeven?"
    fresh.close()


def test_an_expired_link_shows_a_clear_page(ledger: Ledger, browser: Browser) -> None:
    soon = (datetime.now(UTC) + timedelta(seconds=2)).isoformat()
    link = ledger.call(
        "POST", f"/api/v1/subjects/{SUBJECT}/overview-links", {"expires_at": soon}, "fg"
    )
    context = browser.new_context()
    page = context.new_page()
    assert page.goto(link["url"]).status == 200  # type: ignore[union-attr]
    time.sleep(
        max(0.0, (datetime.fromisoformat(link["expires_at"]) - datetime.now(UTC)).total_seconds())
        + 0.5
    )

    answer = page.goto(link["url"])

    assert answer is not None
    assert answer.status == 410
    assert page.locator("h1").inner_text() == "Deze link is verlopen"
    assert page.get_by_text("This link has expired").is_visible()
    assert page.goto(link["url"][:-3] + "xyz").status == 404  # type: ignore[union-attr]
    assert page.locator("h1").inner_text() == "Deze link bestaat niet"
    context.close()


def test_the_officer_walks_the_queue_and_answers_a_request_with_a_link_and_an_email(
    ledger: Ledger, browser: Browser
) -> None:
    office = browser.new_context(viewport={"width": 1280, "height": 900})
    page = office.new_page()
    elsewhere = outside_requests(page, ledger.base)
    page.goto(ledger.base + "/officer/requests")
    page.get_by_label("API-sleutel").fill(ledger.keys["fg"])
    page.get_by_role("button", name="Inloggen").click()
    assert page.locator("h1").inner_text() == "Inzageverzoeken"
    assert page.get_by_text("Geen open verzoeken.").is_visible()

    # Open a request received today (the form's default date), then find it in the queue.
    page.get_by_label("Persoonsnummer").fill(SUBJECT)
    page.get_by_label("Kanaal").select_option("letter")
    page.get_by_label("Kenmerk").fill("AVG-2026-099")
    page.get_by_role("button", name="Registreren").click()
    assert page.locator("h1").inner_text() == "Inzageverzoek AVG-2026-099"
    page.get_by_role("link", name="Terug naar de verzoeken").click()
    row = page.locator("table.requests tbody tr")
    assert row.count() == 1
    assert "nog " in row.inner_text()
    page.get_by_role("link", name="AVG-2026-099").click()
    assert page.locator("p.meta strong").inner_text() == "AVG-2026-099"

    # Identity, extension, the notice of it: each lands in the timeline.
    page.get_by_label("Hoe is de identiteit vastgesteld?").fill("paspoort per brief (kopie)")
    page.get_by_role("button", name="Identiteit vastleggen").click()
    page.get_by_label("Reden van de verlenging").fill("gegevens in vele systemen")
    page.get_by_role("button", name="Verlengen").click()
    assert page.get_by_role("heading", name="Termijn verlengen").count() == 0
    page.get_by_role("button", name="Vastleggen", exact=True).click()
    timeline = page.locator("ol.timeline").inner_text()
    for step in (
        "Verzoek ontvangen en geregistreerd",
        "Identiteit gecontroleerd",
        "Termijn verlengd",
        "Betrokkene over de verlenging geïnformeerd",
    ):
        assert step in timeline

    # The answer: the link, shown once, and an e-mail to the person's stored address.
    page.get_by_role("button", name="Beantwoorden en link maken").click()
    assert page.locator("h1").inner_text() == "Verzoek beantwoord"
    made = page.locator("#link-url").input_value()
    assert made.startswith(ledger.base + "/o/")
    mail = page.locator("a.mailto").get_attribute("href") or ""
    assert mail.startswith("mailto:demo.4@example.org?subject=Uw%20verzoek")
    assert "Beste" in urllib.parse.unquote(mail)
    assert made in urllib.parse.unquote(mail)
    page.get_by_role("link", name="Naar de verzoeken").click()
    assert page.get_by_text("Geen open verzoeken.").is_visible()
    page.goto(ledger.base + "/officer/expiring?reason=controle")
    assert SUBJECT in page.locator("section[aria-labelledby=links-title]").inner_text()
    assert elsewhere == []
    office.close()

    # The person's overview says their request was extended, and why.
    person = browser.new_context()
    page = person.new_page()
    assert page.goto(made).status == 200  # type: ignore[union-attr]
    assert page.get_by_text("gegevens in vele systemen").is_visible()
    person.close()


def test_the_officer_marks_the_notifications_of_a_rectification_and_the_person_sees_whom_we_told(
    ledger: Ledger, browser: Browser
) -> None:
    notice = ledger.call(
        "POST",
        f"/api/v1/subjects/{SUBJECT}/rectifications",
        {
            "data_categories": ["naam"],
            "reason": "achternaam verkeerd gespeld",
            "person_asked_for_recipients": True,
        },
        "fg",
    )
    notifications = {n["recipient"]["name"]: n["id"] for n in notice["notifications"]}
    # One to mark sent, one impossible, and at least one left for later.
    assert len(notifications) >= 3, notifications
    (sent, sent_id), (lost, lost_id), *rest = notifications.items()

    office = browser.new_context(viewport={"width": 1280, "height": 900})
    page = office.new_page()
    elsewhere = outside_requests(page, ledger.base)
    page.goto(ledger.base + "/officer/")
    page.get_by_label("API-sleutel").fill(ledger.keys["fg"])
    page.get_by_role("button", name="Inloggen").click()
    page.get_by_role("link", name="Notificaties", exact=True).click()
    assert page.locator("h1").inner_text() == "Notificaties aan ontvangers"
    rows = page.locator("table.notifications tbody tr")
    assert rows.count() == len(notifications)
    assert SUBJECT in rows.first.inner_text()

    # Sent by letter on the form's date (today, the earliest and latest it may be).
    row = page.locator(f"#n-{sent_id}")
    assert sent in row.inner_text()
    sent_on = row.get_by_label("Verstuurd op").input_value()
    row.get_by_label("Verstuurd op").fill(sent_on)
    row.get_by_label("via").select_option(label="brief")
    row.get_by_role("button", name="Verstuurd", exact=True).click()
    assert page.get_by_role("status").inner_text() == "Gemarkeerd als verstuurd."
    assert page.locator(f"#n-{sent_id}").count() == 0

    # Impossible, with the reason the page asks for.
    row = page.locator(f"#n-{lost_id}")
    row.locator(f"#impossible-{lost_id}").fill("bedrijf opgeheven, geen adres meer")
    row.get_by_role("button", name="Onmogelijk", exact=True).click()
    assert page.get_by_role("status").inner_text() == "Gemarkeerd als onmogelijk."
    assert page.locator(f"#n-{lost_id}").count() == 0
    remaining = page.locator("table.notifications tbody tr")
    assert remaining.count() == len(rest)
    assert {page.locator(f"#n-{n_id}").count() for _, n_id in rest} == {1}
    assert elsewhere == []
    office.close()

    # The person asked whom we told: their overview lists each recipient and what became of it.
    link = ledger.call("POST", f"/api/v1/subjects/{SUBJECT}/overview-links", {}, "fg")
    person = browser.new_context()
    page = person.new_page()
    elsewhere = outside_requests(page, ledger.base)
    assert page.goto(link["url"]).status == 200  # type: ignore[union-attr]
    told = page.locator("section[aria-labelledby=notified-title]")
    assert (
        told.locator("h2").inner_text() == "Wie hebben wij verteld dat uw gegevens zijn gewijzigd?"
    )
    states = {
        cells[2].split(" (")[0]: cells[4]
        for cells in (row.locator("td").all_inner_texts() for row in told.locator("tbody tr").all())
    }
    assert states == {
        sent: f"verstuurd op {long_date(date.fromisoformat(sent_on), 'nl')}",
        lost: "niet mogelijk",
        **{name: "wordt nog verstuurd" for name, _ in rest},
    }
    assert elsewhere == []
    person.close()


def post_disclosure(ledger: Ledger, reference: str, **changes: Any) -> tuple[int, Any]:
    """POST a disclosure made just now for SUBJECT; the status and the answer, refused or not."""
    body = {
        "controller": "90000001",
        "subject": {"id": SUBJECT},
        "recipient": {"category": "belastingdienst", "name": "Belastingdienst"},
        "data_categories": ["naam", "salaris"],
        "legal_basis": "legal_obligation",
        "legal_provision": "Wet op de loonbelasting 1964, art. 28",
        "purpose": "[DEMO] Loonaangifte",
        "occurred_at": datetime.now(UTC).isoformat(),
        "source": {"system": "demo", "reference": reference},
        **changes,
    }
    request = urllib.request.Request(  # noqa: S310 - always http://127.0.0.1
        ledger.base + "/api/v1/disclosures",
        method="POST",
        data=json.dumps(body).encode(),
        headers={
            "Content-Type": "application/json",
            "Authorization": f"Bearer {ledger.keys['demo-source']}",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_the_officer_restricts_a_person_whose_disclosures_then_need_a_ground_and_lifts_it(
    ledger: Ledger, browser: Browser
) -> None:
    until = date.today() + timedelta(days=20)
    office = browser.new_context(viewport={"width": 1280, "height": 900})
    page = office.new_page()
    elsewhere = outside_requests(page, ledger.base)
    page.goto(ledger.base + "/officer/")
    page.get_by_label("API-sleutel").fill(ledger.keys["fg"])
    page.get_by_role("button", name="Inloggen").click()
    page.get_by_label("Persoonsnummer").fill(SUBJECT)
    page.get_by_label("Reden van inzage").fill("Verzoek om beperking 2026-031")
    page.get_by_role("button", name="Zoeken").click()
    panel = page.locator("#restrictions")
    panel.get_by_label("Reden (de betrokkene ziet deze)").fill("U betwist de juistheid")
    panel.get_by_label("Tot en met").fill(until.isoformat())
    panel.get_by_role("button", name="Beperken").click()
    assert page.get_by_role("status").first.inner_text().startswith("De beperking is vastgelegd.")
    assert "van kracht" in page.locator("#restrictions table").inner_text()

    # A posting system's disclosure without a ground is refused; with one it is recorded.
    status, refused = post_disclosure(ledger, "restricted-1")
    assert status == 422
    assert "restricted (GDPR Art. 18)" in refused["errors"]["restriction_ground"]
    status, _ = post_disclosure(ledger, "restricted-2", restriction_ground="legal_claims")
    assert status == 201

    # The person reads it in their overview's own words.
    link = ledger.call("POST", f"/api/v1/subjects/{SUBJECT}/overview-links", {}, "fg")
    person = browser.new_context()
    reader = person.new_page()
    assert reader.goto(link["url"]).status == 200  # type: ignore[union-attr]
    said = reader.locator("section[aria-labelledby=restriction-title]").inner_text()
    assert "gebruiken wij uw gegevens zo weinig mogelijk" in said
    assert f"tot en met {long_date(until, 'nl')}" in said
    assert "De reden: U betwist de juistheid" in said
    assert reader.get_by_text("mocht dit omdat: instellen, uitoefenen of onderbouwen").count() == 1
    person.close()

    # The officer lifts it from the list of restrictions; disclosures pass again.
    page.get_by_role("link", name="Beperkingen", exact=True).click()
    assert page.locator("h1").inner_text() == "Beperkingen van de verwerking"
    row = page.locator("table.restrictions tbody tr").filter(has_text=SUBJECT)
    assert "binnen 30 dagen" in row.inner_text()
    row.get_by_label("Reden").fill("juistheid vastgesteld")
    row.get_by_role("button", name="Opheffen").click()
    assert page.get_by_role("status").inner_text() == "De beperking is opgeheven."
    assert page.locator("table.restrictions tbody tr").filter(has_text=SUBJECT).count() == 0
    assert elsewhere == []
    office.close()
    status, _ = post_disclosure(ledger, "restricted-3")
    assert status == 201


def test_the_officer_records_a_missing_employment_end_on_the_retention_page(
    ledger: Ledger, browser: Browser
) -> None:
    subject = "DEMO-RET-1"
    ledger.call(
        "POST",
        "/api/v1/disclosures",
        {
            "controller": "90000001",
            "subject": {"id": subject, "name": "Ria Retentie"},
            "recipient": {"category": "belastingdienst", "name": "Belastingdienst"},
            "data_categories": ["naam", "kopie_id"],
            "legal_basis": "legal_obligation",
            "legal_provision": "Wet op de loonbelasting 1964, art. 28",
            "purpose": "[DEMO] Kopie identiteitsbewijs bij indiensttreding",
            "occurred_at": "2019-05-01T10:00:00+02:00",
            "source": {"system": "demo", "reference": "retention-1"},
        },
        "demo-source",
    )
    office = browser.new_context(viewport={"width": 1280, "height": 900})
    page = office.new_page()
    elsewhere = outside_requests(page, ledger.base)
    page.goto(ledger.base + "/officer/")
    page.get_by_label("API-sleutel").fill(ledger.keys["fg"])
    page.get_by_role("button", name="Inloggen").click()
    page.get_by_role("link", name="Bewaartermijnen", exact=True).click()
    assert page.locator("h1").inner_text() == "Bewaartermijnen"
    # Kept without end: the ID copy counts from an employment end nobody recorded.
    row = page.locator("#indefinite-table tbody tr", has_text=subject)
    assert "Kopie identiteitsbewijs en loonheffingsverklaring" in row.inner_text()
    row.get_by_label("Laatste werkdag").fill("2020-01-31")
    row.get_by_role("button", name="Vastleggen").click()
    assert page.get_by_role("status").inner_text() == "Einde dienstverband vastgelegd."
    assert page.locator("#indefinite-table tbody tr", has_text=subject).count() == 0
    # Five years after that end the copy may go: the next retention run erases the person.
    expired = page.locator("#expiring-table tbody tr", has_text=subject)
    assert "2025-01-31" in expired.inner_text()
    assert "verlopen" in expired.inner_text()
    assert elsewhere == []
    office.close()


def test_the_officer_erases_a_person_from_their_page_and_sees_whom_to_tell(
    ledger: Ledger, browser: Browser
) -> None:
    subject = "DEMO-ERA-1"
    ledger.call(
        "POST",
        "/api/v1/disclosures",
        {
            "controller": "90000001",
            "subject": {"id": subject, "name": "Eva Erasmus"},
            "recipient": {"category": "inlener", "name": "Bouwbedrijf De Vries B.V."},
            "data_categories": ["naam", "beschikbaarheid"],
            "legal_basis": "contract",
            "purpose": "[DEMO] Planning van uw inzet",
            "occurred_at": "2022-03-01T10:00:00+01:00",
            "source": {"system": "demo", "reference": "erasure-1"},
        },
        "demo-source",
    )
    office = browser.new_context(viewport={"width": 1280, "height": 900})
    page = office.new_page()
    elsewhere = outside_requests(page, ledger.base)
    page.goto(ledger.base + "/officer/")
    page.get_by_label("API-sleutel").fill(ledger.keys["fg"])
    page.get_by_role("button", name="Inloggen").click()
    page.get_by_label("Persoonsnummer").fill(subject)
    page.get_by_label("Reden van inzage").fill("Verzoek tot wissen 2026-031")
    page.get_by_role("button", name="Zoeken").click()
    assert page.locator("h1").inner_text() == f"Betrokkene {subject}"
    # Planning data from 2022: no retention rule holds it any more, so it goes at once.
    page.get_by_label("Reden van het verzoek").fill("Verzoek per brief")
    page.get_by_role("button", name="Wissen").click()
    assert "De betrokkene is gewist" in page.get_by_role("status").inner_text()
    assert "Bouwbedrijf De Vries B.V. (inlener)" in page.locator("table").inner_text()
    page.get_by_role("link", name="Wissingen", exact=True).click()
    assert "Uitgevoerd (1)" in page.locator("#done").inner_text()
    assert "op verzoek" in page.locator("table").inner_text()
    page.get_by_role("link", name="Notificaties", exact=True).click()
    assert "Bouwbedrijf De Vries B.V." in page.locator("main").inner_text()
    assert elsewhere == []
    office.close()
