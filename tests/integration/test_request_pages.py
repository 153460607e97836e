"""The officer's caseload pages through Flask's test client, on a real database: the queue with
overdue requests first and marked, a request from receipt to answer (the link and a `mailto:`
to the person's stored address), CSRF refusals, every read logged with its reason, what
expires within 30 days; and the extension's reason in the person's overview."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, date, datetime
from urllib.parse import parse_qs, unquote, urlsplit
from uuid import UUID, uuid4

from flask.testing import FlaskClient
from jsonschema import Draft202012Validator
from pypdf import PdfReader

from ledger import overview
from ledger.app import Ledger
from ledger.domain.values import Recipient, Source
from ledger.overview.config import ASSETS
from ledger.overview.texts import TEXTS
from tests.builders import READER, a_disclosure, accesses_of
from tests.conftest import FixedClock
from tests.integration.officer_pages import csrf, login

SCHEMA = json.loads((ASSETS / "overview.schema.json").read_text(encoding="utf-8"))
POLICE = Recipient("opsporingsinstantie", "Politie Midden-Nederland", None, "NL")


def at(day: int, month: int, year: int = 2026, hour: int = 10) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


def open_on_page(client: FlaskClient, **form: str) -> str:
    """Open a request through the queue's form; the path of the request's page."""
    token = csrf(client.get("/officer/requests").get_data(as_text=True))
    response = client.post("/officer/requests", data={"csrf_token": token, **form})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"]


def post_step(client: FlaskClient, case: str, step: str, **form: str) -> str:
    """Post one step's form from the request's page; the page it leads to."""
    page = client.get(case).get_data(as_text=True)
    path = urlsplit(case).path
    response = client.post(
        f"{path}/{step}", data={"csrf_token": csrf(page), "purpose": "AVG-2026-017", **form}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return client.get(response.headers["Location"]).get_data(as_text=True)


def test_an_officer_runs_a_request_from_receipt_to_answer_on_the_pages(
    ledger: Ledger, client: FlaskClient, officer: str, clock: FixedClock
) -> None:
    ledger.recording.record(a_disclosure(1), actor="payroll")
    clock.now = at(2, 2)
    login(client, officer)
    case = open_on_page(
        client,
        subject_id="E-00001",
        received_at="2026-01-31",
        channel="email",
        reference="AVG-2026-017",
    )
    assert parse_qs(urlsplit(case).query)["reason"] == ["AVG-2026-017"]
    queue = client.get("/officer/requests").get_data(as_text=True)
    assert urlsplit(case).path + "?reason=AVG-2026-017" in queue
    page = client.get(case).get_data(as_text=True)
    assert "E-00001" in page
    assert "Jan Jansen 1" in page
    assert "jan1@example.org" in page
    assert "2026-03-02" in page
    assert "nog 28 dagen" in page
    assert "Verzoek ontvangen en geregistreerd" in page
    assert 'door <span class="actor">fg</span>' in page
    assert "standaard het kenmerk van het verzoek" in page

    page = post_step(client, case, "identity", how="paspoort getoond aan de balie")
    assert "Identiteit gecontroleerd" in page
    assert "paspoort getoond aan de balie" in page
    assert 'action="' + urlsplit(case).path + '/identity"' not in page  # done once

    page = post_step(client, case, "extension", reason="gegevens in twaalf systemen")
    assert "verlengd tot <strong>2026-04-30</strong>" in page
    assert "Termijn verlengen" not in page  # extended once only
    page = post_step(client, case, "extension-notice", told_on="2026-02-02")
    assert "Betrokkene over de verlenging geïnformeerd" in page
    assert "op 2026-02-02" in page

    token = csrf(page)
    response = client.post(
        f"{urlsplit(case).path}/answer",
        data={"csrf_token": token, "purpose": "AVG-2026-017", "lang": "nl", "days": "30"},
    )
    assert response.status_code == 302
    answered = client.get(response.headers["Location"]).get_data(as_text=True)
    url = re.search(r'id="link-url" class="link-url" readonly value="([^"]+)"', answered)
    assert url is not None
    link_path = url.group(1).removeprefix("http://localhost")
    mailto = re.search(r'href="(mailto:[^"]+)"', answered)
    assert mailto is not None
    target = urlsplit(mailto.group(1).replace("&amp;", "&"))
    assert unquote(target.path) == "jan1@example.org"
    fields = {
        name: unquote(value) for name, value in (p.split("=", 1) for p in target.query.split("&"))
    }
    assert fields["subject"] == "Uw verzoek om inzage"
    assert fields["body"].startswith("Beste Jan Jansen 1,")
    assert "31 januari 2026" in fields["body"]
    assert url.group(1) in fields["body"]
    # The link opens the person's overview, which says why and until when it was extended.
    person = client.get(link_path)
    assert person.status_code == 200
    shown = person.get_data(as_text=True)
    assert "gegevens in twaalf systemen" in shown
    assert "30 april 2026" in shown
    # Shown once: a reload shows the request, now answered, and no link.
    again = client.get(response.headers["Location"], follow_redirects=True).get_data(as_text=True)
    assert "link-url" not in again
    assert "beantwoord" in again
    assert "Beantwoord (overzicht vastgelegd)" in again
    shown_request = ledger.requests.get(UUID(urlsplit(case).path.rsplit("/", 1)[1]), reader=READER)
    assert [e["type"] for e in shown_request["timeline"]][-1] == "AccessRequestAnswered"
    # Every read of the person on these pages carried the request's reference as reason.
    reasons = {a.purpose for a in accesses_of(ledger, "E-00001") if a.actor == "fg"}
    assert reasons == {"AVG-2026-017", "Behandeling van inzageverzoeken (wachtrij)"}


def test_the_answer_in_english_writes_the_mail_in_english(
    ledger: Ledger, client: FlaskClient, officer: str, clock: FixedClock
) -> None:
    ledger.recording.record(a_disclosure(1), actor="payroll")
    clock.now = at(2, 2)
    login(client, officer)
    case = open_on_page(
        client, subject_id="E-00001", received_at="2026-01-31", channel="letter", reference="R-1"
    )
    page = client.get(case).get_data(as_text=True)
    response = client.post(
        f"{urlsplit(case).path}/answer",
        data={"csrf_token": csrf(page), "purpose": "R-1", "lang": "en", "days": "14"},
    )
    answered = client.get(response.headers["Location"]).get_data(as_text=True)
    mailto = re.search(r'href="(mailto:[^"]+)"', answered)
    assert mailto is not None
    query = urlsplit(mailto.group(1).replace("&amp;", "&")).query
    assert "subject=Your%20access%20request" in query
    assert unquote(query).count("Dear Jan Jansen 1,") == 1


def test_the_queue_puts_overdue_requests_first_and_says_so_in_words(
    ledger: Ledger, client: FlaskClient, officer: str, clock: FixedClock
) -> None:
    clock.now = at(2, 3)
    for subject, received, reference in (
        ("P-1", date(2026, 2, 20), "LATER"),
        ("P-2", date(2026, 1, 20), "TE-LAAT"),  # due 20 Feb: 10 days late on 2 March
        ("P-3", date(2026, 2, 10), "SOON"),
    ):
        ledger.requests.open(
            subject_id=subject,
            received_on=received,
            channel="email",
            reference=reference,
            actor="fg",
        )
    login(client, officer)
    page = client.get("/officer/requests").get_data(as_text=True)
    order = [page.index(ref) for ref in ("TE-LAAT", "SOON", "LATER")]
    assert order == sorted(order)
    row = page[
        page.rindex("<tr", 0, page.index("TE-LAAT")) : page.index("</tr>", page.index("TE-LAAT"))
    ]
    assert 'class="overdue"' in row
    assert "Te laat: 10 dagen te laat" in row
    soon = page[page.index("SOON") : page.index("</tr>", page.index("SOON"))]
    assert "Te laat" not in soon
    assert "nog 8 dagen" in soon
    # The clock moves on: the next one is overdue too.
    clock.now = at(20, 3)
    login(client, officer)  # the session ended while the clock moved
    page = client.get("/officer/requests").get_data(as_text=True)
    assert page.count('class="overdue"') == 2


def test_every_form_needs_the_sessions_csrf_token(
    ledger: Ledger, client: FlaskClient, officer: str, clock: FixedClock
) -> None:
    clock.now = at(2, 2)
    request_id = ledger.requests.open(
        subject_id="E-00001",
        received_on=date(2026, 1, 31),
        channel="email",
        reference="R",
        actor="fg",
    )
    login(client, officer)
    base = f"/officer/requests/{request_id}"
    for path, form in (
        (
            "/officer/requests",
            {"subject_id": "E-2", "received_at": "2026-02-01", "channel": "email"},
        ),
        (f"{base}/identity", {"how": "paspoort"}),
        (f"{base}/extension", {"reason": "veel"}),
        (f"{base}/withdrawal", {"reason": "ingetrokken"}),
        (f"{base}/refusal", {"reason": "buitensporig"}),
        (f"{base}/answer", {"purpose": "R"}),
    ):
        for token in (None, "wrong"):
            data = dict(form, purpose="R") if token is None else dict(form, csrf_token=token)
            response = client.post(path, data=data)
            assert response.status_code == 400, path
            assert "Formulier verlopen" in response.get_data(as_text=True)
    shown = ledger.requests.get(request_id, reader=READER)
    assert [e["type"] for e in shown["timeline"]] == ["AccessRequestOpened"]
    assert len(ledger.requests.queue(reader=READER)) == 1


def test_refused_steps_name_the_field_and_change_nothing(
    ledger: Ledger, client: FlaskClient, officer: str, clock: FixedClock
) -> None:
    clock.now = at(2, 2)
    login(client, officer)
    token = csrf(client.get("/officer/requests").get_data(as_text=True))
    future = client.post(
        "/officer/requests",
        data={
            "csrf_token": token,
            "subject_id": "E-1",
            "received_at": "2026-03-01",
            "channel": "email",
        },
    )
    assert future.status_code == 422
    assert "Ontvangen op" in future.get_data(as_text=True)
    bad = client.post(
        "/officer/requests",
        data={
            "csrf_token": token,
            "subject_id": "E-1",
            "received_at": "gisteren",
            "channel": "fax",
        },
    )
    assert bad.status_code == 422
    assert "Ontvangen op" in bad.get_data(as_text=True)
    case = open_on_page(client, subject_id="E-1", received_at="2026-01-31", channel="email")
    page = client.get(case).get_data(as_text=True)
    path = urlsplit(case).path
    # After the first deadline (2 March) an extension is refused, and no longer offered.
    clock.now = at(3, 3)
    login(client, officer)  # the session ended while the clock moved
    page = client.get(case).get_data(as_text=True)
    assert "Termijn verlengen" not in page
    assert "1 dag te laat" in page
    late = client.post(
        f"{path}/extension", data={"csrf_token": csrf(page), "purpose": "x", "reason": "veel"}
    )
    assert late.status_code == 409
    assert "Termijn" in late.get_data(as_text=True)
    empty = client.post(f"{path}/refusal", data={"csrf_token": csrf(page), "reason": " "})
    assert empty.status_code == 422
    assert "Reden" in empty.get_data(as_text=True)
    assert client.get(f"/officer/requests/{uuid4()}?reason=x").status_code == 404


def test_a_request_page_without_a_reason_asks_for_one_and_reads_nothing(
    ledger: Ledger, client: FlaskClient, officer: str, clock: FixedClock
) -> None:
    ledger.recording.record(a_disclosure(1), actor="payroll")
    clock.now = at(2, 2)
    request_id = ledger.requests.open(
        subject_id="E-00001",
        received_on=date(2026, 1, 31),
        channel="email",
        reference="R",
        actor="fg",
    )
    login(client, officer)
    before = len(accesses_of(ledger, "E-00001"))
    page = client.get(f"/officer/requests/{request_id}")
    assert page.status_code == 200
    assert "Waarom kijkt u?" in page.get_data(as_text=True)
    assert len(accesses_of(ledger, "E-00001")) == before
    client.get(f"/officer/requests/{request_id}?reason=klacht+bij+de+AP")
    assert accesses_of(ledger, "E-00001")[0].purpose == "klacht bij de AP"


def test_withdraw_and_refuse_close_a_request_with_their_reason(
    ledger: Ledger, client: FlaskClient, officer: str, clock: FixedClock
) -> None:
    clock.now = at(2, 2)
    login(client, officer)
    first = open_on_page(client, subject_id="E-1", received_at="2026-02-01", channel="email")
    second = open_on_page(client, subject_id="E-2", received_at="2026-02-01", channel="letter")
    page = post_step(client, first, "withdrawal", reason="telefonisch ingetrokken")
    assert "ingetrokken" in page
    assert "telefonisch ingetrokken" in page
    assert "Beantwoorden en link maken" not in page
    page = post_step(client, second, "refusal", reason="vijfde verzoek deze maand")
    assert "geweigerd" in page
    assert "vijfde verzoek deze maand" in page
    assert "Geen open verzoeken" in client.get("/officer/requests").get_data(as_text=True)


def test_the_expiring_page_lists_links_and_suppressions_ending_within_30_days_and_logs_each_read(
    ledger: Ledger, client: FlaskClient, officer: str, clock: FixedClock
) -> None:
    clock.now = at(2, 11)
    ledger.recording.record(a_disclosure(1), actor="payroll")
    ledger.recording.record(a_disclosure(2), actor="payroll")
    for number, until, reference in ((1, date(2026, 11, 20), "p-1"), (2, date(2027, 1, 15), "p-2")):
        ledger.recording.record(
            a_disclosure(
                number,
                recipient=POLICE,
                purpose=f"Vordering {reference}",
                suppressed_until=until,
                suppression_authority="Officier van justitie, zaak 2026/4711",
                source=Source("payroll", reference),
            ),
            actor="payroll",
        )
    ledger.links.create("E-00001", reader=READER, lang="nl", days=10)
    ledger.links.create("E-00002", reader=READER, lang="nl", days=90)
    revoked = ledger.links.create("E-00002", reader=READER, lang="nl", days=5)
    ledger.links.revoke(revoked.link.id, actor="fg")
    login(client, officer)
    assert "Waarom kijkt u?" in client.get("/officer/expiring").get_data(as_text=True)
    page = client.get("/officer/expiring?reason=maandelijkse+controle").get_data(as_text=True)
    links = page[page.index("links-title") : page.index("suppressions-title")]
    suppressions = page[page.index("suppressions-title") :]
    assert "E-00001" in links
    assert "Jan Jansen 1" in links
    assert "E-00002" not in links
    assert "2026-11-20" in suppressions
    assert "Vordering p-1" in suppressions
    assert "Vordering p-2" not in suppressions
    assert accesses_of(ledger, "E-00001")[0].purpose == "maandelijkse controle"
    assert accesses_of(ledger, "E-00002")[0].purpose != "maandelijkse controle"


def test_the_persons_overview_says_why_and_until_when_their_request_was_extended(
    ledger: Ledger, clock: FixedClock
) -> None:
    ledger.recording.record(a_disclosure(1), actor="payroll")
    clock.now = at(2, 2)
    request_id = ledger.requests.open(
        subject_id="E-00001",
        received_on=date(2026, 1, 31),
        channel="email",
        reference=None,
        actor="fg",
    )
    plain = ledger.reading.overview(reader=READER, subject_id="E-00001")
    assert plain.extensions == ()
    ledger.requests.extend(request_id, reason="gegevens in twaalf systemen", actor="fg")
    ledger.requests.tell_of_extension(request_id, told_on=date(2026, 2, 2), actor="fg")
    dutch = ledger.reading.overview(reader=READER, subject_id="E-00001")
    english = ledger.reading.overview(reader=READER, subject_id="E-00001", lang="en")
    assert dutch.extensions[0].text == (
        "Wij nemen meer tijd om uw vraag van 31 januari 2026 te beantwoorden: u krijgt antwoord"
        " uiterlijk op 30 april 2026 (art. 12, derde lid, AVG). De reden: gegevens in twaalf"
        " systemen"
    )
    assert "by 30 April 2026 at the latest" in english.extensions[0].text
    html = overview.render_html(dutch)
    assert "Uw vraag: wij hebben meer tijd genomen" in html
    assert "gegevens in twaalf systemen" in html
    pdf = "".join(
        page.extract_text() for page in PdfReader(io.BytesIO(overview.render_pdf(english))).pages
    )
    assert "gegevens in twaalf systemen" in pdf
    assert "30 April 2026" in pdf
    document = json.loads(overview.render_json(dutch))
    Draft202012Validator(SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER).validate(
        document
    )
    assert document["extended_requests"] == [
        {
            "received_on": "2026-01-31",
            "due_extended": "2026-04-30",
            "reason": "gegevens in twaalf systemen",
            "told_on": "2026-02-02",
        }
    ]
    # The frozen answer carries it too: the person was told what they were sent.
    answer = ledger.requests.answer(request_id, reader=READER)
    assert json.loads(answer.overview_json)["extended_requests"][0]["reason"] == (
        "gegevens in twaalf systemen"
    )


def test_every_overview_text_exists_in_every_language() -> None:
    assert set(TEXTS["nl"]) == set(TEXTS["en"])
