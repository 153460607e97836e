"""A hostile or careless client through the real app on both backends: every bad input is a 4xx
problem naming its field, never a 500; and one person is one person, however their id is typed.
"""

from __future__ import annotations

import base64
import copy
import csv
import io
import json
from itertools import count
from typing import Any
from urllib.parse import quote

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from werkzeug.test import TestResponse

from ledger.app import Ledger
from ledger.domain.errors import DisclosureRefused, InvalidChange
from ledger.domain.subjects import normal_form
from tests.builders import a_disclosure, accesses_of
from tests.integration.test_api import Keys, auth, body

JSON = {"Content-Type": "application/json"}
DEEP = "[" * 100_000 + "]" * 100_000
LONG_NUMBER = "7" * 5_000  # beyond Python's 4,300-digit conversion limit
FULL_WIDTH_BSN = "\uff11\uff11\uff11\uff12\uff12\uff12\uff13\uff13\uff13"  # 111222333


@pytest.fixture
def keys(ledger: Ledger) -> Keys:
    return Keys(ledger)


@pytest.fixture
def posted(client: FlaskClient, keys: Keys) -> str:
    """The id of one recorded disclosure about E-00001."""
    response = client.post("/api/v1/disclosures", json=body(), headers=auth(keys.source))
    assert response.status_code == 201
    disclosure_id: str = response.get_json()["id"]
    return disclosure_id


