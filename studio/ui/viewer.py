"""The viewer: the output of the viewed node, an image or a clip with a frame slider and play.

The viewer holds a value (an image array or a clip) and shows one frame of it.  Frames are
made by the :class:`~studio.ui.frames.FrameService` helper thread, scaled to the widget, so a
streaming clip (a render that computes frames on demand) never blocks the GUI; while playing,
the next frame is asked for only once the previous one arrived (frames are dropped, never
queued).  The full timeline is a later issue.

The viewer's frame is the app's *current frame*: ``frameChanged(index)`` reports every change
(slider, playback, :meth:`Viewer.set_frame`), and the playhead is kept (clamped) when the
viewer switches to another clip, so keying a param at a frame survives selecting its node.
An *overlay* (:meth:`Viewer.set_overlay`, e.g. the camera overlay of a CameraMove) is drawn
over the picture at the current frame; with a still picture its ``frames`` drive the slider
and Play, and the picture is drawn inset by its ``inset`` so what it draws past the picture's
edge stays in view.
"""

from __future__ import annotations

from fractions import Fraction

from PySide6.QtCore import QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QSlider, QToolButton, QVBoxLayout, QWidget

from studio.ui import theme
from studio.ui.frames import is_clip, picture


class _Canvas(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("viewerCanvas")
        self.setAttribute(Qt.WA_OpaquePaintEvent, True)
        self.image: QImage | None = None
        self.hint = ""
        self.overlay = None
        self.frame = 0
        self.setMinimumSize(160, 90)

    def sizeHint(self) -> QSize:
        return QSize(640, 260)

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor("#101113"))
        if self.image is not None and not self.image.isNull():
            iw, ih = self.image.width(), self.image.height()
            inset = getattr(self.overlay, "inset", 1.0) if self.overlay is not None else 1.0
            scale = min(self.width() / iw, self.height() / ih) * inset
            w, h = iw * scale, ih * scale
            target = QRectF((self.width() - w) / 2, (self.height() - h) / 2, w, h)
            p.setRenderHint(QPainter.SmoothPixmapTransform, True)
            if self.overlay is not None:
                p.setOpacity(0.4)
                p.drawImage(target, self.image)
                p.setOpacity(1.0)
                self.overlay.paint(p, target, self.frame, self.image)
            else:
                p.drawImage(target, self.image)
        elif self.hint:
            p.setPen(QColor("#6f7682"))
            p.drawText(self.rect(), Qt.AlignCenter | Qt.TextWordWrap, self.hint)
        p.end()


class _ElidedLabel(QLabel):
    """A one-line label that shortens its text with "…" instead of asking for width."""

    def setText(self, text: str) -> None:
        self._full = text
        self.setToolTip(text)
        self._elide()

    def text(self) -> str:
        return getattr(self, "_full", super().text())

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        full = getattr(self, "_full", "")
        super().setText(self.fontMetrics().elidedText(full, Qt.ElideMiddle, max(self.width() - 2, 0)))


