"""Restriction of processing (GDPR Art. 18) on a real database, through the Flask test client
and the services: imposing and lifting, the refusal of a disclosure without an Art. 18(2)
ground (single, batch, correction), the Art. 19 notice, the person's chain and `ledger verify`."""

from __future__ import annotations

import copy
import json
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from ledger.app import Ledger
from ledger.domain.errors import DisclosureRefused, RestrictionConflict
from ledger.integrity.bundle import verify_bundle
from ledger.integrity.leaves import Leaf
from ledger.overview import render_csv, render_pdf, to_json
from ledger.projections.tables import READ_MODELS, recipient_notices, restrictions
from tests.builders import READER, a_disclosure, to_inlener
from tests.conftest import FixedClock
from tests.integration.officer_pages import csrf, login

GROUNDS = ("consent", "legal_claims", "protection_of_others", "public_interest")
# The test clock's now (2026-11-02 09:00 UTC) in Amsterdam: on or after a restriction's start.
DURING = "2026-11-02T10:00:00+01:00"

BODY: dict[str, Any] = {
    "controller": "12345678",
    "subject": {"id": "E-00001", "name": "Jan Jansen", "email": "jan@example.org"},
    "recipient": {"category": "belastingdienst", "name": "Belastingdienst", "country": "NL"},
    "data_categories": ["naam", "bsn", "salaris"],
    "legal_basis": "legal_obligation",
    "legal_provision": "Wet op de loonbelasting 1964, art. 28",
    "purpose": "Loonaangifte oktober 2026",
    "occurred_at": DURING,
    "source": {"system": "payroll", "reference": "run-2026-11/E-00001"},
}


def body(number: int = 1, reference: str = "run", **changes: Any) -> dict[str, Any]:
    result = copy.deepcopy(BODY)
    result["subject"]["id"] = f"E-{number:05d}"
    result["source"]["reference"] = f"{reference}/E-{number:05d}"
    result.update(changes)
    return result


@pytest.fixture
def officer(ledger: Ledger) -> dict[str, str]:
    return {"Authorization": f"Bearer {ledger.api_keys.create(name='fg', role='officer')[1]}"}


@pytest.fixture
def source(ledger: Ledger) -> dict[str, str]:
    secret = ledger.api_keys.create(
        name="payroll", role="source", controllers=["12345678"], system="payroll"
    )[1]
    return {"Authorization": f"Bearer {secret}"}


def impose(
    client: FlaskClient, officer: dict[str, str], subject: str = "E-00001", **fields: Any
) -> Any:
    payload = {"reason": "betwist de juistheid van zijn gegevens", "until": "2026-12-31", **fields}
    return client.post(f"/api/v1/subjects/{subject}/restrictions", json=payload, headers=officer)


def lift(client: FlaskClient, officer: dict[str, str], restriction_id: str, **fields: Any) -> Any:
    return client.post(
        f"/api/v1/restrictions/{restriction_id}/lift",
        json={"reason": "juistheid vastgesteld", **fields},
        headers=officer,
    )


def count_disclosures(ledger: Ledger) -> int:
    with ledger.uow.read() as connection:
        return int(connection.execute(sa.text("SELECT count(*) FROM read_disclosures")).scalar())


# -- imposing, listing, lifting ------------------------------------------------------------------


def test_a_restriction_is_imposed_listed_and_lifted_once_with_its_reasons_sealed(
    ledger: Ledger, client: FlaskClient, officer: dict[str, str]
) -> None:
    imposed = impose(client, officer)
    assert imposed.status_code == 201, imposed.get_json()
    shown = imposed.get_json()
    assert shown["until"] == "2026-12-31"
    assert shown["since"] == "2026-11-02T09:00:00+00:00"
    assert shown["reason"] == "betwist de juistheid van zijn gegevens"
    assert (shown["in_force"], shown["lifted_at"], shown["notice_id"]) == (True, None, None)
    assert client.get(f"/api/v1/restrictions/{shown['id']}", headers=officer).get_json() == shown
    listed = client.get("/api/v1/subjects/E-00001/restrictions", headers=officer).get_json()
    assert [item["id"] for item in listed["items"]] == [shown["id"]]
    lifted = lift(client, officer, shown["id"])
    assert lifted.status_code == 200, lifted.get_json()
    after = lifted.get_json()
    assert (after["in_force"], after["lift_reason"], after["lifted_by"]) == (
        False,
        "juistheid vastgesteld",
        "fg",
    )
    again = lift(client, officer, shown["id"])
    assert (again.status_code, set(again.get_json()["errors"])) == (409, {"restriction"})
    assert lift(client, officer, "0" * 32).status_code == 404
    assert client.get(f"/api/v1/restrictions/{'0' * 32}", headers=officer).status_code == 404
    with ledger.database.read_engine.connect() as connection:
        dumped = json.dumps(
            [list(map(str, row)) for row in connection.execute(sa.select(restrictions))]
        )
    assert "betwist" not in dumped
    assert "vastgesteld" not in dumped


