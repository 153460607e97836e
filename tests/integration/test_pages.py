"""The person's link and the officer's pages through Flask's test client, on a real database:
links (create, open, expire, revoke, alter), login with CSRF, every view logged, no external
requests, semantic HTML; and the render time of a 2,000-disclosure overview, measured."""

from __future__ import annotations

import io
import json
import re
import statistics
import time
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from pypdf import PdfReader

from ledger.adapters import overview_links
from ledger.app import Ledger
from ledger.demo import demo_disclosures
from ledger.domain.values import Recipient, Source, Subject
from tests.builders import a_disclosure, accesses_of, to_inlener
from tests.conftest import FixedClock
from tests.integration.officer_pages import csrf, login

POLICE = Recipient("opsporingsinstantie", "Politie Midden-Nederland", None, "NL")


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def record_person(ledger: Ledger) -> None:
    ledger.recording.record(a_disclosure(1), actor="payroll")
    ledger.recording.record(to_inlener(1), actor="planning")
    ledger.recording.record(
        a_disclosure(
            1,
            recipient=POLICE,
            data_categories=("naam", "contactgegevens"),
            legal_provision="Wetboek van Strafvordering, art. 126nd",
            purpose="Vordering van gegevens",
            suppressed_until=date(2027, 1, 15),
            suppression_authority="Officier van justitie, zaak 2026/4711",
            source=Source("payroll", "police-1"),
        ),
        actor="payroll",
    )


def make_link(client: FlaskClient, key: str, subject: str = "E-00001", **body: Any) -> str:
    response = client.post(
        f"/api/v1/subjects/{subject}/overview-links", json=body, headers=bearer(key)
    )
    assert response.status_code == 201, response.get_json()
    url: str = response.get_json()["url"]
    return url.removeprefix("http://localhost")