class Viewer(QWidget):
    frameShown = Signal(int)
    frameChanged = Signal(int)    # the current frame (slider, playback, set_frame)

    def __init__(self, frames, parent=None):
        super().__init__(parent)
        self.frames = frames
        self.value = None
        self.node_id: str | None = None
        self.index = 0
        self.overlay = None
        self._waiting = False
        self._channel = f"viewer-{id(self)}"
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        self.canvas = _Canvas()
        lay.addWidget(self.canvas, 1)
        bar = QWidget()
        row = QHBoxLayout(bar)
        row.setContentsMargins(8, 4, 8, 4)
        row.setSpacing(8)
        self.play = QToolButton()
        self.play.setIcon(theme.icon("fa5s.play"))
        self.play.setCheckable(True)
        self.play.setToolTip("Play / pause (loops)")
        self.slider = QSlider(Qt.Horizontal)
        self.slider.setRange(0, 0)
        self.slider.setMinimumWidth(120)
        self.frame_label = QLabel("")
        self.frame_label.setObjectName("viewerInfo")
        self.frame_label.setMinimumWidth(80)
        self.info = _ElidedLabel("")
        self.info.setObjectName("viewerInfo")
        self.info.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)   # never widens the dock
        row.addWidget(self.play)
        row.addWidget(self.slider, 3)
        row.addWidget(self.frame_label)
        row.addStretch(0)
        row.addWidget(self.info, 2)
        lay.addWidget(bar)
        self.timer = QTimer(self)
        self.timer.setTimerType(Qt.PreciseTimer)
        self.timer.timeout.connect(self._tick)
        self.play.toggled.connect(self._play_toggled)
        self.slider.valueChanged.connect(self.show_frame)
        frames.ready.connect(self._ready)
        self.clear("Select a node and press Run (Ctrl+Enter) to see its output.")

    # -- content -----------------------------------------------------------------------------------
    def clear(self, hint: str = "") -> None:
        self.value = None
        self.overlay = self.canvas.overlay = None
        self.play.setChecked(False)
        self.frames.cancel(self._channel)
        self.canvas.image = None
        self.canvas.hint = hint
        self.canvas.update()
        self._set_clip_controls(0)
        self.info.setText("")

    def set_hint(self, hint: str) -> None:
        """Say something over an empty viewer (keeps a shown picture)."""
        self.canvas.hint = hint
        if self.canvas.image is None:
            self.canvas.update()

    def set_value(self, node_id: str, value, title: str = "") -> None:
        """Show ``value`` (an image array or a clip) of ``node_id``."""
        self.node_id = node_id
        self.value = value
        self.overlay = self.canvas.overlay = None
        self.canvas.hint = ""
        if is_clip(value):
            n = len(value)
            fps = Fraction(value.fps)
            self._fps = fps
            self.timer.setInterval(max(1, int(round(1000 / float(fps)))) if fps else 42)
            self._set_clip_controls(n)
            self.info.setText(f"{title}  ·  {value.width}×{value.height}  ·  {n} frames @ {_rate(fps)} fps")
            index = min(self.index, n - 1)      # the playhead stays where it was, as in an editor
        else:
            self.play.setChecked(False)
            self._set_clip_controls(0)
            shape = getattr(value, "shape", (0, 0))
            self.info.setText(f"{title}  ·  {shape[1]}×{shape[0]}" if len(shape) >= 2 else title)
            index = self.index
        self._move_to(index)
        self._request(index)

    def frame_count(self) -> int:
        """Frames the slider spans: the clip's, or the overlay's over a still (0: none)."""
        if is_clip(self.value):
            return len(self.value)
        return self.overlay.frames if self.overlay is not None else 0

    def set_overlay(self, overlay, fps: float = 24.0) -> None:
        """Draw ``overlay`` (``paint(painter, rect, frame, image)``, ``frames``) over the picture."""
        self.overlay = self.canvas.overlay = overlay
        if overlay is not None and not is_clip(self.value):
            self.timer.setInterval(max(1, int(round(1000 / float(fps)))) if fps else 42)
            self._set_clip_controls(overlay.frames)
            self._move_to(min(self.index, overlay.frames - 1))
        self.canvas.frame = self.index
        self.canvas.update()

    def set_frame(self, index: int) -> None:
        """Go to frame ``index`` (clamped to the clip or overlay when there is one)."""
        n = self.frame_count()
        index = max(int(index), 0) if n == 0 else min(max(int(index), 0), n - 1)
        if index == self.index:
            return
        self._move_to(index)
        if is_clip(self.value):
            self._request(index)

    def _move_to(self, index: int) -> None:
        changed = index != self.index
        self.index = index
        self.canvas.frame = index
        with _blocked(self.slider):
            self.slider.setValue(index)
        if self.frame_count():
            self.frame_label.setText(f"{index + 1} / {self.frame_count()}")
        self.canvas.update()
        if changed:
            self.frameChanged.emit(index)

    def _set_clip_controls(self, n: int) -> None:
        is_clip_ = n > 0
        with _blocked(self.slider):
            self.slider.setRange(0, max(n - 1, 0))
        for w in (self.play, self.slider, self.frame_label):
            w.setVisible(is_clip_)
        self.frame_label.setText(f"{self.index + 1} / {n}" if is_clip_ else "")

    # -- frames -------------------------------------------------------------------------------------
    def show_frame(self, index: int) -> None:
        self._move_to(int(index))
        if is_clip(self.value):
            self._request(self.index)

    def _request(self, index: int) -> None:
        value = self.value
        if value is None:
            return
        size = self.canvas.size() * self.devicePixelRatioF()
        w, h = max(size.width(), 64), max(size.height(), 64)
        self._waiting = True
        self.frames.request(self._channel, lambda: picture(value, index, w, h))
        if is_clip(value):
            self.frame_label.setText(f"{index + 1} / {len(value)}")

    def _ready(self, channel: str, rid: int, image) -> None:
        if channel != self._channel:
            return
        self._waiting = False
        if image is None or self.value is None:
            return
        self.canvas.image = image
        self.canvas.update()
        self.frameShown.emit(self.index)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self.value is not None and not self.play.isChecked():
            self._request(self.index)

    # -- playback ---------------------------------------------------------------------------------
    def _play_toggled(self, on: bool) -> None:
        self.play.setIcon(theme.icon("fa5s.pause" if on else "fa5s.play"))
        if on and self.frame_count():
            self.timer.start()
        else:
            self.timer.stop()

    def _tick(self) -> None:
        n = self.frame_count()
        if not n or (self._waiting and is_clip(self.value)):
            return   # drop a frame rather than queue work
        self._move_to((self.index + 1) % n)
        if is_clip(self.value):
            self._request(self.index)


def _rate(fps: Fraction) -> str:
    return str(fps.numerator) if fps.denominator == 1 else f"{float(fps):.3f}"


class _blocked:
    def __init__(self, widget):
        self.widget = widget

    def __enter__(self):
        self._old = self.widget.blockSignals(True)

    def __exit__(self, *exc):
        self.widget.blockSignals(self._old)
