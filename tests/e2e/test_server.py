"""End to end: a real `ledger serve` (gunicorn) on a free port, keys made with the real CLI,
spoken to over HTTP with the standard library only; on SQLite and on PostgreSQL."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import subprocess
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Backend
from tests.e2e.serving import LEDGER, ServeProcess, environment

CONTROLLER = "12345678"
SYSTEM = "payroll"
MAX_BODY = 10 * 1024 * 1024
SERVE = ("--workers", "2", "--threads", "4")

# (recipient, data categories, legal basis, Art. 9 condition, provision, purpose): a payroll run.
MIX: list[tuple[dict[str, Any], list[str], str, str | None, str | None, str]] = [
    (
        {"category": "belastingdienst", "name": "Belastingdienst", "country": "NL"},
        ["naam", "bsn", "geboortedatum", "salaris", "sociale_premies"],
        "legal_obligation",
        None,
        "Wet op de loonbelasting 1964, art. 28",
        "Loonaangifte oktober 2026",
    ),
    (
        {"category": "pensioenfonds", "name": "Stichting Pensioenfonds StiPP", "id": "41216593"},
        ["naam", "bsn", "geboortedatum", "salaris"],
        "legal_obligation",
        None,
        "Wet verplichte deelneming in een bedrijfstakpensioenfonds 2000, art. 2",
        "Pensioenopbouw in de uitzendregeling",
    ),
    (
        {"category": "inlener", "name": "Bouwbedrijf De Vries B.V.", "id": "90001234"},
        ["naam", "functie", "beschikbaarheid", "vca"],
        "contract",
        None,
        None,
        "Planning van uw inzet bij de opdrachtgever",
    ),
    (
        {"category": "arbodienst", "name": "ArboNed B.V.", "id": "30193658", "country": "NL"},
        ["naam", "contactgegevens", "verzuim"],
        "legal_obligation",
        "occupational_medicine",
        "Arbeidsomstandighedenwet, art. 14",
        "Verzuimbegeleiding door de bedrijfsarts",
    ),
]


def disclosure(
    number: int, *, run: str = "2026-10", subjects: int = 50, prefix: str = "E"
) -> dict[str, Any]:
    """Disclosure `number` of a payroll run about employee `<prefix>-<number % subjects>`, as a
    payroll system posts it (SPEC §3)."""
    person = number % subjects
    day, hour, minute = 1 + number % 28, 8 + number % 9, number % 60
    recipient, categories, basis, condition, provision, purpose = MIX[number % len(MIX)]
    body: dict[str, Any] = {
        "controller": CONTROLLER,
        "subject": {
            "id": f"{prefix}-{person:05d}",
            "name": f"Jan Jansen {person}",
            "email": f"jan.{person}@example.org",
        },
        "recipient": recipient,
        "data_categories": categories,
        "legal_basis": basis,
        "purpose": purpose,
        "occurred_at": f"2026-10-{day:02d}T{hour:02d}:{minute:02d}:00+02:00",
        "source": {"system": SYSTEM, "reference": f"run-{run}/{number:06d}"},
    }
    if condition:
        body["special_category_condition"] = condition
    if provision:
        body["legal_provision"] = provision
    return body


class Server(ServeProcess):
    """One database, its keys, and at most one `ledger serve` process on it at a time."""

    def create_keys(self, specs: dict[str, list[str]]) -> None:
        """`ledger keys create` for each name, run side by side; the secret is the last line."""
        started = {
            name: subprocess.Popen(
                [str(LEDGER), "keys", "create", "--name", name, *options],
                env=self.env,
                cwd=self.workdir,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for name, options in specs.items()
        }
        for name, process in started.items():
            out, err = process.communicate(timeout=60)
            assert process.returncode == 0, f"ledger keys create --name {name}: {err}"
            self.keys[name] = out.strip().splitlines()[-1]

    def start(self, *options: str) -> None:
        super().start(*(options or SERVE))

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        key: str | None = None,
        headers: dict[str, str] | None = None,
        *,
        timeout: float = 30,
    ) -> tuple[int, dict[str, str], Any]:
        """One request on a fresh connection: (status, headers, JSON body or text)."""
        sent = dict(headers or {})
        if key is not None:
            sent["Authorization"] = f"Bearer {self.keys.get(key, key)}"
        data: bytes | None = None
        if isinstance(body, bytes):
            data = body
        elif body is not None:
            data = json.dumps(body).encode()
            sent.setdefault("Content-Type", "application/json")
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            # A server may answer early (413) and close while the body is still being sent;
            # its answer is readable all the same.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                connection.request(method, path, body=data, headers=sent)
            response = connection.getresponse()
            raw = response.read()
            answer = {name.lower(): value for name, value in response.getheaders()}
        finally:
            connection.close()
        text = raw.decode("utf-8", errors="replace")
        if "json" in answer.get("content-type", ""):
            return response.status, answer, json.loads(text)
        return response.status, answer, text


@pytest.fixture
def server(backend: Backend, tmp_path: Path) -> Iterator[Server]:
    """A running server on the test's own database, with a source, officer and auditor key."""
    env = environment(tmp_path, backend.url)
    running = Server(workdir=tmp_path, env=env)
    try:
        running.start()  # creates the schema before the keys are made side by side
        running.create_keys(
            {
                "payroll": ["--role", "source", "--controller", CONTROLLER, "--system", SYSTEM],
                "fg": ["--role", "officer"],
                "sna": ["--role", "auditor"],
            }
        )
        yield running
    finally:
        running.stop()


