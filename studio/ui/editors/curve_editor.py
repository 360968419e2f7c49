"""The curve editor: the animated params of the selected node as curves over frames.

Left, the node's animatable params (tick to show a curve; each has its colour).  Right, the
graph: frames across (a ruler on top; click or drag in it to set the current frame, which the
viewer follows), values up.  Keys are diamonds; Bezier segments show their handles.

* drag a key: move it in frame and value (snapped to whole frames while **Snap** is on; it
  never passes its neighbours); drag a handle: shape the Bezier segment;
* right-click a key: Linear / Ease / Hold / Bezier (the segment after the key) or Delete;
* double-click on or near a curve: add a key there; **K** keys the shown curves at the
  current frame; **Delete** removes the selected key; **F** fits the view;
* wheel zooms frames about the cursor, Shift+wheel values; middle-drag pans;
* the Frame and Value fields edit the selected key precisely.

A MotionBrush node also lists its brushes' motion values ("Clouds · horizontal": brush name ·
field, -10..10).  Such a curve is named ``brushes/<index>/<field>`` here; each edit of it is one
``SetParam`` of the whole ``brushes`` param with only that field changed.

Every edit is one ``SetParam`` of that param on the window's undo stack; a drag is one undo
step (one ``merge_key``).  The curves are evaluated with :mod:`studio.graph.animation`, so what
is drawn is what the engine renders.
"""

from __future__ import annotations

import itertools
import math

from PySide6.QtCore import QPointF, QRectF, QSignalBlocker, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (QAction, QActionGroup, QColor, QFont, QKeySequence, QPainter, QPainterPath, QPen, QPolygonF,
                           QShortcut)
from PySide6.QtWidgets import (QComboBox, QDoubleSpinBox, QFormLayout, QListWidget, QListWidgetItem, QMenu, QSplitter,
                               QVBoxLayout, QWidget)

from studio.graph.animation import INTERPOLATIONS, is_animated
from studio.graph.commands import SetParam
from studio.ui import theme
from studio.ui.editors import brushdata as bd
from studio.ui.editors import curvedata as cd
from studio.ui.editors.key_button import KEY_COLOUR
from studio.ui.editors.timing import clip_timing

CURVE_COLOURS = ("#ff6b6b", "#4dabf7", "#ffd43b", "#69db7c", "#da77f2", "#ffa94d", "#3bc9db", "#f783ac")
LEFT, TOP, BOTTOM, RIGHT = 48, 24, 18, 12
HIT = 7.0
_drags = itertools.count(1)
BRUSH_PREFIX = "brushes/"
BRUSH_RANGE = (-10.0, 10.0)
_INTERP_NAMES = {"linear": "Linear", "ease": "Ease in/out", "hold": "Hold", "bezier": "Bezier"}


def brush_curve(index: int, field: str) -> str:
    """The curve name of a brush's motion value (``brushes/<index>/<field>``)."""
    return f"{BRUSH_PREFIX}{index}/{field}"


def _brush_ref(name) -> tuple[int, str] | None:
    """``(brush index, field)`` of a brush curve name, or None for a param name."""
    if not isinstance(name, str) or not name.startswith(BRUSH_PREFIX):
        return None
    index, _, field = name[len(BRUSH_PREFIX):].partition("/")
    if not index.isdigit() or field not in bd.VALUE_FIELDS:
        return None
    return int(index), field


def _nice_step(span: float, pixels: float, min_px: float) -> float:
    """A 1/2/5 x 10^n step so that ticks are at least ``min_px`` apart."""
    if span <= 0 or pixels <= 0:
        return 1.0
    raw = span * min_px / pixels
    base = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        if base * m >= raw:
            return base * m
    return base * 10


