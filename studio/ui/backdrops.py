"""Backdrops: titled, coloured frames drawn behind nodes, stored in ``graph.ui["backdrops"]``.

Each backdrop is ``{"id": str, "title": str, "color": "#rrggbb", "rect": [x, y, w, h]}`` in
scene coordinates.  They are GUI data (the executor ignores them) but they are saved with the
workflow and every edit is undoable, so they change only through the commands below.  These
commands follow :class:`studio.graph.commands.Command` (``do``/``undo``/``merge``) and operate
on ``graph.ui``; the graph emits no event for them, so the canvas re-reads backdrops after
every undo-stack change.

Moving a backdrop moves the nodes inside it: :class:`MoveItems` moves backdrops and nodes
together (nodes through :class:`~studio.graph.commands.MoveNodes`) and merges the steps of
one drag like ``MoveNodes`` does.
"""

from __future__ import annotations

import re
from typing import Any

from studio.errors import GraphError
from studio.graph.commands import Command, MoveNodes
from studio.graph.nodetype import _copy

_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
DEFAULT_COLOUR = "#3b4252"


def _valid(item: Any) -> bool:
    if not isinstance(item, dict) or not isinstance(item.get("id"), str):
        return False
    rect = item.get("rect")
    return (isinstance(rect, list) and len(rect) == 4 and all(isinstance(v, (int, float)) for v in rect)
            and rect[2] > 0 and rect[3] > 0)


def backdrops(graph) -> list[dict]:
    """The graph's valid backdrops (malformed entries from a file are ignored, not dropped)."""
    items = graph.ui.get("backdrops") if isinstance(graph.ui, dict) else None
    if not isinstance(items, list):
        return []
    out = []
    for item in items:
        if _valid(item):
            out.append({"id": item["id"], "title": str(item.get("title", "")),
                        "color": item["color"] if _COLOUR.match(str(item.get("color", ""))) else DEFAULT_COLOUR,
                        "rect": [float(v) for v in item["rect"]]})
    return out


def _items(graph) -> list:
    if not isinstance(graph.ui, dict):
        graph.ui = {}
    items = graph.ui.get("backdrops")
    if not isinstance(items, list):
        items = graph.ui["backdrops"] = []
    return items


def _find(graph, backdrop_id: str) -> dict:
    for item in _items(graph):
        if isinstance(item, dict) and item.get("id") == backdrop_id:
            return item
    raise GraphError(f"no backdrop with id {backdrop_id!r}")


def new_backdrop_id(graph) -> str:
    taken = {item.get("id") for item in _items(graph) if isinstance(item, dict)}
    i = 1
    while f"Backdrop{i}" in taken:
        i += 1
    return f"Backdrop{i}"


class AddBackdrop(Command):
    text = "Add backdrop"

    def __init__(self, rect: tuple[float, float, float, float], title: str = "Backdrop",
                 color: str = DEFAULT_COLOUR, backdrop_id: str | None = None):
        self.data = {"id": backdrop_id, "title": title, "color": color, "rect": [float(v) for v in rect]}

    @property
    def backdrop_id(self) -> str:
        return self.data["id"]

    def do(self, graph) -> None:
        if not _COLOUR.match(self.data["color"]):
            raise GraphError(f"backdrop colour: expected '#rrggbb', got {self.data['color']!r}")
        self._made_list = not (isinstance(graph.ui, dict) and isinstance(graph.ui.get("backdrops"), list))
        if self.data["id"] is None:
            self.data["id"] = new_backdrop_id(graph)
        _items(graph).append(_copy(self.data))

    def undo(self, graph) -> None:
        items = _items(graph)
        items.remove(_find(graph, self.data["id"]))
        if self._made_list and not items:   # leave the document exactly as it was
            del graph.ui["backdrops"]


class RemoveBackdrops(Command):
    text = "Delete backdrop"

    def __init__(self, backdrop_ids: list[str]):
        self.ids = list(dict.fromkeys(backdrop_ids))
        self.removed: list[tuple[int, dict]] = []

    def do(self, graph) -> None:
        for bid in self.ids:
            _find(graph, bid)
        items = _items(graph)
        self.removed = [(i, item) for i, item in enumerate(items) if isinstance(item, dict) and item.get("id") in self.ids]
        for _, item in reversed(self.removed):
            items.remove(item)

    def undo(self, graph) -> None:
        items = _items(graph)
        for index, item in self.removed:
            items.insert(index, item)


class EditBackdrop(Command):
    """Change a backdrop's title, colour or rect; edits with the same ``merge_key`` merge (a resize drag)."""

    text = "Edit backdrop"

    def __init__(self, backdrop_id: str, merge_key: object = None, **changes):
        unknown = set(changes) - {"title", "color", "rect"}
        if unknown:
            raise GraphError(f"backdrop {backdrop_id}: no field {sorted(unknown)[0]!r}")
        self.id, self.changes, self.merge_key = backdrop_id, changes, merge_key
        self.old: dict = {}

    def do(self, graph) -> None:
        item = _find(graph, self.id)
        if "color" in self.changes and not _COLOUR.match(str(self.changes["color"])):
            raise GraphError(f"backdrop colour: expected '#rrggbb', got {self.changes['color']!r}")
        for key, value in self.changes.items():
            self.old.setdefault(key, _copy(item.get(key)))
            item[key] = _copy(value)

    def undo(self, graph) -> None:
        item = _find(graph, self.id)
        for key, value in self.old.items():
            item[key] = _copy(value)

    def merge(self, other: Command) -> bool:
        if (isinstance(other, EditBackdrop) and self.merge_key is not None and other.merge_key == self.merge_key
                and other.id == self.id):
            for key, value in other.old.items():
                self.old.setdefault(key, value)
            self.changes.update(other.changes)
            return True
        return False


class MoveItems(Command):
    """Move nodes and backdrops together; the steps of one drag (same ``merge_key``) merge."""

    text = "Move"

    def __init__(self, node_positions: dict[str, tuple[float, float]],
                 backdrop_rects: dict[str, list[float]] | None = None, merge_key: object = None):
        self.nodes = MoveNodes(node_positions, merge_key) if node_positions else None
        self.rects = {k: [float(v) for v in r] for k, r in (backdrop_rects or {}).items()}
        self.old_rects: dict[str, list[float]] = {}
        self.merge_key = merge_key

    def do(self, graph) -> None:
        for bid in self.rects:
            _find(graph, bid)
        if self.nodes is not None:
            self.nodes.do(graph)
        for bid, rect in self.rects.items():
            item = _find(graph, bid)
            self.old_rects.setdefault(bid, list(item["rect"]))
            item["rect"] = list(rect)

    def undo(self, graph) -> None:
        if self.nodes is not None:
            self.nodes.undo(graph)
        for bid, rect in self.old_rects.items():
            _find(graph, bid)["rect"] = list(rect)

    def merge(self, other: Command) -> bool:
        if not (isinstance(other, MoveItems) and self.merge_key is not None and other.merge_key == self.merge_key):
            return False
        if other.nodes is not None:
            if self.nodes is None:
                self.nodes = other.nodes
            else:
                self.nodes.merge(other.nodes)
        for bid, rect in other.old_rects.items():
            self.old_rects.setdefault(bid, rect)
        self.rects.update(other.rects)
        return True