def problem_of(response: TestResponse, status: int) -> dict[str, str]:
    """The `errors` of an RFC 9457 problem with this status."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    document = response.get_json()
    assert document["status"] == status
    errors: dict[str, str] = document.get("errors", {})
    return errors


def raw(key: str, method: str, path: str, text: str, client: FlaskClient) -> TestResponse:
    """`text` as the body, byte for byte (no client-side JSON encoding to clean it up)."""
    return client.open(path, method=method, data=text.encode(), headers=auth(key, **JSON))


def recorded(ledger: Ledger) -> int:
    return sum(row["count"] for row in ledger.reading.statistics())


# -- nesting ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "document", "field"),
    [
        ("/api/v1/disclosures", DEEP, "body"),
        ("/api/v1/disclosures", '{"purpose": ' + DEEP + "}", "purpose"),
        (
            "/api/v1/disclosures/batch",
            json.dumps({"items": [body(1), {**body(2), "purpose": "X"}]}).replace('"X"', DEEP),
            "items.1.purpose",
        ),
        ("/api/v1/disclosures/{id}/corrections", DEEP, "body"),
        (
            "/api/v1/disclosures/{id}/corrections",
            '{"changes": {"recipient": {"name": ' + DEEP + '}}, "reason": "x"}',
            "changes.recipient.name",
        ),
        ("/api/v1/disclosures/{id}/retraction", '{"reason": ' + DEEP + "}", "reason"),
        ("/api/v1/subjects/E-00001/overview-links", DEEP, "body"),
        ("/api/v1/subjects/E-00001/overview-links", '{"lang": ' + DEEP + "}", "lang"),
    ],
    ids=lambda value: value[:40] if isinstance(value, str) else value,
)
def test_a_body_nested_deeper_than_32_levels_is_400_naming_where(
    client: FlaskClient,
    keys: Keys,
    ledger: Ledger,
    posted: str,
    path: str,
    document: str,
    field: str,
) -> None:
    key = keys.officer if "overview-links" in path else keys.source
    response = raw(key, "POST", path.format(id=posted), document, client)

    errors = problem_of(response, 400)
    assert errors == {field: "nests deeper than 32 levels"}
    assert recorded(ledger) == 1


def test_an_empty_json_body_is_still_no_body_where_none_is_needed(
    client: FlaskClient, keys: Keys, posted: str
) -> None:
    made = raw(keys.officer, "POST", "/api/v1/subjects/E-00001/overview-links", "", client)
    assert made.status_code == 201, made.get_json()
    empty = problem_of(raw(keys.source, "POST", "/api/v1/disclosures", "", client), 422)
    assert empty["controller"] == "is required"


def test_a_body_that_is_not_utf8_is_400(client: FlaskClient, keys: Keys) -> None:
    for encoded in (json.dumps(body()).encode("utf-16"), b'{"purpose": "\xed\xa0\x80"}'):
        response = client.post(
            "/api/v1/disclosures", data=encoded, headers=auth(keys.source, **JSON)
        )
        assert list(problem_of(response, 400)) == ["body"]


def test_nesting_up_to_32_levels_is_parsed_and_judged_by_the_schema(
    client: FlaskClient, keys: Keys
) -> None:
    at_the_bound = json.dumps(body(purpose="X")).replace('"X"', "[" * 31 + "]" * 31)
    response = raw(keys.source, "POST", "/api/v1/disclosures", at_the_bound, client)

    assert problem_of(response, 422) == {"purpose": "must be a string"}


# -- text that is not text -------------------------------------------------------------------


def with_surrogate(document: dict[str, Any], path: str) -> str:
    """`document` as JSON text with a lone "\\ud800" in the string at `path`."""
    target: Any = document
    *parents, leaf = path.split(".")
    for part in parents:
        target = target[int(part)] if isinstance(target, list) else target[part]
    if isinstance(target, list):
        target[int(leaf)] = "X\ud800"
    else:
        target[leaf] = "X\ud800"
    text = json.dumps(document)  # ensure_ascii writes the lone surrogate as \ud800
    assert "\\ud800" in text
    return text


@pytest.mark.parametrize(
    "field",
    [
        "purpose",
        "subject.id",
        "subject.name",
        "subject.email",
        "subject.kind",
        "recipient.name",
        "recipient.category",
        "source.reference",
        "source.system",
        "data_categories.1",
        "legal_provision",
        "controller",
        "legal_basis",
    ],
)
def test_an_unpaired_surrogate_in_any_field_of_a_disclosure_is_422_naming_it(
    client: FlaskClient, keys: Keys, ledger: Ledger, field: str
) -> None:
    single = raw(keys.source, "POST", "/api/v1/disclosures", with_surrogate(body(), field), client)
    batch = with_surrogate({"items": [body(1), body(2)]}, f"items.1.{field}")
    in_batch = raw(keys.source, "POST", "/api/v1/disclosures/batch", batch, client)

    assert set(problem_of(single, 422)) == {field}
    assert "unpaired surrogate (U+D800)" in problem_of(single, 422)[field]
    assert set(problem_of(in_batch, 422)) == {f"items.1.{field}"}
    assert recorded(ledger) == 0


@pytest.mark.parametrize(
    ("path", "document", "field"),
    [
        ("corrections", {"changes": {"purpose": "P"}, "reason": "R"}, "reason"),
        ("corrections", {"changes": {"purpose": "P"}, "reason": "R"}, "changes.purpose"),
        (
            "corrections",
            {"changes": {"subject": {"name": "N"}}, "reason": "R"},
            "changes.subject.name",
        ),
        (
            "corrections",
            {"changes": {"data_categories": ["naam"]}, "reason": "R"},
            "changes.data_categories.0",
        ),
        ("retraction", {"reason": "R"}, "reason"),
    ],
)
def test_an_unpaired_surrogate_in_a_correction_or_retraction_is_422_naming_it(
    client: FlaskClient, keys: Keys, posted: str, path: str, document: dict[str, Any], field: str
) -> None:
    response = raw(
        keys.source,
        "POST",
        f"/api/v1/disclosures/{posted}/{path}",
        with_surrogate(copy.deepcopy(document), field),
        client,
    )

    assert set(problem_of(response, 422)) == {field}
    view = client.get(f"/api/v1/disclosures/{posted}", headers=auth(keys.officer)).get_json()
    assert len(view["history"]) == 1


def test_the_rules_refuse_a_surrogate_that_bypasses_the_schema(ledger: Ledger) -> None:
    with pytest.raises(DisclosureRefused) as refused:
        ledger.recording.record(a_disclosure(1, purpose="Loon\udc00"), actor="payroll")
    assert "unpaired surrogate (U+DC00)" in refused.value.errors["purpose"]
    receipt = ledger.recording.record(a_disclosure(1), actor="payroll")
    with pytest.raises(InvalidChange) as invalid:
        ledger.recording.retract(receipt.id, reason="fout \ud800", actor="fg")
    assert "unpaired surrogate" in invalid.value.errors["reason"]


# -- numbers and moments out of range ----------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "document", "field"),
    [
        ("/api/v1/disclosures", json.dumps(body(purpose="N")), "purpose"),
        ("/api/v1/disclosures", json.dumps(body(subject={"id": "N"})), "subject.id"),
        (
            "/api/v1/disclosures/batch",
            json.dumps({"items": [body(purpose="N")]}),
            "items.0.purpose",
        ),
        ("/api/v1/disclosures/{id}/retraction", json.dumps({"reason": "N"}), "reason"),
        ("/api/v1/subjects/E-00001/overview-links", '{"expires_in_days": "N"}', "expires_in_days"),
    ],
)
def test_an_integer_of_5000_digits_is_422_naming_its_field(
    client: FlaskClient,
    keys: Keys,
    ledger: Ledger,
    posted: str,
    path: str,
    document: str,
    field: str,
) -> None:
    key = keys.officer if "overview-links" in path else keys.source
    text = document.replace('"N"', LONG_NUMBER)
    response = raw(key, "POST", path.format(id=posted), text, client)

    assert set(problem_of(response, 422)) == {field}
    assert recorded(ledger) == 1


@pytest.mark.parametrize(
    "occurred_at",
    [
        "0001-01-01T00:30:00+01:00",
        "1900-01-01T00:00:00+00:00",
        "1970-01-01T00:00:00Z",
        "1999-12-31T23:59:59+00:00",
        "2000-01-01T00:30:00+01:00",
    ],
)
def test_occurred_at_before_the_year_2000_is_refused(
    client: FlaskClient, keys: Keys, ledger: Ledger, posted: str, occurred_at: str
) -> None:
    new = client.post(
        "/api/v1/disclosures", json=body(2, occurred_at=occurred_at), headers=auth(keys.source)
    )
    correction = client.post(
        f"/api/v1/disclosures/{posted}/corrections",
        json={"changes": {"occurred_at": occurred_at}, "reason": "datum"},
        headers=auth(keys.source),
    )

    assert "must not be before 2000-01-01" in problem_of(new, 422)["occurred_at"]
    assert "must not be before 2000-01-01" in problem_of(correction, 422)["occurred_at"]
    assert recorded(ledger) == 1


def test_occurred_at_from_the_year_2000_is_recorded(client: FlaskClient, keys: Keys) -> None:
    response = client.post(
        "/api/v1/disclosures",
        json=body(2, occurred_at="2000-01-01T00:00:00+00:00"),
        headers=auth(keys.source),
    )
    assert response.status_code == 201


@pytest.mark.parametrize("field", ["from", "to"])
@pytest.mark.parametrize(
    "value", ["0001-01-01", "0001-01-01T00:30:00+01:00", "9999-12-31T23:00:00-05:00"]
)
@pytest.mark.parametrize(
    "path", ["/api/v1/subjects/E-00001/disclosures", "/api/v1/recipients/uwv/disclosures"]
)
def test_a_query_moment_beyond_every_utc_moment_bounds_nothing(
    client: FlaskClient, keys: Keys, path: str, field: str, value: str
) -> None:
    """Year 1 or 9999 in a zone with no UTC form: before (or after) every moment the ledger
    holds, so the bound leaves nothing out on its side; never a 500, never a refusal of a
    moment the API document allows."""
    client.post("/api/v1/disclosures", json=body(1), headers=auth(keys.source))
    response = client.get(f"{path}?{field}={quote(value)}", headers=auth(keys.officer))

    assert response.status_code == 200
    before_everything = value.startswith("0001")
    kept_all = (field == "from") == before_everything
    items = response.get_json()["items"]
    if "subjects" in path:
        assert (len(items) == 1) == kept_all


@pytest.mark.parametrize(
    "cursor",
    [
        ["0001-01-01T00:30:00+01:00", 1],
        ["2026-10-31T12:00:00", 1],  # no offset
        ["2026-10-31T12:00:00+01:00", 2**70],
        ["2026-10-31T12:00:00+01:00", -1],
        ["2026-10-31T12:00:00+01:00", "1"],
        "[" * 2_000 + "]" * 2_000,
    ],
    ids=["year 1", "naive", "beyond bigint", "negative", "text position", "deep"],
)
def test_a_forged_cursor_names_no_page(client: FlaskClient, keys: Keys, cursor: Any) -> None:
    text = cursor if isinstance(cursor, str) else json.dumps(cursor)
    forged = base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")
    for path in ("/api/v1/subjects/E-00001/disclosures", "/api/v1/recipients/uwv/disclosures"):
        response = client.get(f"{path}?next={forged}", headers=auth(keys.officer))
        assert set(problem_of(response, 404)) == {"next"}


# -- NUL and other controls never reach the database --------------------------------------------


@pytest.mark.parametrize("path", ["corrections", "retraction"])
def test_a_reason_with_nul_is_422_on_both_backends(
    client: FlaskClient, keys: Keys, posted: str, path: str
) -> None:
    document: dict[str, Any] = {"reason": "in\x00error"}
    if path == "corrections":
        document["changes"] = {"purpose": "Loonaangifte (gecorrigeerd)"}
    response = client.post(
        f"/api/v1/disclosures/{posted}/{path}", json=document, headers=auth(keys.source)
    )

    assert problem_of(response, 422) == {
        "reason": "must not contain control characters (found U+0000)"
    }


def test_a_purpose_header_with_nul_is_logged_without_it(
    client: FlaskClient, keys: Keys, ledger: Ledger, posted: str
) -> None:
    headers = auth(keys.officer, **{"X-Ledger-Purpose": "AVG\x00-verzoek\x1b 17"})
    for path in ("recipients", "disclosures", "access-log", "overview-links"):
        assert client.get(f"/api/v1/subjects/E-00001/{path}", headers=headers).status_code == 200
    made = client.post("/api/v1/subjects/E-00001/overview-links", json={}, headers=headers)
    assert made.status_code == 201

    assert {access.purpose for access in accesses_of(ledger, "E-00001")} == {"AVG-verzoek 17"}


def test_a_purpose_header_sent_as_utf8_is_logged_as_written(
    client: FlaskClient, keys: Keys, ledger: Ledger, posted: str
) -> None:
    # What a client sends as UTF-8 bytes reaches WSGI as Latin-1 text (PEP 3333).
    sent = "Verzoek Łódź, één".encode().decode("latin-1")
    headers = auth(keys.officer, **{"X-Ledger-Purpose": sent})
    assert client.get("/api/v1/subjects/E-00001/recipients", headers=headers).status_code == 200
    latin = auth(keys.officer, **{"X-Ledger-Purpose": "Café"})
    assert client.get("/api/v1/subjects/E-00001/recipients", headers=latin).status_code == 200

    assert {access.purpose for access in accesses_of(ledger, "E-00001")} == {
        "Verzoek Łódź, één",
        "Café",
    }


def test_a_recipient_category_filter_with_nul_is_422(client: FlaskClient, keys: Keys) -> None:
    response = client.get(
        "/api/v1/subjects/E-00001/disclosures?recipient_category=uwv%00",
        headers=auth(keys.officer),
    )
    assert set(problem_of(response, 422)) == {"recipient_category"}


def test_a_link_id_with_nul_is_no_link(client: FlaskClient, keys: Keys) -> None:
    for link_id in ("a%00b", "0" * 31 + "%00", "not-a-link"):
        response = client.delete(f"/api/v1/overview-links/{link_id}", headers=auth(keys.officer))
        problem_of(response, 404)


def test_the_officer_pages_keep_nul_out_of_every_reason(
    client: FlaskClient, keys: Keys, ledger: Ledger, posted: str
) -> None:
    from tests.integration.test_pages import csrf, login

    login(client, keys.officer)
    token = csrf(client.get("/officer/").get_data(as_text=True))
    found = client.post(
        "/officer/search",
        data={"subject_id": "E-00001\x00", "purpose": "AVG\x00 17", "csrf_token": token},
    )
    assert found.status_code == 422  # no person can have an id with NUL
    found = client.post(
        "/officer/search",
        data={"subject_id": "E-00001", "purpose": "AVG\x00 17", "csrf_token": token},
    )
    page = client.get(found.headers["Location"])
    assert page.status_code == 200
    made = client.post(
        "/officer/subject/links",
        data={"subject_id": "E-00001", "reason": "AVG\x00 17", "days": "7", "csrf_token": token},
    )
    assert made.status_code == 302
    assert {access.purpose for access in accesses_of(ledger, "E-00001")} == {"AVG 17"}


def test_the_officer_page_makes_no_link_for_nobody(
    client: FlaskClient, keys: Keys, posted: str
) -> None:
    from tests.integration.test_pages import csrf, login

    login(client, keys.officer)
    token = csrf(client.get("/officer/").get_data(as_text=True))
    for subject_id in ("E-99999", "", "a/b"):
        made = client.post(
            "/officer/subject/links",
            data={"subject_id": subject_id, "reason": "AVG 17", "days": "7", "csrf_token": token},
        )
        assert made.status_code == 404
        assert made.mimetype == "text/html"


# -- one person, one id ---------------------------------------------------------------------------


SAME_PERSON = [" E-00001 ", "\u3000E-00001\u00a0", "\uff25-\uff10\uff10\uff10\uff10\uff11"]


def test_spaces_and_full_width_forms_of_an_id_are_the_same_person_everywhere(
    client: FlaskClient, keys: Keys, ledger: Ledger
) -> None:
    for number, subject_id in enumerate(SAME_PERSON, start=1):
        document = body(number, subject={"id": subject_id})
        response = client.post("/api/v1/disclosures", json=document, headers=auth(keys.source))
        assert response.status_code == 201, response.get_json()

    for subject_id in ["E-00001", *SAME_PERSON]:
        at = f"/api/v1/subjects/{quote(subject_id)}"
        page = client.get(f"{at}/disclosures", headers=auth(keys.officer)).get_json()
        assert [item["subject"]["id"] for item in page["items"]] == ["E-00001"] * 3
        recipients = client.get(f"{at}/recipients", headers=auth(keys.officer)).get_json()
        assert recipients["items"][0]["count"] == 3
        link = client.post(f"{at}/overview-links", json={}, headers=auth(keys.officer))
        assert link.status_code == 201
    links = client.get("/api/v1/subjects/E-00001/overview-links", headers=auth(keys.officer))
    assert len(links.get_json()["items"]) == 4
    log = client.get("/api/v1/subjects/E-00001/access-log", headers=auth(keys.officer))
    assert len(log.get_json()["items"]) == 4 * 3 + 1 + 1


@pytest.mark.parametrize(
    ("subject_id", "fragment"),
    [
        pytest.param("A/B", "must not contain '/'", id="slash"),
        pytest.param("..", "must not be '..'", id="dot dot"),
        pytest.param(".", "must not be '.'", id="dot"),
        pytest.param("   ", "must not be empty", id="blank"),
        pytest.param("E-1\u200b", "U+200B", id="zero-width space"),
        pytest.param("E-1\ufeff", "U+FEFF", id="byte-order mark"),
        pytest.param("E\u2028-1", "U+2028", id="line separator"),
        pytest.param("E-1\ufffd", "U+FFFD", id="replacement character"),
        pytest.param("E-1\ue000", "U+E000", id="private use"),
        pytest.param("E" * 65, "at most 64", id="65 characters"),
        pytest.param("\uff25" * 65, "at most 64", id="65 full-width characters"),
        pytest.param(FULL_WIDTH_BSN, "never be a BSN", id="full-width BSN"),
        pytest.param(
            "\uff11\uff11\uff11-\uff12\uff12\uff12-\uff13\uff13\uff13",
            "never be a BSN",
            id="full-width BSN with dashes",
        ),
        pytest.param("\u00a0111222333", "never be a BSN", id="BSN after a no-break space"),
    ],
)
def test_an_id_that_cannot_be_addressed_or_is_ambiguous_is_refused_at_recording(
    client: FlaskClient, keys: Keys, ledger: Ledger, subject_id: str, fragment: str
) -> None:
    single = client.post(
        "/api/v1/disclosures", json=body(subject={"id": subject_id}), headers=auth(keys.source)
    )
    in_batch = client.post(
        "/api/v1/disclosures/batch",
        json={"items": [body(1), body(2, subject={"id": subject_id})]},
        headers=auth(keys.source),
    )

    assert fragment in problem_of(single, 422)["subject.id"]
    assert set(problem_of(in_batch, 422)) == {"items.1.subject.id"}
    assert recorded(ledger) == 0


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/disclosures"),
        ("GET", "/recipients"),
        ("GET", "/access-log"),
        ("GET", "/overview-links"),
        ("POST", "/overview-links"),
    ],
)
@pytest.mark.parametrize("subject_id", ["..x\u200b", "E\ufffd", "%20%20", "E\x00"])
def test_an_id_no_person_can_have_names_no_subject(
    client: FlaskClient, keys: Keys, ledger: Ledger, method: str, path: str, subject_id: str
) -> None:
    url = f"/api/v1/subjects/{quote(subject_id, safe='%')}{path}"
    response = client.open(url, method=method, json={}, headers=auth(keys.officer))

    assert set(problem_of(response, 404)) == {"subject_id"}
    with ledger.uow.read() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM access_log").scalar() == 0


references = count()


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    subject_id=st.one_of(
        st.text(min_size=1, max_size=70),
        st.text(st.characters(categories=["L", "N", "P", "S", "Zs"]), min_size=1, max_size=70),
    )
)
@example(subject_id="?#%;&=+ ~:@!$'()*,[]")
@example(subject_id="E\\1")
@example(subject_id="...")
@example(subject_id="\u2025")  # two dot leader: ".." once normalised
@example(subject_id="\u00bd \ufb01 \u2460")  # compatibility forms: ½, ﬁ, ①
def test_every_id_the_ledger_accepts_is_reachable_through_every_subject_endpoint(
    client: FlaskClient, keys: Keys, subject_id: str
) -> None:
    document = body(subject={"id": subject_id})
    document["source"]["reference"] = f"property-{next(references)}"
    response = client.post("/api/v1/disclosures", json=document, headers=auth(keys.source))
    if response.status_code == 422:
        assert set(response.get_json()["errors"]) == {"subject.id"}
        event("refused")
        return
    event("accepted")
    assert response.status_code == 201, response.get_json()

    stored = normal_form(subject_id)
    at = f"/api/v1/subjects/{quote(subject_id, safe='')}"
    officer = auth(keys.officer)
    page = client.get(f"{at}/disclosures?limit=500", headers=officer)
    assert page.status_code == 200, page.get_json()
    assert document["source"]["reference"] in {
        item["source"]["reference"] for item in page.get_json()["items"]
    }
    assert {item["subject"]["id"] for item in page.get_json()["items"]} == {stored}
    recipients = client.get(f"{at}/recipients", headers=officer).get_json()
    assert recipients["items"], recipients
    assert client.post(f"{at}/overview-links", json={}, headers=officer).status_code == 201
    assert client.get(f"{at}/overview-links", headers=officer).get_json()["items"]
    assert client.get(f"{at}/access-log", headers=officer).get_json()["items"]


# -- what the person downloads ----------------------------------------------------------------


FORMULAS = [
    ' =HYPERLINK("http://x")',
    "\u00a0\u00a0+1+1",
    '\uff1dHYPERLINK("http://x")',
    "\uff0b1",
    "\uff0d1",
    "\uff20SUM(A1)",
    "\u3000\uff1d1",
]


def test_the_csv_the_person_downloads_defuses_every_formula_start(
    client: FlaskClient, keys: Keys
) -> None:
    items = [body(1, purpose=purpose) for purpose in FORMULAS]
    for number, item in enumerate(items):
        item["source"]["reference"] = f"formula-{number}"
        item["occurred_at"] = f"2026-10-{number + 1:02d}T12:00:00+02:00"
    response = client.post(
        "/api/v1/disclosures/batch", json={"items": items}, headers=auth(keys.source)
    )
    assert response.status_code == 201, response.get_json()
    link = client.post(
        "/api/v1/subjects/E-00001/overview-links", json={}, headers=auth(keys.officer)
    ).get_json()["url"]

    person = FlaskClient(client.application)
    table = person.get(link.removeprefix("http://localhost") + "/overview.csv?lang=en")
    assert table.status_code == 200
    rows = list(csv.DictReader(io.StringIO(table.get_data(as_text=True).removeprefix("\ufeff"))))

    assert sorted(row["purpose"] for row in rows) == sorted("'" + value for value in FORMULAS)
