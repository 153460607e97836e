"""The officer's erasure pages through the Flask client: the form on the person's page, the
outcome (the rules that hold, or the recipients to tell), refusals, and the list."""

from __future__ import annotations

from flask.testing import FlaskClient

from ledger.app import Ledger
from tests.builders import a_disclosure
from tests.integration.officer_pages import csrf, login
from tests.integration.test_erasure import past_history


def subject_page(client: FlaskClient, subject_id: str) -> str:
    response = client.get(f"/officer/subject?id={subject_id}&reason=Verzoek%20tot%20wissen")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_person_page_erases_and_lists_the_recipients_to_tell(
    client: FlaskClient, ledger: Ledger, officer: str
) -> None:
    past_history(ledger, 1)
    login(client, officer)
    html = subject_page(client, "E-00001")
    assert 'action="/officer/erasures/erase"' in html
    assert '<label for="erase-reason">' in html

    done = client.post(
        "/officer/erasures/erase",
        data={
            "csrf_token": csrf(html),
            "subject_id": "E-00001",
            "reason": "Verzoek per brief",
            "requested_at": "2026-11-01",
        },
    )

    body = done.get_data(as_text=True)
    assert done.status_code == 201, body
    assert "De betrokkene is gewist" in body
    assert "Bouwbedrijf De Vries B.V. (inlener)" in body
    listing = client.get("/officer/erasures").get_data(as_text=True)
    assert "Uitgevoerd (1)" in listing
    assert "op verzoek" in listing
    assert 'href="/officer/erasures"' in listing  # in the menu


def test_a_held_person_gets_a_scheduled_erasure_with_its_rules_and_dates(
    client: FlaskClient, ledger: Ledger, officer: str
) -> None:
    ledger.recording.record(a_disclosure(1), actor="payroll")
    login(client, officer)
    token = csrf(subject_page(client, "E-00001"))
    form = {"csrf_token": token, "subject_id": "E-00001", "reason": "Verzoek", "requested_at": ""}

    scheduled = client.post("/officer/erasures/erase", data=form)
    again = client.post("/officer/erasures/erase", data=form)

    body = scheduled.get_data(as_text=True)
    assert scheduled.status_code == 202, body
    assert "2034-01-01" in body
    assert "Fiscale gegevens" in body
    assert "AWR" in body
    assert again.status_code == 409
    assert "already scheduled" in again.get_data(as_text=True)
    listing = client.get("/officer/erasures").get_data(as_text=True)
    assert "Gepland (1)" in listing
    assert "Fiscale gegevens: tot 2034-01-01" in listing


def test_the_erase_form_refuses_a_missing_reason_a_bad_date_and_a_missing_token(
    client: FlaskClient, ledger: Ledger, officer: str
) -> None:
    past_history(ledger, 1)
    login(client, officer)
    token = csrf(subject_page(client, "E-00001"))
    base = {"csrf_token": token, "subject_id": "E-00001", "reason": "Verzoek"}

    no_reason = client.post("/officer/erasures/erase", data={**base, "reason": " "})
    bad_date = client.post("/officer/erasures/erase", data={**base, "requested_at": "gisteren"})
    future = client.post("/officer/erasures/erase", data={**base, "requested_at": "2099-01-01"})
    no_token = client.post("/officer/erasures/erase", data={**base, "csrf_token": ""})

    assert no_reason.status_code == 422
    assert "Reden: is required" in no_reason.get_data(as_text=True)
    assert bad_date.status_code == 422
    assert "Verzoek ontvangen op" in bad_date.get_data(as_text=True)
    assert future.status_code == 422
    assert no_token.status_code in (400, 403)
    with ledger.uow.read() as connection:
        assert ledger.vault.find(connection, "E-00001") is not None


def test_the_officer_cancels_a_scheduled_erasure_from_the_list(
    client: FlaskClient, ledger: Ledger, officer: str
) -> None:
    ledger.recording.record(a_disclosure(1), actor="payroll")
    ledger.erasures.request(subject_id="E-00001", reason="Verzoek", requested_on=None, actor="fg")
    login(client, officer)
    listing = client.get("/officer/erasures").get_data(as_text=True)
    erasure_id = ledger.erasures.in_state("scheduled")[0]["id"]
    assert f'action="/officer/erasures/{erasure_id}/cancel"' in listing
    path = f"/officer/erasures/{erasure_id}/cancel"

    blank = client.post(path, data={"csrf_token": csrf(listing), "reason": " "})
    done = client.post(path, data={"csrf_token": csrf(listing), "reason": "ingetrokken"})
    twice = client.post(path, data={"csrf_token": csrf(listing), "reason": "nog eens"})

    assert blank.status_code == 422
    assert "Reden: is required" in blank.get_data(as_text=True)
    assert done.status_code == 303
    assert "Wissing ingetrokken." in client.get(done.headers["Location"]).get_data(as_text=True)
    assert twice.status_code == 409
    assert "cancelled: it can no longer change" in twice.get_data(as_text=True)
    assert ledger.erasures.in_state("cancelled")[0]["id"] == erasure_id
