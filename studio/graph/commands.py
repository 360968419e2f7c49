"""Commands: the only way to change a graph.

Each command is a small object with ``do(graph)`` and ``undo(graph)`` that calls the model's
primitives.  The GUI's undo stack, scripts and tests all use these same objects.  A command
checks legality in ``do`` and raises a :class:`~studio.errors.GraphError` (naming the node,
port or param) before changing anything, so a refused command leaves the graph as it was.

``merge(other)`` lets consecutive edits of the same thing become one undo step (one slider
drag, one node drag).  :class:`History` is a plain undo stack for scripts and tests.
"""

from __future__ import annotations

from typing import Any

from studio.errors import GraphError
from studio.graph.limits import MAX_NAME_CHARS
from studio.graph.model import Graph, Link, Node
from studio.graph.nodetype import _copy


class Command:
    text = "Edit"

    def do(self, graph: Graph) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def undo(self, graph: Graph) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def merge(self, other: Command) -> bool:
        """Absorb ``other`` (done right after this one) into this command; True if merged."""
        return False


class AddNode(Command):
    def __init__(self, type_id: str, pos: tuple[float, float] = (0.0, 0.0), params: dict | None = None,
                 node_id: str | None = None, name: str | None = None):
        self.type_id, self.pos, self.params, self.node_id, self.name = type_id, pos, dict(params or {}), node_id, name

    @property
    def text(self) -> str:
        return f"Add {self.type_id}"

    def do(self, graph: Graph) -> None:
        t = graph.registry.get(self.type_id)
        if t is None:
            raise GraphError(f"unknown node type {self.type_id!r}")
        if self.node_id is None:
            self.node_id = graph.new_id(t.type_id)
        elif self.node_id in graph.nodes:
            raise GraphError(f"a node with id {self.node_id!r} already exists")
        node = Node(self.node_id, t.type_id, t, name=self.name or "", pos=self.pos)
        for key, value in self.params.items():
            spec = t.param(key)
            if spec is None:
                raise GraphError(f"{t.type_id} has no param {key!r}")
            errs = spec.check(value)
            if errs:
                raise GraphError(f"{self.node_id}.params.{key}{errs[0][0]}: {errs[0][1]}")
            node.params[key] = spec.normalise(_copy(value))
        graph._insert_node(node)

    def undo(self, graph: Graph) -> None:
        graph._delete_node(self.node_id)


class InsertFragment(Command):
    """Insert nodes and links from a workflow fragment (paste, undo of a delete).

    With ``keep_ids`` the nodes keep their ids (undo of a delete); otherwise colliding ids
    get fresh ones and the links follow (paste).  ``offset`` moves the pasted nodes.
    """

    text = "Paste"

    def __init__(self, doc: dict, keep_ids: bool = False, offset: tuple[float, float] = (0.0, 0.0),
                 base_dir: str | None = None, indices: dict[str, int] | None = None):
        self.doc, self.keep_ids, self.offset, self.base_dir = doc, keep_ids, offset, base_dir
        self.indices = indices or {}
        self.node_ids: list[str] = []
        self.links: list[Link] = []
        self.problems: list = []

    def do(self, graph: Graph) -> None:
        from studio.graph.workflow import parse_document
        loaded = parse_document(self.doc, graph.registry, self.base_dir, fragment=True)
        self.problems = loaded.problems
        mapping: dict[str, str] = {}
        taken = set(graph.nodes)
        for node in loaded.nodes:
            new_id = node.id
            if new_id in taken:
                if self.keep_ids:
                    raise GraphError(f"a node with id {new_id!r} already exists")
                new_id = graph.new_id(node.type_id)
                while new_id in taken:  # pragma: no cover - new_id already avoids the graph's ids
                    new_id += "_"
            mapping[node.id] = new_id
            taken.add(new_id)
        self.node_ids, self.links = [], []
        for node in loaded.nodes:
            node.id = mapping[node.id]
            if node.raw is not None:
                node.raw["id"] = node.id
            node.pos = (node.pos[0] + self.offset[0], node.pos[1] + self.offset[1])
            graph._insert_node(node, self.indices.get(node.id))
            self.node_ids.append(node.id)
        for lk in loaded.links:
            link = Link(mapping[lk.source], lk.output, mapping[lk.target], lk.input)
            graph._insert_link(link)
            self.links.append(link)

    def undo(self, graph: Graph) -> None:
        for nid in reversed(self.node_ids):
            graph._delete_node(nid)


