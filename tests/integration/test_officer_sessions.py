"""The officer's session lives on the server: a copied cookie stops working after logout, after
`ledger keys revoke`, after 8 hours and after 30 idle minutes; the cookie carries only the
session id and the CSRF token."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import sqlalchemy as sa
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from ledger.app import Ledger
from ledger.cli import main
from ledger.settings import Settings
from ledger.web import create_app
from tests.builders import a_disclosure
from tests.conftest import TEST_MASTER_KEY, FixedClock
from tests.integration.officer_pages import csrf

COOKIE = "ledger_session"
REASON = "AVG-verzoek 2026-017"


def login(client: FlaskClient, key: str) -> None:
    form = client.get("/officer/login").get_data(as_text=True)
    answer = client.post("/officer/login", data={"api_key": key, "csrf_token": csrf(form)})
    assert answer.status_code == 302, answer.get_data(as_text=True)


def logout(client: FlaskClient) -> None:
    token = csrf(client.get("/officer/").get_data(as_text=True))
    assert client.post("/officer/logout", data={"csrf_token": token}).status_code == 302


def copy_of(client: FlaskClient) -> FlaskClient:
    """Another browser holding a copy of this one's cookie, as a thief would replay it."""
    cookie = client.get_cookie(COOKIE)
    assert cookie is not None
    thief = FlaskClient(client.application)
    thief.set_cookie(COOKIE, cookie.value)
    return thief


def signed_in(client: FlaskClient) -> bool:
    answer = client.get("/officer/")
    assert answer.status_code in (200, 302)
    if answer.status_code == 302:
        assert answer.headers["Location"].startswith("/officer/login")
    return answer.status_code == 200


def cookie_contents(client: FlaskClient) -> dict[str, object]:
    """What the signed (not encrypted) cookie holds, as anyone who sees it can read it."""
    app = client.application
    cookie = client.get_cookie(COOKIE)
    assert cookie is not None
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    contents: dict[str, object] = serializer.loads(cookie.value)
    return contents


def sessions_table(ledger: Ledger) -> list[sa.Row[tuple[object, ...]]]:
    from ledger.adapters.officer_sessions import officer_sessions

    with ledger.uow.read() as connection:
        return list(connection.execute(sa.select(officer_sessions)))


def test_a_copied_cookie_stops_working_when_the_officer_logs_out(
    client: FlaskClient, ledger: Ledger, officer: str
) -> None:
    login(client, officer)
    thief = copy_of(client)
    assert signed_in(thief)  # while the session lives, its cookie is all it takes

    logout(client)

    assert not signed_in(client)
    assert not signed_in(thief)
    assert thief.get("/officer/statistics").status_code == 302
    [row] = sessions_table(ledger)
    assert row.ended_why == "logout"
    assert row.ended_at == ledger.clock()


def test_logging_out_in_one_browser_leaves_the_officers_other_session_alone(
    app: Flask, client: FlaskClient, officer: str
) -> None:
    login(client, officer)
    other = app.test_client()
    login(other, officer)

    logout(client)

    assert not signed_in(client)
    assert signed_in(other)


def test_a_copied_cookie_stops_working_when_the_key_is_revoked_on_the_command_line(
    client: FlaskClient, ledger: Ledger, settings: Settings, officer: str
) -> None:
    login(client, officer)
    thief = copy_of(client)
    env = {
        "LEDGER_DATABASE_URL": settings.database_url,
        "LEDGER_MASTER_KEY": TEST_MASTER_KEY,
        "LEDGER_VAR_DIR": str(settings.var_dir),
    }

    revoked = CliRunner(env=env).invoke(main, ["keys", "revoke", "fg"], catch_exceptions=False)

    assert revoked.exit_code == 0, revoked.output
    assert not signed_in(thief)
    assert not signed_in(client)
    [row] = sessions_table(ledger)
    assert row.ended_why == "revoked"


def test_a_session_ends_after_8_hours_however_busy(
    client: FlaskClient, officer: str, clock: FixedClock
) -> None:
    login(client, officer)
    thief = copy_of(client)
    started = clock.now
    # Busy all day: a page every 20 minutes keeps it from idling out.
    while clock.now + timedelta(minutes=20) < started + timedelta(hours=8):
        clock.now += timedelta(minutes=20)
        assert signed_in(client), clock.now - started

    clock.now = started + timedelta(hours=8)

    assert not signed_in(thief)
    assert not signed_in(client)


def test_a_session_ends_after_30_minutes_without_a_request(
    client: FlaskClient, officer: str, clock: FixedClock
) -> None:
    login(client, officer)
    thief = copy_of(client)
    clock.now += timedelta(minutes=29)
    assert signed_in(client)  # a request: the idle time starts again
    clock.now += timedelta(minutes=29)
    assert signed_in(thief)

    clock.now += timedelta(minutes=30)

    assert not signed_in(thief)
    assert not signed_in(client)


def test_the_cookie_holds_only_the_session_id_and_the_csrf_token(
    client: FlaskClient, ledger: Ledger, officer: str
) -> None:
    ledger.recording.record(a_disclosure(1), actor="payroll")
    assert set(cookie_contents_after_form(client)) == {"csrf"}
    login(client, officer)
    page = client.get(f"/officer/subject?id=E-00001&reason={REASON}").get_data(as_text=True)
    made = client.post(
        "/officer/subject/links",
        data={
            "subject_id": "E-00001",
            "days": "7",
            "lang": "nl",
            "reason": REASON,
            "csrf_token": csrf(page),
        },
    )
    assert made.status_code == 302

    contents = cookie_contents(client)

    assert set(contents) == {"sid", "csrf"}
    decoded = repr(contents)
    assert "E-00001" not in decoded
    assert "/o/" not in decoded
    assert "fg" not in decoded.replace(str(contents["sid"]), "").replace(str(contents["csrf"]), "")
    # The link is shown once, from what the server kept for this session...
    shown = client.get(made.headers["Location"]).get_data(as_text=True)
    url = re.search(r'class="link-url" readonly value="([^"]+)"', shown)
    assert url
    assert url.group(1).split("/o/")[1] not in decoded
    assert client.get(made.headers["Location"]).status_code == 302
    # ...and the server keeps only a hash of the session id, never the id.
    [row] = sessions_table(ledger)
    assert row.id_hash == hashlib.sha256(str(contents["sid"]).encode()).digest()
    assert row.made_link is None
    assert row.key_name == "fg"


def cookie_contents_after_form(client: FlaskClient) -> dict[str, object]:
    client.get("/officer/login")
    return cookie_contents(client)


def test_signing_in_starts_a_new_session_id_every_time(
    client: FlaskClient, ledger: Ledger, officer: str
) -> None:
    login(client, officer)
    first = cookie_contents(client)
    logout(client)
    login(client, officer)
    second = cookie_contents(client)

    assert first["sid"] != second["sid"]
    assert first["csrf"] != second["csrf"]
    assert [row.ended_why for row in sessions_table(ledger)].count(None) == 1


def test_a_cookie_signed_with_another_master_key_opens_nothing(
    client: FlaskClient, settings: Settings, ledger: Ledger, officer: str
) -> None:
    login(client, officer)
    cookie = client.get_cookie(COOKIE)
    assert cookie is not None
    other_key = "ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA="
    other = create_app(
        Settings(database_url=settings.database_url, var_dir=settings.var_dir, master_key=other_key)
    )
    try:
        thief = other.test_client()
        thief.set_cookie(COOKIE, cookie.value)
        assert not signed_in(thief)
    finally:
        other.extensions["ledger"].close()