class Page(HTMLParser):
    """The tags of a page, to check its structure and that it loads nothing from elsewhere."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def all(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for name, attrs in self.tags if name == tag]

    def loads_from_elsewhere(self) -> list[str]:
        """Every resource a browser would fetch from another origin."""
        fetched = []
        for tag, attrs in self.tags:
            for attribute in ("src", "srcset", "data", "poster") + (
                ("href",) if tag == "link" else ()
            ):
                value = attrs.get(attribute) or ""
                if re.match(r"^(https?:)?//", value):
                    fetched.append(f"{tag} {attribute}={value}")
        return fetched


# -- the person's link ----------------------------------------------------------------------------


def test_a_link_opens_the_overview_without_an_account_and_is_logged(
    client: FlaskClient, ledger: Ledger, officer: str
) -> None:
    record_person(ledger)
    created = client.post(
        "/api/v1/subjects/E-00001/overview-links",
        json={},
        headers={**bearer(officer), "X-Ledger-Purpose": "AVG-verzoek 2026-017"},
    )
    assert created.status_code == 201
    body = created.get_json()
    assert set(body) == {"id", "url", "expires_at", "lang"}
    assert datetime.fromisoformat(body["expires_at"]) == ledger.clock() + timedelta(days=30)
    assert "E-00001" not in body["url"]

    page = client.get(body["url"].removeprefix("http://localhost"))

    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<html lang="nl">' in html
    assert "Aan wie hebben wij uw gegevens gegeven?" in html
    assert "Dit moet van de wet." in html
    assert "Belastingdienst" in html
    assert "Bouwbedrijf De Vries B.V." in html
    assert "wettelijke verplichting — Wet op de loonbelasting 1964, art. 28" in html
    assert "Politie" not in html
    assert "126nd" not in html
    assert "privacy@backofficeplus.nl" in html
    assert "Autoriteit Persoonsgegevens" in html
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    assert "Set-Cookie" not in page.headers  # the person gets no session
    assert "total;dur=" in page.headers["Server-Timing"]
    accesses = accesses_of(ledger, "E-00001")
    assert [(a.actor, a.role) for a in accesses[:2]] == [
        ("betrokkene", "subject"),
        ("fg", "officer"),
    ]
    assert accesses[1].purpose == "AVG-verzoek 2026-017"
    # ...and the person sees that officer's look, when and why, but not who.
    assert "AVG-verzoek 2026-017" in html
    assert ">fg<" not in html


def test_the_person_switches_language_and_downloads_each_format(
    client: FlaskClient, ledger: Ledger, officer: str
) -> None:
    record_person(ledger)
    path = make_link(client, officer)

    english = client.get(path + "?lang=en").get_data(as_text=True)

    assert '<html lang="en">' in english
    assert "Who have we given your data to?" in english
    assert "The law requires this." in english
    assert "legal obligation — Wet op de loonbelasting 1964, art. 28" in english
    links = {a.get("href") for a in Page(english).all("a")}
    for fmt in ("pdf", "json", "csv"):
        assert f"{path}/overview.{fmt}?lang=en" in links
    assert f"{path}?lang=nl" in links

    pdf = client.get(f"{path}/overview.pdf?lang=en")
    assert pdf.status_code == 200
    assert pdf.mimetype == "application/pdf"
    assert pdf.headers["Content-Disposition"] == (
        'attachment; filename="disclosure-overview-2026-11-02.pdf"'
    )
    text = " ".join(PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text().split())
    assert "Who have we given your data to?" in text
    assert "From Backoffice Plus B.V." in text
    assert "Belastingdienst" in text
    exported = client.get(f"{path}/overview.json")
    assert exported.mimetype == "application/json"
    document = json.loads(exported.data)
    assert document["language"] == "nl"
    assert {g["recipient"]["name"] for g in document["recipients"]} == {
        "Belastingdienst",
        "Bouwbedrijf De Vries B.V.",
    }
    table = client.get(f"{path}/overview.csv").get_data(as_text=True)
    assert table.startswith("\ufeffDatum en tijd;")
    assert (
        client.get(f"{path}/overview.csv?lang=en")
        .get_data(as_text=True)
        .startswith("\ufeffoccurred_at,")
    )
    assert "Politie" not in table
    assert client.get(f"{path}/overview.exe").status_code == 404
    assert sum(a.role == "subject" for a in accesses_of(ledger, "E-00001")) == 5


def test_an_expired_revoked_or_altered_link_shows_a_clear_page(
    client: FlaskClient, ledger: Ledger, officer: str, clock: FixedClock
) -> None:
    record_person(ledger)
    short = make_link(client, officer, expires_in_days=1)
    revoked = make_link(client, officer)

    token = short.rsplit("/", 1)[1]
    altered = f"/o/{token[:-2]}{'AA' if not token.endswith('AA') else 'BB'}"
    page = client.get(altered)
    assert page.status_code == 404
    assert "Deze link bestaat niet" in page.get_data(as_text=True)
    assert page.mimetype == "text/html"
    for nonsense in ("/o/x", "/o/.", "/o/" + "A" * 300, "/o/%00.%00"):
        assert client.get(nonsense).status_code == 404

    link_id = revoked  # the API names links by id; find it in the list
    listed = client.get("/api/v1/subjects/E-00001/overview-links", headers=bearer(officer))
    assert [item["state"] for item in listed.get_json()["items"]] == ["active", "active"]
    link_id = listed.get_json()["items"][0]["id"]
    assert (
        client.delete(f"/api/v1/overview-links/{link_id}", headers=bearer(officer)).status_code
        == 204
    )
    gone = client.get(revoked)
    assert gone.status_code == 410
    assert "Deze link is ingetrokken" in gone.get_data(as_text=True)
    assert "This link was revoked" in gone.get_data(as_text=True)
    assert client.get(revoked + "/overview.pdf").status_code == 410

    assert client.get(short).status_code == 200
    clock.now += timedelta(days=1)
    expired = client.get(short)
    assert expired.status_code == 410
    assert "Deze link is verlopen" in expired.get_data(as_text=True)
    assert "Traceback" not in expired.get_data(as_text=True)
    assert client.delete("/api/v1/overview-links/nope", headers=bearer(officer)).status_code == 404


def test_a_lifted_suppression_appears_through_the_link_with_its_note(
    client: FlaskClient, ledger: Ledger, officer: str, clock: FixedClock
) -> None:
    record_person(ledger)
    path = make_link(client, officer, expires_in_days=365)
    assert "Politie" not in client.get(path).get_data(as_text=True)

    clock.now = datetime(2027, 1, 15, 8, 0, tzinfo=UTC)
    html = client.get(path).get_data(as_text=True)

    assert "Politie Midden-Nederland" in html
    assert "Tot 15 januari 2027 niet in uw overzicht getoond" in html


def test_the_link_api_answers_each_mistake_with_a_problem(
    client: FlaskClient, ledger: Ledger, officer: str
) -> None:
    record_person(ledger)
    auditor = ledger.api_keys.create(name="sna", role="auditor")[1]
    path = "/api/v1/subjects/E-00001/overview-links"

    assert client.post(path, json={}).status_code == 401
    assert client.post(path, json={}, headers=bearer(auditor)).status_code == 403
    unknown = client.post(
        "/api/v1/subjects/E-09999/overview-links", json={}, headers=bearer(officer)
    )
    assert unknown.status_code == 404
    assert unknown.mimetype == "application/problem+json"
    for body, field in (
        ({"expires_in_days": 0}, "expires_in_days"),
        ({"expires_in_days": 366}, "expires_in_days"),
        ({"lang": "fr"}, "lang"),
        ({"colour": "blue"}, "colour"),
        ({"expires_at": "2026-01-01T00:00:00+01:00"}, "expires_at"),
        ({"expires_at": "2026-12-01T00:00:00+01:00", "expires_in_days": 3}, "expires_at"),
    ):
        refused = client.post(path, json=body, headers=bearer(officer))
        assert refused.status_code == 422, body
        assert field in refused.get_json()["errors"], refused.get_json()
    as_text = client.post(
        path, data="{}", headers={**bearer(officer), "Content-Type": "text/plain"}
    )
    assert as_text.status_code == 415
    english = client.post(
        path,
        json={"lang": "en", "expires_at": "2026-11-03T10:00:00+01:00"},
        headers=bearer(officer),
    )
    assert english.status_code == 201
    assert english.get_json()["expires_at"] == "2026-11-03T09:00:00+00:00"
    assert '<html lang="en">' in client.get(english.get_json()["url"]).get_data(as_text=True)
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "/api/v1/subjects/{subject_id}/overview-links" in spec["paths"]


# -- the officer's pages ------------------------------------------------------------------------


def test_an_officer_logs_in_with_a_key_and_the_form_is_csrf_protected(
    client: FlaskClient, ledger: Ledger, officer: str
) -> None:
    source = ledger.api_keys.create(name="payroll", role="source", system="payroll")[1]
    assert client.get("/officer/").status_code == 302
    form = client.get("/officer/login")
    token = csrf(form.get_data(as_text=True))
    cookie = form.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie

    assert client.post("/officer/login", data={"api_key": officer}).status_code == 400
    assert (
        client.post("/officer/login", data={"api_key": officer, "csrf_token": "x" + token})
    ).status_code == 400
    wrong = client.post("/officer/login", data={"api_key": "ldg_nope", "csrf_token": token})
    assert wrong.status_code == 401
    assert "onbekend, ingetrokken" in wrong.get_data(as_text=True)
    assert (
        client.post("/officer/login", data={"api_key": source, "csrf_token": token}).status_code
        == 401
    )

    ok = client.post(
        "/officer/login",
        data={"api_key": officer, "csrf_token": token, "next": "/officer/statistics"},
    )
    assert ok.status_code == 302
    assert ok.headers["Location"] == "/officer/statistics"
    home = client.get("/officer/")
    assert home.status_code == 200
    assert "Ingelogd als <strong>fg</strong>" in home.get_data(as_text=True)
    assert officer not in home.get_data(as_text=True)

    # Logging out needs the session's token too; afterwards the pages are closed again.
    new_token = csrf(home.get_data(as_text=True))
    assert client.post("/officer/logout", data={}).status_code == 400
    assert client.post("/officer/logout", data={"csrf_token": new_token}).status_code == 302
    assert client.get("/officer/").status_code == 302


def test_an_officer_whose_key_is_revoked_is_logged_out(
    client: FlaskClient, ledger: Ledger, officer: str
) -> None:
    login(client, officer)
    assert client.get("/officer/").status_code == 200
    ledger.api_keys.revoke("fg")
    answer = client.get("/officer/statistics")
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith("/officer/login")


def test_login_does_not_redirect_elsewhere(client: FlaskClient, officer: str) -> None:
    token = csrf(client.get("/officer/login").get_data(as_text=True))
    for target in ("https://evil.example/", "//evil.example/x", "/api/v1/stats"):
        answer = client.post(
            "/officer/login", data={"api_key": officer, "csrf_token": token, "next": target}
        )
        assert answer.headers["Location"] == "/officer/"
        token = csrf(client.get("/officer/").get_data(as_text=True))
        client.post("/officer/logout", data={"csrf_token": token})
        token = csrf(client.get("/officer/login").get_data(as_text=True))


def test_the_officer_finds_a_subject_and_every_view_is_logged_with_its_reason(
    client: FlaskClient, ledger: Ledger, officer: str
) -> None:
    record_person(ledger)
    login(client, officer)
    token = csrf(client.get("/officer/").get_data(as_text=True))

    found = client.post(
        "/officer/search",
        data={"subject_id": "E-00001", "purpose": "AVG-verzoek 2026-017", "csrf_token": token},
    )
    assert found.status_code == 302
    page = client.get(found.headers["Location"])

    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Betrokkene <code>E-00001</code>" in html
    assert "Politie Midden-Nederland" in html  # the officer sees the suppressed one...
    assert "Verborgen voor de betrokkene tot 15 januari 2027" in html  # ...marked as such
    assert 'class="recorded hidden-item"' in html
    last = accesses_of(ledger, "E-00001")[0]
    assert (last.actor, last.role, last.purpose) == ("fg", "officer", "AVG-verzoek 2026-017")
    assert last.endpoint == "GET /officer/subject"
    assert last.purpose in html

    # Every link on the page carries the reason on to the next look at the same person.
    history = re.search(r'href="(/officer/disclosures/[0-9a-f-]+\?reason=[^"]+)"', html)
    assert history
    detail = client.get(history.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert "Geschiedenis" in detail
    assert "vastgelegd" in detail
    assert "run-2026-10/E-00001" in detail or "plan-1" in detail or "police-1" in detail
    assert len(accesses_of(ledger, "E-00001")) == 2

    # The officer's downloads are what the person gets: the suppressed one is left out.
    reason = "&reason=AVG-verzoek+2026-017"
    download = client.get("/officer/subject/overview.pdf?id=E-00001" + reason)
    assert download.status_code == 200
    text = " ".join(PdfReader(io.BytesIO(download.data)).pages[0].extract_text().split())
    assert "Belastingdienst" in text
    assert "Politie" not in text
    standalone = client.get("/officer/subject/overview.html?id=E-00001&lang=en" + reason)
    assert '<html lang="en">' in standalone.get_data(as_text=True)
    assert standalone.headers["Content-Disposition"].startswith("attachment;")
    missing = client.get("/officer/subject/overview.exe?id=E-00001" + reason)
    assert missing.status_code == 404
    assert missing.mimetype == "text/html"
    assert "Niet gevonden" in missing.get_data(as_text=True)
    assert len(accesses_of(ledger, "E-00001")) == 4

    unknown = client.get("/officer/subject?id=E-77777" + reason)
    assert "geen verstrekkingen geregistreerd" in unknown.get_data(as_text=True)


def test_the_officer_creates_and_revokes_a_link_on_the_page(
    client: FlaskClient, ledger: Ledger, officer: str
) -> None:
    record_person(ledger)
    login(client, officer)
    subject_page = "/officer/subject?id=E-00001&reason=AVG-verzoek+2026-017"
    page = client.get(subject_page).get_data(as_text=True)

    refused = client.post(
        "/officer/subject/links", data={"subject_id": "E-00001", "days": "30", "lang": "nl"}
    )
    assert refused.status_code == 400
    form = {"subject_id": "E-00001", "days": "7", "lang": "en", "csrf_token": csrf(page)}
    # The page's form carries the reason the officer gave; without one no link is made.
    assert 'name="reason" value="AVG-verzoek 2026-017"' in page
    assert client.post("/officer/subject/links", data=form).status_code == 422
    made = client.post("/officer/subject/links", data={**form, "reason": "AVG-verzoek 2026-017"})
    assert made.status_code == 302
    # The link keeps the officer's reason, as one made through the API does.
    with ledger.uow.read() as connection:
        stored = connection.execute(sa.select(overview_links.overview_links)).one()
    assert stored.purpose == "AVG-verzoek 2026-017"
    assert "E-00001" not in str(made.headers.get("Set-Cookie", ""))
    shown = client.get(made.headers["Location"]).get_data(as_text=True)
    url = re.search(r'class="link-url" readonly value="([^"]+)"', shown)
    assert url
    assert client.get(made.headers["Location"]).status_code == 302  # shown once
    person = FlaskClient(client.application)  # another browser, without the officer's cookie
    opened = person.get(url.group(1).removeprefix("http://localhost"))
    assert opened.status_code == 200
    assert '<html lang="en">' in opened.get_data(as_text=True)

    page = client.get(subject_page).get_data(as_text=True)
    assert "actief" in page
    revoke = re.search(r'action="(/officer/links/[0-9a-f]+/revoke)"', page)
    assert revoke
    done = client.post(revoke.group(1), data={"subject_id": "E-00001", "csrf_token": csrf(page)})
    assert done.status_code == 302
    assert person.get(url.group(1).removeprefix("http://localhost")).status_code == 410
    assert "ingetrokken" in client.get(subject_page).get_data(as_text=True)
    too_long = client.post(
        "/officer/subject/links",
        data={"subject_id": "E-00001", "days": "999", "reason": "x", "csrf_token": csrf(page)},
    )
    assert too_long.status_code == 422


def test_the_officer_sees_what_went_to_a_recipient_category(
    client: FlaskClient, ledger: Ledger, officer: str
) -> None:
    for number in (1, 2, 3):
        ledger.recording.record(a_disclosure(number), actor="payroll")
    ledger.recording.record(to_inlener(4), actor="planning")
    login(client, officer)

    overview = client.get("/officer/recipients").get_data(as_text=True)
    assert '<a href="/officer/recipients/belastingdienst">Belastingdienst</a>' in overview
    # A page of many people asks for its own reason first, and shows no one before it.
    asked = client.get("/officer/recipients/belastingdienst").get_data(as_text=True)
    assert 'name="reason"' in asked
    assert "E-00001" not in asked
    page = client.get("/officer/recipients/belastingdienst?reason=Controle+loonaangifte")

    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for number in (1, 2, 3):
        assert f"<code>E-0000{number}</code>" in html
    assert "E-00004" not in html
    for number in (1, 2, 3):
        logged = accesses_of(ledger, f"E-0000{number}")[0]
        assert logged.endpoint == "GET /officer/recipients/{category}"
        assert logged.purpose == "Controle loonaangifte"
    assert accesses_of(ledger, "E-00004") == []
    assert client.get("/officer/recipients/astrologer").status_code == 404
    assert client.get("/officer/recipients/uwv?next=garbage&reason=x").status_code == 404


def test_the_statistics_are_an_svg_bar_chart_by_month_and_recipient_category(
    client: FlaskClient, ledger: Ledger, officer: str
) -> None:
    ledger.recording.record(a_disclosure(1), actor="payroll")
    ledger.recording.record(to_inlener(2), actor="planning")
    ledger.recording.record(
        a_disclosure(
            3,
            occurred_at=datetime(2026, 9, 30, 9, 0, tzinfo=UTC),
            source=Source("payroll", "sept-3"),
        ),
        actor="payroll",
    )
    login(client, officer)

    html = client.get("/officer/statistics").get_data(as_text=True)

    page = Page(html)
    svg = page.all("svg")[0]
    assert svg.get("role") == "img"
    bars = page.all("rect")
    assert len([bar for bar in bars if bar.get("x")]) == 3  # Sept tax, Oct tax, Oct hirer
    assert "2026-09" in html
    assert "2026-10" in html
    assert "<title>2026-10: Belastingdienst, 1</title>" in html
    assert "Inlener (opdrachtgever) (1)" in html
    assert not page.loads_from_elsewhere()
    assert "<script" not in html
    filtered = client.get("/officer/statistics?from=2026-10&to=2026-10&controller=12345678")
    assert "2026-09" not in filtered.get_data(as_text=True)
    assert "Vanaf: een maand" in client.get("/officer/statistics?from=oct").get_data(as_text=True)
    assert accesses_of(ledger, "E-00001") == []  # statistics hold no personal data


# -- quality a person notices ---------------------------------------------------------------------


def test_pages_are_semantic_html_that_loads_nothing_from_elsewhere(
    client: FlaskClient, ledger: Ledger, officer: str
) -> None:
    record_person(ledger)
    person = client.get(make_link(client, officer)).get_data(as_text=True)
    login(client, officer)
    pages = {
        "person": person,
        "login": FlaskClient(client.application).get("/officer/login").get_data(as_text=True),
        "subject": client.get("/officer/subject?id=E-00001").get_data(as_text=True),
        "statistics": client.get("/officer/statistics").get_data(as_text=True),
        "home": client.get("/").get_data(as_text=True),
    }
    for name, html in pages.items():
        page = Page(html)
        assert html.startswith("<!doctype html>"), name
        assert page.all("html")[0].get("lang") in ("nl", "en"), name
        assert any(m.get("name") == "viewport" for m in page.all("meta")), name
        assert len(page.all("h1")) == 1, name
        assert page.all("main"), name
        assert not page.loads_from_elsewhere(), (name, page.loads_from_elsewhere())
        assert "<script" not in html, name
        assert 'style="' not in html, name  # the CSP allows no inline styles
        for table in re.findall(r"<table.*?</table>", html, re.S):
            assert "<th" in table, name
    person_page = Page(pages["person"])
    assert [h for h, _ in person_page.tags if h in ("h1", "h2")][:3] == ["h1", "h2", "h2"]
    assert all(th.get("scope") for th in person_page.all("th"))
    css = client.get("/static/ledger.css").get_data(as_text=True)
    assert "@media print" in css
    assert "@media (max-width" in css
    assert "url(" not in css
    assert "@import" not in css


def test_the_overview_of_2000_disclosures_renders_quickly(
    client: FlaskClient,
    ledger: Ledger,
    officer: str,
    backend: Any,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Measures, does not assert a time: the figure is printed and written under var/."""
    items = [
        replace(facts, subject=Subject("P-00001", name="Piet Puk"))
        for facts in demo_disclosures(2_000, subjects=1)
    ]
    ledger.recording.record_stream(enumerate(items), actor="demo")
    path = make_link(client, officer, subject="P-00001")
    client.get(path)  # warm up: templates compiled, connections open

    timings = []
    for _ in range(15):
        started = time.perf_counter()
        response = client.get(path)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count('<tr class="') == 2_000

    started = time.perf_counter()
    pdf = client.get(f"{path}/overview.pdf")
    pdf_ms = (time.perf_counter() - started) * 1000
    assert pdf.status_code == 200
    figures = {
        "backend": backend.name,
        "disclosures": 2_000,
        "runs": len(timings),
        "min_ms": round(min(timings), 1),
        "median_ms": round(statistics.median(timings), 1),
        "max_ms": round(max(timings), 1),
        "html_bytes": len(response.data),
        "pdf_ms": round(pdf_ms),
        "pdf_pages": len(PdfReader(io.BytesIO(pdf.data)).pages),
    }
    out = Path("var") / "measurements" / f"overview-render-{backend.name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(figures, indent=2) + "\n")
    with capsys.disabled():
        print(f"\noverview of 2,000 disclosures, server time through the app: {figures}")


