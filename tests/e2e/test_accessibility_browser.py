"""Tested as a person would, in Chromium against a real `ledger serve` (both backends), with
axe-core run in the page: the person's overview in Dutch, English and Polish at phone and desktop
width, the link-gone pages, and the officer's main pages have no critical or serious violation;
at 320 px no element is wider than the screen; a person with 30 disclosures sees the summary on
the first phone screen; the statistics table's scroll box is reached with the Tab key.

The screenshots (SQLite run) land in var/screenshots/: overview-<lang>-<phone|desktop>.png."""

from __future__ import annotations

from typing import Any

import pytest

from ledger.overview import LANGUAGES
from tests.conftest import Backend
from tests.e2e.accessibility import report, violations, wider_than_the_screen
from tests.e2e.test_browser import (  # noqa: F401 - the fixtures, shared
    SCREENSHOTS,
    SUBJECT,
    Browser,
    Ledger,
    Page,
    browser,
    ledger,
    outside_requests,
    playwright,
)

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
NARROW = {"width": 320, "height": 640}
PERSON_LANGUAGES = ("nl", "en", "pl")
THIRTY = "DEMO-000030"
LONG = "DEMO-000031"
# Long words a 320 px screen must wrap: an e-mail address, a company name, a URL.
LONG_EMAIL = "anna.kowalska-wisniewska.flexwerker@voorbeeld-uitzendorganisatie.example.nl"
LONG_NAME = "Bouwbedrijf-De-Vries-Infrastructuur-en-Utiliteitsbouw-Noord-Holland B.V."
LONG_URL = "https://planning.example.nl/opdrachtgevers/bouwbedrijf-de-vries/weekplanning-2026"


def assert_accessible(page: Page, where: str) -> None:
    found = violations(page)
    assert not found, "\n" + report(where, found)


def assert_fits(page: Page, where: str) -> None:
    width = page.evaluate("window.innerWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= width, (
        where,
        wider_than_the_screen(page),
    )


def languages() -> list[str]:
    """The person's languages this build has (Polish arrives with the plain-language overview)."""
    return [lang for lang in PERSON_LANGUAGES if lang in LANGUAGES]


def test_the_persons_overview_is_accessible_in_every_language_on_a_phone_and_a_desktop(
    ledger: Ledger,  # noqa: F811 - the shared fixture
    browser: Browser,  # noqa: F811
    backend: Backend,
) -> None:
    link = ledger.call("POST", f"/api/v1/subjects/{SUBJECT}/overview-links", {}, "fg")["url"]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    failures: list[str] = []
    for size, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        context = browser.new_context(viewport=viewport)
        page = context.new_page()
        elsewhere = outside_requests(page, ledger.base)
        for lang in languages():
            answer = page.goto(f"{link}?lang={lang}")
            assert answer is not None
            assert answer.status == 200
            assert page.locator("html").get_attribute("lang") == lang
            found = violations(page)
            if found:
                failures.append(report(f"overview {lang} {size}", found))
            assert_fits(page, f"overview {lang} {size}")
            if backend.name == "sqlite":
                page.screenshot(path=str(SCREENSHOTS / f"overview-{lang}-{size}.png"))
        assert elsewhere == []
        context.close()
    assert not failures, "\n" + "\n".join(failures)

    narrow = browser.new_context(viewport=NARROW)
    page = narrow.new_page()
    for lang in languages():
        page.goto(f"{link}?lang={lang}")
        assert_fits(page, f"overview {lang} 320px")
    narrow.close()