def assert_problem(answer: tuple[int, dict[str, str], Any], status: int) -> dict[str, Any]:
    code, headers, body = answer
    assert code == status, body
    assert headers["content-type"] == "application/problem+json"
    assert isinstance(body, dict), body
    assert body["status"] == status
    assert {"type", "title"} <= set(body)
    return body


def subject_disclosures(server: Server, subject_id: str) -> list[dict[str, Any]]:
    status, _, page = server.call(
        "GET", f"/api/v1/subjects/{subject_id}/disclosures?limit=500", key="fg"
    )
    assert status == 200, page
    assert page["next"] is None
    items: list[dict[str, Any]] = page["items"]
    return items


def test_a_payroll_run_is_recorded_in_order_read_back_replayed_and_refused_all_or_nothing(
    server: Server,
) -> None:
    items = [disclosure(n) for n in range(200)]

    status, _, receipt = server.call(
        "POST", "/api/v1/disclosures/batch", {"items": items}, "payroll"
    )

    assert status == 201, receipt
    receipts = receipt["items"]
    assert len(receipts) == 200
    assert [r["position"] for r in receipts] == sorted(r["position"] for r in receipts)
    assert len({r["id"] for r in receipts}) == 200
    assert not any(r["replayed"] for r in receipts)

    # The officer reads back one subject: its recipients and its disclosures.
    mine = [n for n in range(200) if n % 50 == 7]  # E-00007's four disclosures
    status, _, recipients = server.call("GET", "/api/v1/subjects/E-00007/recipients", key="fg")
    assert status == 200
    assert recipients["subject_id"] == "E-00007"
    by_name = {r["recipient"]["name"]: r for r in recipients["items"]}
    assert set(by_name) == {items[n]["recipient"]["name"] for n in mine}
    assert sum(r["count"] for r in recipients["items"]) == len(mine)
    arbo = by_name["ArboNed B.V."]
    assert sorted(arbo["data_categories"]) == ["contactgegevens", "naam", "verzuim"]
    assert arbo["legal_bases"] == ["legal_obligation"]
    listed = subject_disclosures(server, "E-00007")
    assert {d["id"]: d["position"] for d in listed} == {
        receipts[n]["id"]: receipts[n]["position"] for n in mine
    }
    assert [d["occurred_at"] for d in listed] == sorted(
        (d["occurred_at"] for d in listed), reverse=True
    )
    first = next(d for d in listed if d["id"] == receipts[mine[0]]["id"])
    assert first["subject"]["name"] == "Jan Jansen 7"
    assert first["source"] == items[mine[0]]["source"]

    # One disclosure on its own: a replay answers 200 with the very same body as the 201.
    single = disclosure(1, run="single")
    created = server.call("POST", "/api/v1/disclosures", single, "payroll")
    replayed = server.call("POST", "/api/v1/disclosures", single, "payroll")
    assert created[0] == 201, created[2]
    assert set(created[2]) == {"id", "recorded_at", "position"}
    assert replayed[0] == 200
    assert replayed[2] == created[2]
    again = server.call("POST", "/api/v1/disclosures", items[2], "payroll")
    assert again[0] == 200
    assert {**again[2], "replayed": False} == receipts[2]

    # The same source reference with other content is a conflict.
    changed = server.call(
        "POST", "/api/v1/disclosures", {**single, "purpose": "Iets anders"}, "payroll"
    )
    conflict = assert_problem(changed, 409)
    assert "source.reference" in conflict["errors"]
    assert conflict["id"] == created[2]["id"]

    # One bad item refuses the whole batch, by index, and records none of it.
    batch = [disclosure(n, run="2026-11", prefix="N") for n in range(10)]
    del batch[3]["legal_provision"]  # legal_obligation needs its law and article
    assert batch[3]["legal_basis"] == "legal_obligation"
    refused = assert_problem(
        server.call("POST", "/api/v1/disclosures/batch", {"items": batch}, "payroll"), 422
    )
    assert set(refused["errors"]) == {"items.3.legal_provision"}
    for item in batch:
        assert subject_disclosures(server, item["subject"]["id"]) == []
    batch[3]["legal_provision"] = "Wet op de loonbelasting 1964, art. 28"
    status, _, fixed = server.call("POST", "/api/v1/disclosures/batch", {"items": batch}, "payroll")
    assert status == 201
    assert not any(r["replayed"] for r in fixed["items"])