class RemoveNodes(Command):
    """Delete nodes and every link touching them; undo restores both exactly."""

    def __init__(self, node_ids: list[str]):
        self.node_ids = list(dict.fromkeys(node_ids))
        self.doc: dict | None = None
        self.outer_links: list[Link] = []
        self.indices: dict[str, int] = {}

    @property
    def text(self) -> str:
        return f"Delete {len(self.node_ids)} node(s)" if len(self.node_ids) != 1 else f"Delete {self.node_ids[0]}"

    def do(self, graph: Graph) -> None:
        from studio.graph.workflow import to_document
        for nid in self.node_ids:
            graph.node(nid)
        ids = set(self.node_ids)
        self.doc = to_document(graph, None, self.node_ids)
        order = list(graph.nodes)
        self.indices = {nid: order.index(nid) for nid in self.node_ids}
        self.outer_links = [lk for lk in graph.links_of(ids) if not (lk.source in ids and lk.target in ids)]
        for nid in self.node_ids:
            graph._delete_node(nid)

    def undo(self, graph: Graph) -> None:
        InsertFragment(self.doc, keep_ids=True, indices=self.indices).do(graph)
        for lk in self.outer_links:
            graph._insert_link(lk)


class Connect(Command):
    """Link an output to an input, replacing a link already on that input."""

    def __init__(self, source: str, output: str, target: str, input_name: str):
        self.link = Link(source, output, target, input_name)
        self.replaced: Link | None = None

    @property
    def text(self) -> str:
        return f"Connect {self.link.source} to {self.link.target}"

    def do(self, graph: Graph) -> None:
        lk = self.link
        verdict = graph.can_connect(lk.source, lk.output, lk.target, lk.input)
        if not verdict:
            raise ConnectionRefused(verdict.reason)
        self.replaced = graph.link_to(lk.target, lk.input)
        if self.replaced is not None:
            graph._delete_link(self.replaced)
        graph._insert_link(lk)

    def undo(self, graph: Graph) -> None:
        graph._delete_link(self.link)
        if self.replaced is not None:
            graph._insert_link(self.replaced)


class ConnectionRefused(GraphError):
    """The model refused a connection; the message is its reason."""


class Disconnect(Command):
    def __init__(self, target: str, input_name: str):
        self.target, self.input = target, input_name
        self.link: Link | None = None

    @property
    def text(self) -> str:
        return f"Disconnect {self.target}.{self.input}"

    def do(self, graph: Graph) -> None:
        self.link = graph.link_to(self.target, self.input)
        if self.link is None:
            raise GraphError(f"input {self.input!r} of {self.target!r} is not connected")
        graph._delete_link(self.link)

    def undo(self, graph: Graph) -> None:
        graph._insert_link(self.link)


class SetParam(Command):
    """Set one param.  Edits with the same ``merge_key`` (one slider drag) merge into one step."""

    def __init__(self, node_id: str, name: str, value: Any, merge_key: object = None):
        self.node_id, self.name, self.value, self.merge_key = node_id, name, value, merge_key
        self.old: Any = None

    @property
    def text(self) -> str:
        return f"Set {self.node_id}.{self.name}"

    def do(self, graph: Graph) -> None:
        value = graph.check_param(self.node_id, self.name, self.value)
        self.old = _copy(graph.node(self.node_id).params.get(self.name))
        self.value = value
        graph._set_param(self.node_id, self.name, value)

    def undo(self, graph: Graph) -> None:
        graph._set_param(self.node_id, self.name, self.old)

    def merge(self, other: Command) -> bool:
        if (isinstance(other, SetParam) and self.merge_key is not None and other.merge_key == self.merge_key
                and (other.node_id, other.name) == (self.node_id, self.name)):
            self.value = other.value
            return True
        return False