def payroll_year(subject: str) -> list[dict[str, Any]]:
    """30 disclosures about one person: a year of tax returns and pension contributions, and six
    weeks of planning sent to a hirer."""
    common = {
        "controller": "90000001",
        "subject": {"id": subject, "name": "Anna Kowalska"},
    }
    items: list[dict[str, Any]] = []
    for month in range(1, 13):
        when = f"2025-{month:02d}-28T12:00:00+01:00"
        items.append(
            {
                **common,
                "recipient": {"category": "belastingdienst", "name": "Belastingdienst"},
                "data_categories": ["naam", "bsn", "salaris"],
                "legal_basis": "legal_obligation",
                "legal_provision": "Wet op de loonbelasting 1964, art. 28",
                "purpose": f"[DEMO] Loonaangifte 2025-{month:02d}",
                "occurred_at": when,
                "source": {"system": "demo", "reference": f"tax-{subject}-{month}"},
            }
        )
        items.append(
            {
                **common,
                "recipient": {"category": "pensioenfonds", "name": "Stichting Pensioenfonds StiPP"},
                "data_categories": ["naam", "bsn", "salaris"],
                "legal_basis": "legal_obligation",
                "legal_provision": "Wet verplichte deelneming in een bedrijfstakpensioenfonds 2000",
                "purpose": f"[DEMO] Pensioenpremie 2025-{month:02d}",
                "occurred_at": when,
                "source": {"system": "demo", "reference": f"pension-{subject}-{month}"},
            }
        )
    for week in range(6):
        items.append(
            {
                **common,
                "recipient": {
                    "category": "inlener",
                    "name": "Bouwbedrijf De Vries B.V.",
                    "id": "87654321",
                },
                "data_categories": ["naam", "beschikbaarheid"],
                "legal_basis": "contract",
                "purpose": "[DEMO] Planning van uw inzet",
                "occurred_at": f"2026-10-{week * 4 + 2:02d}T08:00:00+02:00",
                "source": {"system": "demo", "reference": f"plan-{subject}-{week}"},
            }
        )
    return items


def first_recipient_line(page: Page) -> Any:
    """The summary's first line about a recipient: what a person should see without scrolling."""
    found = page.locator("ul.answer-lines li.answer-line")
    if not found.count():
        pytest.fail("the overview has no summary of its recipients")
    return found.first


def test_a_person_with_30_disclosures_sees_the_summary_on_the_first_phone_screen(
    ledger: Ledger,  # noqa: F811
    browser: Browser,  # noqa: F811
    backend: Backend,
) -> None:
    items = payroll_year(THIRTY)
    assert len(items) == 30
    ledger.call("POST", "/api/v1/disclosures/batch", {"items": items}, "demo-source")
    link = ledger.call("POST", f"/api/v1/subjects/{THIRTY}/overview-links", {}, "fg")["url"]

    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    for lang in languages():
        page.goto(f"{link}?lang={lang}")
        line = first_recipient_line(page)
        box = line.bounding_box()
        assert box is not None
        assert page.evaluate("window.scrollY") == 0
        assert box["y"] + box["height"] <= PHONE["height"], (lang, box)
        assert line.is_visible()
        if backend.name == "sqlite":
            page.screenshot(path=str(SCREENSHOTS / f"overview-30-{lang}-phone.png"))
    context.close()


def long_words(subject: str) -> list[dict[str, Any]]:
    """Two disclosures full of long words: a long e-mail address, company name and URL."""
    return [
        {
            "controller": "90000001",
            "subject": {"id": subject, "name": "Anna Kowalska-Wiśniewska", "email": LONG_EMAIL},
            "recipient": {"category": "inlener", "name": LONG_NAME, "id": "87654321"},
            "data_categories": ["naam", "beschikbaarheid"],
            "legal_basis": "contract",
            "purpose": f"[DEMO] Planning van uw inzet via {LONG_URL}",
            "occurred_at": f"2026-10-{day:02d}T08:00:00+02:00",
            "source": {"system": "demo", "reference": f"long-{subject}-{day}"},
        }
        for day in (5, 12)
    ]


def test_long_words_wrap_on_a_320_px_screen_for_the_person_and_the_officer(
    ledger: Ledger,  # noqa: F811
    browser: Browser,  # noqa: F811
) -> None:
    ledger.call("POST", "/api/v1/disclosures/batch", {"items": long_words(LONG)}, "demo-source")
    link = ledger.call("POST", f"/api/v1/subjects/{LONG}/overview-links", {}, "fg")["url"]

    narrow = browser.new_context(viewport=NARROW)
    page = narrow.new_page()
    for lang in languages():
        page.goto(f"{link}?lang={lang}")
        assert page.get_by_text(LONG_NAME).first.is_visible()
        assert_fits(page, f"overview with long words {lang} 320px")
    page.goto(ledger.base + "/officer/login")
    page.get_by_label("API-sleutel").fill(ledger.keys["fg"])
    page.get_by_role("button", name="Inloggen").click()
    page.get_by_label("Persoonsnummer").fill(LONG)
    page.get_by_label("Reden van inzage").fill("Inzageverzoek 2026-031")
    page.get_by_role("button", name="Zoeken").click()
    assert page.get_by_text(LONG_NAME).first.is_visible()
    assert_fits(page, "officer's view with long words at 320px")
    detail = page.locator("a[href*='/officer/disclosures/']").first.get_attribute("href")
    assert detail
    page.goto(ledger.base + detail)
    assert_fits(page, "a disclosure with long words at 320px")
    narrow.close()