def test_overlapping_restrictions_are_both_kept_and_each_counts(
    ledger: Ledger, client: FlaskClient, officer: dict[str, str], source: dict[str, str]
) -> None:
    first = impose(client, officer, until="2026-11-10").get_json()
    assert impose(client, officer, until="2026-12-31").status_code == 201
    assert lift(client, officer, first["id"]).status_code == 200
    refused = client.post("/api/v1/disclosures", json=body(), headers=source)
    assert refused.status_code == 422
    assert "until 2026-12-31" in refused.get_json()["errors"]["restriction_ground"]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"reason": "  "}, "reason"),
        ({"until": "2026-11-01"}, "until"),  # yesterday
        ({"until": "2029-01-01"}, "until"),  # more than two years ahead
        ({"until": "31-12-2026"}, "until"),
        ({"since": "2026-11-03T09:00:00+00:00"}, "since"),  # tomorrow
        ({"since": "2026-11-01T09:00:00"}, "since"),  # no offset
        ({"since": "2026-11-01T09:00:00+00:00", "until": "2026-10-31"}, "until"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_a_restriction_with_a_bad_field_is_refused_naming_it(
    client: FlaskClient, officer: dict[str, str], fields: dict[str, Any], field: str
) -> None:
    response = impose(client, officer, **fields)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]


def test_a_person_unknown_to_the_ledger_may_be_restricted_but_no_one_else_can_be(
    ledger: Ledger, client: FlaskClient, officer: dict[str, str]
) -> None:
    assert impose(client, officer, "E-99999").status_code == 201
    response = impose(client, officer, "E%0A1")
    assert response.status_code in (404, 422)
    listed = client.get("/api/v1/subjects/E-12345/restrictions", headers=officer).get_json()
    assert listed["items"] == []


def test_only_an_officer_imposes_or_lifts_a_restriction(
    client: FlaskClient, source: dict[str, str]
) -> None:
    assert impose(client, source).status_code == 403
    assert client.get("/api/v1/subjects/E-00001/restrictions", headers=source).status_code == 403


# -- the refusal ---------------------------------------------------------------------------------


def test_a_disclosure_of_a_restricted_person_without_a_ground_is_refused_naming_the_field(
    ledger: Ledger, client: FlaskClient, officer: dict[str, str], source: dict[str, str]
) -> None:
    assert impose(client, officer).status_code == 201
    response = client.post("/api/v1/disclosures", json=body(), headers=source)
    assert response.status_code == 422
    message = response.get_json()["errors"]["restriction_ground"]
    assert "restricted (GDPR Art. 18) until 2026-12-31" in message
    for ground in GROUNDS:
        assert ground in message
    # Before the restriction began, and another person: recorded as ever.
    before = body(reference="before", occurred_at="2026-11-01T12:00:00+01:00")
    assert client.post("/api/v1/disclosures", json=before, headers=source).status_code == 201
    assert client.post("/api/v1/disclosures", json=body(2), headers=source).status_code == 201


@pytest.mark.parametrize("ground", GROUNDS)
def test_each_ground_of_article_18_2_lets_a_disclosure_through_and_it_is_shown(
    ledger: Ledger,
    client: FlaskClient,
    officer: dict[str, str],
    source: dict[str, str],
    ground: str,
) -> None:
    assert impose(client, officer).status_code == 201
    response = client.post(
        "/api/v1/disclosures", json=body(restriction_ground=ground), headers=source
    )
    assert response.status_code == 201, response.get_json()
    shown = client.get(f"/api/v1/disclosures/{response.get_json()['id']}", headers=officer)
    assert shown.get_json()["restriction_ground"] == ground


