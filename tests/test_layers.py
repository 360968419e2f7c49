"""Imports only point down: ui > cli > nodes > generators > motion/media > executor > graph.

``studio.errors`` and ``studio.timecode`` (standard library only) are the floor every layer stands on.

Checked on the source with ast, so a wrong import fails here even before it is exercised.
Also: no Qt below studio/ui, and no module-level torch import anywhere.
"""

from __future__ import annotations

import ast

import pytest

from tests.conftest import ROOT

# what each layer may import from the project (besides studio.errors and itself)
ALLOWED = {
    "studio.graph": set(),
    "studio.executor": {"studio.graph"},
    "studio.media": set(),
    "studio.motion": {"studio.media", "studio.executor", "studio.graph"},
    "studio.generators": {"studio.motion", "studio.media", "studio.executor", "studio.graph"},
    "nodes": {"studio.graph", "studio.motion", "studio.generators", "studio.media", "studio.executor", "nodes"},
    "studio.cli": {"studio.graph", "studio.executor", "studio.media", "studio.motion", "studio.generators", "nodes",
                   "studio.docs", "studio.ui", "studio"},
    "studio.docs": {"studio.graph"},
}


def _layer(module: str) -> str | None:
    for layer in sorted(ALLOWED, key=len, reverse=True):
        if module == layer or module.startswith(layer + "."):
            return layer
    return None


def _modules():
    for path in sorted((ROOT / "studio").rglob("*.py")) + sorted((ROOT / "nodes").rglob("*.py")):
        rel = path.relative_to(ROOT).with_suffix("")
        name = ".".join(rel.parts).removesuffix(".__init__")
        yield name, path


def _imports(tree):
    """(module imported, at module level?) for every import in the file."""
    top = set(id(n) for n in tree.body)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, id(node) in top
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module, id(node) in top


@pytest.mark.parametrize("name,path", list(_modules()), ids=lambda v: v if isinstance(v, str) else "")
def test_imports_point_down(name, path):
    tree = ast.parse(path.read_text("utf-8"))
    layer = _layer(name)
    problems = []
    for imported, top_level in _imports(tree):
        root = imported.split(".")[0]
        if root == "torch" and top_level:
            problems.append("module-level torch import (import it lazily, via the device manager)")
        if root in ("PySide6", "qtawesome", "shiboken6") and not name.startswith("studio.ui"):
            problems.append(f"Qt import {imported} outside studio/ui")
        if layer is None or not (imported.startswith("studio") or imported.startswith("nodes")):
            continue
        target = _layer(imported) or imported
        if imported in ("studio.errors", "studio.timecode", "studio") or target == layer:
            continue
        if target not in ALLOWED[layer] and not (layer == "studio.cli" and target.startswith("studio.ui")):
            problems.append(f"{layer} imports {imported}")
    assert not problems, f"{name}: " + "; ".join(problems)
