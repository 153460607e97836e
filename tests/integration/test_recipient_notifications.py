"""Art. 19 recipient notifications on a real database: which recipients a rectification
reaches, the markings and their rules, the API's answers, the log, the bundle and a rebuild."""

from __future__ import annotations

import io
import json
import uuid
from dataclasses import replace
from datetime import date, datetime
from typing import Any

import pytest
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator
from pypdf import PdfReader

from ledger import overview
from ledger.adapters.state_codec import unpack
from ledger.app import Ledger
from ledger.domain.errors import InvalidChange, NotificationConflict, SubjectUnknown
from ledger.domain.values import Recipient
from ledger.integrity.bundle import verify_bundle
from ledger.overview.config import ASSETS
from ledger.projections.tables import recipient_notices, recipient_notifications
from tests.builders import AMSTERDAM, READER, a_disclosure, to_inlener
from tests.conftest import FixedClock
from tests.integration.officer_pages import csrf, login

SCHEMA = json.loads((ASSETS / "overview.schema.json").read_text(encoding="utf-8"))
ARBO = Recipient("arbodienst", "ArboNed B.V.", None, "NL")


def on(day: int, month: int) -> datetime:
    return datetime(2026, month, day, 12, 0, tzinfo=AMSTERDAM)


def history(ledger: Ledger) -> None:
    """E-00001's data went to the Belastingdienst (naam, bsn, salaris) twice, a hirer (naam,
    beschikbaarheid, vca), the arbodienst (naam, verzuim; the second one retracted)."""
    ledger.recording.record(a_disclosure(1, occurred_at=on(31, 8)), actor="payroll")
    ledger.recording.record(
        a_disclosure(
            1, occurred_at=on(30, 9), source=replace(a_disclosure(1).source, reference="r-9")
        ),
        actor="payroll",
    )
    ledger.recording.record(to_inlener(1, occurred_at=on(15, 10)), actor="planning")
    for number, day in ((1, on(1, 9)), (2, on(20, 10))):
        receipt = ledger.recording.record(
            a_disclosure(
                1,
                recipient=ARBO,
                data_categories=("naam", "verzuim"),
                legal_basis="legal_obligation",
                special_category_condition="occupational_medicine",
                legal_provision="Arbeidsomstandighedenwet, art. 14",
                occurred_at=day,
                source=replace(a_disclosure(1).source, reference=f"arbo-{number}"),
            ),
            actor="payroll",
        )
    ledger.recording.retract(receipt.id, reason="sent by mistake, recalled", actor="payroll")


def rectify(ledger: Ledger, categories: list[str], since: date | None = None, **more: Any) -> Any:
    notice_id = ledger.notifications.record(
        subject_id="E-00001",
        cause="rectification",
        data_categories=categories,
        since=since,
        reason=more.pop("reason", "wrong salary corrected"),
        person_asked=more.pop("person_asked", False),
        actor="fg",
    )
    return ledger.notifications.notice(notice_id, reader=READER)


def recipients(notice: dict[str, Any]) -> list[tuple[str, list[str], str, str]]:
    return [
        (n["recipient"]["name"], n["data_categories"], str(n["first_on"]), str(n["last_on"]))
        for n in notice["notifications"]
    ]