def test_a_link_to_an_erased_person_is_gone(
    client: FlaskClient, ledger: Ledger, officer: str
) -> None:
    record_person(ledger)
    path = make_link(client, officer)
    with ledger.database.write_engine.begin() as connection:
        key = ledger.vault.find(connection, "E-00001")
        assert key is not None
        assert ledger.vault.shred(connection, key.tag)  # crypto-shredding, as erasure does

    gone = client.get(path)

    assert gone.status_code == 410
    assert "Dit overzicht is niet meer beschikbaar" in gone.get_data(as_text=True)


def test_the_officer_search_needs_a_reason_and_shows_nothing_without_one(
    client: FlaskClient, ledger: Ledger, officer: str
) -> None:
    record_person(ledger)
    login(client, officer)
    token = csrf(client.get("/officer/").get_data(as_text=True))

    blank = client.post(
        "/officer/search", data={"subject_id": "E-00001", "purpose": "  ", "csrf_token": token}
    )

    assert blank.status_code == 422
    assert "Vul de reden van inzage in" in blank.get_data(as_text=True)
    asked = client.get("/officer/subject?id=E-00001")
    assert asked.status_code == 200
    assert 'name="reason"' in asked.get_data(as_text=True)
    assert "Belastingdienst" not in asked.get_data(as_text=True)
    assert accesses_of(ledger, "E-00001") == []