def test_an_unknown_ground_is_refused_naming_the_field_restricted_or_not(
    client: FlaskClient, source: dict[str, str]
) -> None:
    response = client.post(
        "/api/v1/disclosures", json=body(restriction_ground="legal-claims"), headers=source
    )
    assert response.status_code == 422
    assert "legal_claims" in response.get_json()["errors"]["restriction_ground"]


def test_a_ground_given_while_no_restriction_holds_is_recorded_as_given(
    client: FlaskClient, officer: dict[str, str], source: dict[str, str]
) -> None:
    response = client.post(
        "/api/v1/disclosures", json=body(restriction_ground="legal_claims"), headers=source
    )
    assert response.status_code == 201
    shown = client.get(f"/api/v1/disclosures/{response.get_json()['id']}", headers=officer)
    assert shown.get_json()["restriction_ground"] == "legal_claims"


def test_a_batch_with_one_restricted_item_is_refused_whole_naming_the_item(
    ledger: Ledger, client: FlaskClient, officer: dict[str, str], source: dict[str, str]
) -> None:
    assert impose(client, officer, "E-00002").status_code == 201
    items = [body(1), body(2), body(3), body(2, "other", restriction_ground="public_interest")]
    response = client.post("/api/v1/disclosures/batch", json={"items": items}, headers=source)
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"items.1.restriction_ground"}
    assert count_disclosures(ledger) == 0
    del items[1]
    response = client.post("/api/v1/disclosures/batch", json={"items": items}, headers=source)
    assert response.status_code == 201, response.get_json()
    assert count_disclosures(ledger) == 3


def test_after_lifting_or_after_the_end_date_disclosures_are_accepted_again(
    ledger: Ledger, clock: FixedClock
) -> None:
    lifted = ledger.restrictions.impose(
        subject_id="E-00001", reason="r", until=date(2026, 12, 31), actor="fg"
    )
    ledger.restrictions.impose(
        subject_id="E-00002", reason="r", until=date(2026, 11, 5), actor="fg"
    )
    during = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
    clock.now = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
    ledger.restrictions.lift(lifted.restriction_id, reason=None, actor="fg")
    # A disclosure made while it held is refused still, one made after lifting is not.
    with pytest.raises(DisclosureRefused):
        ledger.recording.record(a_disclosure(1, occurred_at=during), actor="p")
    ledger.recording.record(a_disclosure(1, occurred_at=clock.now), actor="p")
    # 5 November is the last day in Amsterdam; the 6th is free again.
    with pytest.raises(DisclosureRefused):
        ledger.recording.record(
            a_disclosure(2, occurred_at=datetime(2026, 11, 5, 22, 59, tzinfo=UTC)), actor="p"
        )
    clock.now = datetime(2026, 11, 6, 9, 0, tzinfo=UTC)
    ledger.recording.record(
        a_disclosure(2, occurred_at=datetime(2026, 11, 5, 23, 0, tzinfo=UTC)), actor="p"
    )
    [ended] = [
        item
        for item in ledger.restrictions.of_subject("E-00002", reader=READER)
        if item["until"] == date(2026, 11, 5)
    ]
    assert ended["in_force"] is False
    with pytest.raises(RestrictionConflict):
        ledger.restrictions.lift(UUID(ended["id"]), reason=None, actor="fg")


