"""The Shot List dock: the graph's sequence (rendered shots cut one after another).

Every edit is a command of :mod:`studio.graph.sequence` pushed on the window's undo stack
(``push``): drag a shot up or down (``MoveShot``), rename it, trim its in/out, set its reel
(1 to 8 letters, digits or ``_``; checked before anything is pushed) and its start timecode
(``UpdateShot``), delete it (``RemoveShot``).  The list follows the graph's
``SequenceChanged`` events, so undo and redo show at once.

Dragging a shot out of the list carries its media file (``QMimeData.setUrls``), so it drops
into an editor's bin or a file manager like a file dragged from the desktop.
"""

from __future__ import annotations

import os

from PySide6.QtCore import QMimeData, QSize, Qt, QUrl, Signal
from PySide6.QtWidgets import (QAbstractItemView, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QListWidget,
                               QListWidgetItem, QPushButton, QSpinBox, QVBoxLayout, QWidget)

from studio.graph import model as m
from studio.graph.sequence import MoveShot, RemoveShot, UpdateShot, check_reel
from studio.timecode import format_timecode, parse_timecode

SHOT_ROLE = Qt.UserRole + 1


def shot_label(shot, rate) -> str:
    dur = shot.source_out - shot.source_in
    try:
        tc_in = format_timecode(shot.start_frame + shot.source_in, shot.rate)
    except Exception:   # noqa: BLE001 - a label never fails
        tc_in = shot.timecode
    return f"{shot.name}\n{dur} fr  ·  in {shot.source_in} out {shot.source_out}  ·  {shot.reel}  ·  {tc_in}"


class ShotListWidget(QListWidget):
    """The list: internal drags reorder through ``moveRequested``; drags out carry file URLs."""

    moveRequested = Signal(str, int)   # shot id, new index

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("shotList")
        self.setSelectionMode(QAbstractItemView.SingleSelection)
        self.setDragEnabled(True)
        self.setAcceptDrops(True)
        self.setDropIndicatorShown(True)
        self.setDragDropMode(QAbstractItemView.DragDrop)
        self.setDefaultDropAction(Qt.MoveAction)
        self.setIconSize(QSize(64, 36))
        self.setAlternatingRowColors(True)
        self.setWordWrap(True)
        self.setTextElideMode(Qt.ElideRight)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)

    def mimeTypes(self) -> list[str]:
        return super().mimeTypes() + ["text/uri-list"]

    def mimeData(self, items) -> QMimeData:
        data = super().mimeData(items)
        paths = [item.data(Qt.UserRole + 2) for item in items if item.data(Qt.UserRole + 2)]
        data.setUrls([QUrl.fromLocalFile(p) for p in paths])
        if paths:
            data.setText("\n".join(paths))
        return data

    def supportedDropActions(self):
        return Qt.MoveAction | Qt.CopyAction

    def dragEnterEvent(self, event) -> None:
        if event.source() is self:
            event.setDropAction(Qt.MoveAction)
            event.accept()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:
        if event.source() is self:
            super().dragMoveEvent(event)
            event.setDropAction(Qt.MoveAction)
            event.accept()
        else:
            event.ignore()

    def drop_index(self, pos, source_row: int) -> int:
        """The index a shot dragged from ``source_row`` lands on when dropped at ``pos``."""
        item = self.itemAt(pos)
        if item is None:
            return self.count() - 1
        row = self.row(item)
        rect = self.visualItemRect(item)
        after = pos.y() > rect.center().y()
        target = row + (1 if after else 0)
        if target > source_row:
            target -= 1
        return max(0, min(target, self.count() - 1))

    def dropEvent(self, event) -> None:
        if event.source() is not self or not self.selectedItems():
            event.ignore()
            return
        item = self.selectedItems()[0]
        index = self.drop_index(event.position().toPoint(), self.row(item))
        event.setDropAction(Qt.IgnoreAction)    # the list is rebuilt from the graph, Qt moves nothing
        event.accept()
        if index != self.row(item):
            self.moveRequested.emit(item.data(SHOT_ROLE), index)