class MoveNodes(Command):
    """Move nodes to new positions; the moves of one drag (same ``merge_key``) merge."""

    def __init__(self, positions: dict[str, tuple[float, float]], merge_key: object = None):
        self.new = dict(positions)
        self.old: dict[str, tuple[float, float]] = {}
        self.merge_key = merge_key

    text = "Move"

    def do(self, graph: Graph) -> None:
        for nid in self.new:
            graph.node(nid)
        for nid, pos in self.new.items():
            self.old.setdefault(nid, graph.nodes[nid].pos)
            graph._set_pos(nid, pos)

    def undo(self, graph: Graph) -> None:
        for nid, pos in self.old.items():
            graph._set_pos(nid, pos)

    def merge(self, other: Command) -> bool:
        if isinstance(other, MoveNodes) and self.merge_key is not None and other.merge_key == self.merge_key:
            for nid, pos in other.old.items():
                self.old.setdefault(nid, pos)
            self.new.update(other.new)
            return True
        return False


class RenameNode(Command):
    def __init__(self, node_id: str, name: str):
        self.node_id, self.name = node_id, name
        self.old = ""

    text = "Rename"

    def do(self, graph: Graph) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise GraphError(f"{self.node_id}: a node name cannot be empty")
        if len(self.name.strip()) > MAX_NAME_CHARS:
            raise GraphError(f"{self.node_id}: a node name is at most {MAX_NAME_CHARS} characters, "
                             f"got {len(self.name.strip())}")
        self.old = graph.node(self.node_id).name
        graph._set_name(self.node_id, self.name.strip())

    def undo(self, graph: Graph) -> None:
        graph._set_name(self.node_id, self.old)


class SetBypass(Command):
    def __init__(self, node_id: str, bypass: bool):
        self.node_id, self.bypass = node_id, bool(bypass)
        self.old = False

    text = "Bypass"

    def do(self, graph: Graph) -> None:
        self.old = graph.node(self.node_id).bypass
        graph._set_bypass(self.node_id, self.bypass)

    def undo(self, graph: Graph) -> None:
        graph._set_bypass(self.node_id, self.old)


class Macro(Command):
    """Several commands as one undo step; if one fails, those done are undone."""

    def __init__(self, text: str, commands: list[Command]):
        self.text, self.commands = text, list(commands)

    def do(self, graph: Graph) -> None:
        done: list[Command] = []
        try:
            for c in self.commands:
                c.do(graph)
                done.append(c)
        except Exception:
            for c in reversed(done):
                c.undo(graph)
            raise

    def undo(self, graph: Graph) -> None:
        for c in reversed(self.commands):
            c.undo(graph)


class History:
    """A plain undo stack for scripts and tests (the GUI uses a QUndoStack over the same commands)."""

    def __init__(self, graph: Graph):
        self.graph = graph
        self._done: list[Command] = []
        self._undone: list[Command] = []

    def push(self, command: Command) -> Command:
        command.do(self.graph)
        if self._done and self._done[-1].merge(command):
            pass
        else:
            self._done.append(command)
        self._undone.clear()
        return command

    def undo(self) -> bool:
        if not self._done:
            return False
        c = self._done.pop()
        c.undo(self.graph)
        self._undone.append(c)
        return True

    def redo(self) -> bool:
        if not self._undone:
            return False
        c = self._undone.pop()
        c.do(self.graph)
        self._done.append(c)
        return True

    @property
    def can_undo(self) -> bool:
        return bool(self._done)

    @property
    def can_redo(self) -> bool:
        return bool(self._undone)

    def __len__(self) -> int:
        return len(self._done)