def test_a_correction_is_judged_again_when_it_changes_the_moment_or_the_ground(
    ledger: Ledger, client: FlaskClient, officer: dict[str, str], clock: FixedClock
) -> None:
    before = ledger.recording.record(
        a_disclosure(1, occurred_at=datetime(2026, 11, 1, tzinfo=UTC)), actor="p"
    )
    grounded = ledger.recording.record(
        a_disclosure(
            2, restriction_ground="legal_claims", occurred_at=datetime(2026, 11, 1, tzinfo=UTC)
        ),
        actor="p",
    )
    ledger.restrictions.impose(
        subject_id="E-00001", reason="r", until=date(2026, 12, 31), actor="fg"
    )
    ledger.restrictions.impose(
        subject_id="E-00002", reason="r", until=date(2026, 12, 31), actor="fg"
    )

    def correct(disclosure_id: object, **changes: Any) -> Any:
        return client.post(
            f"/api/v1/disclosures/{disclosure_id}/corrections",
            json={"changes": changes, "reason": "verkeerd overgenomen"},
            headers=officer,
        )

    moved = correct(before.id, occurred_at=DURING)
    assert moved.status_code == 422
    assert set(moved.get_json()["errors"]) == {"restriction_ground"}
    assert correct(before.id, occurred_at=DURING, restriction_ground="consent").status_code == 201
    # The purpose of a disclosure under restriction may still be corrected.
    assert correct(before.id, purpose="Loonaangifte november 2026").status_code == 201
    dropped = correct(before.id, restriction_ground=None)
    assert (dropped.status_code, set(dropped.get_json()["errors"])) == (422, {"restriction_ground"})
    # One made before the restriction began may lose its ground: the rule does not cover it.
    assert correct(grounded.id, restriction_ground=None).status_code == 201
    shown = client.get(f"/api/v1/disclosures/{grounded.id}", headers=officer).get_json()
    assert shown["restriction_ground"] is None
    bundle = ledger.reading.proof_bundle(reader=READER, subject_id="E-00002")
    assert bundle is not None
    assert verify_bundle(bundle, ledger.integrity.verifier_key()) == []
    bundle = ledger.reading.proof_bundle(reader=READER, subject_id="E-00001")
    assert bundle is not None
    assert verify_bundle(bundle, ledger.integrity.verifier_key()) == []


# -- the notice, the log and the read models -----------------------------------------------------


def test_imposing_records_an_art_19_notice_to_every_recipient_of_the_persons_data(
    ledger: Ledger, client: FlaskClient, officer: dict[str, str]
) -> None:
    ledger.recording.record_batch([a_disclosure(1), to_inlener(1)], actor="p")
    shown = impose(client, officer).get_json()
    assert shown["notice_id"] is not None
    with ledger.uow.read() as connection:
        [notice] = connection.execute(sa.select(recipient_notices)).mappings().all()
    assert notice["cause"] == "restriction"
    assert notice["person_asked"] is False
    assert notice["since"] is None
    assert sorted(json.loads(notice["data_categories"])) == sorted(
        {"naam", "bsn", "salaris", "beschikbaarheid", "vca"}
    )
    listed = ledger.notifications.notifications(reader=READER)
    assert sorted(item["recipient"]["name"] for item in listed) == [
        "Belastingdienst",
        "Bouwbedrijf De Vries B.V.",
    ]


def snapshot(ledger: Ledger) -> dict[str, list[tuple[object, ...]]]:
    with ledger.database.read_engine.connect() as connection:
        return {
            table.name: sorted(tuple(row) for row in connection.execute(sa.select(table)).all())
            for table in READ_MODELS
        }


