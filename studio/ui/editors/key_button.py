"""The inspector editor of an animatable number: slider + field, and keyframe buttons.

``◀ ◆ ▶`` beside the slider: jump to the previous key, set/remove a key at the current frame,
jump to the next key.  The diamond is filled when a key sits on the current frame, outlined
when the param is animated but interpolated here, hollow grey when it is a plain number.

Editing the value of an animated param sets (or moves the value of) the key at the current
frame, so scrubbing to a frame and dragging the slider is how keys are made, as in a
compositor.  The field shows the curve's value at the current frame (``set_frame``).  All
edits are reported as ``edited(new param value, merge key)`` like every other param editor;
the curve JSON is built by :mod:`.curvedata`.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPen, QPixmap, QPolygonF
from PySide6.QtWidgets import QHBoxLayout, QToolButton

from studio.graph.animation import is_animated
from studio.ui import theme
from studio.ui.editors import curvedata as cd
from studio.ui.param_widgets import NumberEditor, ParamEditor

KEY_COLOUR = "#f0b72f"


def diamond_icon(state: str, size: int = 14) -> QIcon:
    """``key`` (filled), ``curve`` (outlined, animated) or ``none`` (hollow grey)."""
    pm = QPixmap(size * 2, size * 2)
    pm.setDevicePixelRatio(2.0)
    pm.fill(Qt.transparent)
    p = QPainter(pm)
    p.setRenderHint(QPainter.Antialiasing)
    c = size / 2
    r = size * 0.36
    poly = QPolygonF([QPointF(c, c - r), QPointF(c + r, c), QPointF(c, c + r), QPointF(c - r, c)])
    if state == "key":
        p.setPen(QPen(QColor(KEY_COLOUR).darker(140), 1))
        p.setBrush(QColor(KEY_COLOUR))
    elif state == "curve":
        p.setPen(QPen(QColor(KEY_COLOUR), 1.4))
        p.setBrush(QColor(KEY_COLOUR).darker(300))
    else:
        p.setPen(QPen(QColor("#7d8490"), 1.2))
        p.setBrush(Qt.NoBrush)
    p.drawPolygon(poly)
    p.end()
    return QIcon(pm)


class AnimatedNumberEditor(ParamEditor):
    """A :class:`NumberEditor` for an animatable param, with keyframe buttons."""

    jumpRequested = Signal(int)    # a frame to go to (previous / next key)
    touched = Signal()             # the user worked with this param (K keys it)

    def __init__(self, spec, parent=None):
        super().__init__(spec, parent)
        self.frame = 0
        self.raw = spec.default
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        self.number = NumberEditor(spec)
        self.number.setToolTip(spec.description)
        self.number.spin.setMinimumWidth(64)
        if self.number.slider is not None:
            self.number.slider.setMinimumWidth(40)
        lay.addWidget(self.number, 1)
        self.prev_button = self._button("fa5s.caret-left", "Previous key")
        self.key_button = self._button("", "Set a key at the current frame (K); click again to remove it")
        self.next_button = self._button("fa5s.caret-right", "Next key")
        for b in (self.prev_button, self.key_button, self.next_button):
            lay.addWidget(b)
        self.number.edited.connect(self._value_edited)
        self.key_button.clicked.connect(self.toggle_key)
        self.prev_button.clicked.connect(lambda: self._jump(cd.prev_key_frame(self.raw, self.frame)))
        self.next_button.clicked.connect(lambda: self._jump(cd.next_key_frame(self.raw, self.frame)))
        self._refresh()

    def _button(self, icon: str, tip: str) -> QToolButton:
        b = QToolButton()
        b.setObjectName("keyButton")
        b.setAutoRaise(True)
        b.setFixedSize(QSize(16, 22))
        b.setIconSize(QSize(12, 12))
        if icon:
            b.setIcon(theme.icon(icon))
        b.setToolTip(tip)
        return b

    # -- state -------------------------------------------------------------------------------------
    @property
    def animated(self) -> bool:
        return is_animated(self.raw)

    @property
    def has_key(self) -> bool:
        return cd.key_index(self.raw, self.frame) is not None

    def state(self) -> str:
        return "key" if self.has_key else "curve" if self.animated else "none"

    def current(self) -> float:
        return cd.evaluate(self.raw, self.frame)

    def set_value(self, value) -> None:
        self.raw = value
        self._refresh()

    def set_frame(self, frame: int) -> None:
        self.frame = int(frame)
        self._refresh()

    def _refresh(self) -> None:
        v = self.current()
        self.number.set_value(int(round(v)) if self.spec.kind == "int" else v)
        state = self.state()
        self.key_button.setIcon(diamond_icon(state))
        self.prev_button.setEnabled(cd.prev_key_frame(self.raw, self.frame) is not None)
        self.next_button.setEnabled(cd.next_key_frame(self.raw, self.frame) is not None)
        # a keyed value is framed in the key colour, an interpolated one in a darker shade
        border = {"key": KEY_COLOUR, "curve": "#8a6d22"}.get(state)
        self.number.spin.setStyleSheet(f"border: 1px solid {border};" if border else "")

    # -- edits -----------------------------------------------------------------------------------------
    def _value_edited(self, value, key) -> None:
        self.touched.emit()
        if self.animated:
            new = cd.set_key(self.raw, self.frame, value, lo=self.spec.min, hi=self.spec.max)
            self.edited.emit(new, key)
        else:
            self.edited.emit(value, key)

    def toggle_key(self) -> None:
        """Remove the key at the current frame, or set one there with the current value."""
        self.touched.emit()
        if self.has_key:
            self.edited.emit(cd.remove_key(self.raw, self.frame), None)
        else:
            self.edited.emit(cd.set_key(self.raw, self.frame, self.current(), lo=self.spec.min, hi=self.spec.max),
                             None)

    def key_here(self):
        """The param value with a key at the current frame (the value it has there)."""
        return cd.set_key(self.raw, self.frame, self.current(), lo=self.spec.min, hi=self.spec.max)

    def _jump(self, frame) -> None:
        if frame is not None:
            self.jumpRequested.emit(int(round(frame)))
