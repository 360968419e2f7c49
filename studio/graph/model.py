"""The graph model: nodes with stable ids, typed ports, params and links.

The model owns what is legal: :meth:`Graph.can_connect` answers with a reason, and every
illegal change raises a :class:`~studio.errors.GraphError` whose message names the node,
port or param and the bad value.  It never changes itself on its own: commands
(:mod:`studio.graph.commands`) are the only mutation path, through the ``_``-prefixed
primitives below.  Every change emits a plain event to the subscribers (the Qt bridge, the
auto-runner, tests); there is no Qt here.

Nodes whose type the registry does not know (a workflow from a newer version or a plugin
that is not installed) are *placeholders*: they keep their whole JSON, are drawn and saved
unchanged, keep their links, and fail only if something asks to evaluate them.
"""

from __future__ import annotations

from collections import deque

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from studio.errors import GraphError, ParamError, Problem
from studio.graph.nodetype import NodeType, Port, _copy
from studio.graph.registry import Registry
from studio.graph.types import compatible


# -- events --------------------------------------------------------------------------
@dataclass(frozen=True)
class Event:
    pass


@dataclass(frozen=True)
class NodeAdded(Event):
    node_id: str


@dataclass(frozen=True)
class NodeRemoved(Event):
    node_id: str


@dataclass(frozen=True)
class LinkAdded(Event):
    link: Link


@dataclass(frozen=True)
class LinkRemoved(Event):
    link: Link


@dataclass(frozen=True)
class ParamChanged(Event):
    node_id: str
    name: str
    old: Any
    new: Any


@dataclass(frozen=True)
class NodeMoved(Event):
    node_id: str
    pos: tuple[float, float]


@dataclass(frozen=True)
class NodeRenamed(Event):
    node_id: str
    name: str


@dataclass(frozen=True)
class NodeBypassed(Event):
    node_id: str
    bypass: bool


@dataclass(frozen=True)
class SequenceChanged(Event):
    """The shot list changed: ``kind`` is added, removed, moved, updated or settings."""

    kind: str
    shot_id: str | None = None


@dataclass(frozen=True)
class Link:
    source: str
    output: str
    target: str
    input: str

    def __str__(self) -> str:
        return f"{self.source}.{self.output} -> {self.target}.{self.input}"


@dataclass(frozen=True)
class Verdict:
    """The model's answer to "may I connect these?": ``ok`` and, when not, why."""

    ok: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.ok


class Node:
    """One node: stable ``id``, its ``type_id``, display ``name``, ``params``, ``pos``."""

    __slots__ = ("id", "type_id", "node_type", "name", "params", "pos", "bypass", "extra", "raw")

    def __init__(self, node_id: str, type_id: str, node_type: NodeType | None, *, name: str = "",
                 params: dict | None = None, pos: tuple[float, float] = (0.0, 0.0), bypass: bool = False,
                 extra: dict | None = None, raw: dict | None = None):
        self.id = node_id
        self.type_id = type_id
        self.node_type = node_type
        self.name = name or (node_type.display_name if node_type else type_id)
        self.params = node_type.defaults() if node_type else {}
        if params:
            self.params.update(_copy(params))
        self.pos = (float(pos[0]), float(pos[1]))
        self.bypass = bypass
        self.extra = dict(extra or {})   # unknown keys from the file, written back unchanged
        self.raw = raw                   # placeholder nodes: the whole JSON object

    @property
    def is_placeholder(self) -> bool:
        return self.node_type is None

    def input_port(self, name: str) -> Port | None:
        if self.node_type is None:
            return Port(name, "Any")
        return self.node_type.input(name)

    def output_port(self, name: str) -> Port | None:
        if self.node_type is None:
            return Port(name, "Any")
        return self.node_type.output(name)

    def __repr__(self) -> str:
        return f"<Node {self.id} {self.type_id}{' (placeholder)' if self.is_placeholder else ''}>"


Listener = Callable[[Event], None]


