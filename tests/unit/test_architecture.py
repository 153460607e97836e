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


LEDGER = DOMAIN.parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(LEDGER.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """Module -> the ledger modules it imports, function-local imports included."""
    modules = {_module_name(path): path for path in LEDGER.rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text())):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                # `from package import module` names the module; otherwise the package.
                targets = [
                    f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                    for alias in node.names
                ]
            graph[name].update(t for t in targets if t in modules and t != name)
    return graph


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Each import cycle a depth-first walk meets, as the modules around it."""
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    path: list[str] = []

    def visit(module: str) -> None:
        state[module] = 1
        path.append(module)
        for target in sorted(graph[module]):
            if state.get(target) == 1:
                cycles.append([*path[path.index(target) :], target])
            elif target not in state:
                visit(target)
        path.pop()
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module)
    return cycles


def test_there_is_no_import_cycle_anywhere_in_the_ledger() -> None:
    graph = import_graph()
    assert len(graph) > 50  # the walk found the package
    assert "ledger.web.pages.officer" in graph["ledger.web.pages"]
    assert find_cycles(graph) == []


def test_the_cycle_check_finds_a_cycle_when_there_is_one() -> None:
    graph = import_graph()
    graph["ledger.domain.policy"].add("ledger.app.recording")  # the domain importing the app
    cycles = find_cycles(graph)
    assert cycles
    assert all(cycle[0] == cycle[-1] for cycle in cycles)
    assert any("ledger.domain.policy" in cycle for cycle in cycles)
