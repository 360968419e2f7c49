"""The canvas view: gestures become commands.

* Pan: middle-drag, Space+drag or Alt+drag.  Zoom: the wheel, about the cursor.
* Left-drag on a node moves the selection (one undo step per drag: every step is a
  ``MoveNodes`` with the drag's ``merge_key``); on a backdrop's title it moves the backdrop
  and the nodes inside; on its corner grip it resizes it; on empty canvas (or a backdrop's
  body) it draws a rubber band.
* Left-drag from a port draws a wire.  Ports it cannot connect to are dimmed (type and cycle
  rules); releasing on a port asks the model (``Graph.can_connect``) and a refusal shows the
  model's reason (``status`` signal and a tooltip).  Releasing on empty canvas opens the node
  search limited to compatible types and connects the new node.  Dragging from a connected
  input picks its wire up (drop it on empty canvas to disconnect).
* Tab opens the node search at the cursor.  Drops (node types, media files, workflows) are
  handled by :mod:`studio.ui.canvas.drops`.

The view never edits the graph directly: it calls ``push(command)`` (the undo stack).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

from PySide6.QtCore import QPoint, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QCursor, QPainter, QTransform
from PySide6.QtWidgets import QGraphicsView, QToolTip

from studio.graph.commands import Connect, Disconnect, Macro, MoveNodes
from studio.graph.types import compatible
from studio.ui.backdrops import EditBackdrop, MoveItems
from studio.ui.canvas import edit
from studio.ui.canvas.backdrop_item import BackdropItem
from studio.ui.canvas.drops import DropsMixin
from studio.ui.canvas.node_item import HEADER, NodeItem
from studio.ui.canvas.port_item import PortItem
from studio.ui.canvas.search_popup import SearchPopup
from studio.ui.canvas.wire_item import WireItem

MIN_ZOOM, MAX_ZOOM = 0.08, 4.0
LOD_PORTS = 0.35   # below this zoom, ports are hidden and nodes are drawn as silhouettes
_drag_ids = itertools.count(1)


class GraphView(DropsMixin, QGraphicsView):
    status = Signal(str)            # a message for the status bar (refusals, drops)
    openRequested = Signal(str)     # a .cgraph file was dropped
    nodesCreated = Signal(list)     # ids of nodes made by a gesture (selected afterwards)
    viewChanged = Signal()          # pan or zoom (minimap)
    nodeDoubleClicked = Signal(str)  # open the node's editor (motion brushes, keyframes, curves)

    def __init__(self, scene, push: Callable, registry, parent=None):
        super().__init__(scene, parent)
        self.push = push
        self.registry = registry
        self.setRenderHints(QPainter.Antialiasing | QPainter.TextAntialiasing | QPainter.SmoothPixmapTransform)
        self.setViewportUpdateMode(QGraphicsView.SmartViewportUpdate)
        self.setCacheMode(QGraphicsView.CacheBackground)
        self.setOptimizationFlags(QGraphicsView.DontSavePainterState)
        self.setDragMode(QGraphicsView.RubberBandDrag)
        self.setRubberBandSelectionMode(Qt.IntersectsItemShape)
        self.setTransformationAnchor(QGraphicsView.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.AnchorViewCenter)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.setAcceptDrops(True)
        self.setFocusPolicy(Qt.StrongFocus)
        self.setMouseTracking(True)
        self._mode: str | None = None
        self._last = QPoint()
        self._space = False
        self._press_view = QPoint()
        # node / backdrop drag
        self._drag_key = None
        self._drag_start = QPointF()
        self._drag_nodes: dict[str, tuple[float, float]] = {}
        self._drag_rects: dict[str, list[float]] = {}
        self._resize_id = ""
        # wire drag
        self._wire: WireItem | None = None
        self._from: PortItem | None = None
        self._detach = None
        self._hot: PortItem | None = None
        self.popup = SearchPopup(registry, self)
        self.popup.chosen.connect(self._popup_chosen)
        self.popup.dismissed.connect(self._popup_dismissed)
        self._popup_pos = QPointF()
        self._popup_wire = None
        self.viewChanged.connect(self._level_of_detail)
        self.horizontalScrollBar().valueChanged.connect(self.viewChanged)
        self.verticalScrollBar().valueChanged.connect(self.viewChanged)

    # -- helpers -----------------------------------------------------------------------------
    @property
    def graph(self):
        return self.scene().graph

    def zoom(self) -> float:
        return self.transform().m11()

    def _level_of_detail(self) -> None:
        scene = self.scene()
        if scene is not None:
            scene.set_ports_visible(self.zoom() >= LOD_PORTS)

    def cursor_scene_pos(self) -> QPointF | None:
        """The cursor in scene coordinates, or None when it is outside the view."""
        p = self.viewport().mapFromGlobal(QCursor.pos())
        if not self.viewport().rect().contains(p):
            return None
        return self.mapToScene(p)

    def center_scene_pos(self) -> QPointF:
        return self.mapToScene(self.viewport().rect().center())

    def _port_at(self, view_pos: QPoint) -> PortItem | None:
        for item in self.items(view_pos):
            if isinstance(item, PortItem):
                return item
        # a little snapping: the nearest port within a few pixels
        best, best_d = None, 14.0
        sp = self.mapToScene(view_pos)
        r = 14.0 / max(self.zoom(), 0.05)
        for item in self.scene().items(QRectF(sp.x() - r, sp.y() - r, 2 * r, 2 * r)):
            if isinstance(item, PortItem):
                d = (self.mapFromScene(item.scenePos()) - view_pos).manhattanLength()
                if d < best_d:
                    best, best_d = item, d
        return best

    def _node_at(self, view_pos: QPoint) -> NodeItem | None:
        for item in self.items(view_pos):
            if isinstance(item, NodeItem):
                return item
            if isinstance(item, PortItem):
                return item.parentItem()
        return None

    def _backdrop_at(self, view_pos: QPoint) -> BackdropItem | None:
        for item in self.items(view_pos):
            if isinstance(item, BackdropItem):
                return item
            if isinstance(item, (NodeItem, PortItem)):
                return None
        return None

    # -- zoom and framing ------------------------------------------------------------------------
    def set_zoom(self, factor: float, anchor_view: QPoint | None = None) -> None:
        current = self.zoom()
        target = max(MIN_ZOOM, min(MAX_ZOOM, current * factor))
        if abs(target - current) < 1e-9:
            return
        if anchor_view is None:
            self.scale(target / current, target / current)
        else:
            before = self.mapToScene(anchor_view)
            old = self.transformationAnchor()
            self.setTransformationAnchor(QGraphicsView.NoAnchor)
            self.scale(target / current, target / current)
            after = self.mapToScene(anchor_view)
            delta = after - before
            self.translate(delta.x(), delta.y())
            self.setTransformationAnchor(old)
        self.viewChanged.emit()

    def frame_rect(self, rect: QRectF, max_zoom: float = 1.25) -> None:
        if rect.isNull() or rect.isEmpty():
            return
        rect = rect.adjusted(-60, -60, 60, 60)
        self.fitInView(rect, Qt.KeepAspectRatio)
        if self.zoom() > max_zoom:
            self.setTransform(QTransform.fromScale(max_zoom, max_zoom))
            self.centerOn(rect.center())
        self.viewChanged.emit()

    def frame_all(self) -> None:
        self.frame_rect(self.scene().content_rect())

    def frame_selected(self) -> None:
        rect = QRectF()
        for item in self.scene().selectedItems():
            if isinstance(item, (NodeItem, BackdropItem)):
                rect = rect.united(item.sceneBoundingRect())
        if rect.isNull():
            self.frame_all()
        else:
            self.frame_rect(rect)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        minimap = getattr(self, "minimap", None)
        if minimap is not None:
            minimap.reposition()
        self.viewChanged.emit()

    def wheelEvent(self, event) -> None:
        delta = event.angleDelta().y() or event.angleDelta().x()
        if delta:
            self.set_zoom(1.0015 ** delta, event.position().toPoint())
        event.accept()

    # -- mouse -------------------------------------------------------------------------------------
    def mousePressEvent(self, event) -> None:
        pos = event.position().toPoint()
        self._last = self._press_view = pos
        button = event.button()
        mods = event.modifiers()
        if button == Qt.MiddleButton or (button == Qt.LeftButton and (self._space or mods & Qt.AltModifier)):
            self._mode = "pan"
            self.viewport().setCursor(Qt.ClosedHandCursor)
            event.accept()
            return
        if button != Qt.LeftButton:
            super().mousePressEvent(event)
            return
        port = self._port_at(pos)
        if port is not None:
            self._start_wire(port, pos)
            event.accept()
            return
        node = self._node_at(pos)
        if node is not None:
            self._select_for_drag(node, mods)
            self._start_move(pos)
            self._press_item = node if not mods & (Qt.ControlModifier | Qt.ShiftModifier) else None
            event.accept()
            return
        backdrop = self._backdrop_at(pos)
        scene_pos = self.mapToScene(pos)
        if backdrop is not None and backdrop.in_grip(scene_pos):
            self._mode = "resize"
            self._resize_id = backdrop.backdrop_id
            self._drag_key = ("resize", next(_drag_ids))
            self._drag_start = scene_pos
            self._drag_rects = {backdrop.backdrop_id: [backdrop.pos().x(), backdrop.pos().y(), backdrop._w, backdrop._h]}
            event.accept()
            return
        if backdrop is not None and backdrop.in_title(scene_pos):
            self._select_for_drag(backdrop, mods)
            self._start_move(pos)
            event.accept()
            return
        self._mode = "band"
        super().mousePressEvent(event)

    def _select_for_drag(self, item, mods) -> None:
        if mods & (Qt.ControlModifier | Qt.ShiftModifier):
            if mods & Qt.ControlModifier and item.isSelected():
                item.setSelected(False)
            else:
                item.setSelected(True)
        elif not item.isSelected():
            scene = self.scene()
            scene.blockSignals(True)
            scene.clearSelection()
            scene.blockSignals(False)
            item.setSelected(True)

    def _start_move(self, pos: QPoint) -> None:
        scene = self.scene()
        self._mode = "move"
        self._drag_key = ("move", next(_drag_ids))
        self._drag_start = self.mapToScene(pos)
        ids = set(scene.selected_node_ids())
        self._drag_rects = {}
        for bid in scene.selected_backdrop_ids():
            item = scene.backdrop_items[bid]
            self._drag_rects[bid] = [item.pos().x(), item.pos().y(), item._w, item._h]
            ids.update(scene.nodes_inside(item.rect()))
        self._drag_nodes = {nid: self.graph.nodes[nid].pos for nid in ids if nid in self.graph.nodes}

    def mouseMoveEvent(self, event) -> None:
        pos = event.position().toPoint()
        if self._mode == "pan":
            d = pos - self._last
            self._last = pos
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - d.x())
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() - d.y())
            event.accept()
            return
        self._last = pos
        if self._mode == "wire":
            self._update_wire(pos)
            event.accept()
            return
        if self._mode == "move":
            if (pos - self._press_view).manhattanLength() < 3 and not self._moved:
                return
            self._moved = True
            d = self.mapToScene(pos) - self._drag_start
            nodes = {nid: (p[0] + d.x(), p[1] + d.y()) for nid, p in self._drag_nodes.items()}
            if self._drag_rects:
                rects = {bid: [r[0] + d.x(), r[1] + d.y(), r[2], r[3]] for bid, r in self._drag_rects.items()}
                self.push(MoveItems(nodes, rects, merge_key=self._drag_key))
            elif nodes:
                self.push(MoveNodes(nodes, merge_key=self._drag_key))
            event.accept()
            return
        if self._mode == "resize":
            d = self.mapToScene(pos) - self._drag_start
            x, y, w, h = self._drag_rects[self._resize_id]
            rect = [x, y, max(160.0, w + d.x()), max(80.0, h + d.y())]
            self.push(EditBackdrop(self._resize_id, merge_key=self._drag_key, rect=rect))
            event.accept()
            return
        super().mouseMoveEvent(event)

    _moved = False

    _press_item = None

    def mouseReleaseEvent(self, event) -> None:
        mode, self._mode = self._mode, None
        moved, self._moved = self._moved, False
        pressed, self._press_item = self._press_item, None
        pos = event.position().toPoint()
        if mode == "pan":
            self.viewport().setCursor(Qt.OpenHandCursor if self._space else Qt.ArrowCursor)
            event.accept()
            return
        if mode == "wire":
            self._finish_wire(pos)
            event.accept()
            return
        if mode in ("move", "resize"):
            self._drag_key = None
            if mode == "move" and not moved and pressed is not None and len(self.scene().selectedItems()) > 1:
                self.scene().select_nodes([pressed.node_id])   # a click in a selection picks that node
            event.accept()
            return
        super().mouseReleaseEvent(event)
        if mode == "band" and (pos - self._press_view).manhattanLength() > 3:
            for item in self.scene().selectedItems():   # a rubber band selects nodes, not wires
                if isinstance(item, WireItem):
                    item.setSelected(False)

    def mouseDoubleClickEvent(self, event) -> None:
        pos = event.position().toPoint()
        backdrop = self._backdrop_at(pos)
        if backdrop is not None and backdrop.in_title(self.mapToScene(pos)):
            self.rename_backdrop(backdrop.backdrop_id)
            return
        node = self._node_at(pos)
        if node is not None and event.button() == Qt.LeftButton:
            self.nodeDoubleClicked.emit(node.node_id)
            event.accept()
            return
        super().mouseDoubleClickEvent(event)

    # -- wires -------------------------------------------------------------------------------------
    def _start_wire(self, port: PortItem, pos: QPoint) -> None:
        self._detach = None
        if not port.is_output:
            link = self.graph.link_to(port.node_id, port.name)
            if link is not None:   # pick the existing wire up by its input end
                src = self.scene().port_item(link.source, link.output, True)
                if src is not None:
                    self._detach = link
                    self.scene().wires[(link.target, link.input)].setVisible(False)
                    port = src
        self._mode = "wire"
        self._from = port
        self._wire = WireItem(None, port.port_type)
        self._wire.dashed = True
        self.scene().addItem(self._wire)
        self._dim_ports(port)
        self._update_wire(pos)

    def _dim_ports(self, origin: PortItem) -> None:
        graph = self.graph
        if origin.is_output:
            blocked = graph.upstream([origin.node_id])
        else:
            blocked = graph.downstream(origin.node_id)
        for item in self.scene().nodes.values():
            for p in item.all_ports():
                if p.is_output == origin.is_output or item.node_id in blocked:
                    p.set_dimmed(True)
                elif origin.is_output:
                    p.set_dimmed(not compatible(origin.port_type, p.port_type)[0])
                else:
                    p.set_dimmed(not compatible(p.port_type, origin.port_type)[0])

    def _undim_ports(self) -> None:
        for item in self.scene().nodes.values():
            for p in item.all_ports():
                p.set_dimmed(False)
                p.set_hot(False)

    def _update_wire(self, pos: QPoint) -> None:
        origin = self._from
        target = self._port_at(pos)
        if target is origin:
            target = None
        if self._hot is not None and self._hot is not target:
            self._hot.set_hot(False)
        self._hot = target
        end = target.scenePos() if target is not None and not target.dimmed else self.mapToScene(pos)
        if target is not None:
            target.set_hot(True)
        a, b = (origin.scenePos(), end) if origin.is_output else (end, origin.scenePos())
        self._wire.set_ends(a, b)

    def _end_wire_drag(self) -> None:
        if self._wire is not None:
            self.scene().removeItem(self._wire)
        self._wire = None
        self._undim_ports()
        if self._detach is not None:
            wire = self.scene().wires.get((self._detach.target, self._detach.input))
            if wire is not None:
                wire.setVisible(True)

    def verdict(self, a: PortItem, b: PortItem):
        """The model's verdict on linking ports ``a`` and ``b`` (either order), ignoring a picked-up wire."""
        from studio.graph.model import Verdict
        if a.is_output == b.is_output:
            kind = "outputs" if a.is_output else "inputs"
            return Verdict(False, f"cannot connect two {kind}: drag from an output to an input")
        out, inp = (a, b) if a.is_output else (b, a)
        detach = self._detach
        if detach is not None and (detach.target, detach.input) == (inp.node_id, inp.name) \
                and (detach.source, detach.output) == (out.node_id, out.name):
            return Verdict(True)
        return self.graph.can_connect(out.node_id, out.name, inp.node_id, inp.name)

    def _finish_wire(self, pos: QPoint) -> None:
        origin, detach = self._from, self._detach
        target = self._port_at(pos)
        self._end_wire_drag()
        self._from = None
        if target is not None and target is not origin:
            verdict = self.verdict(origin, target)
            if not verdict:
                self.refuse(verdict.reason, pos)
                self._detach = None
                return
            out, inp = (origin, target) if origin.is_output else (target, origin)
            if detach is not None and (detach.target, detach.input) == (inp.node_id, inp.name):
                self._detach = None
                if (detach.source, detach.output) == (out.node_id, out.name):
                    return   # dropped back where it was
            connect = Connect(out.node_id, out.name, inp.node_id, inp.name)
            if detach is not None and (detach.target, detach.input) != (inp.node_id, inp.name):
                self.push(Macro("Reconnect", [Disconnect(detach.target, detach.input), connect]))
            else:
                self.push(connect)
            if verdict.reason:
                self.status.emit(verdict.reason)
            self._detach = None
            return
        if detach is not None:   # a picked-up wire dropped on empty canvas: disconnect
            self.push(Disconnect(detach.target, detach.input))
            self._detach = None
            return
        if target is None:
            self.open_search(pos, wire_from=origin)

    def refuse(self, reason: str, view_pos: QPoint | None = None) -> None:
        """Show why a connection was refused (status bar and a tooltip at the cursor)."""
        self.status.emit(f"Cannot connect: {reason}")
        at = self.viewport().mapToGlobal(view_pos if view_pos is not None else self.viewport().rect().center())
        QToolTip.showText(at, reason, self)

    # -- search popup -------------------------------------------------------------------------------
    def open_search(self, view_pos: QPoint | None = None, wire_from: PortItem | None = None) -> None:
        if view_pos is None:
            p = self.viewport().mapFromGlobal(QCursor.pos())
            view_pos = p if self.viewport().rect().contains(p) else self.viewport().rect().center()
        self._popup_pos = self.mapToScene(view_pos)
        accept, hint = None, ""
        if wire_from is not None:
            self._popup_wire = (wire_from.node_id, wire_from.name, wire_from.is_output, wire_from.port_type)
            ptype, is_out = wire_from.port_type, wire_from.is_output
            if is_out:
                def accept(t):
                    return edit.first_compatible(t.inputs, ptype, True) is not None
            else:
                def accept(t):
                    return edit.first_compatible(t.outputs, ptype, False) is not None
            hint = f"Nodes that take {ptype}" if is_out else f"Nodes that give {ptype}"
        else:
            self._popup_wire = None
        self.popup.open_at(self.viewport().mapToGlobal(view_pos), accept, hint)

    def _popup_chosen(self, type_id: str) -> None:
        p = self._popup_pos
        wire = self._popup_wire
        self._popup_wire = None
        pos = (p.x(), p.y() - HEADER / 2)
        if wire is not None:
            t = self.registry.get(type_id)
            if t is not None:
                ports = t.inputs if wire[2] else t.outputs
                port = edit.first_compatible(ports, wire[3], wire[2])
                index = ports.index(port) if port is not None else 0
                y = p.y() - NodeItem.port_y(index)
                pos = (p.x() + 20, y) if wire[2] else (p.x() - 220, y)
        cmd, node_id = edit.add_and_connect(self.graph, type_id, pos, wire)
        if self.push(cmd):
            self.nodesCreated.emit([node_id])

    def _popup_dismissed(self) -> None:
        self._popup_wire = None

    # -- keys ---------------------------------------------------------------------------------------
    def event(self, event) -> bool:
        if event.type() == event.Type.KeyPress and event.key() == Qt.Key_Tab and not event.modifiers():
            self.open_search()
            return True
        return super().event(event)

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key_Space and not event.isAutoRepeat():
            self._space = True
            self.viewport().setCursor(Qt.OpenHandCursor)
            event.accept()
            return
        if event.key() == Qt.Key_Escape and self._mode == "wire":
            self._mode = None
            self._end_wire_drag()
            self._detach = None
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event) -> None:
        if event.key() == Qt.Key_Space and not event.isAutoRepeat():
            self._space = False
            self.viewport().setCursor(Qt.ArrowCursor)
            event.accept()
            return
        super().keyReleaseEvent(event)

    def focusOutEvent(self, event) -> None:
        self._space = False
        super().focusOutEvent(event)

    # -- backdrops (dialog part; the window adds the commands) --------------------------------------
    def rename_backdrop(self, backdrop_id: str) -> None:
        from PySide6.QtWidgets import QInputDialog
        item = self.scene().backdrop_items.get(backdrop_id)
        if item is None:
            return
        text, ok = QInputDialog.getText(self, "Rename backdrop", "Title:", text=item.title)
        if ok:
            self.push(EditBackdrop(backdrop_id, title=text))