def test_restrictions_are_in_the_persons_chain_the_log_verifies_and_a_rebuild_agrees(
    ledger: Ledger, clock: FixedClock
) -> None:
    plain = ledger.recording.record(
        a_disclosure(1, occurred_at=datetime(2026, 11, 1, tzinfo=UTC)), actor="p"
    )
    imposed = ledger.restrictions.impose(
        subject_id="E-00001", reason="bezwaar", until=date(2026, 12, 31), actor="fg"
    )
    grounded = ledger.recording.record(
        a_disclosure(
            1,
            restriction_ground="legal_claims",
            source=a_disclosure(9).source,
            occurred_at=datetime(2026, 11, 2, 9, tzinfo=UTC),
        ),
        actor="p",
    )
    ledger.restrictions.lift(imposed.restriction_id, reason="ingetrokken", actor="fg")
    # A disclosure without a ground stores exactly the payload it did before the field existed.
    stored = {
        aggregate_id: ledger.store.repository.get(aggregate_id).fields
        for aggregate_id in (plain.id, grounded.id)
    }
    assert "restriction_ground" not in stored[plain.id]
    assert stored[grounded.id]["restriction_ground"] == "legal_claims"
    bundle = ledger.reading.proof_bundle(reader=READER, subject_id="E-00001")
    assert bundle is not None
    assert verify_bundle(bundle, ledger.integrity.verifier_key()) == []
    kinds = sorted(json.loads(event["plaintext"])["event"] for event in bundle["events"])
    assert kinds == [
        "DisclosureRecorded",
        "DisclosureRecorded",
        "RecipientNoticeRecorded",
        "RestrictionImposed",
        "RestrictionLifted",
    ]
    assert any("bezwaar" in event["plaintext"] for event in bundle["events"])
    assert any("ingetrokken" in event["plaintext"] for event in bundle["events"])
    with ledger.uow.read() as connection:
        leaves = ledger.integrity.log.leaves_between(connection, 0, 10)
    types = [Leaf.decode(raw).event_type for _, raw in leaves]
    assert "RestrictionImposed" in types
    assert "RestrictionLifted" in types
    assert ledger.integrity.verify().ok
    before = snapshot(ledger)
    assert ledger.maintenance.rebuild_projections() == 5
    assert snapshot(ledger) == before


# -- what the person reads -----------------------------------------------------------------------


def test_the_overview_says_the_processing_is_restricted_and_names_the_ground_in_both_languages(
    ledger: Ledger, clock: FixedClock
) -> None:
    ledger.recording.record(
        a_disclosure(1, occurred_at=datetime(2026, 11, 1, tzinfo=UTC)), actor="p"
    )
    ledger.restrictions.impose(
        subject_id="E-00001",
        reason="u betwist uw salarisgegevens",
        until=date(2026, 12, 31),
        actor="fg",
    )
    ledger.recording.record(
        a_disclosure(
            1,
            source=a_disclosure(7).source,
            restriction_ground="legal_claims",
            occurred_at=datetime(2026, 11, 2, 9, tzinfo=UTC),
        ),
        actor="p",
    )
    dutch = ledger.reading.overview(reader=READER, subject_id="E-00001")
    [restriction] = dutch.restrictions
    assert restriction.text.startswith(
        "Van 2 november 2026 tot en met 31 december 2026 gebruiken wij uw gegevens zo weinig"
        " mogelijk"
    )
    assert restriction.text.endswith("De reden: u betwist uw salarisgegevens")
    items = [item for group in dutch.groups for item in group.items]
    assert [item.ground_text for item in items] == [
        "Terwijl wij uw gegevens minder gebruikten, mocht dit omdat: instellen, uitoefenen of"
        " onderbouwen van een rechtsvordering (art. 18, tweede lid, AVG)",
        None,
    ]
    english = ledger.reading.overview(reader=READER, subject_id="E-00001", lang="en")
    assert english.restrictions[0].text.startswith(
        "From 2 November 2026 until 31 December 2026 inclusive we use your data as little as"
    )
    copy_ = to_json(english)
    assert copy_["restrictions"] == [
        {
            "since": "2026-11-02T09:00:00+00:00",
            "until": "2026-12-31",
            "reason": "u betwist uw salarisgegevens",
        }
    ]
    grounds = [d["restriction_ground"] for r in copy_["recipients"] for d in r["disclosures"]]
    assert grounds[0]["code"] == "legal_claims"
    assert grounds[0]["citation"] == "Art. 18(2)"
    assert grounds[1] is None
    assert "legal_claims" in render_csv(english)
    assert render_pdf(dutch)[:4] == b"%PDF"
    # Once lifted, the overview no longer says so.
    [shown] = ledger.restrictions.of_subject("E-00001", reader=READER)
    ledger.restrictions.lift(UUID(shown["id"]), reason=None, actor="fg")
    assert ledger.reading.overview(reader=READER, subject_id="E-00001").restrictions == ()


# -- the officer's pages -------------------------------------------------------------------------