class CurveView(QWidget):
    """The plot.  It reads curves from its :class:`CurveEditor` and asks it to make edits."""

    frameRequested = Signal(int)
    selectionChanged = Signal()

    def __init__(self, editor, parent=None):
        super().__init__(parent)
        self.editor = editor
        self.setObjectName("curveView")
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.StrongFocus)
        self.setAttribute(Qt.WA_OpaquePaintEvent, True)
        self.setMinimumSize(300, 160)
        self.f0, self.f1 = 0.0, 96.0
        self.v0, self.v1 = -10.0, 10.0
        self.selected: tuple[str, int] | None = None     # (param, key index)
        self._drag: dict | None = None
        self._pan: QPointF | None = None
        self._hover = None

    def sizeHint(self) -> QSize:
        return QSize(800, 260)

    # -- mapping -----------------------------------------------------------------------------------
    def plot_rect(self) -> QRectF:
        return QRectF(LEFT, TOP, max(self.width() - LEFT - RIGHT, 10), max(self.height() - TOP - BOTTOM, 10))

    def fx(self, frame: float) -> float:
        r = self.plot_rect()
        return r.left() + (frame - self.f0) / (self.f1 - self.f0) * r.width()

    def vy(self, value: float) -> float:
        r = self.plot_rect()
        return r.bottom() - (value - self.v0) / (self.v1 - self.v0) * r.height()

    def to_point(self, frame: float, value: float) -> QPointF:
        return QPointF(self.fx(frame), self.vy(value))

    def frame_at(self, x: float) -> float:
        r = self.plot_rect()
        return self.f0 + (x - r.left()) / r.width() * (self.f1 - self.f0)

    def value_at_y(self, y: float) -> float:
        r = self.plot_rect()
        return self.v0 + (r.bottom() - y) / r.height() * (self.v1 - self.v0)

    def fit(self) -> None:
        """Frames: the clip and every key; values: every shown curve (or the params' range)."""
        frames, values = [0.0, float(max(self.editor.clip_frames - 1, 1))], []
        for name in self.editor.shown():
            value = self.editor.value(name)
            keys = cd.keys_of(value)
            frames += [float(k["frame"]) for k in keys]
            if keys:
                values += [float(k["value"]) for k in keys]
                values += [v for _, _, _, v in cd.handles(value)]
                n = 64
                a, b = frames[0], frames[1]
                values += [cd.evaluate(value, a + (b - a) * i / n) for i in range(n + 1)]
            else:
                values.append(float(value))
        f0, f1 = min(frames), max(frames)
        pad = max((f1 - f0) * 0.04, 1.0)
        self.f0, self.f1 = f0 - pad, f1 + pad
        if values:
            v0, v1 = min(values), max(values)
        else:
            v0, v1 = -1.0, 1.0
        if v1 - v0 < 1e-6:
            v0, v1 = v0 - 1.0, v1 + 1.0
        pad = (v1 - v0) * 0.12
        self.v0, self.v1 = v0 - pad, v1 + pad
        self.update()

    # -- painting --------------------------------------------------------------------------------------
    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor("#15171a"))
        r = self.plot_rect()
        p.fillRect(r, QColor("#1b1d21"))
        clip_end = self.fx(self.editor.clip_frames - 1)
        if clip_end < r.right():
            p.fillRect(QRectF(max(clip_end, r.left()), r.top(), r.right() - max(clip_end, r.left()), r.height()),
                       QColor(0, 0, 0, 70))
        if self.fx(0) > r.left():
            p.fillRect(QRectF(r.left(), r.top(), min(self.fx(0), r.right()) - r.left(), r.height()),
                       QColor(0, 0, 0, 70))
        self._paint_grid(p, r)
        p.setRenderHint(QPainter.Antialiasing, True)
        p.setClipRect(r)
        for name in self.editor.shown():
            self._paint_curve(p, name)
        p.setClipping(False)
        # the current frame
        x = self.fx(self.editor.frame)
        if r.left() <= x <= r.right():
            p.setPen(QPen(QColor(KEY_COLOUR), 1.2))
            p.drawLine(QPointF(x, TOP - 4), QPointF(x, r.bottom()))
            label = f"{self.editor.frame}"
            fm = p.fontMetrics()
            w = fm.horizontalAdvance(label) + 10
            box = QRectF(x - w / 2, 2, w, TOP - 6)
            p.setPen(Qt.NoPen)
            p.setBrush(QColor(KEY_COLOUR))
            p.drawRoundedRect(box, 3, 3)
            p.setPen(QColor("#1b1d21"))
            p.drawText(box, Qt.AlignCenter, label)
        if not self.editor.shown():
            p.setPen(QColor("#6f7682"))
            p.drawText(r, Qt.AlignCenter | Qt.TextWordWrap, self.editor.empty_hint())
        p.end()

    def _paint_grid(self, p: QPainter, r: QRectF) -> None:
        font = QFont(self.font())
        font.setPointSizeF(max(font.pointSizeF() - 1.0, 7.0))
        p.setFont(font)
        fstep = max(_nice_step(self.f1 - self.f0, r.width(), 56), 1.0)
        f = math.ceil(self.f0 / fstep) * fstep
        while f <= self.f1:
            x = self.fx(f)
            p.setPen(QPen(QColor("#262930"), 1))
            p.drawLine(QPointF(x, r.top()), QPointF(x, r.bottom()))
            p.setPen(QColor("#7d8490"))
            p.drawText(QRectF(x - 30, 4, 60, TOP - 8), Qt.AlignCenter, f"{f:g}")
            f += fstep
        vstep = _nice_step(self.v1 - self.v0, r.height(), 28)
        v = math.ceil(self.v0 / vstep) * vstep
        while v <= self.v1:
            y = self.vy(v)
            p.setPen(QPen(QColor("#30343c") if abs(v) < vstep * 1e-6 else QColor("#262930"), 1))
            p.drawLine(QPointF(r.left(), y), QPointF(r.right(), y))
            p.setPen(QColor("#7d8490"))
            p.drawText(QRectF(0, y - 8, LEFT - 6, 16), Qt.AlignRight | Qt.AlignVCenter, f"{v:g}")
            v += vstep
        p.setPen(QPen(QColor("#30343c"), 1))
        p.drawLine(QPointF(r.left(), TOP - 0.5), QPointF(r.right(), TOP - 0.5))

    def _paint_curve(self, p: QPainter, name: str) -> None:
        value = self.editor.value(name)
        colour = QColor(self.editor.colour(name))
        r = self.plot_rect()
        n = max(int(r.width() / 2), 16)
        path = QPainterPath()
        for i in range(n + 1):
            x = r.left() + r.width() * i / n
            pt = QPointF(x, self.vy(cd.evaluate(value, self.frame_at(x))))
            path.moveTo(pt) if i == 0 else path.lineTo(pt)
        selected_curve = self.selected is not None and self.selected[0] == name
        pen = QPen(colour, 2.0 if selected_curve or self.editor.current == name else 1.5)
        p.setPen(pen)
        p.setBrush(Qt.NoBrush)
        p.drawPath(path)
        keys = cd.keys_of(value)
        # Bezier handles
        for i, side, hf, hv in cd.handles(value):
            k = keys[i]
            a, b = self.to_point(float(k["frame"]), float(k["value"])), self.to_point(hf, hv)
            p.setPen(QPen(QColor(200, 205, 215, 150), 1))
            p.drawLine(a, b)
            hot = self._drag is not None and self._drag.get("handle") == (name, i, side)
            p.setPen(QPen(QColor("#101113"), 1))
            p.setBrush(QColor("#ffffff") if hot else QColor("#c9ced6"))
            p.drawEllipse(b, 3.5, 3.5)
        for i, k in enumerate(keys):
            c = self.to_point(float(k["frame"]), float(k["value"]))
            sel = self.selected == (name, i)
            s = 6.0 if sel else 5.0
            poly = QPolygonF([QPointF(c.x(), c.y() - s), QPointF(c.x() + s, c.y()), QPointF(c.x(), c.y() + s),
                              QPointF(c.x() - s, c.y())])
            p.setPen(QPen(QColor("#ffffff") if sel else QColor("#101113"), 1.3))
            p.setBrush(QColor(KEY_COLOUR) if sel else colour)
            p.drawPolygon(poly)

    # -- hit tests -------------------------------------------------------------------------------------
    def key_at(self, pos: QPointF) -> tuple[str, int] | None:
        best, where = HIT * HIT, None
        for name in reversed(self.editor.shown()):
            for i, k in enumerate(cd.keys_of(self.editor.value(name))):
                c = self.to_point(float(k["frame"]), float(k["value"]))
                d = (c.x() - pos.x()) ** 2 + (c.y() - pos.y()) ** 2
                if d <= best:
                    best, where = d, (name, i)
        return where

    def handle_at(self, pos: QPointF) -> tuple[str, int, str] | None:
        for name in reversed(self.editor.shown()):
            for i, side, hf, hv in cd.handles(self.editor.value(name)):
                c = self.to_point(hf, hv)
                if (c.x() - pos.x()) ** 2 + (c.y() - pos.y()) ** 2 <= HIT * HIT:
                    return name, i, side
        return None

    def curve_at(self, pos: QPointF) -> str | None:
        f = self.frame_at(pos.x())
        for name in reversed(self.editor.shown()):
            if abs(self.vy(cd.evaluate(self.editor.value(name), f)) - pos.y()) <= HIT + 2:
                return name
        return None

    # -- mouse -------------------------------------------------------------------------------------------
    def mousePressEvent(self, event) -> None:
        pos = event.position()
        alt_drag = event.button() == Qt.LeftButton and event.modifiers() & Qt.AltModifier
        if event.button() == Qt.MiddleButton or alt_drag:
            self._pan = pos
            return
        if event.button() == Qt.RightButton:
            return
        if event.button() != Qt.LeftButton:
            return
        if pos.y() < TOP:
            self._drag = {"scrub": True}
            self._scrub(pos)
            return
        handle = self.handle_at(pos)
        if handle is not None:
            self._drag = {"handle": handle, "key": next(_drags)}
            self.set_selected((handle[0], handle[1]))
            return
        key = self.key_at(pos)
        if key is not None:
            self.set_selected(key)
            k = cd.keys_of(self.editor.value(key[0]))[key[1]]
            c = self.to_point(float(k["frame"]), float(k["value"]))
            self._drag = {"move": key, "key": next(_drags), "grab": QPointF(c.x() - pos.x(), c.y() - pos.y())}
            return
        self.set_selected(None)

    def mouseMoveEvent(self, event) -> None:
        pos = event.position()
        if self._pan is not None:
            d = pos - self._pan
            self._pan = pos
            r = self.plot_rect()
            df = -d.x() / r.width() * (self.f1 - self.f0)
            dv = d.y() / r.height() * (self.v1 - self.v0)
            self.f0, self.f1, self.v0, self.v1 = self.f0 + df, self.f1 + df, self.v0 + dv, self.v1 + dv
            self.update()
            return
        if not self._drag:
            return
        if self._drag.get("scrub"):
            self._scrub(pos)
        elif "move" in self._drag:
            name, i = self._drag["move"]
            q = pos + self._drag["grab"]
            self.editor.move_key(name, i, self.frame_at(q.x()), self.value_at_y(q.y()), self._drag["key"])
        elif "handle" in self._drag:
            name, i, side = self._drag["handle"]
            k = cd.keys_of(self.editor.value(name))[i]
            self.editor.set_handle(name, i, side, self.frame_at(pos.x()) - float(k["frame"]),
                                   self.value_at_y(pos.y()) - float(k["value"]), self._drag["key"])

    def mouseReleaseEvent(self, event) -> None:
        self._pan = None
        self._drag = None
        self.update()

    def mouseDoubleClickEvent(self, event) -> None:
        pos = event.position()
        if pos.y() < TOP or event.button() != Qt.LeftButton:
            return
        name = self.curve_at(pos) or (self.editor.current if self.editor.current in self.editor.shown() else None)
        if name is None:
            return
        frame = self.frame_at(pos.x())
        if self.editor.snap:
            frame = round(frame)
        self.editor.add_key(name, max(frame, 0.0))

    def _scrub(self, pos: QPointF) -> None:
        self.frameRequested.emit(int(round(min(max(self.frame_at(pos.x()), 0), self.editor.clip_frames - 1))))

    def wheelEvent(self, event) -> None:
        steps = event.angleDelta().y() / 120.0
        if not steps:
            return
        factor = 0.85 ** steps
        pos = event.position()
        if event.modifiers() & (Qt.ShiftModifier | Qt.ControlModifier):
            v = self.value_at_y(pos.y())
            self.v0, self.v1 = v + (self.v0 - v) * factor, v + (self.v1 - v) * factor
        else:
            f = self.frame_at(pos.x())
            self.f0, self.f1 = f + (self.f0 - f) * factor, f + (self.f1 - f) * factor
        self.update()
        event.accept()

    def contextMenuEvent(self, event) -> None:
        key = self.key_at(QPointF(event.pos()))
        if key is None:
            return
        self.set_selected(key)
        name, i = key
        menu = QMenu(self)
        current = cd.keys_of(self.editor.value(name))[i].get("interp", "linear")
        group = QActionGroup(menu)
        for interp in INTERPOLATIONS:
            act = QAction(_INTERP_NAMES[interp], menu)
            act.setCheckable(True)
            act.setChecked(interp == current)
            act.triggered.connect(lambda checked=False, it=interp: self.editor.set_interp(name, i, it))
            group.addAction(act)
            menu.addAction(act)
        menu.addSeparator()
        menu.addAction("Delete Key", lambda: self.editor.delete_key(name, i))
        menu.exec(event.globalPos())

    def set_selected(self, sel) -> None:
        if sel != self.selected:
            self.selected = sel
            if sel is not None:
                self.editor.current = sel[0]
            self.selectionChanged.emit()
        self.update()


