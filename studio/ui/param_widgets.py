"""Editors generated from a param's schema (:class:`studio.graph.params.Param`).

Every editor shows a value with ``set_value`` (without echoing it back) and reports the
user's edits with ``edited(value, merge_key)``.  Edits that belong together carry the same
``merge_key`` so they become one undo step: all the steps of one slider drag, and the typing
in one text field between focus in and focus out.  Editors never touch the graph.

Kinds: bounded float/int -> slider + numeric entry; unbounded -> numeric entry; bool ->
check box; choice -> combo box; string -> line edit; text -> multi-line (prompts); path ->
line edit + file dialog filtered by ``Param.file_filter``; color -> swatch + colour dialog;
data -> read-only summary + "Edit JSON…" (the real editors are a later issue).
"""

from __future__ import annotations

import itertools
import json

from PySide6.QtCore import QSignalBlocker, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (QCheckBox, QColorDialog, QComboBox, QDialog, QDialogButtonBox, QDoubleSpinBox,
                               QFileDialog, QHBoxLayout, QLabel, QLineEdit, QPlainTextEdit, QPushButton, QSlider,
                               QSpinBox, QToolButton, QVBoxLayout, QWidget)

from studio.graph.params import FILE_FILTERS
from studio.ui import theme

_keys = itertools.count(1)
SLIDER_STEPS = 1000
INT_SLIDER_MAX_RANGE = 10_000


def file_dialog_filter(kind: str) -> str:
    """A QFileDialog filter string for a ``Param.file_filter`` kind."""
    exts = FILE_FILTERS.get(kind, ())
    if not exts:
        return "All files (*)"
    names = {"image": "Images", "video": "Video", "media": "Images and video"}
    pattern = " ".join(f"*{e}" for e in exts)
    return f"{names.get(kind, kind.capitalize())} ({pattern});;All files (*)"


class ParamEditor(QWidget):
    edited = Signal(object, object)   # value, merge key

    def __init__(self, spec, parent=None):
        super().__init__(parent)
        self.spec = spec
        self.setToolTip(spec.description)

    def set_value(self, value) -> None:  # pragma: no cover - interface
        raise NotImplementedError


class NumberEditor(ParamEditor):
    """Slider + spin box for bounded numbers, spin box alone otherwise."""

    def __init__(self, spec, parent=None):
        super().__init__(spec, parent)
        self.is_int = spec.kind == "int"
        lo, hi = spec.min, spec.max
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(6)
        if self.is_int:
            self.spin = QSpinBox()
            self.spin.setRange(int(lo) if lo is not None else -2**31 + 1, int(hi) if hi is not None else 2**31 - 1)
            self.spin.setSingleStep(int(spec.step or 1))
        else:
            self.spin = QDoubleSpinBox()
            self.spin.setDecimals(3)
            self.spin.setRange(lo if lo is not None else -1e9, hi if hi is not None else 1e9)
            self.spin.setSingleStep(spec.step or (0.1 if lo is None or hi is None else (hi - lo) / 100))
        if spec.unit:
            self.spin.setSuffix(f" {spec.unit}")
        self.spin.setKeyboardTracking(False)
        self.spin.setMinimumWidth(78)
        self.spin.setAlignment(Qt.AlignRight)
        self.slider = None
        if lo is not None and hi is not None and hi > lo and (not self.is_int or hi - lo <= INT_SLIDER_MAX_RANGE):
            self.slider = QSlider(Qt.Horizontal)
            self.slider.setRange(0, int(hi - lo) if self.is_int else SLIDER_STEPS)
            self.slider.setMinimumWidth(60)
            lay.addWidget(self.slider, 1)
            self.slider.sliderPressed.connect(self._drag_started)
            self.slider.valueChanged.connect(self._slider_moved)
        lay.addWidget(self.spin, 0 if self.slider else 1)
        self.spin.valueChanged.connect(self._spun)
        self._drag_key = None

    def _to_slider(self, v: float) -> int:
        lo, hi = self.spec.min, self.spec.max
        if self.is_int:
            return int(v - lo)
        return int(round((v - lo) / (hi - lo) * SLIDER_STEPS))

    def _from_slider(self, s: int):
        lo, hi = self.spec.min, self.spec.max
        if self.is_int:
            return int(lo + s)
        v = lo + (hi - lo) * s / SLIDER_STEPS
        step = self.spec.step
        if step:
            v = lo + round((v - lo) / step) * step
        return float(round(min(max(v, lo), hi), 6))

    def set_value(self, value) -> None:
        with QSignalBlocker(self.spin):
            self.spin.setValue(value)
        if self.slider is not None:
            with QSignalBlocker(self.slider):
                self.slider.setValue(self._to_slider(value))

    def _drag_started(self) -> None:
        self._drag_key = ("slider", next(_keys))

    def _slider_moved(self, s: int) -> None:
        value = self._from_slider(s)
        with QSignalBlocker(self.spin):
            self.spin.setValue(value)
        key = self._drag_key if self.slider.isSliderDown() else None
        self.edited.emit(value, key)

    def _spun(self, value) -> None:
        if self.slider is not None:
            with QSignalBlocker(self.slider):
                self.slider.setValue(self._to_slider(value))
        self.edited.emit(int(value) if self.is_int else float(value), None)


