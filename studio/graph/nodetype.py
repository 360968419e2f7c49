"""Node declarations: a node type is declared once and evaluated by a stateless function.

A declaration names the type (``type_id``, ``version``, ``legacy_ids``), how it is shown
(``display_name``, ``category``, ``icon``, ``description``), its typed ``inputs`` and
``outputs``, its ``params`` and ``evaluate``.  ``evaluate(ctx, **values)`` receives every
param and every input by name (unconnected optional inputs are ``None``) and returns a
dict with one entry per output.  It must not keep state between calls: the executor caches
outputs under a key built from the type, version, params and inputs, plus
``fingerprint(params)`` for what params alone don't capture (a file's modification time).

``side_effect`` nodes (writers) are never served from the cache.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from studio.graph.params import Param
from studio.graph.types import PORT_TYPES


@dataclass(frozen=True)
class Port:
    name: str
    type: str
    label: str = ""
    optional: bool = False
    description: str = ""

    @property
    def title(self) -> str:
        return self.label or self.name.replace("_", " ")

    def schema(self) -> dict:
        out = {"name": self.name, "type": self.type, "label": self.title}
        if self.optional:
            out["optional"] = True
        if self.description:
            out["description"] = self.description
        return out


def Input(name: str, type: str, *, optional: bool = False, label: str = "", description: str = "") -> Port:
    return Port(name, type, label, optional, description)


def Output(name: str, type: str, *, label: str = "", description: str = "") -> Port:
    return Port(name, type, label, False, description)


@dataclass(frozen=True)
class NodeType:
    type_id: str
    display_name: str
    category: str
    evaluate: Callable[..., dict] = field(compare=False)
    inputs: tuple[Port, ...] = ()
    outputs: tuple[Port, ...] = ()
    params: tuple[Param, ...] = ()
    version: int = 1
    legacy_ids: tuple[str, ...] = ()
    icon: str = ""
    description: str = ""
    fingerprint: Callable[[dict], str] | None = field(default=None, compare=False)
    side_effect: bool = False
    module: str = ""

    def input(self, name: str) -> Port | None:
        return next((p for p in self.inputs if p.name == name), None)

    def output(self, name: str) -> Port | None:
        return next((p for p in self.outputs if p.name == name), None)

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    def defaults(self) -> dict[str, Any]:
        return {p.name: _copy(p.default) for p in self.params}

    def schema(self) -> dict:
        return {
            "type": self.type_id,
            "version": self.version,
            "name": self.display_name,
            "category": self.category,
            "icon": self.icon,
            "description": self.description,
            "legacy_ids": list(self.legacy_ids),
            "inputs": [p.schema() for p in self.inputs],
            "outputs": [p.schema() for p in self.outputs],
            "params": [p.schema() for p in self.params],
            "side_effect": self.side_effect,
        }

    def declaration_problems(self) -> list[str]:
        """Every problem with this declaration (all reported together by the registry)."""
        problems: list[str] = []
        if not self.type_id or not self.type_id.replace("_", "").isalnum():
            problems.append(f"type id {self.type_id!r} must be letters, digits and underscores")
        if not isinstance(self.version, int) or self.version < 1:
            problems.append(f"version {self.version!r} must be a positive integer")
        if not self.display_name:
            problems.append("display_name is empty")
        if not self.category:
            problems.append("category is empty")
        if not callable(self.evaluate):
            problems.append("evaluate is not callable")
        if not self.description:
            problems.append("description is empty (the node library shows it)")
        names: dict[str, str] = {}
        for kind, ports in (("input", self.inputs), ("output", self.outputs)):
            for port in ports:
                if not port.name.isidentifier():
                    problems.append(f"{kind} name {port.name!r} is not an identifier")
                if port.type not in PORT_TYPES:
                    problems.append(f"{kind} {port.name!r}: unknown port type {port.type!r}")
                if kind == "input":
                    if port.name in names:
                        problems.append(f"input {port.name!r} repeats a name")
                    names[port.name] = kind
        out_names = [p.name for p in self.outputs]
        if len(set(out_names)) != len(out_names):
            problems.append("output names repeat")
        for p in self.params:
            if p.name in names:
                problems.append(f"param {p.name!r} has the same name as an input")
            names[p.name] = "param"
            problems.extend(p.declaration_problems())
        return problems


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value
