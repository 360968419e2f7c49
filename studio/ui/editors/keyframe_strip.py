"""The keyframe strip: a Keyframes node's images on a frame ruler, with thumbnails.

Each key is a card at its frame (a marker runs from the ruler to the card) with a green bar
for its hold.  Drag a card to move the key (whole frames; dropping on another key's frame
swaps the two); drag the bar's end to set the hold; Delete removes the selected key;
**Earlier** / **Later** swap the selected image with its neighbour (the timing stays, the
order changes).  Files dropped on the strip become keys from the drop frame on; **Add…**
(image files) and **Viewer Frame** add keys after the last one.

Every edit is one ``SetParam`` of ``keys`` (:mod:`.keydata` keeps the list sorted and the
holds legal); a drag is one undo step.  Thumbnails are read on a helper thread and cached
by file and modification time.
"""

from __future__ import annotations

import itertools
import os

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSignalBlocker, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPen
from PySide6.QtWidgets import (QFileDialog, QLabel, QMenu, QSpinBox, QVBoxLayout, QWidget)

from studio.graph.commands import SetParam
from studio.graph.params import FILE_FILTERS
from studio.ui import theme
from studio.ui.editors import keydata as kd
from studio.ui.editors.workers import LatestWorker
from studio.ui.frames import to_qimage
from studio.ui.param_widgets import file_dialog_filter

RULER = 22
CARD_W, CARD_H = 120, 68
MIN_CARD_W = 56
HOLD_H = 8
_drags = itertools.count(1)
GOOD = "#7ee787"


def _stamp(path: str) -> tuple:
    try:
        st = os.stat(path)
        return path, st.st_mtime_ns, st.st_size
    except OSError:
        return path, 0, 0


def load_thumb(path: str) -> QImage | None:
    import cv2
    a = cv2.imread(path, cv2.IMREAD_COLOR)
    if a is None:
        return None
    a = cv2.cvtColor(a, cv2.COLOR_BGR2RGB)
    return to_qimage(np.ascontiguousarray(a), CARD_W * 2, CARD_H * 2)