class BoolEditor(ParamEditor):
    def __init__(self, spec, parent=None):
        super().__init__(spec, parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.box = QCheckBox()
        lay.addWidget(self.box)
        lay.addStretch(1)
        self.box.toggled.connect(lambda on: self.edited.emit(bool(on), None))

    def set_value(self, value) -> None:
        with QSignalBlocker(self.box):
            self.box.setChecked(bool(value))


class ChoiceEditor(ParamEditor):
    def __init__(self, spec, parent=None):
        super().__init__(spec, parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.combo = QComboBox()
        self.combo.addItems(list(spec.choices))
        lay.addWidget(self.combo)
        self.combo.currentTextChanged.connect(lambda text: self.edited.emit(text, None))

    def set_value(self, value) -> None:
        with QSignalBlocker(self.combo):
            self.combo.setCurrentText(str(value))


class StringEditor(ParamEditor):
    def __init__(self, spec, parent=None):
        super().__init__(spec, parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(4)
        self.line = QLineEdit()
        lay.addWidget(self.line, 1)
        self.line.editingFinished.connect(self._commit)
        self._shown = ""

    def set_value(self, value) -> None:
        self._shown = str(value)
        with QSignalBlocker(self.line):
            self.line.setText(self._shown)

    def _commit(self) -> None:
        if self.line.text() != self._shown:
            self._shown = self.line.text()
            self.edited.emit(self._shown, None)


class PathEditor(StringEditor):
    def __init__(self, spec, parent=None):
        super().__init__(spec, parent)
        self.line.setPlaceholderText("choose a file…" if not spec.save else "output file…")
        self.browse = QToolButton()
        self.browse.setIcon(theme.icon("fa5s.folder-open"))
        self.browse.setToolTip("Choose a file")
        self.layout().addWidget(self.browse)
        self.browse.clicked.connect(self._choose)

    def _choose(self) -> None:
        filt = file_dialog_filter(self.spec.file_filter)
        if self.spec.save:
            path, _ = QFileDialog.getSaveFileName(self, f"Choose {self.spec.title}", self.line.text(), filt)
        else:
            path, _ = QFileDialog.getOpenFileName(self, f"Choose {self.spec.title}", self.line.text(), filt)
        if path:
            self.line.setText(path)
            self._commit()


class TextEditor(ParamEditor):
    """Multi-line text (prompts).  Typing is committed after a pause and on focus out;
    one focus session is one undo step."""

    def __init__(self, spec, parent=None):
        super().__init__(spec, parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.edit = QPlainTextEdit()
        self.edit.setTabChangesFocus(True)
        self.edit.setFixedHeight(84)
        self.edit.setPlaceholderText(spec.description)
        lay.addWidget(self.edit)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(600)
        self._timer.timeout.connect(self._commit)
        self.edit.textChanged.connect(self._typed)
        self.edit.installEventFilter(self)
        self._shown = ""
        self._session = ("text", next(_keys))

    def set_value(self, value) -> None:
        if str(value) == self.edit.toPlainText():
            self._shown = str(value)
            return
        self._shown = str(value)
        with QSignalBlocker(self.edit):
            self.edit.setPlainText(self._shown)

    def _typed(self) -> None:
        self._timer.start()

    def _commit(self) -> None:
        self._timer.stop()
        text = self.edit.toPlainText()
        if text != self._shown:
            self._shown = text
            self.edited.emit(text, self._session)

    def eventFilter(self, obj, event) -> bool:
        if event.type() == event.Type.FocusOut:
            self._commit()
            self._session = ("text", next(_keys))
        return super().eventFilter(obj, event)


class ColorEditor(ParamEditor):
    def __init__(self, spec, parent=None):
        super().__init__(spec, parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.button = QPushButton()
        self.button.setFixedWidth(110)
        lay.addWidget(self.button)
        lay.addStretch(1)
        self.button.clicked.connect(self._choose)
        self._value = "#808080"

    def set_value(self, value) -> None:
        self._value = str(value)
        c = QColor(self._value)
        fg = "#000000" if c.lightness() > 140 else "#ffffff"
        self.button.setText(self._value)
        self.button.setStyleSheet(f"background: {self._value}; color: {fg}; border: 1px solid #555;")

    def _choose(self) -> None:
        c = QColorDialog.getColor(QColor(self._value), self, f"Choose {self.spec.title}")
        if c.isValid():
            self.edited.emit(c.name(), None)


def _singular(word: str) -> str:
    if word.endswith("es") and word[:-2].endswith(("sh", "ch", "ss", "x")):
        return word[:-2]
    return word[:-1] if word.endswith("s") else word


def data_summary(value, noun: str = "items") -> str:
    """A short read-only description of a data param value: ``2 brushes: Clouds, Hat``."""
    if isinstance(value, list):
        if not value:
            return "empty"
        names = [str(v.get("name")) for v in value if isinstance(v, dict) and v.get("name")]
        text = f"{len(value)} {noun if len(value) != 1 else _singular(noun)}"
        return f"{text}: {', '.join(names)}" if names else text
    if isinstance(value, dict):
        return f"{len(value)} field{'s' if len(value) != 1 else ''}"
    return json.dumps(value)[:60]


class JsonDialog(QDialog):
    """Edit a data param as JSON; OK is refused (with the reason shown) until it is valid."""

    def __init__(self, spec, value, check, parent=None):
        super().__init__(parent)
        self.setWindowTitle(f"Edit {spec.title}")
        self.resize(560, 480)
        self.spec, self.check, self.value = spec, check, value
        lay = QVBoxLayout(self)
        self.text = QPlainTextEdit(json.dumps(value, indent=2, ensure_ascii=False))
        mono = QFont("DejaVu Sans Mono")
        mono.setStyleHint(QFont.Monospace)
        self.text.setFont(mono)
        self.error = QLabel()
        self.error.setStyleSheet(f"color: {theme.ERROR}")
        self.error.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self._ok)
        buttons.rejected.connect(self.reject)
        lay.addWidget(self.text)
        lay.addWidget(self.error)
        lay.addWidget(buttons)

    def _ok(self) -> None:
        try:
            value = json.loads(self.text.toPlainText())
        except ValueError as exc:
            self.error.setText(f"Not valid JSON: {exc}")
            return
        problem = self.check(value)
        if problem:
            self.error.setText(problem)
            return
        self.value = value
        self.accept()


class DataEditor(ParamEditor):
    def __init__(self, spec, parent=None):
        super().__init__(spec, parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.summary = QLabel()
        self.summary.setObjectName("dimText")
        self.summary.setWordWrap(True)
        self.button = QPushButton("Edit JSON…")
        lay.addWidget(self.summary, 1)
        lay.addWidget(self.button)
        self.button.clicked.connect(self.open_editor)
        self._value = None
        self.dialog: JsonDialog | None = None

    def set_value(self, value) -> None:
        self._value = value
        noun = self.spec.name.replace("_", " ") if self.spec.name.endswith("s") else "items"
        self.summary.setText(data_summary(value, noun))

    def open_editor(self) -> JsonDialog:
        def check(value):
            problems = self.spec.check(value)
            return "; ".join(f"{self.spec.name}{w}: {m}" for w, m in problems[:5]) if problems else ""
        self.dialog = JsonDialog(self.spec, self._value, check, self)
        self.dialog.accepted.connect(lambda: self.edited.emit(self.dialog.value, None))
        self.dialog.open()
        return self.dialog


EDITORS = {"float": NumberEditor, "int": NumberEditor, "bool": BoolEditor, "choice": ChoiceEditor,
           "string": StringEditor, "text": TextEditor, "path": PathEditor, "color": ColorEditor, "data": DataEditor}


def editor_for(spec, parent=None) -> ParamEditor:
    return EDITORS.get(spec.kind, StringEditor)(spec, parent)