@pytest.mark.parametrize(
    ("categories", "since", "expected"),
    [
        (
            ["salaris"],
            None,
            [("Belastingdienst", ["salaris"], "2026-08-31", "2026-09-30")],
        ),
        (
            ["naam"],
            None,
            [
                ("Belastingdienst", ["naam"], "2026-08-31", "2026-09-30"),
                ("ArboNed B.V.", ["naam"], "2026-09-01", "2026-09-01"),
                ("Bouwbedrijf De Vries B.V.", ["naam"], "2026-10-15", "2026-10-15"),
            ],
        ),
        (
            ["naam", "salaris"],
            date(2026, 9, 30),
            [
                ("Belastingdienst", ["naam", "salaris"], "2026-09-30", "2026-09-30"),
                ("Bouwbedrijf De Vries B.V.", ["naam"], "2026-10-15", "2026-10-15"),
            ],
        ),
        # The only disclosure of verzuim since October was retracted: it did not happen.
        (["verzuim"], date(2026, 10, 1), []),
        (["verzuim"], None, [("ArboNed B.V.", ["verzuim"], "2026-09-01", "2026-09-01")]),
        (["geboortedatum"], None, []),
    ],
)
def test_a_rectification_reaches_every_actual_recipient_of_the_data_once(
    ledger: Ledger,
    categories: list[str],
    since: date | None,
    expected: list[Any],
) -> None:
    history(ledger)
    notice = rectify(ledger, categories, since)
    assert recipients(notice) == expected
    assert {n["state"] for n in notice["notifications"]} <= {"to_send"}
    assert (notice["subject_id"], notice["reason"]) == ("E-00001", "wrong salary corrected")


def test_each_notification_is_marked_once_and_only_with_what_its_rule_needs(
    ledger: Ledger, clock: FixedClock
) -> None:
    history(ledger)
    notice = rectify(ledger, ["naam"])
    sent, impossible, heavy = (uuid.UUID(n["id"]) for n in notice["notifications"])
    service = ledger.notifications
    with pytest.raises(InvalidChange) as refused:
        service.mark_sent(sent, sent_on=date(2026, 11, 3), channel="email", actor="fg")
    assert refused.value.errors == {"sent_on": "may not be in the future (Dutch date)"}
    with pytest.raises(InvalidChange) as refused:
        service.mark_sent(sent, sent_on=date(2026, 11, 1), channel="pigeon", actor="fg")
    assert refused.value.errors == {
        "sent_on": "may not be before the 2026-11-02 it was recorded",
        "channel": "must be one of email, letter, portal, phone",
    }
    service.mark_sent(sent, sent_on=date(2026, 11, 2), channel="letter", actor="fg")
    with pytest.raises(InvalidChange) as refused:
        service.mark_not_sent(impossible, why="impossible", reason="  ", actor="fg")
    assert refused.value.errors == {"reason": "is required"}
    service.mark_not_sent(impossible, why="impossible", reason="company dissolved", actor="fg")
    service.mark_not_sent(heavy, why="disproportionate", reason="no address", actor="fg")
    for notification_id in (sent, impossible, heavy):
        with pytest.raises(NotificationConflict):
            service.mark_not_sent(notification_id, why="impossible", reason="again", actor="fg")
        with pytest.raises(NotificationConflict):
            service.mark_sent(
                notification_id, sent_on=date(2026, 11, 2), channel="email", actor="fg"
            )
    shown = ledger.notifications.notice(uuid.UUID(notice["id"]), reader=READER)
    assert [(n["state"], n["channel"], n["reason"]) for n in shown["notifications"]] == [
        ("sent", "letter", None),
        ("impossible", None, "company dissolved"),
        ("disproportionate", None, "no address"),
    ]
    assert ledger.notifications.notifications(reader=READER, state="to_send") == []


def test_recording_refuses_an_unknown_person_and_bad_input_naming_the_field(
    ledger: Ledger,
) -> None:
    history(ledger)
    with pytest.raises(SubjectUnknown):
        ledger.notifications.record(
            subject_id="NOBODY",
            cause="rectification",
            data_categories=["naam"],
            since=None,
            reason="x",
            person_asked=False,
            actor="fg",
        )
    with pytest.raises(InvalidChange) as refused:
        rectify(ledger, ["naam", "shoe_size"], date(2026, 11, 3), reason="")
    assert refused.value.errors == {
        "data_categories.1": "unknown data category 'shoe_size'",
        "since": "may not be in the future (Dutch date)",
        "reason": "is required",
    }