class KeyStrip(QWidget):
    """The strip itself; it asks its :class:`KeyframeEditor` to make the edits."""

    selectionChanged = Signal()

    def __init__(self, editor, parent=None):
        super().__init__(parent)
        self.editor = editor
        self.setObjectName("keyStrip")
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.StrongFocus)
        self.setAcceptDrops(True)
        self.setMinimumHeight(RULER + CARD_H + HOLD_H + 28)
        self.selected: int | None = None
        self.f0 = -4.0
        self.ppf = 6.0          # pixels per frame
        self._drag: dict | None = None
        self._drop_frame: int | None = None
        self._fitted = True

    def sizeHint(self) -> QSize:
        return QSize(800, RULER + CARD_H + HOLD_H + 36)

    def keys(self) -> list:
        return self.editor.keys()

    # -- mapping -----------------------------------------------------------------------------------
    def fx(self, frame: float) -> float:
        return 12 + (frame - self.f0) * self.ppf

    def frame_at(self, x: float) -> float:
        return self.f0 + (x - 12) / self.ppf

    def card_rect(self, i: int) -> QRectF:
        """A key's card: as wide as the room before the next key allows (56 to CARD_W px)."""
        keys = self.keys()
        k = keys[i]
        x = self.fx(k["frame"])
        width = CARD_W
        if i + 1 < len(keys):
            width = min(CARD_W, max(self.fx(keys[i + 1]["frame"]) - x - 6, MIN_CARD_W))
        return QRectF(x, RULER + 6, width, CARD_H)

    def hold_rect(self, i: int) -> QRectF:
        k = self.keys()[i]
        x0 = self.fx(k["frame"])
        x1 = self.fx(k["frame"] + k.get("hold", 0) + 1)
        return QRectF(x0, RULER + 6 + CARD_H + 4, max(x1 - x0, 6.0), HOLD_H)

    def fit(self) -> None:
        keys = self.keys()
        last = max((k["frame"] + k.get("hold", 0) for k in keys), default=48)
        span = max(last, self.editor.clip_frames - 1, 24) + 2
        self.ppf = max((self.width() - 24 - CARD_W) / (span + 4), 0.5)
        self.f0 = -2.0
        self._fitted = True
        self.update()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self._fitted:
            self.fit()

    # -- painting ------------------------------------------------------------------------------------
    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor("#17191d"))
        p.setRenderHint(QPainter.Antialiasing, True)
        self._paint_ruler(p)
        keys = self.keys()
        order = [i for i in range(len(keys)) if i != self.selected] + ([self.selected] if self.selected is not None
                                                                       and self.selected < len(keys) else [])
        for i in order:
            self._paint_key(p, i, keys[i])
        if self._drop_frame is not None:
            x = self.fx(self._drop_frame)
            p.setPen(QPen(QColor(theme.ACCENT), 2))
            p.drawLine(QPointF(x, 0), QPointF(x, self.height()))
        if not keys:
            p.setPen(QColor("#6f7682"))
            p.drawText(self.rect().adjusted(0, RULER, 0, 0), Qt.AlignCenter | Qt.TextWordWrap,
                       self.editor.empty_hint())
        p.end()

    def _paint_ruler(self, p: QPainter) -> None:
        p.fillRect(QRectF(0, 0, self.width(), RULER), QColor("#1f2227"))
        font = QFont(self.font())
        font.setPointSizeF(max(font.pointSizeF() - 1.0, 7.0))
        p.setFont(font)
        step = 1
        for s in (1, 2, 5, 10, 12, 24, 48, 96, 240, 480, 960, 2400):
            step = s
            if s * self.ppf >= 48:
                break
        f = int(max(self.f0, 0) // step * step)
        end = self.frame_at(self.width())
        while f <= end:
            x = self.fx(f)
            if x >= 0:
                p.setPen(QPen(QColor("#3a3f48"), 1))
                p.drawLine(QPointF(x, RULER - 6), QPointF(x, RULER))
                p.setPen(QColor("#8d94a0"))
                p.drawText(QRectF(x + 3, 2, 60, RULER - 6), Qt.AlignLeft | Qt.AlignVCenter, str(f))
            f += step
        clip_end = self.fx(self.editor.clip_frames - 1)
        p.fillRect(QRectF(self.fx(0), RULER - 3, max(clip_end - self.fx(0), 0), 3), QColor(63, 143, 214, 150))
        x = self.fx(self.editor.frame)
        p.setPen(QPen(QColor("#f0b72f"), 1.2))
        p.drawLine(QPointF(x, 0), QPointF(x, self.height()))

    def _paint_key(self, p: QPainter, i: int, k: dict) -> None:
        card, hold = self.card_rect(i), self.hold_rect(i)
        sel = i == self.selected
        if self._drag and self._drag.get("move") == i and self._drag.get("frame") is not None:
            dx = self.fx(self._drag["frame"]) - card.left()
            card.translate(dx, 0)
            hold.translate(dx, 0)
        x = card.left()
        p.setPen(QPen(QColor("#f0b72f") if sel else QColor("#5c626d"), 1))
        p.drawLine(QPointF(x, RULER), QPointF(x, card.top()))
        # hold bar (red when it runs into the next key)
        limit = kd.max_hold(self.keys(), i)
        bad = limit is not None and k.get("hold", 0) > limit
        p.setPen(Qt.NoPen)
        p.setBrush(QColor("#e5534b" if bad else GOOD).darker(100 if k.get("hold", 0) else 160))
        p.drawRoundedRect(hold, 3, 3)
        if k.get("hold", 0):
            p.setBrush(QColor("#ffffff"))
            p.drawRect(QRectF(hold.right() - 3, hold.top() + 1, 2, hold.height() - 2))
        # card
        p.setBrush(QColor("#24272d"))
        p.setPen(QPen(QColor("#f0b72f") if sel else QColor("#41464f"), 2 if sel else 1))
        p.drawRoundedRect(card, 4, 4)
        img = self.editor.thumb(k["path"])
        inner = card.adjusted(3, 3, -3, -16)
        if img is not None and not img.isNull():
            s = min(inner.width() / img.width(), inner.height() / img.height())
            w, h = img.width() * s, img.height() * s
            p.drawImage(QRectF(inner.center().x() - w / 2, inner.center().y() - h / 2, w, h), img)
        else:
            p.setPen(QColor("#6f7682"))
            p.drawText(inner, Qt.AlignCenter, "missing" if not os.path.isfile(k["path"]) else "…")
        p.setPen(QColor("#d8dbe1") if sel else QColor("#aab1bd"))
        label = f"{k['frame']}" + (f" +{k['hold']}" if k.get("hold") else "") + f"  {os.path.basename(k['path'])}"
        fm = p.fontMetrics()
        p.drawText(QRectF(card.left() + 5, card.bottom() - 15, card.width() - 10, 14), Qt.AlignLeft | Qt.AlignVCenter,
                   fm.elidedText(label, Qt.ElideMiddle, int(card.width() - 10)))

    # -- hit tests --------------------------------------------------------------------------------------
    def key_at(self, pos: QPointF) -> int | None:
        keys = self.keys()
        order = ([self.selected] if self.selected is not None and self.selected < len(keys) else []) + \
            [i for i in reversed(range(len(keys))) if i != self.selected]
        for i in order:
            if self.card_rect(i).contains(pos):
                return i
        return None

    def hold_handle_at(self, pos: QPointF) -> int | None:
        for i in range(len(self.keys())):
            r = self.hold_rect(i)
            if QRectF(r.right() - 7, r.top() - 4, 12, r.height() + 8).contains(pos):
                return i
        return None

    # -- mouse --------------------------------------------------------------------------------------------
    def mousePressEvent(self, event) -> None:
        pos = event.position()
        if event.button() == Qt.MiddleButton:
            self._drag = {"pan": pos.x()}
            return
        if event.button() != Qt.LeftButton:
            return
        if pos.y() < RULER:
            self.editor.frameRequested.emit(max(int(round(self.frame_at(pos.x()))), 0))
            return
        i = self.hold_handle_at(pos)
        if i is not None:
            self.set_selected(i)
            self._drag = {"hold": i, "key": next(_drags)}
            return
        i = self.key_at(pos)
        self.set_selected(i)
        if i is not None:
            self._drag = {"move": i, "grab": pos.x() - self.card_rect(i).left(), "frame": None}

    def mouseMoveEvent(self, event) -> None:
        if not self._drag:
            return
        pos = event.position()
        if "pan" in self._drag:
            self.f0 -= (pos.x() - self._drag["pan"]) / self.ppf
            self._drag["pan"] = pos.x()
            self._fitted = False
            self.update()
        elif "hold" in self._drag:
            i = self._drag["hold"]
            k = self.keys()[i]
            hold = int(round(self.frame_at(pos.x()) - k["frame"] - 1))
            if hold != k.get("hold", 0):
                self.editor.set_hold(i, hold, self._drag["key"])
        elif "move" in self._drag:
            frame = max(int(round(self.frame_at(pos.x() - self._drag["grab"]))), 0)
            if frame != self._drag["frame"]:
                self._drag["frame"] = frame
                self.update()

    def mouseReleaseEvent(self, event) -> None:
        drag, self._drag = self._drag, None
        if drag and "move" in drag and drag.get("frame") is not None:
            i, frame = drag["move"], drag["frame"]
            if frame != self.keys()[i]["frame"]:
                self.editor.move_key(i, frame)
        self.update()

    def wheelEvent(self, event) -> None:
        steps = event.angleDelta().y() / 120.0
        if steps:
            f = self.frame_at(event.position().x())
            self.ppf = min(max(self.ppf * (1.2 ** steps), 0.2), 80.0)
            self.f0 = f - (event.position().x() - 12) / self.ppf
            self._fitted = False
            self.update()
        event.accept()

    def contextMenuEvent(self, event) -> None:
        i = self.key_at(QPointF(event.pos()))
        if i is None:
            return
        self.set_selected(i)
        menu = QMenu(self)
        menu.addAction("Move Earlier", self.editor.move_earlier).setEnabled(i > 0)
        menu.addAction("Move Later", self.editor.move_later).setEnabled(i + 1 < len(self.keys()))
        menu.addSeparator()
        menu.addAction("Remove Key", self.editor.remove_selected)
        menu.exec(event.globalPos())

    def keyPressEvent(self, event) -> None:
        if event.key() in (Qt.Key_Delete, Qt.Key_Backspace) and self.selected is not None:
            self.editor.remove_selected()
            return
        super().keyPressEvent(event)

    def set_selected(self, i: int | None) -> None:
        if i != self.selected:
            self.selected = i
            self.selectionChanged.emit()
        self.update()

    # -- file drops ----------------------------------------------------------------------------------------
    def _image_paths(self, mime) -> list[str]:
        exts = FILE_FILTERS["image"]
        return [u.toLocalFile() for u in mime.urls() if u.isLocalFile() and u.toLocalFile().lower().endswith(exts)]

    def dragEnterEvent(self, event) -> None:
        if self._image_paths(event.mimeData()):
            event.acceptProposedAction()

    def dragMoveEvent(self, event) -> None:
        if self._image_paths(event.mimeData()):
            self._drop_frame = max(int(round(self.frame_at(event.position().x()))), 0)
            self.update()
            event.acceptProposedAction()

    def dragLeaveEvent(self, event) -> None:
        self._drop_frame = None
        self.update()

    def dropEvent(self, event) -> None:
        paths = self._image_paths(event.mimeData())
        frame = max(int(round(self.frame_at(event.position().x()))), 0)
        self._drop_frame = None
        if paths:
            self.editor.add_images(paths, frame)
            event.acceptProposedAction()
        self.update()


class KeyframeEditor(QWidget):
    """The Keyframes dock: toolbar + :class:`KeyStrip` for one Keyframes node."""

    frameRequested = Signal(int)
    titleChanged = Signal(str)          # "Keyframes — <node name>", for the dock
    viewerFrameRequested = Signal()     # "Use viewer frame": the window writes the PNG and calls add_images

    def __init__(self, push, parent=None):
        super().__init__(parent)
        self.push = push
        self.graph = None
        self.node_id: str | None = None
        self.frame = 0
        self.clip_frames = 48
        self._thumbs: dict[tuple, QImage | None] = {}
        self._loading: set[tuple] = set()
        self.loader = LatestWorker("cinegraph-thumbs", self)
        self.loader.finished.connect(self._thumbs_loaded)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        tb = theme.dock_toolbar("keyTools")
        self.add_action = tb.addAction(theme.icon("fa5s.plus"), "Add…", self.add_dialog)
        self.add_action.setToolTip("Add image files as keys after the last one (or drop files on the strip)")
        self.viewer_action = tb.addAction(theme.icon("fa5s.camera"), "Viewer Frame",
                                            self.viewerFrameRequested.emit)
        self.viewer_action.setToolTip("Save the viewer's current frame as a PNG and add it as a key")
        tb.addSeparator()
        self.earlier_action = tb.addAction(theme.icon("fa5s.chevron-left"), "Earlier", self.move_earlier)
        self.later_action = tb.addAction(theme.icon("fa5s.chevron-right"), "Later", self.move_later)
        self.earlier_action.setToolTip("Move the selected image earlier (it swaps with the one before; "
                                       "the timing stays)")
        self.later_action.setToolTip("Move the selected image later (it swaps with the one after; the timing stays)")
        self.remove_action = tb.addAction(theme.icon("fa5s.trash-alt"), "Remove", self.remove_selected)
        self.remove_action.setToolTip("Remove the selected key (Delete)")
        for act in (self.earlier_action, self.later_action, self.remove_action):
            tb.widgetForAction(act).setToolButtonStyle(Qt.ToolButtonIconOnly)
        tb.addSeparator()
        tb.addWidget(QLabel("Frame "))
        self.frame_spin = QSpinBox()
        self.frame_spin.setRange(0, 100000)
        self.frame_spin.setKeyboardTracking(False)
        self.frame_spin.setFixedWidth(64)
        tb.addWidget(self.frame_spin)
        tb.addWidget(QLabel("  Hold "))
        self.hold_spin = QSpinBox()
        self.hold_spin.setRange(0, 100000)
        self.hold_spin.setSuffix(" fr")
        self.hold_spin.setKeyboardTracking(False)
        self.hold_spin.setFixedWidth(72)
        self.hold_spin.setToolTip("Extra frames the image holds still")
        tb.addWidget(self.hold_spin)
        fit = tb.addAction(theme.icon("fa5s.expand"), "Fit", lambda: self.strip.fit())
        fit.setToolTip("Show every key")
        tb.widgetForAction(fit).setToolButtonStyle(Qt.ToolButtonIconOnly)
        lay.addWidget(tb)
        self.strip = KeyStrip(self)
        lay.addWidget(self.strip, 1)
        self.strip.selectionChanged.connect(self._selection_changed)
        self.frame_spin.valueChanged.connect(lambda v: self.move_key(self.strip.selected, v)
                                             if self.strip.selected is not None else None)
        self.hold_spin.valueChanged.connect(lambda v: self.set_hold(self.strip.selected, v)
                                            if self.strip.selected is not None else None)
        self._selection_changed()

    # -- node --------------------------------------------------------------------------------------------
    def set_graph(self, graph, bridge) -> None:
        self.graph = graph
        bridge.paramChanged.connect(self._param_changed)
        bridge.nodeRemoved.connect(lambda nid: self.set_node(None) if nid == self.node_id else None)
        self.set_node(None)

    def node(self):
        return self.graph.nodes.get(self.node_id) if (self.graph is not None and self.node_id) else None

    def set_node(self, node_id: str | None) -> None:
        node = self.graph.nodes.get(node_id) if (self.graph is not None and node_id) else None
        self.node_id = node.id if node is not None and "keys" in node.params else None
        self.strip.selected = None
        self._refresh()
        self.strip.fit()

    def keys(self) -> list:
        node = self.node()
        return kd.tidy(node.params.get("keys") or []) if node is not None else []

    def empty_hint(self) -> str:
        if self.node() is None:
            return "Select a Keyframes node (or press its Edit keys… button) to edit its images."
        return "No keys yet: Add… image files, drop them here, or take the Viewer Frame."

    def _param_changed(self, node_id: str, name: str) -> None:
        if node_id == self.node_id:
            self._refresh()

    def _refresh(self) -> None:
        node = self.node()
        self.titleChanged.emit(f"Keyframes — {node.name}" if node is not None else "Keyframes")
        for a in (self.add_action, self.viewer_action):
            a.setEnabled(node is not None)
        if node is not None:
            from studio.ui.editors.timing import clip_timing
            self.clip_frames = clip_timing(self.graph, self.node_id)[0]
        keys = self.keys()
        if self.strip.selected is not None and self.strip.selected >= len(keys):
            self.strip.selected = None
        self._request_thumbs(keys)
        self._selection_changed()
        self.strip.update()

    def set_frame(self, frame: int) -> None:
        self.frame = int(frame)
        self.strip.update()

    # -- thumbnails ------------------------------------------------------------------------------------------
    def thumb(self, path: str) -> QImage | None:
        return self._thumbs.get(_stamp(path))

    def _request_thumbs(self, keys: list) -> None:
        missing = [_stamp(k["path"]) for k in keys if _stamp(k["path"]) not in self._thumbs]
        if not missing:
            return
        self._loading = set(missing)

        def job(check):
            out = {}
            for stamp in missing:
                check()
                out[stamp] = load_thumb(stamp[0])
            return out
        self.loader.submit(job)

    def _thumbs_loaded(self, job: int, thumbs: dict, seconds: float) -> None:
        self._thumbs.update(thumbs)
        self.strip.update()

    # -- edits ----------------------------------------------------------------------------------------------------
    def _set(self, keys: list, merge=None) -> bool:
        if self.node() is None:
            return False
        key = (self.node_id, "keys", merge) if merge is not None else None
        return self.push(SetParam(self.node_id, "keys", keys, merge_key=key))

    def add_images(self, paths: list[str], frame: int | None = None) -> bool:
        if not paths or self.node() is None:
            return False
        paths = [os.path.abspath(p) for p in paths]
        new = kd.add_keys(self.keys(), paths, frame)
        ok = self._set(new)
        if ok:
            self.strip.set_selected(next((i for i, k in enumerate(new) if k["path"] == paths[0]), None))
            if self.strip._fitted:
                self.strip.fit()
        return ok

    def add_dialog(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "Add keyframe images", "", file_dialog_filter("image"))
        if paths:
            self.add_images(paths)

    def move_key(self, index: int | None, frame: int) -> bool:
        if index is None or not 0 <= index < len(self.keys()):
            return False
        path = self.keys()[index]["path"]
        new = kd.move_key(self.keys(), index, frame)
        ok = self._set(new)
        if ok:
            self.strip.set_selected(next(i for i, k in enumerate(new) if k["frame"] == max(int(frame), 0)
                                         and k["path"] == path))
        return ok

    def set_hold(self, index: int | None, hold: int, merge=None) -> bool:
        if index is None or not 0 <= index < len(self.keys()):
            return False
        new = kd.set_hold(self.keys(), index, hold)
        if new == self.keys():
            self._selection_changed()
            return False
        return self._set(new, merge)

    def _swap(self, step: int) -> bool:
        i = self.strip.selected
        if i is None or not 0 <= i + step < len(self.keys()):
            return False
        ok = self._set(kd.swap(self.keys(), i, i + step))
        if ok:
            self.strip.set_selected(i + step)
        return ok

    def move_earlier(self) -> bool:
        return self._swap(-1)

    def move_later(self) -> bool:
        return self._swap(1)

    def remove_selected(self) -> bool:
        i = self.strip.selected
        if i is None or not 0 <= i < len(self.keys()):
            return False
        self.strip.set_selected(None)
        return self._set(kd.remove_key(self.keys(), i))

    def _selection_changed(self) -> None:
        i = self.strip.selected
        keys = self.keys()
        has = i is not None and 0 <= i < len(keys)
        for w in (self.frame_spin, self.hold_spin, self.remove_action):
            w.setEnabled(has)
        self.earlier_action.setEnabled(has and i > 0)
        self.later_action.setEnabled(has and i + 1 < len(keys))
        with QSignalBlocker(self.frame_spin), QSignalBlocker(self.hold_spin):
            if has:
                self.frame_spin.setValue(keys[i]["frame"])
                limit = kd.max_hold(keys, i)
                self.hold_spin.setMaximum(limit if limit is not None else 100000)
                self.hold_spin.setValue(keys[i].get("hold", 0))

    def shutdown(self) -> None:
        self.loader.stop()
