"""The layer rules of ARCHITECTURE.md, read from the source's imports.

Every import of a ``backcare`` module counts, including the ones inside functions
(a lazy import is still a dependency). The top-level package ``backcare`` is the
public facade: only the views may import it.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

import backcare

PACKAGE = Path(backcare.__file__).parent

# Lowest first. A unit may import units of its own layer or below, never above.
LAYERS: tuple[frozenset[str], ...] = (
    frozenset({"_version", "errors", "i18n", "locations", "units"}),
    frozenset({"settings"}),
    frozenset({"domain"}),
    frozenset({"knowledge", "measures"}),
    frozenset({"rules", "text"}),
    frozenset({"store"}),
    frozenset({"diary", "coach", "flow", "accounts", "jobs", "mail"}),
    frozenset({"viewmodels", "export"}),
    frozenset({"cli", "web"}),
)
FACADE = "backcare"  # the top-level package


def _unit(module: str) -> str:
    """The package or top-level module of ``backcare.x.y``: ``x`` (``backcare`` itself)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else FACADE


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE.parent).with_suffix("")
        importer = _unit(".".join(part for part in relative.parts if part != "__init__"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                targets = [node.module]
            else:
                continue
            for target in targets:
                if target == FACADE or target.startswith(FACADE + "."):
                    unit = _unit(target)
                    if unit != importer:
                        graph[importer].add(unit)
    return graph


GRAPH = _graph()


def _layer(unit: str) -> int:
    return next(i for i, layer in enumerate(LAYERS) if unit in layer)


def test_every_package_has_a_layer() -> None:
    units = {_unit(f"backcare.{p.stem}") for p in PACKAGE.iterdir() if p.suffix == ".py"}
    units |= {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    units -= {FACADE, "__init__", "__main__"}
    placed = frozenset().union(*LAYERS)
    assert units - placed == set(), "add the new package to LAYERS (and ARCHITECTURE.md)"


@pytest.mark.parametrize("importer", sorted(set(GRAPH) - {FACADE}))
def test_no_layer_imports_a_higher_one(importer: str) -> None:
    upward = {
        unit
        for unit in GRAPH[importer]
        if (unit == FACADE and _layer(importer) < len(LAYERS) - 1)
        or (unit != FACADE and _layer(unit) > _layer(importer))
    }
    assert upward == set(), f"{importer} imports higher layers {sorted(upward)}"


@pytest.mark.parametrize("above", ["coach", "diary", "web", "cli"])
def test_the_store_never_imports_what_uses_it(above: str) -> None:
    assert above not in GRAPH["store"]


def test_there_are_no_import_cycles_between_packages() -> None:
    cycles: list[list[str]] = []

    def visit(unit: str, path: list[str]) -> None:
        for target in sorted(GRAPH.get(unit, ())):
            if target == FACADE:
                continue
            if target in path:
                cycles.append([*path[path.index(target) :], target])
            elif len(path) < len(GRAPH) + 1:
                visit(target, [*path, target])

    for start in sorted(GRAPH):
        if start != FACADE:
            visit(start, [start])
    assert cycles == []


def _module_graph() -> dict[str, set[str]]:
    """Every module's imports of other ``backcare`` modules (``from pkg import mod`` is ``mod``)."""
    modules: dict[str, Path] = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for importer, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                targets = [
                    f"{node.module}.{alias.name}"
                    if f"{node.module}.{alias.name}" in modules
                    else node.module
                    for alias in node.names
                ]
            else:
                continue
            graph[importer] |= {t for t in targets if t in modules and t != importer}
    return graph


MODULES = _module_graph()


def _strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Groups of modules that import each other, directly or round a circle (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while (member := stack.pop()) != node:
                group.append(member)
            group.append(node)
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def test_there_are_no_import_cycles_between_modules() -> None:
    """Within a package too (the web's context, errors, rendering and security once were)."""
    assert _strongly_connected(MODULES) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _strongly_connected(graph) == [["a", "b", "c"]]


def _private(module: str) -> str | None:
    """The package a ``_name`` module is private to (``None`` if the module is public)."""
    parts = module.split(".")
    return ".".join(parts[:-1]) if parts[-1].startswith("_") else None


@pytest.mark.parametrize("importer", sorted(MODULES))
def test_private_modules_stay_in_their_package(importer: str) -> None:
    """A ``_name`` module is an implementation detail of its package (ARCHITECTURE.md)."""
    outside = {
        target
        for target in MODULES[importer]
        if (owner := _private(target)) is not None
        and not (importer == owner or importer.startswith(owner + "."))
    }
    assert outside == set(), f"{importer} imports private modules {sorted(outside)}"


def test_the_checker_sees_lazy_imports() -> None:
    """The fast CLI path imports the version inside a function: the graph must see it."""
    assert "_version" in GRAPH["cli"]
    assert "rules" in GRAPH["cli"]