def test_every_mistake_is_answered_with_its_own_status_and_a_problem(server: Server) -> None:
    path = "/api/v1/disclosures"
    good = disclosure(1)

    anonymous = server.call("POST", path, good)
    assert_problem(anonymous, 401)
    assert anonymous[1]["www-authenticate"].startswith("Bearer")
    assert_problem(server.call("POST", path, good, "ldg_not-a-key"), 401)
    forbidden = assert_problem(
        server.call("GET", "/api/v1/subjects/E-00001/recipients", key="sna"), 403
    )
    assert "auditor" in forbidden["detail"]
    other = assert_problem(
        server.call("POST", path, {**good, "controller": "87654321"}, "payroll"), 403
    )
    assert set(other["errors"]) == {"controller"}
    too_large = b'{"items": [' + b" " * MAX_BODY + b"]}"
    assert_problem(
        server.call(
            "POST", f"{path}/batch", too_large, "payroll", {"Content-Type": "application/json"}
        ),
        413,
    )
    as_text = json.dumps(good).encode()
    assert_problem(
        server.call("POST", path, as_text, "payroll", {"Content-Type": "text/plain"}), 415
    )
    unknown = assert_problem(server.call("POST", path, {**good, "colour": "blue"}, "payroll"), 422)
    assert set(unknown["errors"]) == {"colour"}
    bad_from = assert_problem(
        server.call("GET", "/api/v1/subjects/E-00001/disclosures?from=2026-13-45", key="fg"), 422
    )
    assert set(bad_from["errors"]) == {"from"}

    # Nothing above was recorded; the key still works until it is revoked.
    assert subject_disclosures(server, "E-00001") == []
    assert server.call("GET", "/api/v1/subjects/E-00001/recipients", key="fg")[0] == 200
    server.cli("keys", "revoke", "fg")
    revoked = assert_problem(
        server.call("GET", "/api/v1/subjects/E-00001/recipients", key="fg"), 401
    )
    assert revoked["title"] == "Unknown or revoked API key"


def test_every_disclosure_is_still_there_after_the_server_restarts(server: Server) -> None:
    items = [disclosure(n, subjects=20) for n in range(120)]
    status, _, receipt = server.call(
        "POST", "/api/v1/disclosures/batch", {"items": items}, "payroll"
    )
    assert status == 201
    recorded = {r["id"]: r["position"] for r in receipt["items"]}

    server.stop()
    server.start()

    found: dict[str, int] = {}
    for person in range(20):
        found |= {d["id"]: d["position"] for d in subject_disclosures(server, f"E-{person:05d}")}
    assert found == recorded
    status, _, again = server.call("POST", "/api/v1/disclosures", items[0], "payroll")
    assert status == 200
    assert {**again, "replayed": False} == receipt["items"][0]


def test_failed_keys_are_limited_across_workers_and_valid_keys_still_work(server: Server) -> None:
    """The tester's probe, bounded: random keys against 2 workers get 401 twenty times, then
    429 with Retry-After; each failure is one log line without its secret; the valid keys
    from the same address read and write as before."""
    secrets_sent = [f"ldg_{os.urandom(32).hex()}" for _ in range(200)]
    started = time.perf_counter()
    answers = [server.call("GET", "/api/v1/stats", key=secret) for secret in secrets_sent]
    elapsed = time.perf_counter() - started

    statuses = [status for status, _, _ in answers]
    assert statuses == [401] * 20 + [429] * 180
    last = assert_problem(answers[-1], 429)
    assert last["type"] == "/api/docs#problem-too-many-requests"
    assert 1 <= int(answers[-1][1]["retry-after"]) <= 60
    assert server.call("GET", "/api/v1/stats", key="sna")[0] == 200
    assert server.call("POST", "/api/v1/disclosures", disclosure(1), "payroll")[0] == 201
    assert subject_disclosures(server, "E-00001") != []

    log = (server.workdir / f"serve-{server.runs}.log").read_text(errors="replace")
    lines = [line for line in log.splitlines() if "authentication failed" in line]
    assert len(lines) == 200
    assert sum("answered 429" in line for line in lines) == 180
    assert not any(secret in log for secret in secrets_sent)
    assert "WARNING" in lines[0]
    print(f"\n200 random keys, 2 workers: {elapsed:.2f} s ({200 / elapsed:.0f} requests/s)")