def test_the_link_gone_pages_take_the_full_width_and_are_accessible(
    ledger: Ledger,  # noqa: F811
    browser: Browser,  # noqa: F811
) -> None:
    made = ledger.call("POST", f"/api/v1/subjects/{SUBJECT}/overview-links", {}, "fg")
    ledger.call("DELETE", f"/api/v1/overview-links/{made['id']}", key="fg")

    for viewport in (DESKTOP, NARROW):
        context = browser.new_context(viewport=viewport)
        page = context.new_page()
        for url, status in ((made["url"], 410), (made["url"][:-3] + "xyz", 404)):
            answer = page.goto(url)
            assert answer is not None
            assert answer.status == status
            assert_accessible(page, f"link page {status} {viewport['width']}px")
            assert_fits(page, f"link page {status} {viewport['width']}px")
            main = page.locator("main").bounding_box()
            section = page.locator("section.gone").first.bounding_box()
            assert main is not None
            assert section is not None
            # The text runs across the page's column, as on every other page (less its padding).
            assert section["width"] >= main["width"] - 64, (section, main)
        context.close()


OFFICER_PAGES = (
    "Betrokkene zoeken",
    "Inzageverzoeken",
    "Verloopt binnenkort",
    "Ontvangerscategorieën",
    "Statistiek",
    "Notificaties",
    "Beperkingen",
    "Bewaartermijnen",
    "Verwerkingsregister",
    "Art. 30-rapport",
    "Wissingen",
)


def test_the_officers_main_pages_are_accessible_and_fit_a_narrow_screen(
    ledger: Ledger,  # noqa: F811
    browser: Browser,  # noqa: F811
) -> None:
    failures: list[str] = []
    for viewport in (DESKTOP, NARROW):
        context = browser.new_context(viewport=viewport)
        page = context.new_page()
        elsewhere = outside_requests(page, ledger.base)
        page.goto(ledger.base + "/officer/login")
        if viewport is DESKTOP:
            assert_accessible(page, "login")
        page.get_by_label("API-sleutel").fill(ledger.keys["fg"])
        page.get_by_role("button", name="Inloggen").click()
        pages = []
        for name in OFFICER_PAGES:
            page.goto(ledger.base + "/officer/")
            page.locator("nav").get_by_role("link", name=name, exact=True).first.click()
            page.wait_for_load_state()
            pages.append((name, page.url))
        page.goto(ledger.base + "/officer/")
        page.get_by_label("Persoonsnummer").fill(SUBJECT)
        page.get_by_label("Reden van inzage").fill("Inzageverzoek 2026-017")
        page.get_by_role("button", name="Zoeken").click()
        pages.append(("betrokkene", page.url))
        detail = page.locator("a[href*='/officer/disclosures/']").first.get_attribute("href")
        assert detail
        pages.append(("verstrekking", ledger.base + detail))
        for name, url in pages:
            page.goto(url)
            where = f"{name} {viewport['width']}px"
            if viewport is DESKTOP:
                found = violations(page)
                if found:
                    failures.append(report(where, found))
            else:
                assert_fits(page, where)
        assert elsewhere == []
        context.close()
    assert not failures, "\n" + "\n".join(failures)


def test_the_statistics_table_scrolls_by_keyboard(
    ledger: Ledger,  # noqa: F811
    browser: Browser,  # noqa: F811
) -> None:
    context = browser.new_context(viewport=NARROW)
    page = context.new_page()
    page.goto(ledger.base + "/officer/login")
    page.get_by_label("API-sleutel").fill(ledger.keys["fg"])
    page.get_by_role("button", name="Inloggen").click()
    page.goto(ledger.base + "/officer/statistics")

    region = page.get_by_role("region", name="Aantallen per maand")
    assert region.get_attribute("tabindex") == "0"
    page.get_by_role("button", name="Tonen").focus()
    for _ in range(10):
        page.keyboard.press("Tab")
        if region.evaluate("el => el === document.activeElement"):
            break
    assert region.evaluate("el => el === document.activeElement"), "Tab never reached the table"
    if region.evaluate("el => el.scrollWidth > el.clientWidth"):
        for _ in range(5):
            page.keyboard.press("ArrowRight")
        # Chromium scrolls the focused box smoothly: wait for it to have moved.
        page.wait_for_function("el => el.scrollLeft > 0", arg=region.element_handle())
    context.close()
