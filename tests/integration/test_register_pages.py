"""The officer's register pages on a real database, through the Flask test client: the list of
activities in Dutch and English, one activity's versions with what changed, the menu entry."""

from __future__ import annotations

from flask.testing import FlaskClient

from ledger.app import Ledger
from ledger.demo import EXAMPLE_REGISTER
from tests.activities import an_activity
from tests.integration.officer_pages import login


def test_the_register_page_lists_each_activitys_current_version_in_dutch_and_english(
    client: FlaskClient, officer: str, ledger: Ledger
) -> None:
    ledger.register.import_file(EXAMPLE_REGISTER.read_text(encoding="utf-8"), actor="fg")
    login(client, officer)

    listed = client.get("/officer/register")
    body = listed.get_data(as_text=True)

    assert listed.status_code == 200
    assert "<script" not in body
    assert "default-src 'none'" in listed.headers["Content-Security-Policy"]
    assert 'href="/officer/register"' in body  # the menu entry
    assert "Verzuimbegeleiding door de arbodienst" in body
    assert "Wij geven uw loon en de ingehouden loonheffingen" in body
    assert "wettelijke verplichting" in body  # the basis, labelled
    assert "Arbodienst of bedrijfsarts" in body
    assert "urn:disclosure-ledger:register:loonaangifte/v1" in body
    assert "2026-01-01 \u2013 onbepaald" in body
    assert 'href="/officer/register/vog_controle?lang=nl"' in body

    english = client.get("/officer/register?lang=en").get_data(as_text=True)
    assert "Absence guidance by the occupational health service" in english
    assert "legal obligation" in english
    assert "2026-01-01 \u2013 open" in english


def test_an_activitys_page_shows_every_version_newest_first_with_what_changed(
    client: FlaskClient, officer: str, ledger: Ledger
) -> None:
    ledger.register.define(an_activity(), actor="fg")
    ledger.register.revise(
        "loonaangifte",
        an_activity(retention="fiscal", valid_until="2027-12-31"),
        actor="fg",
        reason="Bewaartermijn volgens de fiscale regel",
    )
    login(client, officer)

    response = client.get("/officer/register/loonaangifte")
    body = response.get_data(as_text=True)

    assert response.status_code == 200
    assert body.index('id="v2"') < body.index('id="v1"')
    assert "Reden: Bewaartermijn volgens de fiscale regel" in body
    assert "Gewijzigd: Bewaartermijn, Geldig tot en met." in body
    assert "urn:disclosure-ledger:register:loonaangifte/v2" in body
    assert "Reden: first version" in body
    english = client.get("/officer/register/loonaangifte?lang=en").get_data(as_text=True)
    assert "Filing payroll taxes with the Tax Administration" in english
    assert client.get("/officer/register/nope").status_code == 404


def test_the_register_pages_ask_for_a_sign_in_and_say_when_the_register_is_empty(
    client: FlaskClient, officer: str
) -> None:
    response = client.get("/officer/register")
    assert response.status_code == 302
    assert "/officer/login" in response.headers["Location"]
    login(client, officer)
    assert "Het register is leeg" in client.get("/officer/register").get_data(as_text=True)
