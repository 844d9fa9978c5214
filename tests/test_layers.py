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
    frozenset({"domain", "measures"}),
    frozenset({"knowledge"}),
    frozenset({"rules", "text"}),
    frozenset({"store"}),
    frozenset({"diary", "coach", "export", "flow"}),
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


def test_the_checker_sees_lazy_imports() -> None:
    """The fast CLI path imports the version inside a function: the graph must see it."""
    assert "_version" in GRAPH["cli"]
    assert "rules" in GRAPH["cli"]