def test_notices_are_in_the_log_the_bundle_proves_them_and_a_rebuild_gives_the_same_rows(
    ledger: Ledger,
) -> None:
    history(ledger)
    notice = rectify(ledger, ["naam"], person_asked=True)
    first, second, third = (uuid.UUID(n["id"]) for n in notice["notifications"])
    ledger.notifications.mark_sent(first, sent_on=date(2026, 11, 2), channel="email", actor="fg")
    ledger.notifications.mark_not_sent(second, why="impossible", reason="gone", actor="fg")
    ledger.notifications.mark_not_sent(third, why="disproportionate", reason="far", actor="fg")
    assert ledger.integrity.verify().ok
    bundle = ledger.reading.proof_bundle(reader=READER, subject_id="E-00001")
    assert bundle is not None
    assert verify_bundle(bundle, ledger.integrity.verifier_key()) == []
    kinds = [e["plaintext"] for e in bundle["events"]]
    for name in (
        "RecipientNoticeRecorded",
        "RecipientNotified",
        "RecipientNoticeImpossible",
        "RecipientNoticeDisproportionate",
    ):
        assert sum(f'"{name}"' in text for text in kinds) == 1
    # The sealed reason is opened in the bundle, and nowhere in the events in clear.
    assert any('"reason":"gone"' in text for text in kinds)
    with ledger.uow.read() as connection:
        stored = b"".join(
            unpack(bytes(row.state))
            for row in connection.execute(ledger.store.table.select()).all()
        )
    assert b"wrong salary corrected" not in stored
    assert b"E-00001" not in stored

    def rows() -> list[list[dict[str, Any]]]:
        with ledger.uow.read() as connection:
            return [
                [dict(r) for r in connection.execute(t.select().order_by(t.c[key])).mappings()]
                for t, key in (
                    (recipient_notices, "notice_id"),
                    (recipient_notifications, "notification_id"),
                )
            ]

    before = rows()
    ledger.maintenance.rebuild_projections()
    assert rows() == before
    assert len(before[1]) == 3


# -- through the API --------------------------------------------------------------------------


