"""The motion brush editor: a window for one MotionBrush node.

Left to right: the painting canvas (:mod:`.brush_canvas`) on the node's source frame; a side
panel with the brush list (up to 8, each in its own colour), the selected brush's motion
(horizontal, vertical, proximity, ambient: -10..10, units in docs/motion.md) with keyframe
buttons (a value can be animated over the clip, keyed at the app's current frame like any
animatable param), its trajectory easing, and the preview loop.

Edits: every gesture and every button is one ``SetParam`` of the node's ``brushes`` param on
the window's undo stack (a stroke, a fill, an auto-selected object, a trajectory, a new
brush); the steps of one slider drag carry one ``merge_key`` and merge into one undo step.
The editor keeps no state of its own that undo could miss: it re-reads the param whenever
the graph says it changed.

Tools and keys (while the editor window is active): **B** paint, **E** erase, **T**
trajectory, **G** auto-select, **[** / **]** brush size, **F** fit, **1** 100 %, **K** set/remove a
key at the current frame on the value slider that has focus or was last touched (horizontal
until one is; the same edit as its ◆ button); Ctrl+Z /
Ctrl+Shift+Z are the window's own undo and redo actions.

Slow work runs on :class:`~.workers.LatestWorker` threads: the source frame (the upstream
node, through the executor), GrabCut for auto-select, and the preview loop (``preview.WIDTH``
px, ``preview.FRAMES`` frames of the flow engine, restarted by every change; the newest wins).
"""

from __future__ import annotations

import copy
import itertools
import time

from PySide6.QtCore import QSignalBlocker, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QColor, QIcon, QKeySequence, QPainter, QPixmap, QShortcut
from PySide6.QtWidgets import (QApplication, QComboBox, QFormLayout, QFrame, QHBoxLayout, QLabel, QLineEdit,
                               QListWidget, QListWidgetItem, QMainWindow, QSizePolicy, QSlider, QToolButton,
                               QVBoxLayout, QWidget)

from studio.graph.commands import SetParam
from studio.graph.params import Float
from studio.motion.spec import EASINGS, MAX_BRUSHES
from studio.ui import theme
from studio.ui.editors import brushdata as bd
from studio.ui.editors import preview as pv
from studio.ui.editors.brush_canvas import BrushCanvas
from studio.ui.editors.source import SourceFrame
from studio.ui.editors.timing import clip_timing, downstream_generator
from studio.ui.editors.workers import LatestWorker
from studio.ui.frames import to_qimage
from studio.ui.editors.key_button import AnimatedNumberEditor

_gestures = itertools.count(1)

_VALUE_SPECS = {
    "horizontal": Float("horizontal", 0.0, min=-10, max=10, step=0.1, label="Horizontal",
                        description="1 = 1% of the frame height per second; positive moves right"),
    "vertical": Float("vertical", 0.0, min=-10, max=10, step=0.1, label="Vertical",
                      description="1 = 1% of the frame height per second; positive moves up"),
    "proximity": Float("proximity", 0.0, min=-10, max=10, step=0.1, label="Proximity",
                       description="1 = 2% growth per second; positive comes toward the camera (and in front)"),
    "ambient": Float("ambient", 0.0, min=-10, max=10, step=0.1, label="Ambient",
                     description="1 = 0.15% of the frame height of smooth wander, about one cycle per second"),
}
_EASING_NAMES = {"linear": "Linear", "ease_in": "Ease in", "ease_out": "Ease out", "ease_in_out": "Ease in/out"}


def _regions(brushes: list) -> list:
    """What the overlay depends on: each brush's shapes and colour (not its motion)."""
    return [(b.get("shapes"), bd.colour_of(brushes, i)) for i, b in enumerate(brushes)]


def _swatch(colour: str, size: int = 14) -> QIcon:
    pm = QPixmap(size, size)
    pm.fill(Qt.transparent)
    p = QPainter(pm)
    p.setRenderHint(QPainter.Antialiasing)
    p.setPen(QColor(0, 0, 0, 120))
    p.setBrush(QColor(colour))
    p.drawRoundedRect(1, 1, size - 2, size - 2, 3, 3)
    p.end()
    return QIcon(pm)


