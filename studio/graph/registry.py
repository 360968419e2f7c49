"""The node registry: every node type, found by id (or a legacy id).

:meth:`Registry.discover` imports every module of a package (``nodes`` by default); each
module lists its declarations in ``NODES``.  Every declaration is validated on the way in
and all problems, across all modules, are reported in one :class:`RegistryError`.
"""

from __future__ import annotations

import importlib
import pkgutil
import threading

from studio.errors import Problem, RegistryError
from studio.graph.nodetype import NodeType


class Registry:
    def __init__(self, types: list[NodeType] | None = None):
        self._types: dict[str, NodeType] = {}
        self._legacy: dict[str, str] = {}
        if types:
            self.register_all(types)

    def register_all(self, types: list[NodeType]) -> None:
        problems: list[Problem] = []
        seen: dict[str, str] = {}
        for t in types:
            where = f"{t.module + ':' if t.module else ''}{t.type_id or '<no id>'}"
            for msg in t.declaration_problems():
                problems.append(Problem(where, msg))
            for tid in (t.type_id, *t.legacy_ids):
                if tid in self._types or tid in self._legacy or tid in seen:
                    problems.append(Problem(where, f"type id {tid!r} is declared twice"))
                seen[tid] = t.type_id
        if problems:
            raise RegistryError(f"{len(problems)} problem(s) in node declarations", problems)
        for t in types:
            self._types[t.type_id] = t
            for legacy in t.legacy_ids:
                self._legacy[legacy] = t.type_id

    def register(self, node_type: NodeType) -> None:
        self.register_all([node_type])

    def discover(self, package: str = "nodes") -> Registry:
        pkg = importlib.import_module(package)
        found: list[NodeType] = []
        for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
            if info.name.startswith("_"):
                continue
            module = importlib.import_module(f"{package}.{info.name}")
            for t in getattr(module, "NODES", []):
                found.append(t if t.module else _with_module(t, module.__name__))
        self.register_all(found)
        return self

    def get(self, type_id: str) -> NodeType | None:
        """The type for ``type_id`` or one of its legacy ids; None when unknown."""
        t = self._types.get(type_id)
        if t is None and type_id in self._legacy:
            t = self._types[self._legacy[type_id]]
        return t

    def __contains__(self, type_id: str) -> bool:
        return self.get(type_id) is not None

    def __iter__(self):
        return iter(sorted(self._types.values(), key=lambda t: (t.category, t.display_name)))

    def __len__(self) -> int:
        return len(self._types)

    def categories(self) -> dict[str, list[NodeType]]:
        out: dict[str, list[NodeType]] = {}
        for t in self:
            out.setdefault(t.category, []).append(t)
        return out

    def schema(self) -> list[dict]:
        return [t.schema() for t in self]


def _with_module(t: NodeType, module: str) -> NodeType:
    from dataclasses import replace
    return replace(t, module=module)


_default: Registry | None = None
_lock = threading.Lock()


def default_registry() -> Registry:
    """The registry of the built-in node library (``nodes/``), discovered once."""
    global _default
    with _lock:
        if _default is None:
            _default = Registry().discover("nodes")
        return _default
