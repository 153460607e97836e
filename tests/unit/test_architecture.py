"""The domain stays pure: it may use eventsourcing's domain module, nothing that persists."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

DOMAIN = Path(__file__).resolve().parents[2] / "ledger" / "domain"
ALLOWED_THIRD_PARTY = {"eventsourcing.domain"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", sorted(DOMAIN.glob("*.py")), ids=lambda p: p.name)
def test_a_domain_module_imports_only_the_standard_library_and_the_domain(path: Path) -> None:
    import sys

    outside = {
        name
        for name in imported_modules(path)
        if name.split(".")[0] not in sys.stdlib_module_names
        and not name.startswith("ledger.domain")
        and name not in ALLOWED_THIRD_PARTY
        and name != "__future__"
    }
    assert outside == set()