def test_the_officer_restricts_and_lifts_on_the_pages_with_csrf_and_no_script(
    ledger: Ledger, client: FlaskClient
) -> None:
    ledger.recording.record(
        a_disclosure(1, occurred_at=datetime(2026, 11, 1, tzinfo=UTC)), actor="p"
    )
    login(client, ledger.api_keys.create(name="fg", role="officer")[1])
    page = client.get("/officer/subject?id=E-00001&reason=verzoek+18")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "<script" not in body
    assert 'href="/officer/restrictions"' in body  # the menu entry
    assert 'for="restriction-reason"' in body
    assert 'for="restriction-until"' in body
    token = csrf(body)
    form = {"subject_id": "E-00001", "view_reason": "verzoek 18", "until": "2026-12-31"}
    forged = client.post("/officer/restrictions", data={**form, "reason": "betwist"})
    assert forged.status_code == 400
    assert ledger.restrictions.of_subject("E-00001", reader=READER) == []
    empty = client.post("/officer/restrictions", data={**form, "csrf_token": token, "reason": ""})
    assert empty.status_code == 422
    assert "Reden: is required" in empty.get_data(as_text=True)
    late = client.post(
        "/officer/restrictions",
        data={**form, "csrf_token": token, "reason": "betwist", "until": "2030-01-01"},
    )
    assert late.status_code == 422
    assert "Tot en met:" in late.get_data(as_text=True)
    done = client.post(
        "/officer/restrictions", data={**form, "csrf_token": token, "reason": "betwist"}
    )
    assert done.status_code == 303
    after = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "De beperking is vastgelegd." in after
    assert "van kracht" in after
    # The person's overview, as the officer sees it embedded, says so.
    assert "Van 2 november 2026 tot en met 31 december 2026 gebruiken wij uw gegevens" in after
    [restriction] = ledger.restrictions.of_subject("E-00001", reader=READER)
    listed = client.get("/officer/restrictions").get_data(as_text=True)
    assert f"r-{restriction['id']}" in listed
    assert "E-00001" in listed
    forged_lift = client.post(f"/officer/restrictions/{restriction['id']}/lift", data={})
    assert forged_lift.status_code == 400
    lifted = client.post(
        f"/officer/restrictions/{restriction['id']}/lift",
        data={"csrf_token": token, "reason": "opgelost"},
    )
    assert lifted.status_code == 303
    assert "De beperking is opgeheven." in client.get(lifted.headers["Location"]).get_data(
        as_text=True
    )
    again = client.post(
        f"/officer/restrictions/{restriction['id']}/lift", data={"csrf_token": token}
    )
    assert again.status_code == 409
    unknown = client.post(f"/officer/restrictions/{'0' * 32}/lift", data={"csrf_token": token})
    assert unknown.status_code == 404
    assert f"r-{restriction['id']}" not in client.get("/officer/restrictions").get_data(
        as_text=True
    )


def test_the_restrictions_page_lists_those_ending_within_30_days_and_asks_for_a_sign_in(
    ledger: Ledger, client: FlaskClient
) -> None:
    assert client.get("/officer/restrictions").status_code == 302
    ledger.restrictions.impose(
        subject_id="E-00001", reason="a", until=date(2026, 11, 20), actor="fg"
    )
    ledger.restrictions.impose(subject_id="E-00002", reason="b", until=date(2027, 6, 1), actor="fg")
    login(client, ledger.api_keys.create(name="fg", role="officer")[1])
    body = client.get("/officer/restrictions").get_data(as_text=True)
    soon = body.split('id="soon-title"', 1)[1].split('id="in-force-title"', 1)[0]
    assert "E-00001" in soon
    assert "E-00002" not in soon
    assert "E-00002" in body.split('id="in-force-title"', 1)[1]


def test_a_read_model_made_before_the_ground_existed_gains_its_column_on_start(
    ledger: Ledger,
) -> None:
    ledger.recording.record(a_disclosure(1), actor="p")
    with ledger.database.write_engine.begin() as connection:
        connection.execute(sa.text("ALTER TABLE read_disclosures DROP COLUMN restriction_ground"))
    ledger.create_schema()
    ledger.recording.record(a_disclosure(2, restriction_ground="consent"), actor="p")
    with ledger.uow.read() as connection:
        grounds = connection.execute(
            sa.text("SELECT restriction_ground FROM read_disclosures ORDER BY position")
        ).scalars()
        assert list(grounds) == [None, "consent"]