def test_the_api_records_a_rectification_and_marks_each_notification(
    client: FlaskClient, officer: str, ledger: Ledger
) -> None:
    history(ledger)
    auth = {"Authorization": f"Bearer {officer}"}
    created = client.post(
        "/api/v1/subjects/E-00001/rectifications",
        json={
            "data_categories": ["naam", "salaris"],
            "since": "2026-09-30",
            "reason": "name misspelt",
            "person_asked_for_recipients": True,
        },
        headers=auth,
    )
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert (body["cause"], body["person_asked_for_recipients"], body["reason"]) == (
        "rectification",
        True,
        "name misspelt",
    )
    assert [n["recipient"]["name"] for n in body["notifications"]] == [
        "Belastingdienst",
        "Bouwbedrijf De Vries B.V.",
    ]
    first, second = (n["id"] for n in body["notifications"])
    to_send = client.get("/api/v1/notifications?state=to_send", headers=auth).get_json()
    assert [n["id"] for n in to_send["items"]] == [first, second]
    assert to_send["items"][0]["notice"]["subject_id"] == "E-00001"

    marked = client.post(
        f"/api/v1/notifications/{first}/sent",
        json={"sent_on": "2026-11-02", "channel": "portal"},
        headers=auth,
    )
    assert marked.status_code == 200
    assert (marked.get_json()["state"], marked.get_json()["sent_on"]) == ("sent", "2026-11-02")
    again = client.post(
        f"/api/v1/notifications/{first}/impossible", json={"reason": "x"}, headers=auth
    )
    assert again.status_code == 409
    assert again.get_json()["errors"] == {"state": "the notification was marked sent before"}
    no_reason = client.post(
        f"/api/v1/notifications/{second}/disproportionate", json={"reason": ""}, headers=auth
    )
    assert no_reason.status_code == 422
    assert set(no_reason.get_json()["errors"]) == {"reason"}
    heavy = client.post(
        f"/api/v1/notifications/{second}/disproportionate",
        json={"reason": "one letter per hirer"},
        headers=auth,
    )
    assert heavy.get_json()["reason"] == "one letter per hirer"
    remaining = client.get("/api/v1/notifications?state=to_send", headers=auth).get_json()
    assert remaining["items"] == []
    listed = client.get("/api/v1/subjects/E-00001/rectifications", headers=auth).get_json()
    assert [[n["state"] for n in item["notifications"]] for item in listed["items"]] == [
        ["sent", "disproportionate"]
    ]
    assert ledger.integrity.verify().ok


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "errors"),
    [
        (
            "post",
            "/subjects/NOBODY/rectifications",
            {"data_categories": ["naam"], "reason": "x"},
            404,
            None,
        ),
        (
            "post",
            "/subjects/E-00001/rectifications",
            {"data_categories": [], "reason": "x"},
            422,
            {"data_categories"},
        ),
        (
            "post",
            "/subjects/E-00001/rectifications",
            {"data_categories": ["nope"], "reason": "x"},
            422,
            {"data_categories.0"},
        ),
        (
            "post",
            "/subjects/E-00001/rectifications",
            {"data_categories": ["naam"]},
            422,
            {"reason"},
        ),
        (
            "post",
            "/subjects/E-00001/rectifications",
            {"data_categories": ["naam"], "reason": "x", "since": "2027-01-01"},
            422,
            {"since"},
        ),
        (
            "post",
            f"/notifications/{uuid.uuid4()}/sent",
            {"sent_on": "2026-11-02", "channel": "email"},
            404,
            None,
        ),
        ("post", f"/notifications/{uuid.uuid4()}/impossible", {"reason": "x"}, 404, None),
        ("get", f"/notifications/{uuid.uuid4()}", None, 404, None),
        ("get", "/notifications?state=lost", None, 422, {"state"}),
    ],
)
def test_the_api_answers_unknown_things_404_and_bad_input_422_naming_the_field(
    client: FlaskClient,
    officer: str,
    ledger: Ledger,
    method: str,
    path: str,
    body: Any,
    status: int,
    errors: set[str] | None,
) -> None:
    history(ledger)
    response = getattr(client, method)(
        f"/api/v1{path}", json=body, headers={"Authorization": f"Bearer {officer}"}
    )
    assert response.status_code == status, response.get_json()
    assert response.content_type == "application/problem+json"
    if errors is not None:
        assert set(response.get_json()["errors"]) == errors


def test_a_sent_notification_with_a_bad_channel_or_date_is_refused_naming_the_field(
    client: FlaskClient, officer: str, ledger: Ledger
) -> None:
    history(ledger)
    notice = rectify(ledger, ["salaris"])
    path = f"/api/v1/notifications/{notice['notifications'][0]['id']}/sent"
    auth = {"Authorization": f"Bearer {officer}"}
    for body, field in [
        ({"sent_on": "2026-11-02", "channel": "pigeon"}, "channel"),
        ({"sent_on": "2026-11-03", "channel": "email"}, "sent_on"),
        ({"sent_on": "2026-11-02"}, "channel"),
    ]:
        response = client.post(path, json=body, headers=auth)
        assert response.status_code == 422
        assert set(response.get_json()["errors"]) == {field}


# -- the person's overview (Art. 19, last sentence) ---------------------------------------------


