"""Through the real app on both backends: only a link's exact token opens the person's
overview; padding, `+` for `-`, unused bits changed or characters added answer 404."""

from __future__ import annotations

from urllib.parse import quote

from flask.testing import FlaskClient

from ledger.app import Ledger
from ledger.settings import Settings
from ledger.web import create_app
from tests.builders import a_disclosure

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
OFFICER = "fg"


def a_token_with_a_dash(client: FlaskClient, key: str) -> str:
    """A new link's token with a '-' in it (about half of them have one)."""
    for _ in range(40):
        made = client.post(
            "/api/v1/subjects/E-00001/overview-links",
            json={},
            headers={"Authorization": f"Bearer {key}"},
        )
        assert made.status_code == 201, made.get_json()
        token: str = made.get_json()["url"].rsplit("/o/", 1)[1]
        if "-" in token:
            return token
    raise AssertionError("forty links without a '-' in their token")


def test_only_the_exact_token_opens_a_link(settings: Settings, ledger: Ledger) -> None:
    ledger.recording.record(a_disclosure(1), actor="payroll")
    key = ledger.api_keys.create(name=OFFICER, role="officer")[1]
    client = create_app(settings, ledger=ledger).test_client()
    token = a_token_with_a_dash(client, key)
    first, second = token.split(".")
    flipped = ALPHABET[ALPHABET.index(second[-1]) ^ 1]  # one of the 4 unused low bits

    assert client.get(f"/o/{token}").status_code == 200
    for spelling in (
        token + "=",
        token + "==",
        f"{first}==.{second}",
        f"{first}==.{second}==",
        token.replace("-", "+"),
        token.replace("-", "+").replace("_", "/"),
        f"{first}.{second[:-1]}{flipped}",
        token + "A",
        token + ".",
        token + " ",
        token + "\t",
        token + "%",
        f"{token}.{second}",
    ):
        for path in (
            f"/o/{quote(spelling, safe='')}",
            f"/o/{quote(spelling, safe='')}/overview.pdf",
        ):
            answer = client.get(path)
            assert answer.status_code == 404, (spelling, answer.status_code)
            assert "Deze link bestaat niet" in answer.get_data(as_text=True)
    assert client.get(f"/o/{token}/overview.csv").status_code == 200


def test_a_path_under_o_that_no_route_matches_is_the_unknown_link_page(
    settings: Settings, ledger: Ledger
) -> None:
    client = create_app(settings, ledger=ledger).test_client()
    for path in ("/o/abc/def", "/o/abc%2Fdef", "/o/a/b/overview.pdf", "/o/"):
        answer = client.get(path)
        assert answer.status_code == 404, path
        assert "Deze link bestaat niet" in answer.get_data(as_text=True), path
        assert answer.headers["Cache-Control"] == "no-store"
    officer = client.get("/officer/no/such/page")
    assert officer.status_code == 404
    assert officer.mimetype == "text/html"
    assert client.get("/api/v1/no/such").mimetype == "application/problem+json"