class Graph:
    def __init__(self, registry: Registry | None = None):
        if registry is None:
            from studio.graph.registry import default_registry
            registry = default_registry()
        self.registry = registry
        self.nodes: dict[str, Node] = {}
        self._links: dict[tuple[str, str], Link] = {}   # (target, input) -> link
        self.ui: dict = {}
        self.extra: dict = {}        # unknown top-level workflow keys, kept for round trips
        from studio.graph.sequence import Sequence  # here: sequence.py builds on the commands, which import this
        self.sequence = Sequence()   # the shot list, changed by the commands of studio.graph.sequence
        self._listeners: list[Listener] = []

    # -- observers -------------------------------------------------------------------
    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener(event)`` after every change; returns the unsubscribe function."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def _emit(self, event: Event) -> None:
        for listener in list(self._listeners):
            listener(event)

    # -- queries ---------------------------------------------------------------------
    def node(self, node_id: str) -> Node:
        try:
            return self.nodes[node_id]
        except KeyError:
            raise GraphError(f"no node with id {node_id!r}") from None

    @property
    def links(self) -> list[Link]:
        return list(self._links.values())

    def link_to(self, target: str, input_name: str) -> Link | None:
        return self._links.get((target, input_name))

    def links_to(self, node_id: str) -> list[Link]:
        return [link for link in self._links.values() if link.target == node_id]

    def links_from(self, node_id: str) -> list[Link]:
        return [link for link in self._links.values() if link.source == node_id]

    def links_of(self, node_ids: Iterable[str]) -> list[Link]:
        ids = set(node_ids)
        return [link for link in self._links.values() if link.source in ids or link.target in ids]

    def upstream(self, node_ids: Iterable[str]) -> set[str]:
        """The nodes given and every node they depend on."""
        return self._reach(node_ids, lambda link: (link.target, link.source))

    def downstream(self, node_id: str) -> set[str]:
        """The node given and every node that depends on it."""
        return self._reach([node_id], lambda link: (link.source, link.target))

    def _reach(self, start: Iterable[str], edge) -> set[str]:
        """Every node reachable from ``start`` along links, ``edge(link) -> (from, to)``."""
        nexts: dict[str, list[str]] = {}
        for link in self._links.values():
            a, b = edge(link)
            nexts.setdefault(a, []).append(b)
        seen: set[str] = set()
        stack = list(start)
        while stack:
            nid = stack.pop()
            if nid not in seen:
                seen.add(nid)
                stack.extend(nexts.get(nid, ()))
        return seen

    def topological_order(self, subset: Iterable[str] | None = None) -> list[str]:
        """Node ids so that every node comes after its inputs; raises on a cycle."""
        if subset is None:
            ids = list(self.nodes)
        else:
            wanted = set(subset)
            ids = [n for n in self.nodes if n in wanted]
        idset = set(ids)
        deps: dict[str, set[str]] = {n: set() for n in ids}
        users: dict[str, list[str]] = {n: [] for n in ids}
        for link in self._links.values():
            if link.target in idset and link.source in idset and link.source not in deps[link.target]:
                deps[link.target].add(link.source)
                users[link.source].append(link.target)
        ready = deque(n for n in ids if not deps[n])
        order: list[str] = []
        while ready:
            nid = ready.popleft()
            order.append(nid)
            for user in users[nid]:
                deps[user].discard(nid)
                if not deps[user]:
                    ready.append(user)
        if len(order) != len(ids):
            done = set(order)
            stuck = sorted(n for n in ids if n not in done)
            shown = ", ".join(stuck[:6]) + (f" and {len(stuck) - 6} more" if len(stuck) > 6 else "")
            raise GraphError(f"the graph has a cycle through {shown}")
        return order

    def new_id(self, type_id: str) -> str:
        """A fresh, readable id: ``LoadImage1``, ``LoadImage2``…"""
        base = "".join(ch for ch in type_id if ch.isalnum()) or "Node"
        i = 1
        while f"{base}{i}" in self.nodes:
            i += 1
        return f"{base}{i}"

    # -- the rules ---------------------------------------------------------------------
    def can_connect(self, source: str, output: str, target: str, input_name: str, *, replace: bool = True) -> Verdict:
        """Whether ``source.output -> target.input`` may be linked, and if not, why.

        With ``replace`` a link already on the input is replaced (one link per input);
        without it an occupied input is refused.
        """
        src = self.nodes.get(source)
        dst = self.nodes.get(target)
        if src is None:
            return Verdict(False, f"no node with id {source!r}")
        if dst is None:
            return Verdict(False, f"no node with id {target!r}")
        out_port = src.output_port(output)
        if out_port is None:
            return Verdict(False, f"{src.name} ({source}) has no output {output!r}")
        in_port = dst.input_port(input_name)
        if in_port is None:
            return Verdict(False, f"{dst.name} ({target}) has no input {input_name!r}")
        if source == target:
            return Verdict(False, "a node cannot feed itself")
        ok, why = compatible(out_port.type, in_port.type)
        if not ok:
            return Verdict(False, why)
        existing = self._links.get((target, input_name))
        if existing is not None and not replace:
            return Verdict(False, f"input {input_name!r} of {dst.name} is already connected to {existing.source}")
        if existing == Link(source, output, target, input_name):
            return Verdict(False, "these ports are already connected")
        if source in self.downstream(target):
            return Verdict(False, f"connecting {source} to {target} would make a cycle")
        return Verdict(True, why)

    def check_param(self, node_id: str, name: str, value: Any) -> Any:
        """Validate a param value; returns its canonical form or raises :class:`ParamError`."""
        node = self.node(node_id)
        if node.node_type is None:
            return value
        spec = node.node_type.param(name)
        if spec is None:
            raise ParamError(f"{node.name} ({node_id}) has no param {name!r}")
        problems = spec.check(value)
        if problems:
            where, msg = problems[0]
            raise ParamError(f"{node_id}.params.{name}{where}: {msg}")
        return spec.normalise(value)

    def validate(self) -> list[Problem]:
        """Every problem with the graph, each naming its node id and field."""
        problems: list[Problem] = []
        for nid, node in self.nodes.items():
            t = node.node_type
            if t is None:
                problems.append(Problem(nid, f"unknown node type {node.type_id!r} (kept as a placeholder)", nid, "type"))
                continue
            for spec in t.params:
                if spec.name not in node.params:
                    problems.append(Problem(f"{nid}.{spec.name}", "missing value", nid, spec.name))
                    continue
                for where, msg in spec.check(node.params[spec.name]):
                    problems.append(Problem(f"{nid}.{spec.name}{where}", msg, nid, spec.name))
            for port in t.inputs:
                if not port.optional and (nid, port.name) not in self._links and not node.bypass:
                    problems.append(Problem(f"{nid}.{port.name}", f"required input {port.name!r} is not connected",
                                            nid, port.name))
        for link in self._links.values():
            src, dst = self.nodes.get(link.source), self.nodes.get(link.target)
            if src is None or dst is None:
                problems.append(Problem(str(link), "link to a missing node", link.target, link.input))
                continue
            op, ip = src.output_port(link.output), dst.input_port(link.input)
            if op is None or ip is None:
                problems.append(Problem(str(link), "link to a missing port", link.target, link.input))
            elif not compatible(op.type, ip.type)[0]:
                problems.append(Problem(str(link), compatible(op.type, ip.type)[1], link.target, link.input))
        try:
            self.topological_order()
        except GraphError as exc:
            problems.append(Problem("graph", str(exc)))
        return problems

    # -- primitives: called by commands only -------------------------------------------
    def _insert_node(self, node: Node, index: int | None = None) -> None:
        """Add ``node`` at the end, or at position ``index`` (undo of a delete keeps the order)."""
        if node.id in self.nodes:
            raise GraphError(f"a node with id {node.id!r} already exists")
        if index is None or index >= len(self.nodes):
            self.nodes[node.id] = node
        else:
            items = list(self.nodes.items())
            items.insert(index, (node.id, node))
            self.nodes = dict(items)
        self._emit(NodeAdded(node.id))

    def _delete_node(self, node_id: str) -> Node:
        node = self.node(node_id)
        for link in self.links_of([node_id]):
            self._delete_link(link)
        del self.nodes[node_id]
        self._emit(NodeRemoved(node_id))
        return node

    def _insert_link(self, link: Link) -> None:
        key = (link.target, link.input)
        if key in self._links:
            raise GraphError(f"input {link.input!r} of {link.target!r} is already connected")
        self._links[key] = link
        self._emit(LinkAdded(link))

    def _delete_link(self, link: Link) -> None:
        if self._links.get((link.target, link.input)) != link:
            raise GraphError(f"no link {link}")
        del self._links[(link.target, link.input)]
        self._emit(LinkRemoved(link))

    def _set_param(self, node_id: str, name: str, value: Any) -> None:
        node = self.node(node_id)
        old = node.params.get(name)
        node.params[name] = _copy(value)
        self._emit(ParamChanged(node_id, name, old, value))

    def _set_pos(self, node_id: str, pos: tuple[float, float]) -> None:
        node = self.node(node_id)
        node.pos = (float(pos[0]), float(pos[1]))
        self._emit(NodeMoved(node_id, node.pos))

    def _set_name(self, node_id: str, name: str) -> None:
        self.node(node_id).name = name
        self._emit(NodeRenamed(node_id, name))

    def _set_bypass(self, node_id: str, bypass: bool) -> None:
        self.node(node_id).bypass = bypass
        self._emit(NodeBypassed(node_id, bypass))

    # -- the shot list: called by the commands of studio.graph.sequence only ---------------
    def _insert_shot(self, shot, index: int | None = None) -> None:
        shots = self.sequence.shots
        shots.insert(len(shots) if index is None else index, shot)
        self._emit(SequenceChanged("added", shot.id))

    def _delete_shot(self, shot_id: str) -> tuple[Any, int]:
        index = self.sequence.index(shot_id)
        shot = self.sequence.shots.pop(index)
        self._emit(SequenceChanged("removed", shot_id))
        return shot, index

    def _move_shot(self, shot_id: str, index: int) -> None:
        shots = self.sequence.shots
        shots.insert(index, shots.pop(self.sequence.index(shot_id)))
        self._emit(SequenceChanged("moved", shot_id))

    def _replace_shot(self, shot) -> None:
        self.sequence.shots[self.sequence.index(shot.id)] = shot
        self._emit(SequenceChanged("updated", shot.id))

    def _set_sequence_settings(self, **settings: Any) -> None:
        for key, value in settings.items():
            setattr(self.sequence, key, value)
        self._emit(SequenceChanged("settings"))

    # -- building (convenience for scripts and tests: goes through commands) -------------
    def apply(self, command):
        """Run a command on this graph (without an undo stack) and return it."""
        command.do(self)
        return command

    def add(self, type_id: str, node_id: str | None = None, pos: tuple[float, float] = (0, 0), **params) -> str:
        from studio.graph.commands import AddNode
        return self.apply(AddNode(type_id, pos=pos, params=params, node_id=node_id)).node_id

    def connect(self, source: str, output: str, target: str, input_name: str) -> None:
        from studio.graph.commands import Connect
        self.apply(Connect(source, output, target, input_name))
