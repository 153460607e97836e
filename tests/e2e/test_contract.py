"""The API keeps the contract its OpenAPI document states: Schemathesis, run against a real
`ledger serve` on both backends with a source, an officer and an auditor key, finds no server
error and no conformance failure (status codes, content types, headers, bodies, undeclared
methods, schema-valid requests accepted, invalid ones refused). Bounded: a fixed seed and a
small number of examples per operation."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Backend
from tests.e2e.serving import ServeProcess, environment

SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"
CONFIG = Path(__file__).parent / "schemathesis.toml"
EXAMPLES = os.environ.get("LEDGER_CONTRACT_EXAMPLES", "25")
ROLES = {
    "source": ["--role", "source", "--controller", "87654321", "--system", "demo"],
    "officer": ["--role", "officer"],
    "auditor": ["--role", "auditor"],
}


@pytest.fixture
def served(backend: Backend, tmp_path: Path) -> Iterator[ServeProcess]:
    # The run sends a wrong key to every operation (check ST401) in each phase: with 45 and more
    # operations that is past any client's failure budget within the window, and 429 would
    # answer what must be 401. The limit itself is tested in integration/test_auth_failures.py.
    env = environment(tmp_path, backend.url, LEDGER_AUTH_FAILURE_LIMIT="100000")
    server = ServeProcess(workdir=tmp_path, env=env)
    # Data to find: the demo set, whose subjects are DEMO-000000 and on.
    server.cli("demo", "--count", "60", "--subjects", "5")
    for role, options in ROLES.items():
        server.keys[role] = server.cli("keys", "create", "--name", f"st-{role}", *options).split()[
            -1
        ]
    server.start("--workers", "1", "--threads", "4")
    try:
        yield server
    finally:
        server.stop()


@pytest.mark.parametrize("role", sorted(ROLES))
def test_the_api_keeps_its_documented_contract(served: ServeProcess, role: str) -> None:
    done = subprocess.run(
        [
            str(SCHEMATHESIS),
            "--config-file",
            str(CONFIG),
            "run",
            f"{served.base}/api/v1/openapi.json",
            "--header",
            f"Authorization: Bearer {served.keys[role]}",
            "--checks",
            "all",
            "--max-examples",
            EXAMPLES,
            "--seed",
            "2026",
            "--no-color",
            "--request-timeout",
            "20",
        ],
        cwd=served.workdir,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env={**served.env, "SCHEMATHESIS_HOOKS": ""},
    )
    report = done.stdout + done.stderr
    assert done.returncode == 0, report[-20000:]
    counts = [line.strip() for line in report.splitlines() if " generated" in line]
    assert counts  # it ran: test cases were generated and sent
    print(f"\nSchemathesis, {role} key: {counts[-1]}")