def test_a_copied_officer_cookie_stops_working_on_every_worker_after_logout(
    server: Server,
) -> None:
    def request(
        method: str, path: str, cookie: str | None, form: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], str]:
        headers = {"Cookie": f"ledger_session={cookie}"} if cookie else {}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        status, answer, text = server.call(method, path, body, headers=headers)
        return status, answer, str(text)

    def cookie_of(answer: dict[str, str]) -> str:
        found = re.search(r"ledger_session=([^;]*)", answer.get("set-cookie", ""))
        assert found, answer
        return found.group(1)

    def csrf(html: str) -> str:
        found = re.search(r'name="csrf_token" value="([^"]+)"', html)
        assert found
        return found.group(1)

    _, answer, form = request("GET", "/officer/login", None)
    cookie = cookie_of(answer)
    status, answer, _ = request(
        "POST", "/officer/login", cookie, {"api_key": server.keys["fg"], "csrf_token": csrf(form)}
    )
    assert status == 302
    cookie = cookie_of(answer)
    # Each request is a new connection: the two workers both see the session...
    homes = [request("GET", "/officer/", cookie) for _ in range(6)]
    assert {status for status, _, _ in homes} == {200}

    status, _, _ = request("POST", "/officer/logout", cookie, {"csrf_token": csrf(homes[0][2])})
    assert status == 302

    # ...and after the logout neither opens anything with a copy of the old cookie.
    replays = [request("GET", "/officer/", cookie)[0] for _ in range(6)]
    assert replays == [302] * 6


def post_chunked(server: Server, path: str, parts: Iterator[bytes]) -> tuple[int, Any]:
    """POST with Transfer-Encoding: chunked and no Content-Length, as streaming clients do."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    headers = {
        "Authorization": f"Bearer {server.keys['payroll']}",
        "Content-Type": "application/json",
        "Transfer-Encoding": "chunked",
    }
    try:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            connection.request("POST", path, body=parts, headers=headers, encode_chunked=True)
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def padded_batch(size: int) -> Iterator[bytes]:
    """An empty batch of exactly `size` bytes, padded with spaces, sent 1 MiB a chunk."""
    head, tail = b'{"items": [', b"]}"
    yield head
    padding = size - len(head) - len(tail)
    while padding > 0:
        chunk = min(padding, 1024 * 1024)
        padding -= chunk
        yield b" " * chunk
    yield tail


def test_a_chunked_body_is_held_to_the_same_10_mib_as_any_other(server: Server) -> None:
    path = "/api/v1/disclosures/batch"

    over, problem = post_chunked(server, path, padded_batch(MAX_BODY + 1))
    assert (over, problem["status"]) == (413, 413)
    at_the_limit, problem = post_chunked(server, path, padded_batch(MAX_BODY))
    assert at_the_limit == 422  # read whole, and judged: an empty batch
    assert set(problem["errors"]) == {"items"}
    small, receipt = post_chunked(
        server, path, iter([b'{"items": [', json.dumps(disclosure(1)).encode(), b"]}"])
    )
    assert small == 201, receipt
    far_over, _ = post_chunked(server, path, padded_batch(3 * MAX_BODY))
    assert far_over == 413


def test_a_hostile_body_over_http_is_a_problem_not_a_500(server: Server) -> None:
    path = "/api/v1/disclosures"
    deep = assert_problem(
        server.call(
            "POST",
            path,
            b"[" * 100_000 + b"]" * 100_000,
            "payroll",
            {"Content-Type": "application/json"},
        ),
        400,
    )
    assert deep["errors"] == {"body": "nests deeper than 32 levels"}
    surrogate = json.dumps({**disclosure(1), "purpose": "Loon\ud800"}).encode()  # as \ud800
    lone = assert_problem(
        server.call("POST", path, surrogate, "payroll", {"Content-Type": "application/json"}), 422
    )
    assert set(lone["errors"]) == {"purpose"}
    # A bound before every moment the ledger can hold bounds nothing: 200, never a 500.
    status, _, _ = server.call(
        "GET", "/api/v1/subjects/E-00001/disclosures?from=0001-01-01", key="fg"
    )
    assert status == 200