class ShotList(QWidget):
    """The dock's contents: the list, the selected shot's fields, Delete and Export…"""

    exportRequested = Signal()
    status = Signal(str)

    def __init__(self, push, parent=None):
        super().__init__(parent)
        self.push = push
        self.graph = None
        self._bridge = None
        self._building = False
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.setSpacing(6)
        self.summary = QLabel("")
        self.summary.setObjectName("viewerInfo")
        lay.addWidget(self.summary)
        self.list = ShotListWidget()
        self.list.moveRequested.connect(self.move_shot)
        self.list.currentItemChanged.connect(lambda *a: self._fill_fields())
        lay.addWidget(self.list, 1)
        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        self.name = QLineEdit()
        self.in_box = QSpinBox()
        self.out_box = QSpinBox()
        trim = QHBoxLayout()
        trim.addWidget(QLabel("in"))
        trim.addWidget(self.in_box, 1)
        trim.addWidget(QLabel("out"))
        trim.addWidget(self.out_box, 1)
        self.reel = QLineEdit()
        self.reel.setMaxLength(16)     # longer is refused with a message, not silently cut
        self.reel.setPlaceholderText("A001")
        self.timecode = QLineEdit()
        self.timecode.setPlaceholderText("HH:MM:SS:FF")
        form.addRow("Name", self.name)
        form.addRow("Trim", trim)
        form.addRow("Reel", self.reel)
        form.addRow("Start TC", self.timecode)
        lay.addLayout(form)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #e06c60")
        lay.addWidget(self.message)
        buttons = QHBoxLayout()
        self.delete_button = QPushButton("Delete")
        self.export_button = QPushButton("Export…")
        buttons.addWidget(self.delete_button)
        buttons.addStretch(1)
        buttons.addWidget(self.export_button)
        lay.addLayout(buttons)
        self.name.editingFinished.connect(self._name_edited)
        self.reel.editingFinished.connect(self._reel_edited)
        self.timecode.editingFinished.connect(self._timecode_edited)
        self.in_box.valueChanged.connect(lambda v: self._trim("source_in", v))
        self.out_box.valueChanged.connect(lambda v: self._trim("source_out", v))
        self.delete_button.clicked.connect(self.delete_selected)
        self.export_button.clicked.connect(self.exportRequested.emit)
        self._fill_fields()

    # -- graph -----------------------------------------------------------------------------------
    def set_graph(self, graph, bridge) -> None:
        self.graph = graph
        self._bridge = bridge
        bridge.changed.connect(self._changed)
        self.refresh()

    def _changed(self, ev) -> None:
        if isinstance(ev, m.SequenceChanged):
            self.refresh(select=ev.shot_id if ev.kind in ("added", "moved") else None)

    def shots(self) -> list:
        return list(self.graph.sequence.shots) if self.graph is not None else []

    def refresh(self, select: str | None = None) -> None:
        keep = select or self.current_id()
        self._building = True
        try:
            self.list.clear()
            seq = self.graph.sequence if self.graph is not None else None
            for shot in self.shots():
                item = QListWidgetItem(shot_label(shot, seq.rate))
                item.setData(SHOT_ROLE, shot.id)
                item.setData(Qt.UserRole + 2, os.path.abspath(shot.media))
                item.setToolTip(f"{shot.media}\nDrag out to an editor's bin or a folder")
                self.list.addItem(item)
                if shot.id == keep:
                    self.list.setCurrentItem(item)
            if seq is not None and seq.shots:
                try:
                    dur = format_timecode(seq.duration, seq.rate)
                except Exception:   # noqa: BLE001
                    dur = f"{seq.duration} fr"
                self.summary.setText(f"{len(seq.shots)} shots  ·  {dur}  ·  {seq.fps} fps")
            else:
                self.summary.setText("No shots: select a rendered node and use Send to Shot List")
        finally:
            self._building = False
        self._fill_fields()

    def current_id(self) -> str | None:
        item = self.list.currentItem()
        return item.data(SHOT_ROLE) if item is not None else None

    def select(self, shot_id: str) -> None:
        for i in range(self.list.count()):
            if self.list.item(i).data(SHOT_ROLE) == shot_id:
                self.list.setCurrentRow(i)
                return

    def current_shot(self):
        sid = self.current_id()
        if sid is None or self.graph is None:
            return None
        try:
            return self.graph.sequence.shot(sid)
        except Exception:   # noqa: BLE001 - gone
            return None

    def _fill_fields(self) -> None:
        shot = self.current_shot()
        for w in (self.name, self.in_box, self.out_box, self.reel, self.timecode, self.delete_button):
            w.setEnabled(shot is not None)
        self._building = True
        try:
            if shot is None:
                self.name.clear()
                self.reel.clear()
                self.timecode.clear()
                return
            self.name.setText(shot.name)
            self.in_box.setRange(0, shot.source_out - 1)
            self.in_box.setValue(shot.source_in)
            self.out_box.setRange(shot.source_in + 1, shot.media_frames)
            self.out_box.setValue(shot.source_out)
            self.reel.setText(shot.reel)
            self.timecode.setText(shot.timecode)
        finally:
            self._building = False

    # -- edits -------------------------------------------------------------------------------------
    def _update(self, merge_key=None, **changes) -> bool:
        shot = self.current_shot()
        if shot is None:
            return False
        if all(getattr(shot, k) == v for k, v in changes.items()):
            return True
        ok = self.push(UpdateShot(shot.id, merge_key=merge_key, **changes))
        if ok:
            self.message.clear()
        return ok

    def _name_edited(self) -> None:
        if self._building:
            return
        name = self.name.text().strip()
        if not name:
            self._refuse("A shot needs a name")
            return
        self._update(name=name)

    def _reel_edited(self) -> None:
        if self._building:
            return
        self.set_reel(self.reel.text().strip())

    def set_reel(self, reel: str) -> bool:
        why = check_reel(reel)
        if why:
            self._refuse(f"Reel: {why}")
            return False
        return self._update(reel=reel)

    def _timecode_edited(self) -> None:
        if self._building:
            return
        self.set_timecode(self.timecode.text().strip())

    def set_timecode(self, text: str) -> bool:
        shot = self.current_shot()
        if shot is None:
            return False
        try:
            parse_timecode(text, shot.rate)
        except ValueError as exc:
            self._refuse(f"Start timecode: {exc}")
            return False
        return self._update(timecode=text)

    def _trim(self, field: str, value: int) -> None:
        if self._building:
            return
        shot = self.current_shot()
        if shot is not None:
            self._update(merge_key=("trim", shot.id, field), **{field: int(value)})

    def trim(self, source_in: int, source_out: int) -> bool:
        shot = self.current_shot()
        if shot is None:
            return False
        return self._update(source_in=int(source_in), source_out=int(source_out))

    def _refuse(self, message: str) -> None:
        self.message.setText(message)
        self.status.emit(message)
        self._fill_fields()          # back to the shot's real values

    def move_shot(self, shot_id: str, index: int) -> bool:
        return self.push(MoveShot(shot_id, index))

    def delete_selected(self) -> bool:
        shot = self.current_shot()
        return self.push(RemoveShot(shot.id)) if shot is not None else False