class PreviewLoop(QWidget):
    """Plays a list of QImages in a loop at ``fps``."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.frames: list = []
        self.index = 0
        self.ratio = 9 / 16
        self.hint = "Preview"
        self.timer = QTimer(self)
        self.timer.timeout.connect(self._tick)
        self.setMinimumHeight(150)

    def sizeHint(self) -> QSize:
        return QSize(280, 180)

    def set_frames(self, frames: list, fps: float) -> None:
        if frames:                      # as tall as the picture: the caption sits right under it
            self.ratio = frames[0].height() / max(frames[0].width(), 1)
            self._fit_height()
        self.frames = frames
        self.index = min(self.index, len(frames) - 1) if frames else 0
        self.timer.setInterval(max(int(round(1000.0 / max(fps, 1.0))), 15))
        if frames and not self.timer.isActive():
            self.timer.start()
        self.update()

    def stop(self) -> None:
        self.timer.stop()

    def _fit_height(self) -> None:
        h = max(int(round(self.width() * self.ratio)), 60)
        if self.maximumHeight() != h:
            self.setFixedHeight(h)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_height()

    def _tick(self) -> None:
        if self.frames:
            self.index = (self.index + 1) % len(self.frames)
            self.update()

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor("#1f2227"))
        if self.frames:
            img = self.frames[self.index]
            s = min(self.width() / img.width(), self.height() / img.height())
            w, h = img.width() * s, img.height() * s
            p.setRenderHint(QPainter.SmoothPixmapTransform, True)
            from PySide6.QtCore import QRectF
            p.drawImage(QRectF((self.width() - w) / 2, 0, w, h), img)
        else:
            p.setPen(QColor("#6f7682"))
            p.drawText(self.rect(), Qt.AlignCenter | Qt.TextWordWrap, self.hint)
        p.end()


class BrushEditor(QMainWindow):
    """The editor window of one MotionBrush node (see the module docstring)."""

    previewPartial = Signal(object)    # (job id, coarse frames, fps, arrows), from the worker thread

    def __init__(self, win, node_id: str):
        super().__init__(win, Qt.Window)
        self.win = win
        self.node_id = node_id
        self.setObjectName("brushEditor")
        self.setAttribute(Qt.WA_DeleteOnClose, False)
        self.brushes: list = []
        self.selected = 0
        self.source = None                      # (H, W, 3) uint8, full resolution
        self.preview_seconds: float | None = None
        self.preview_job = 0
        self._preview_started = 0.0
        self._select_target: tuple[int, str] | None = None

        self.canvas = BrushCanvas()
        self.setCentralWidget(self.canvas)
        self._build_toolbar()
        self._build_panel()
        self.statusBar().setSizeGripEnabled(False)
        self._build_shortcuts()

        self.fetcher = SourceFrame(win.runs, self)
        self.fetcher.ready.connect(self._source_ready)
        self.previewer = LatestWorker("cinegraph-brush-preview", self)
        self.previewer.finished.connect(self._preview_done)
        self.previewer.failed.connect(self._preview_failed)
        self.previewPartial.connect(self._preview_partial)
        self.preview_first_seconds: float | None = None   # change -> the first (coarse) loop
        self.selector = LatestWorker("cinegraph-autoselect", self)
        self.selector.finished.connect(self._selected_done)
        self.selector.failed.connect(self._selected_failed)
        self.canvas.gestureFinished.connect(self._gesture)
        self.canvas.zoomChanged.connect(lambda z: self.zoom_label.setText(f"{z * 100:.0f} %"))
        self.resize(1280, 800)
        self.attach()

    # -- building --------------------------------------------------------------------------------
    def _build_toolbar(self) -> None:
        tb = self.addToolBar("Tools")
        tb.setObjectName("brushTools")
        tb.setMovable(False)
        tb.setToolButtonStyle(Qt.ToolButtonTextBesideIcon)
        tb.setIconSize(QSize(16, 16))
        group = QActionGroup(self)
        self.tool_actions: dict[str, QAction] = {}
        for tool, text, icon, key, tip in (
                ("paint", "Paint", "fa5s.paint-brush", "B", "Paint the selected brush's region"),
                ("erase", "Erase", "fa5s.eraser", "E", "Erase from the selected brush's region"),
                ("path", "Trajectory", "fa5s.route", "T", "Draw the path the region follows over the clip"),
                ("select", "Auto-select", "fa5s.magic", "G",
                 "Scribble over an object: it is selected with GrabCut and added as an outline")):
            act = QAction(theme.icon(icon), text, self)
            act.setCheckable(True)
            act.setToolTip(f"{tip}  ({key})")
            act.triggered.connect(lambda checked=False, t=tool: self.set_tool(t))
            group.addAction(act)
            tb.addAction(act)
            self.tool_actions[tool] = act
        self.tool_actions["paint"].setChecked(True)
        tb.addSeparator()
        tb.addWidget(QLabel(" Size "))
        self.size_slider = QSlider(Qt.Horizontal)
        self.size_slider.setRange(2, 400)          # thousandths of the frame height
        self.size_slider.setFixedWidth(110)
        self.size_slider.setToolTip("Brush radius ([ and ])")
        tb.addWidget(self.size_slider)
        self.size_label = QLabel()
        self.size_label.setMinimumWidth(52)
        tb.addWidget(self.size_label)
        tb.addWidget(QLabel(" Softness "))
        self.soft_slider = QSlider(Qt.Horizontal)
        self.soft_slider.setRange(0, 100)
        self.soft_slider.setFixedWidth(90)
        self.soft_slider.setToolTip("Edge softness: 0 hard, 1 a feather as wide as the radius")
        tb.addWidget(self.soft_slider)
        self.soft_label = QLabel()
        self.soft_label.setMinimumWidth(30)
        tb.addWidget(self.soft_label)
        self.size_slider.valueChanged.connect(self._size_changed)
        self.soft_slider.valueChanged.connect(self._soft_changed)
        self.size_slider.setValue(40)
        self.soft_slider.setValue(50)
        tb.addSeparator()
        self.fill_action = tb.addAction(theme.icon("fa5s.fill-drip"), "Fill", self.fill)
        self.fill_action.setToolTip("Fill the whole frame with the selected brush")
        self.clear_action = tb.addAction(theme.icon("fa5s.times-circle"), "Clear", self.clear)
        self.clear_action.setToolTip("Clear the selected brush's region (its motion stays)")
        tb.addSeparator()
        tb.addAction(self.win.undo_action)
        tb.addAction(self.win.redo_action)
        self.addAction(self.win.undo_action)      # Ctrl+Z works while this window is active
        self.addAction(self.win.redo_action)
        for act in (self.win.undo_action, self.win.redo_action):
            btn = tb.widgetForAction(act)
            if btn is not None:
                btn.setToolButtonStyle(Qt.ToolButtonIconOnly)
        tb.addSeparator()
        self.masks_action = tb.addAction(theme.icon("fa5s.layer-group"), "Masks")
        self.masks_action.setCheckable(True)
        self.masks_action.setChecked(True)
        self.masks_action.toggled.connect(self._toggle_masks)
        self.arrows_action = tb.addAction(theme.icon("fa5s.long-arrow-alt-right"), "Arrows")
        self.arrows_action.setCheckable(True)
        self.arrows_action.setChecked(True)
        self.arrows_action.setToolTip("Show where each brushed point is at the end of the clip")
        self.arrows_action.toggled.connect(self._toggle_arrows)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Preferred)
        tb.addWidget(spacer)
        fit = tb.addAction(theme.icon("fa5s.expand"), "Fit", self.canvas.fit)
        fit.setToolTip("Fit the frame in the window (F)")
        one = tb.addAction("1:1", lambda: self.canvas.set_zoom(1.0))
        one.setToolTip("Actual pixels (1)")
        self.zoom_label = QLabel("100 %")
        self.zoom_label.setMinimumWidth(52)
        self.zoom_label.setAlignment(Qt.AlignRight | Qt.AlignVCenter)
        tb.addWidget(self.zoom_label)

    def _build_panel(self) -> None:
        panel = QFrame()
        panel.setObjectName("brushPanel")
        panel.setFixedWidth(300)
        col = QVBoxLayout(panel)
        col.setContentsMargins(10, 10, 10, 10)
        col.setSpacing(8)
        head = QHBoxLayout()
        title = QLabel("Brushes")
        title.setObjectName("sectionTitle")
        head.addWidget(title)
        head.addStretch(1)
        self.add_button = QToolButton()
        self.add_button.setIcon(theme.icon("fa5s.plus"))
        self.add_button.setToolTip(f"Add a brush (up to {MAX_BRUSHES})")
        self.add_button.clicked.connect(self.add_brush)
        self.remove_button = QToolButton()
        self.remove_button.setIcon(theme.icon("fa5s.trash-alt"))
        self.remove_button.setToolTip("Delete the selected brush")
        self.remove_button.clicked.connect(self.remove_brush)
        head.addWidget(self.add_button)
        head.addWidget(self.remove_button)
        col.addLayout(head)
        self.list = QListWidget()
        self.list.setObjectName("brushList")
        self.list.setIconSize(QSize(14, 14))
        self.list.setFixedHeight(8 * 20 + 8)
        self.list.currentRowChanged.connect(self._row_changed)
        col.addWidget(self.list)
        form = QFormLayout()
        form.setContentsMargins(0, 4, 0, 0)
        form.setHorizontalSpacing(8)
        form.setVerticalSpacing(6)
        form.setLabelAlignment(Qt.AlignRight | Qt.AlignVCenter)
        self.name_edit = QLineEdit()
        self.name_edit.editingFinished.connect(self._rename)
        form.addRow("Name", self.name_edit)
        self.value_editors: dict[str, AnimatedNumberEditor] = {}
        self.key_field = "horizontal"           # the value K keys: the slider last touched
        for field, spec in _VALUE_SPECS.items():
            ed = AnimatedNumberEditor(spec)
            ed.number.spin.setDecimals(1)
            ed.set_frame(self.win.current_frame)
            ed.edited.connect(lambda value, key, _f=field: self._set_value(_f, value, key))
            ed.jumpRequested.connect(self.win.go_to_frame)
            ed.touched.connect(lambda _f=field: setattr(self, "key_field", _f))
            label = QLabel(spec.title)
            label.setToolTip(spec.description)
            form.addRow(label, ed)
            self.value_editors[field] = ed
        path_row = QHBoxLayout()
        self.easing = QComboBox()
        for e in EASINGS:
            self.easing.addItem(_EASING_NAMES.get(e, e), e)
        self.easing.setToolTip("How the region travels along its trajectory over the clip")
        self.easing.currentIndexChanged.connect(self._set_easing)
        self.clear_path_button = QToolButton()
        self.clear_path_button.setIcon(theme.icon("fa5s.times"))
        self.clear_path_button.setToolTip("Remove the trajectory")
        self.clear_path_button.clicked.connect(self.clear_trajectory)
        path_row.addWidget(self.easing, 1)
        path_row.addWidget(self.clear_path_button)
        form.addRow("Path easing", path_row)
        col.addLayout(form)
        self.detail = QLabel()
        self.detail.setObjectName("dimText")
        self.detail.setWordWrap(True)
        col.addWidget(self.detail)
        col.addSpacing(6)
        ptitle = QLabel("Preview")
        ptitle.setObjectName("sectionTitle")
        col.addWidget(ptitle)
        self.preview = PreviewLoop()
        col.addWidget(self.preview)
        self.preview_label = QLabel("")
        self.preview_label.setObjectName("dimText")
        self.preview_label.setWordWrap(True)
        self.preview_label.setAlignment(Qt.AlignLeft | Qt.AlignTop)
        col.addWidget(self.preview_label)
        col.addStretch(1)
        from PySide6.QtWidgets import QDockWidget
        dock = QDockWidget("Brush", self)
        dock.setObjectName("brushPanelDock")
        dock.setTitleBarWidget(QWidget())
        dock.setFeatures(QDockWidget.NoDockWidgetFeatures)
        dock.setWidget(panel)
        self.addDockWidget(Qt.RightDockWidgetArea, dock)

    def _build_shortcuts(self) -> None:
        def key(seq: str, slot) -> None:
            sc = QShortcut(QKeySequence(seq), self)
            sc.setContext(Qt.WindowShortcut)
            sc.activated.connect(slot)
        key("B", lambda: self.set_tool("paint"))
        key("E", lambda: self.set_tool("erase"))
        key("T", lambda: self.set_tool("path"))
        key("G", lambda: self.set_tool("select"))
        key("[", lambda: self.scale_size(1 / 1.25))
        key("]", lambda: self.scale_size(1.25))
        key("F", self.canvas.fit)
        key("1", lambda: self.canvas.set_zoom(1.0))
        key("K", self.toggle_key)

    def key_target(self) -> str:
        """The value K keys: the slider that has focus, else the one last touched (horizontal)."""
        focus = QApplication.focusWidget()
        for field, ed in self.value_editors.items():
            if focus is not None and (focus is ed or ed.isAncestorOf(focus)):
                return field
        return self.key_field if self.key_field in self.value_editors else "horizontal"

    def toggle_key(self) -> None:
        """K: set/remove a key at the current frame on :meth:`key_target` (as its ◆ button)."""
        if self.brushes:
            self.value_editors[self.key_target()].toggle_key()

    # -- graph ----------------------------------------------------------------------------------
    @property
    def graph(self):
        return self.win.graph

    def attach(self) -> None:
        """Follow the window's current graph (called again after the document changes)."""
        self.win.bridge.paramChanged.connect(self._param_changed)
        self.win.bridge.linkAdded.connect(self._links_changed)
        self.win.bridge.linkRemoved.connect(self._links_changed)
        self.win.bridge.nodeRenamed.connect(self._renamed)
        self.reload()
        self.fetch_source()

    def node(self):
        return self.graph.nodes.get(self.node_id)

    def reload(self) -> None:
        node = self.node()
        if node is None:
            return
        self.setWindowTitle(f"Motion Brush — {node.name}")
        self.brushes = copy.deepcopy(node.params.get("brushes") or [])
        self.selected = min(self.selected, max(len(self.brushes) - 1, 0))
        with QSignalBlocker(self.list):
            self.list.clear()
            for i in range(len(self.brushes)):
                item = QListWidgetItem(_swatch(bd.colour_of(self.brushes, i)), bd.name_of(self.brushes, i))
                item.setToolTip(bd.values_text(self.brushes[i]))
                self.list.addItem(item)
            if self.brushes:
                self.list.setCurrentRow(self.selected)
        self.schedule_preview()                       # first: the worker starts while we redraw
        self._show_selected()
        if _regions(self.brushes) != _regions(self.canvas.brushes) or self.selected != self.canvas.selected:
            self.canvas.set_brushes(self.brushes, self.selected)
        else:                                         # only motion changed: the masks stay
            self.canvas.brushes = list(self.brushes)
            self.canvas.update()
        self.add_button.setEnabled(len(self.brushes) < MAX_BRUSHES)

    def _show_selected(self) -> None:
        has = bool(self.brushes)
        for w in (self.name_edit, self.easing, self.clear_path_button, self.remove_button, self.fill_action,
                  self.clear_action, *self.value_editors.values()):
            w.setEnabled(has)
        if not has:
            self.name_edit.setText("")
            self.detail.setText("No brushes yet: paint on the frame to make one.")
            return
        b = self.brushes[self.selected]
        self.name_edit.setText(bd.name_of(self.brushes, self.selected))
        for field, ed in self.value_editors.items():
            ed.set_value(b.get(field, 0.0) or 0.0)
        with QSignalBlocker(self.easing):
            self.easing.setCurrentIndex(max(self.easing.findData(b.get("easing", "ease_in_out")), 0))
        shapes = b.get("shapes") or []
        traj = b.get("trajectory") or []
        self.detail.setText(f"{len(shapes)} shape{'s' if len(shapes) != 1 else ''}"
                            + (f" · trajectory of {len(traj)} points" if len(traj) >= 2 else " · no trajectory"))
        self.clear_path_button.setEnabled(len(traj) >= 2)

    def _param_changed(self, node_id: str, name: str) -> None:
        if not self.isVisible():
            self._stale = True            # a closed editor stays idle; it catches up when shown
            return
        if node_id == self.node_id and name == "brushes":
            self.reload()
        elif node_id in self.graph.nodes and node_id == downstream_generator(self.graph, self.node_id):
            self.schedule_preview()       # frames, fps or seed of the clip changed
        elif node_id in self._upstream():
            self.fetch_source()           # the picture itself changed (a new file, a new setting)

    def _upstream(self) -> set:
        link = self.graph.link_to(self.node_id, "image") if self.node_id in self.graph.nodes else None
        return self.graph.upstream([link.source]) if link is not None else set()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if getattr(self, "_stale", False):
            self._stale = False
            self.reload()
            self.fetch_source()
        elif self.preview.frames:
            self.preview.timer.start()

    def hideEvent(self, event) -> None:
        super().hideEvent(event)
        self.preview.stop()

    def _links_changed(self, link) -> None:
        if not self.isVisible():
            self._stale = True
            return
        if link.target == self.node_id and link.input == "image" or link.target in self._upstream():
            self.fetch_source()
        self.schedule_preview()

    def _renamed(self, node_id: str) -> None:
        if node_id == self.node_id and self.node() is not None:
            self.setWindowTitle(f"Motion Brush — {self.node().name}")

    def push(self, brushes: list, merge_key=None, text: str = "") -> bool:
        """One ``SetParam`` of the brushes param on the window's undo stack."""
        if self.node() is None:
            return False
        cmd = SetParam(self.node_id, "brushes", brushes, merge_key=merge_key)
        ok = self.win.push(cmd)
        if not ok:
            self.reload()
        return ok

    # -- source frame -----------------------------------------------------------------------------
    def fetch_source(self) -> None:
        if self.node() is not None:
            self.fetcher.fetch(self.graph, self.node_id, "image")

    def _source_ready(self, image, message: str) -> None:
        if image is None:
            if self.source is None:
                self.canvas.set_image(None, message)
            self.statusBar().showMessage(message, 6000)
            return
        self.source = image
        self.canvas.set_image(to_qimage(image))
        h, w = image.shape[:2]
        self.statusBar().showMessage(f"Source frame {w}×{h}", 4000)
        self._size_changed(self.size_slider.value())
        self.schedule_preview()

    # -- tools -------------------------------------------------------------------------------------
    def set_tool(self, tool: str) -> None:
        self.canvas.set_tool(tool)
        self.tool_actions[tool].setChecked(True)
        hints = {"paint": "Paint: drag over what should move.  [ and ] change the size.",
                 "erase": "Erase: drag to take pixels out of the selected brush.",
                 "path": "Trajectory: draw the path the brushed region follows over the clip.",
                 "select": "Auto-select: scribble over an object; its outline is found for you."}
        self.statusBar().showMessage(hints[tool], 5000)

    def scale_size(self, factor: float) -> None:
        self.size_slider.setValue(int(round(min(max(self.size_slider.value() * factor, 2), 400))))

    def _size_changed(self, v: int) -> None:
        self.canvas.radius = v / 1000.0
        px = self.canvas.radius * self.canvas.frame_size[1]
        self.size_label.setText(f"{px:.0f} px")
        self.canvas.update()

    def _soft_changed(self, v: int) -> None:
        self.canvas.softness = v / 100.0
        self.soft_label.setText(f"{v / 100:.2f}")
        self.canvas.update()

    def _toggle_masks(self, on: bool) -> None:
        self.canvas.show_masks = on
        self.canvas.update()

    def _toggle_arrows(self, on: bool) -> None:
        self.canvas.show_arrows = on
        self.canvas.update()

    def _ensure_brush(self, brushes: list) -> tuple[list, int]:
        if brushes:
            return brushes, self.selected
        return bd.add_brush(brushes)

    def _gesture(self, tool: str, points: list) -> None:
        size = self.canvas.frame_size
        if tool in ("paint", "erase"):
            if tool == "erase" and not self.brushes:
                return
            brushes, index = self._ensure_brush(self.brushes)
            shape = bd.stroke_shape(points, size, self.canvas.radius, self.canvas.softness, erase=tool == "erase")
            self.selected = index
            self.push(bd.add_shape(brushes, index, shape))
        elif tool == "path":
            pts = bd.path_points(points, size)
            if len(pts) < 2:
                self.statusBar().showMessage("Drag to draw a trajectory", 3000)
                return
            brushes, index = self._ensure_brush(self.brushes)
            self.selected = index
            self.push(bd.set_trajectory(brushes, index, pts))
        elif tool == "select":
            self.auto_select(points)

    def auto_select(self, points: list) -> int | None:
        """Grow ``points`` (a rough stroke, normalised) into an object outline on a worker."""
        if self.source is None:
            self.canvas.pending = None
            self.canvas.update()
            self.statusBar().showMessage("Auto-select needs the source frame: connect a picture", 5000)
            return None
        from studio.ui.editors.autoselect import auto_select
        image, radius = self.source, self.canvas.radius
        self.canvas.pending = points
        self._select_target = (self.selected if self.brushes else -1, self.node_id)
        self.statusBar().showMessage("Selecting…")
        return self.selector.submit(lambda check: auto_select(image, points, radius))

    def _selected_done(self, job: int, shapes, seconds: float) -> None:
        self.canvas.pending = None
        self.canvas.update()
        target = self._select_target
        self._select_target = None
        if not shapes or target is None or target[1] != self.node_id:
            self.statusBar().showMessage("Nothing found under that stroke", 4000)
            return
        if 0 <= target[0] < len(self.brushes):
            brushes, index = self.brushes, target[0]
        else:
            brushes, index = self._ensure_brush(self.brushes)
        self.selected = index
        if self.push(bd.add_shapes(brushes, index, shapes)):
            n = sum(1 for s in shapes if not s.get("erase"))
            self.statusBar().showMessage(f"Selected {n} outline{'s' if n != 1 else ''} in {seconds:.2f} s", 5000)

    def _selected_failed(self, job: int, message: str) -> None:
        self.canvas.pending = None
        self.canvas.update()
        self.statusBar().showMessage(f"Auto-select failed: {message}", 6000)

    # -- brush list and values ----------------------------------------------------------------------
    def _row_changed(self, row: int) -> None:
        if 0 <= row < len(self.brushes):
            self.selected = row
            self._show_selected()
            self.canvas.set_selected(row)

    def select_brush(self, index: int) -> None:
        self.list.setCurrentRow(index)

    def add_brush(self) -> None:
        if len(self.brushes) >= MAX_BRUSHES:
            return
        brushes, index = bd.add_brush(self.brushes)
        self.selected = index
        self.push(brushes)

    def remove_brush(self) -> None:
        if self.brushes:
            self.push(bd.remove_brush(self.brushes, self.selected))

    def fill(self) -> None:
        brushes, index = self._ensure_brush(self.brushes)
        self.selected = index
        self.push(bd.add_shape(brushes, index, bd.fill_shape(self.canvas.softness * 0.2)))

    def clear(self) -> None:
        if self.brushes and self.brushes[self.selected].get("shapes"):
            self.push(bd.clear_shapes(self.brushes, self.selected))

    def clear_trajectory(self) -> None:
        if self.brushes and self.brushes[self.selected].get("trajectory"):
            self.push(bd.set_trajectory(self.brushes, self.selected, []))

    def _rename(self) -> None:
        if not self.brushes:
            return
        text = self.name_edit.text().strip()
        if text and text != bd.name_of(self.brushes, self.selected):
            self.push(bd.set_field(self.brushes, self.selected, "name", text))

    def _set_value(self, field: str, value: float, key) -> None:
        if not self.brushes:
            return
        merge = (self.node_id, "brushes", field, self.selected, key) if key is not None else None
        self.push(bd.set_field(self.brushes, self.selected, field, value), merge)

    def set_frame(self, frame: int) -> None:
        """The app's current frame (animated values show and key their value there)."""
        for ed in self.value_editors.values():
            ed.set_frame(frame)

    def _set_easing(self, index: int) -> None:
        if self.brushes:
            self.push(bd.set_field(self.brushes, self.selected, "easing", self.easing.itemData(index)))

    # -- preview -------------------------------------------------------------------------------------
    def clip_timing(self):
        return clip_timing(self.graph, self.node_id)

    def _seed(self) -> int:
        gen = downstream_generator(self.graph, self.node_id)
        seed = self.graph.nodes[gen].params.get("seed", 0) if gen else 0
        return int(seed) if isinstance(seed, (int, float)) else 0

    def schedule_preview(self) -> int | None:
        """Restart the preview loop for the current brushes (the newest request wins)."""
        if self.node() is None:
            return None
        frames, fps = self.clip_timing()
        brushes, image, seed = copy.deepcopy(self.brushes), self.source, self._seed()
        aspect = self.canvas.frame_size[0] / self.canvas.frame_size[1]

        ref: dict = {}
        started = time.perf_counter()

        def job(check):
            arrows = pv.motion_arrows(brushes, aspect, frames, fps, seed, columns=20) if brushes else []
            if image is None:
                return [], arrows, 0.0
            rate = float(pv.preview_timing(frames, fps))

            def partial(coarse):
                self.previewPartial.emit((ref.get("id"), [to_qimage(f) for f in coarse], rate / pv.STRIDE, arrows,
                                          time.perf_counter() - started))
            out = pv.render_preview(image, brushes, frames, fps, seed, check, on_partial=partial)
            return [to_qimage(f) for f in out], arrows, rate

        self._preview_started = started
        self.preview_job = ref["id"] = self.previewer.submit(job)
        self._first_shown = False
        if image is None:
            self.preview.hint = "The preview starts once the source frame is known."
        return self.preview_job

    def _preview_partial(self, payload) -> None:
        job, frames, fps, arrows, seconds = payload
        if job != self.previewer.latest or job is None:
            return                                    # a newer change is being worked on
        self._first_shown = True
        self.preview_first_seconds = seconds
        self.canvas.set_arrows(arrows)
        self.preview.set_frames(frames, fps)

    def _preview_done(self, job: int, result, seconds: float) -> None:
        frames, arrows, fps = result
        self.preview_seconds = seconds
        if not self._first_shown:
            self.preview_first_seconds = seconds
        self.canvas.set_arrows(arrows)
        if frames:
            self.preview.set_frames(frames, fps)
            clip_frames, clip_fps = self.clip_timing()
            self.preview_label.setText(f"{len(frames)} frames over the clip's {clip_frames / float(clip_fps):.1f} s\n"
                                       f"updated in {self.preview_first_seconds * 1000:.0f} ms "
                                       f"(full loop {seconds * 1000:.0f} ms)")

    def _preview_failed(self, job: int, message: str) -> None:
        self.preview_label.setText(f"Preview failed: {message}")

    # -- lifetime --------------------------------------------------------------------------------------
    def shutdown(self) -> None:
        self.preview.stop()
        self.previewer.stop()
        self.selector.stop()
        self.fetcher.stop()
        for sig, slot in ((self.win.bridge.paramChanged, self._param_changed),
                          (self.win.bridge.linkAdded, self._links_changed),
                          (self.win.bridge.linkRemoved, self._links_changed),
                          (self.win.bridge.nodeRenamed, self._renamed)):
            try:
                sig.disconnect(slot)
            except (RuntimeError, TypeError):
                pass