def test_the_officers_view_counts_what_the_person_sees_and_marks_the_withheld(
    client: FlaskClient, ledger: Ledger, officer: str
) -> None:
    record_person(ledger)  # two recipients the person sees, and one withheld until 2027
    login(client, officer)

    html = client.get("/officer/subject?id=E-00001&reason=AVG-verzoek").get_data(as_text=True)
    person = make_link(client, officer)
    theirs = client.get(person).get_data(as_text=True)

    assert "Wij gaven uw gegevens 2 keer aan 2 ontvangers." in theirs
    assert "Wij gaven uw gegevens 2 keer aan 2 ontvangers." in html
    assert "3 verstrekkingen" not in html
    assert "Daarnaast 1 verstrekking die de betrokkene nog niet ziet" in html
    assert "(+1 verborgen)" in html
    # The withheld-only recipient's line says what went there, never "0 keer".
    assert 'class="what">Eén keer, op ' in html
    assert 'class="what">0 keer' not in html
    assert "1 verstrekking hier ziet de betrokkene nog niet." in html
    assert "Politie Midden-Nederland" in html
    assert "Politie" not in theirs


def test_the_statistics_page_and_the_api_refuse_the_same_months(
    client: FlaskClient, ledger: Ledger, officer: str
) -> None:
    ledger.recording.record(a_disclosure(1), actor="payroll")
    login(client, officer)
    for month in ("2026-13", "2026-00", "\uff12\uff10\uff12\uff16-10", "2026-1"):
        page = client.get(f"/officer/statistics?from={month}").get_data(as_text=True)
        assert "Vanaf: een maand" in page, month
        api = client.get(f"/api/v1/stats?from={month}", headers=bearer(officer))
        assert api.status_code == 422, month
        assert "from" in api.get_json()["errors"]
    assert client.get("/api/v1/stats?from=2026-12", headers=bearer(officer)).status_code == 200
