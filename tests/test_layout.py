"""The layout holds: small modules and no import circle between modules.

The layers themselves are import-linter contracts (``pyproject.toml``, run by ``make lint``);
these two checks are the ones it has no contract type for.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("spc", "hierarchy", "alerts", "audit", "ingest", "openspc", "multivariate")
MAX_LINES = 450
GENERATED = {"ingest/sparkplug_b_pb2.py"}


def _python_files() -> list[Path]:
    tracked = subprocess.run(
        ["git", "ls-files", "*.py"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    return [ROOT / name for name in tracked if "/migrations/" not in name and name not in GENERATED]


def test_every_module_is_under_450_lines() -> None:
    long = {
        str(path.relative_to(ROOT)): n
        for path in _python_files()
        if path.exists() and (n := len(path.read_text().splitlines())) >= MAX_LINES
    }
    assert long == {}


def _cycles(graph: grimp.ImportGraph, modules: set[str]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for root in sorted(modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root) & modules)))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    imported = graph.find_modules_directly_imported_by(child) & modules
                    work.append((child, iter(sorted(imported))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_module_imports_itself_back_through_others() -> None:
    graph = grimp.build_graph(*PACKAGES)
    modules = {m for m in graph.modules if ".tests" not in m and ".migrations" not in m}
    assert _cycles(graph, modules) == []