class CurveEditor(QWidget):
    """The dock content: param list, toolbar and :class:`CurveView` (see the module doc)."""

    frameRequested = Signal(int)
    titleChanged = Signal(str)          # "Curves — <node name>", for the dock

    def __init__(self, push, parent=None):
        super().__init__(parent)
        self.push = push
        self.graph = None
        self.node_id: str | None = None
        self.frame = 0
        self.clip_frames = 96
        self.snap = True
        self.current: str | None = None
        self._hidden: set[tuple[str, str]] = set()
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        tb = theme.dock_toolbar("curveTools")
        self.fit_action = tb.addAction(theme.icon("fa5s.expand"), "Fit", self.fit)
        self.fit_action.setToolTip("Fit the curves in view (F)")
        self.snap_action = tb.addAction(theme.icon("fa5s.magnet"), "Snap")
        self.snap_action.setCheckable(True)
        self.snap_action.setChecked(True)
        self.snap_action.setToolTip("Keys snap to whole frames")
        self.snap_action.toggled.connect(lambda on: setattr(self, "snap", on))
        self.delete_action = tb.addAction(theme.icon("fa5s.trash-alt"), "Delete Key", self.delete_selected)
        self.delete_action.setToolTip("Delete the selected key (Delete)")
        # the selected key, edited precisely (left column, under the param list)
        keybox = QWidget()
        form = QFormLayout(keybox)
        form.setContentsMargins(6, 6, 6, 6)
        form.setHorizontalSpacing(6)
        form.setVerticalSpacing(4)
        self.frame_spin = QDoubleSpinBox()
        self.frame_spin.setDecimals(2)
        self.frame_spin.setRange(0, 1e6)
        self.frame_spin.setKeyboardTracking(False)
        self.value_spin = QDoubleSpinBox()
        self.value_spin.setDecimals(3)
        self.value_spin.setRange(-1e9, 1e9)
        self.value_spin.setKeyboardTracking(False)
        self.interp_combo = QComboBox()
        for interp in INTERPOLATIONS:
            self.interp_combo.addItem(_INTERP_NAMES[interp], interp)
        self.interp_combo.setToolTip("How the curve goes from the selected key to the next")
        form.addRow("Frame", self.frame_spin)
        form.addRow("Value", self.value_spin)
        form.addRow("Then", self.interp_combo)
        self.frame_spin.valueChanged.connect(self._spin_edited)
        self.value_spin.valueChanged.connect(self._spin_edited)
        self.interp_combo.activated.connect(lambda i: self._interp_selected(self.interp_combo.itemData(i)))
        lay.addWidget(tb)
        split = QSplitter(Qt.Horizontal)
        left = QWidget()
        left_col = QVBoxLayout(left)
        left_col.setContentsMargins(0, 0, 0, 0)
        left_col.setSpacing(0)
        self.params = QListWidget()
        self.params.setObjectName("curveParams")
        self.params.itemChanged.connect(self._item_changed)
        self.params.currentItemChanged.connect(self._current_changed)
        left_col.addWidget(self.params, 1)
        left_col.addWidget(keybox)
        left.setMinimumWidth(170)
        left.setMaximumWidth(240)
        self.view = CurveView(self)
        split.addWidget(left)
        split.addWidget(self.view)
        split.setStretchFactor(1, 1)
        split.setSizes([190, 800])
        lay.addWidget(split, 1)
        self.view.frameRequested.connect(self.frameRequested)
        self.view.selectionChanged.connect(self._selection_changed)
        for seq, slot in (("F", self.fit), ("K", self.key_current_frame), ("Delete", self.delete_selected),
                          ("Backspace", self.delete_selected)):
            sc = QShortcut(QKeySequence(seq), self)
            sc.setContext(Qt.WidgetWithChildrenShortcut)
            sc.activated.connect(slot)
        self._selection_changed()

    # -- node and graph ----------------------------------------------------------------------------
    def set_graph(self, graph, bridge) -> None:
        self.graph = graph
        bridge.paramChanged.connect(self._param_changed)
        bridge.nodeRemoved.connect(lambda nid: self.set_node(None) if nid == self.node_id else None)
        bridge.linkAdded.connect(lambda link: self._timing_changed())
        bridge.linkRemoved.connect(lambda link: self._timing_changed())
        self.set_node(None)

    def node(self):
        return self.graph.nodes.get(self.node_id) if (self.graph is not None and self.node_id) else None

    def animatable(self) -> list:
        node = self.node()
        t = node.node_type if node is not None else None
        return [s for s in t.params if s.animatable and s.kind in ("float", "int")] if t else []

    def set_node(self, node_id: str | None) -> None:
        """Show the curves of ``node_id`` (the inspected node)."""
        changed = node_id != self.node_id
        self.node_id = node_id if (self.graph is not None and node_id in self.graph.nodes) else None
        if changed:
            self.view.selected = None
            self.current = None
        self._timing_changed(fit=False)
        self._fill_list()
        if changed:
            self.view.fit()
        self._selection_changed()

    def _timing_changed(self, fit: bool = False) -> None:
        if self.node() is not None:
            self.clip_frames = clip_timing(self.graph, self.node_id)[0]
        self.view.update()

    def _fill_list(self) -> None:
        node = self.node()
        with QSignalBlocker(self.params):
            self.params.clear()
            for name, title in self.channels():
                value = self.value(name)
                item = QListWidgetItem(self._item_text(title, value))
                item.setData(Qt.UserRole, name)
                item.setData(Qt.UserRole + 1, title)
                item.setFlags(item.flags() | Qt.ItemIsUserCheckable)
                shown = is_animated(value) and (self.node_id, name) not in self._hidden
                item.setCheckState(Qt.Checked if shown else Qt.Unchecked)
                item.setForeground(QColor(self.colour(name)) if is_animated(value) else QColor("#8d94a0"))
                n = len(cd.keys_of(value))
                item.setToolTip(f"{n} key{'s' if n != 1 else ''}" if n else "not animated: tick to key it")
                self.params.addItem(item)
                if name == self.current:
                    self.params.setCurrentItem(item)
        self.titleChanged.emit(f"Curves — {node.name}" if node is not None else "Curves")

    def _item_text(self, title: str, value) -> str:
        v = cd.evaluate(value, self.frame)
        return f"{title}  {v:.2f}" + ("  ◆" if cd.key_index(value, self.frame) is not None else "")

    def _update_item_texts(self) -> None:
        node = self.node()
        if node is None:
            return
        with QSignalBlocker(self.params):
            for i in range(self.params.count()):
                item = self.params.item(i)
                item.setText(self._item_text(item.data(Qt.UserRole + 1), self.value(item.data(Qt.UserRole))))

    def _param_changed(self, node_id: str, name: str) -> None:
        if node_id == self.node_id:
            self._fill_list()
            self._selection_changed()
            self.view.update()
        elif self.node() is not None and self.graph is not None and node_id in self.graph.nodes:
            frames = clip_timing(self.graph, self.node_id)[0]
            if frames != self.clip_frames:
                self.clip_frames = frames
                self.view.update()

    def _item_changed(self, item) -> None:
        name = item.data(Qt.UserRole)
        key = (self.node_id, name)
        if item.checkState() == Qt.Checked:
            self._hidden.discard(key)
            if not is_animated(self.value(name)):   # ticking a plain param keys it here (after this
                QTimer.singleShot(0, lambda: self.add_key(name, self.frame))   # signal: the list is rebuilt)
                return
        else:
            self._hidden.add(key)
            if self.view.selected and self.view.selected[0] == name:
                self.view.set_selected(None)
        self.view.update()

    def _current_changed(self, item, previous) -> None:
        if item is not None:
            self.current = item.data(Qt.UserRole)
            self.view.update()

    # -- reading ------------------------------------------------------------------------------------------
    def brushes(self) -> list:
        """The node's brushes (a MotionBrush node), else []."""
        node = self.node()
        if node is None or node.node_type is None or node.node_type.param("brushes") is None:
            return []
        brushes = node.params.get("brushes")
        return brushes if isinstance(brushes, list) else []

    def channels(self) -> list[tuple[str, str]]:
        """``(curve name, title)`` of every curve the node can have: its animatable params, then
        (a MotionBrush node) each brush's motion values."""
        out = [(s.name, s.title) for s in self.animatable()]
        brushes = self.brushes()
        for i, b in enumerate(brushes):
            if isinstance(b, dict):
                out += [(brush_curve(i, f), f"{bd.name_of(brushes, i)} · {f}") for f in bd.VALUE_FIELDS]
        return out

    def shown(self) -> list[str]:
        if self.node() is None:
            return []
        return [name for name, _ in self.channels()
                if is_animated(self.value(name)) and (self.node_id, name) not in self._hidden]

    def value(self, name: str):
        node = self.node()
        if node is None:
            return 0.0
        ref = _brush_ref(name)
        if ref is not None:
            brushes = self.brushes()
            b = brushes[ref[0]] if ref[0] < len(brushes) else None
            return (b.get(ref[1], 0.0) or 0.0) if isinstance(b, dict) else 0.0
        spec = self.spec(name)
        return node.params.get(name, spec.default if spec is not None else 0.0)

    def spec(self, name: str):
        node = self.node()
        return node.node_type.param(name) if node is not None and node.node_type else None

    def colour(self, name: str) -> str:
        names = [n for n, _ in self.channels()]
        return CURVE_COLOURS[names.index(name) % len(CURVE_COLOURS)] if name in names else CURVE_COLOURS[0]

    def empty_hint(self) -> str:
        if self.node() is None:
            return "Select a node to see its animation curves."
        if not self.channels():
            return "This node has no animatable settings."
        return "No animated settings: set a key with ◆ in the inspector, K, or tick a setting on the left."

    # -- frame ------------------------------------------------------------------------------------------------
    def set_frame(self, frame: int) -> None:
        self.frame = int(frame)
        self._update_item_texts()
        self.view.update()

    def fit(self) -> None:
        self.view.fit()

    # -- edits ---------------------------------------------------------------------------------------------------
    def _set(self, name: str, value, merge=None) -> bool:
        if self.node() is None:
            return False
        key = (self.node_id, name, "curve", merge) if merge is not None else None
        ref = _brush_ref(name)
        if ref is not None:             # one field of one brush: the whole brushes param, one step
            brushes = self.brushes()
            if ref[0] >= len(brushes):
                return False
            return self.push(SetParam(self.node_id, "brushes", bd.set_field(brushes, ref[0], ref[1], value),
                                      merge_key=key))
        return self.push(SetParam(self.node_id, name, value, merge_key=key))

    def _range(self, name: str):
        if _brush_ref(name) is not None:
            return BRUSH_RANGE
        spec = self.spec(name)
        return (spec.min, spec.max) if spec is not None else (None, None)

    def move_key(self, name: str, index: int, frame: float, value: float, merge=None) -> bool:
        lo, hi = self._range(name)
        return self._set(name, cd.move_key(self.value(name), index, frame, value, lo=lo, hi=hi, snap=self.snap), merge)

    def set_handle(self, name: str, index: int, side: str, dx: float, dy: float, merge=None) -> bool:
        return self._set(name, cd.set_handle(self.value(name), index, side, dx, dy), merge)

    def set_interp(self, name: str, index: int, interp: str) -> bool:
        return self._set(name, cd.set_interp(self.value(name), index, interp))

    def add_key(self, name: str, frame: float) -> bool:
        lo, hi = self._range(name)
        self.current = name
        ok = self._set(name, cd.set_key(self.value(name), frame, lo=lo, hi=hi))
        i = cd.key_index(self.value(name), round(frame, cd.DIGITS))
        if ok and i is not None:
            self.view.set_selected((name, i))
        return ok

    def delete_key(self, name: str, index: int) -> bool:
        keys = cd.keys_of(self.value(name))
        if not 0 <= index < len(keys):
            return False
        self.view.set_selected(None)
        return self._set(name, cd.remove_key(self.value(name), float(keys[index]["frame"])))

    def delete_selected(self) -> None:
        if self.view.selected is not None:
            self.delete_key(*self.view.selected)

    def key_current_frame(self) -> None:
        names = self.shown() or ([self.current] if self.current else [])
        for name in names:
            self.add_key(name, self.frame)

    def _interp_selected(self, interp: str) -> None:
        if self.view.selected is not None:
            self.set_interp(*self.view.selected, interp)
        self._selection_changed()

    def _spin_edited(self) -> None:
        sel = self.view.selected
        if sel is None:
            return
        self.move_key(sel[0], sel[1], self.frame_spin.value(), self.value_spin.value())

    def _selection_changed(self) -> None:
        sel = self.view.selected
        keys = cd.keys_of(self.value(sel[0])) if sel is not None else []
        has = sel is not None and 0 <= sel[1] < len(keys)
        for w in (self.frame_spin, self.value_spin, self.interp_combo, self.delete_action):
            w.setEnabled(has)
        with QSignalBlocker(self.frame_spin), QSignalBlocker(self.value_spin), QSignalBlocker(self.interp_combo):
            if has:
                k = keys[sel[1]]
                self.frame_spin.setValue(float(k["frame"]))
                self.value_spin.setValue(float(k["value"]))
                self.interp_combo.setCurrentIndex(max(self.interp_combo.findData(k.get("interp", "linear")), 0))
            else:
                self.interp_combo.setCurrentIndex(-1)
