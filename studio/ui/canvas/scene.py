"""The canvas scene: one item per node, link and backdrop of the graph.

The scene mirrors the graph: :meth:`rebuild` draws it whole (opening a file), and the
graph bridge's signals keep it in step afterwards (a command adds a node, an undo restores a
link...).  Backdrops live in ``graph.ui`` and emit no events, so :meth:`sync_backdrops` is
called after every undo-stack change.  The scene never changes the graph.

The scene rect is a fixed, very large area so the canvas can be panned anywhere.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QLineF, QPointF, QRectF, Signal
from PySide6.QtGui import QColor, QImage, QPen
from PySide6.QtWidgets import QGraphicsScene

from studio.graph.model import Link
from studio.ui import theme
from studio.ui.backdrops import backdrops
from studio.ui.canvas.backdrop_item import BackdropItem
from studio.ui.canvas.node_item import NodeItem
from studio.ui.canvas.port_item import PortItem
from studio.ui.canvas.wire_item import WireItem

EXTENT = 100_000.0
GRID = 24.0
MAJOR = 5


class GraphScene(QGraphicsScene):
    contentChanged = Signal()   # nodes, links or backdrops added, removed or moved (minimap)

    def __init__(self, graph, parent=None):
        super().__init__(parent)
        self.graph = graph
        self.nodes: dict[str, NodeItem] = {}
        self.wires: dict[tuple[str, str], WireItem] = {}
        self.backdrop_items: dict[str, BackdropItem] = {}
        self._wires_of: dict[str, set[tuple[str, str]]] = {}
        self.setSceneRect(-EXTENT, -EXTENT, 2 * EXTENT, 2 * EXTENT)
        self.setItemIndexMethod(QGraphicsScene.BspTreeIndex)
        self._bridge = None
        self._content: QRectF | None = None
        self.contentChanged.connect(self._forget_content_rect)
        self._minor = QPen(QColor(theme.GRID_MINOR), 0)
        self._major = QPen(QColor(theme.GRID_MAJOR), 0)
        self.rebuild()

    # -- wiring to the graph ---------------------------------------------------------------------
    def attach(self, bridge) -> None:
        """Follow ``bridge`` (a GraphBridge of ``self.graph``)."""
        self._bridge = bridge
        bridge.nodeAdded.connect(self._on_node_added)
        bridge.nodeRemoved.connect(self._on_node_removed)
        bridge.linkAdded.connect(self._on_link_added)
        bridge.linkRemoved.connect(self._on_link_removed)
        bridge.nodeMoved.connect(self._on_node_moved)
        bridge.nodeRenamed.connect(self._on_node_changed)
        bridge.nodeBypassed.connect(self._on_node_changed)

    def set_graph(self, graph, bridge) -> None:
        self.graph = graph
        self.rebuild()
        self.attach(bridge)

    def rebuild(self) -> None:
        self.clear()
        self.nodes.clear()
        self.wires.clear()
        self.backdrop_items.clear()
        self._wires_of.clear()
        for nid, node in self.graph.nodes.items():
            self._add_node_item(node)
        for link in self.graph.links:
            self._add_wire(link)
        self.sync_backdrops()
        self.contentChanged.emit()

    # -- nodes ------------------------------------------------------------------------------
    def _add_node_item(self, node) -> NodeItem:
        item = NodeItem(node, self.graph)
        if not self.ports_visible:
            for port in item.all_ports():
                port.setVisible(False)
        self.addItem(item)
        self.nodes[node.id] = item
        return item

    def _on_node_added(self, node_id: str) -> None:
        node = self.graph.nodes.get(node_id)
        if node is None or node_id in self.nodes:
            return
        self._add_node_item(node)
        self.contentChanged.emit()

    def _on_node_removed(self, node_id: str) -> None:
        item = self.nodes.pop(node_id, None)
        for key in list(self._wires_of.pop(node_id, ())):
            self._drop_wire(key)
        if item is not None:
            self.removeItem(item)
        self.contentChanged.emit()

    def _on_node_moved(self, node_id: str) -> None:
        item = self.nodes.get(node_id)
        node = self.graph.nodes.get(node_id)
        if item is None or node is None:
            return
        item.setPos(QPointF(*node.pos))
        self.update_wires(node_id)
        self.contentChanged.emit()

    def _on_node_changed(self, node_id: str) -> None:
        item = self.nodes.get(node_id)
        if item is not None:
            item.refresh()
            self.update_wires(node_id)
            self.contentChanged.emit()

    # -- links ----------------------------------------------------------------------------------
    def port_item(self, node_id: str, name: str, is_output: bool) -> PortItem | None:
        item = self.nodes.get(node_id)
        return item.port(name, is_output) if item else None

    def _add_wire(self, link: Link) -> None:
        key = (link.target, link.input)
        src, dst = self.nodes.get(link.source), self.nodes.get(link.target)
        if src is None or dst is None:
            return
        for item in (src, dst):   # placeholders grow ports from their links
            node = item.node
            if node is not None and node.node_type is None:
                item.refresh()
        out_port = src.port(link.output, True)
        wire = WireItem(link, out_port.port_type if out_port else "Any")
        self.addItem(wire)
        self.wires[key] = wire
        self._wires_of.setdefault(link.source, set()).add(key)
        self._wires_of.setdefault(link.target, set()).add(key)
        self._place_wire(wire)
        self._mark_connected(link)

    def _drop_wire(self, key: tuple[str, str]) -> None:
        wire = self.wires.pop(key, None)
        if wire is None:
            return
        link = wire.link
        for nid in (link.source, link.target):
            keys = self._wires_of.get(nid)
            if keys is not None:
                keys.discard(key)
        self.removeItem(wire)
        self._mark_connected(link)

    def _mark_connected(self, link: Link) -> None:
        out_port = self.port_item(link.source, link.output, True)
        if out_port is not None:
            out_port.set_connected(any(lk.output == link.output for lk in self.graph.links_from(link.source)))
        in_port = self.port_item(link.target, link.input, False)
        if in_port is not None:
            in_port.set_connected(self.graph.link_to(link.target, link.input) is not None)

    def _on_link_added(self, link: Link) -> None:
        self._add_wire(link)
        self.contentChanged.emit()

    def _on_link_removed(self, link: Link) -> None:
        self._drop_wire((link.target, link.input))
        self.contentChanged.emit()

    def _place_wire(self, wire: WireItem) -> None:
        link = wire.link
        a = self.port_item(link.source, link.output, True)
        b = self.port_item(link.target, link.input, False)
        if a is not None and b is not None:
            wire.set_ends(a.scenePos(), b.scenePos())

    def update_wires(self, node_id: str) -> None:
        for key in self._wires_of.get(node_id, ()):
            wire = self.wires.get(key)
            if wire is not None:
                self._place_wire(wire)

    # -- backdrops --------------------------------------------------------------------------------
    def sync_backdrops(self) -> None:
        """Make the backdrop items match ``graph.ui["backdrops"]``."""
        wanted = {b["id"]: b for b in backdrops(self.graph)}
        changed = False
        for bid in list(self.backdrop_items):
            if bid not in wanted:
                self.removeItem(self.backdrop_items.pop(bid))
                changed = True
        for bid, data in wanted.items():
            item = self.backdrop_items.get(bid)
            if item is None:
                item = self.backdrop_items[bid] = BackdropItem(data)
                self.addItem(item)
                changed = True
            elif (item.title, item.colour.name(), [item.pos().x(), item.pos().y(), item._w, item._h]) != \
                    (data["title"], data["color"].lower(), data["rect"]):
                item.set_data(data)
                changed = True
        if changed:
            self.contentChanged.emit()

    def backdrop_at(self, scene_pos: QPointF) -> BackdropItem | None:
        for item in self.items(scene_pos):
            if isinstance(item, BackdropItem):
                return item
        return None

    def nodes_inside(self, rect: QRectF) -> list[str]:
        """Ids of the nodes whose whole frame lies inside ``rect`` (scene coordinates)."""
        out = []
        for nid, item in self.nodes.items():
            if rect.contains(item.sceneBoundingRect().adjusted(3, 3, -3, -3)):
                out.append(nid)
        return out

    # -- run state ---------------------------------------------------------------------------------
    def set_node_state(self, node_id: str, state: str, progress: float = 0.0, message: str = "",
                       seconds: float = 0.0) -> None:
        item = self.nodes.get(node_id)
        if item is not None:
            item.set_state(state, progress, message, seconds)

    def set_thumbnail(self, node_id: str, image: QImage | None) -> None:
        item = self.nodes.get(node_id)
        if item is not None:
            item.set_thumbnail(image)
            self.contentChanged.emit()

    # -- level of detail ------------------------------------------------------------------------
    ports_visible = True

    def set_ports_visible(self, visible: bool) -> None:
        """Hide the ports when zoomed far out (nodes then draw only their silhouettes)."""
        if visible == self.ports_visible:
            return
        self.ports_visible = visible
        for item in self.nodes.values():
            for port in item.all_ports():
                port.setVisible(visible)

    # -- queries ---------------------------------------------------------------------------------
    def selected_node_ids(self) -> list[str]:
        ids = {it.node_id for it in self.selectedItems() if isinstance(it, NodeItem)}
        return [nid for nid in self.graph.nodes if nid in ids]

    def selected_backdrop_ids(self) -> list[str]:
        return [it.backdrop_id for it in self.selectedItems() if isinstance(it, BackdropItem)]

    def selected_links(self) -> list[Link]:
        return [it.link for it in self.selectedItems() if isinstance(it, WireItem) and it.link is not None]

    def select_nodes(self, node_ids) -> None:
        ids = set(node_ids)
        self.blockSignals(True)
        try:
            self.clearSelection()
            for nid in ids:
                item = self.nodes.get(nid)
                if item is not None:
                    item.setSelected(True)
        finally:
            self.blockSignals(False)
        self.selectionChanged.emit()

    def _forget_content_rect(self) -> None:
        self._content = None

    def content_rect(self) -> QRectF:
        """The bounding rect of all nodes and backdrops (cached until the content changes)."""
        if self._content is not None:
            return QRectF(self._content)
        rect = QRectF()
        for item in self.nodes.values():
            rect = rect.united(item.sceneBoundingRect())
        for item in self.backdrop_items.values():
            rect = rect.united(item.sceneBoundingRect())
        self._content = QRectF(rect)
        return rect

    # -- background ----------------------------------------------------------------------------------
    def drawBackground(self, painter, rect: QRectF) -> None:
        painter.fillRect(rect, QColor(theme.CANVAS))
        scale = painter.worldTransform().m11()
        step = GRID if scale > 0.45 else GRID * MAJOR
        if step * scale < 6:
            return
        left = math.floor(rect.left() / step) * step
        top = math.floor(rect.top() / step) * step
        minor, major = [], []
        x = left
        while x < rect.right():
            (major if round(x / step) % MAJOR == 0 or step > GRID else minor).append(
                QLineF(x, rect.top(), x, rect.bottom()))
            x += step
        y = top
        while y < rect.bottom():
            (major if round(y / step) % MAJOR == 0 or step > GRID else minor).append(
                QLineF(rect.left(), y, rect.right(), y))
            y += step
        if minor:
            painter.setPen(self._minor)
            painter.drawLines(minor)
        painter.setPen(self._major)
        painter.drawLines(major)