def test_the_overview_lists_the_notified_recipients_only_when_the_person_asked(
    ledger: Ledger,
) -> None:
    history(ledger)
    quiet = rectify(ledger, ["verzuim"], reason="absence dates corrected")
    asked = rectify(ledger, ["salaris"], person_asked=True)
    ledger.notifications.mark_sent(
        uuid.UUID(asked["notifications"][0]["id"]),
        sent_on=date(2026, 11, 2),
        channel="email",
        actor="fg",
    )
    assert quiet["notifications"]  # told, but the person did not ask: not in the overview
    for lang, words in (
        ("nl", ["Wie hebben wij verteld", "verbeterd", "verstuurd op 2 november 2026"]),
        ("en", ["Whom did we tell", "corrected", "sent on 2 November 2026"]),
        ("pl", ["Komu powiedzieliśmy", "poprawione", "wysłano 2 listopada 2026"]),
    ):
        view = ledger.reading.overview(reader=READER, subject_id="E-00001", lang=lang)
        assert [(n.recipient, n.state) for n in view.notified] == [("Belastingdienst", "sent")]
        page = overview.render_html(view)
        pdf = " ".join(
            " ".join(
                p.extract_text() for p in PdfReader(io.BytesIO(overview.render_pdf(view))).pages
            ).split()
        )
        for word in words:
            assert word in page, (lang, word)
            assert word in pdf, (lang, word)
        assert "ArboNed" not in page.split(words[0])[1].split("</section>")[0]
    document = json.loads(
        overview.render_json(ledger.reading.overview(reader=READER, subject_id="E-00001"))
    )
    assert not sorted(Draft202012Validator(SCHEMA).iter_errors(document), key=str)
    assert document["notified_recipients"] == [
        {
            "recorded_on": "2026-11-02",
            "cause": "rectification",
            "recipient": {
                "name": "Belastingdienst",
                "category": document["notified_recipients"][0]["recipient"]["category"],
            },
            "data_categories": [
                {
                    "code": "salaris",
                    "label": "Salarisgegevens",
                    "dpv": "https://w3id.org/dpv/pd#Salary",
                }
            ],
            "state": "sent",
            "sent_on": "2026-11-02",
        }
    ]
    assert document["notified_recipients"][0]["recipient"]["category"]["code"] == "belastingdienst"
    # A person who never asked has the section absent, and their JSON an empty list.
    assert ledger.reading.overview(reader=READER, subject_id="E-00002").notified == ()


# -- the officer's page ---------------------------------------------------------------------


def test_the_officer_marks_notifications_on_the_page_with_csrf_and_no_script(
    client: FlaskClient, officer: str, ledger: Ledger
) -> None:
    history(ledger)
    notice = rectify(ledger, ["salaris", "vca"])
    belasting, hirer = (n["id"] for n in notice["notifications"])
    login(client, officer)
    listed = client.get("/officer/notifications")
    body = listed.get_data(as_text=True)
    assert listed.status_code == 200
    assert "script-src" not in listed.headers["Content-Security-Policy"]
    assert "default-src 'none'" in listed.headers["Content-Security-Policy"]
    assert "<script" not in body
    assert "Bouwbedrijf De Vries B.V." in body
    assert "E-00001" in body
    assert 'href="/officer/notifications"' in body  # the menu entry
    token = csrf(body)
    forged = client.post(
        f"/officer/notifications/{belasting}/sent",
        data={"sent_on": "2026-11-02", "channel": "letter"},
    )
    assert forged.status_code == 400
    no_reason = client.post(
        f"/officer/notifications/{hirer}/impossible", data={"csrf_token": token, "reason": " "}
    )
    assert no_reason.status_code == 422
    assert "Reden: is required" in no_reason.get_data(as_text=True)
    done = client.post(
        f"/officer/notifications/{belasting}/sent",
        data={"csrf_token": token, "sent_on": "2026-11-02", "channel": "letter"},
    )
    assert done.status_code == 303
    again = client.post(
        f"/officer/notifications/{belasting}/disproportionate",
        data={"csrf_token": token, "reason": "x"},
    )
    assert again.status_code == 409
    after = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Gemarkeerd als verstuurd." in after
    assert f"n-{belasting}" not in after
    assert f"n-{hirer}" in after
    assert client.get("/officer/notifications/x").status_code == 404


def test_the_notifications_page_asks_for_a_sign_in(client: FlaskClient) -> None:
    response = client.get("/officer/notifications")
    assert response.status_code == 302
    assert "/officer/login" in response.headers["Location"]
