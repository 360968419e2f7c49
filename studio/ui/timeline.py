"""The timeline ruler under the viewer: frame numbers and SMPTE timecode, the playhead, in/out
points, a bar of cached frames and ticks for the selected node's keyframes.

The ruler shows frames ``0 .. length-1`` of the viewed clip; its labels are the clip's own
frame numbers and timecode (``start_frame + frame`` at ``fps``).  The mouse wheel zooms about
the cursor, Shift+wheel or middle-drag pans, a double-click fits the whole clip; click or drag
to move the playhead (``frameRequested``).  Painting only reads the state set here; nothing
in it is slow.
"""

from __future__ import annotations

from fractions import Fraction

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QWidget

from studio.graph.animation import is_animated
from studio.timecode import format_timecode

RULER_H = 44
MARGIN = 10
_STEPS = (1, 2, 5, 10, 12, 24, 25, 48, 50, 100, 120, 240, 250, 500, 1000, 2400, 5000, 10000)


def timecode_text(frame: int, start_frame: int, fps) -> str:
    """The SMPTE timecode of clip frame ``frame`` (``start_frame + frame`` at ``fps``)."""
    try:
        return format_timecode(int(start_frame) + int(frame), Fraction(fps))
    except Exception:   # an odd rate: fall back to the frame number
        return str(int(start_frame) + int(frame))


def keyframe_frames(node) -> list[int]:
    """Frames with keys on ``node``: animated params' curve keys and Keyframes-style key lists."""
    frames: set[int] = set()
    if node is None:
        return []
    for value in node.params.values():
        if is_animated(value):
            for k in value.get("keys", ()):
                if isinstance(k, dict) and isinstance(k.get("frame"), (int, float)):
                    frames.add(int(round(k["frame"])))
        elif isinstance(value, list):
            for k in value:
                if isinstance(k, dict) and isinstance(k.get("frame"), (int, float)) and not isinstance(
                        k.get("frame"), bool):
                    frames.add(int(k["frame"]))
    return sorted(frames)


class TimelineRuler(QWidget):
    frameRequested = Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("timelineRuler")
        self.setMinimumHeight(RULER_H)
        self.setMaximumHeight(RULER_H)
        self.setMouseTracking(False)
        self.length = 0
        self.frame = 0
        self.fps: Fraction = Fraction(24)
        self.start_frame = 0
        self.in_point = 0
        self.out_point = 0           # exclusive
        self.cached: set[int] | None = set()   # None: every frame
        self.keys: list[int] = []
        self.f0 = 0.0                # first frame in view
        self.ppf = 1.0               # pixels per frame
        self._pan_from = None

    def sizeHint(self) -> QSize:
        return QSize(600, RULER_H)

    # -- state ---------------------------------------------------------------------------------
    def set_clip(self, length: int, fps, start_frame: int = 0) -> None:
        changed = length != self.length
        self.length = max(int(length), 0)
        self.fps = Fraction(fps) if fps else Fraction(24)
        self.start_frame = int(start_frame)
        if changed:
            self.in_point, self.out_point = 0, self.length
            self.fit()
        self.in_point = min(self.in_point, max(self.length - 1, 0))
        self.out_point = min(max(self.out_point, self.in_point + 1), self.length)
        self.update()

    def set_frame(self, frame: int) -> None:
        if frame != self.frame:
            self.frame = int(frame)
            x = self.fx(frame)
            if x < MARGIN or x > self.width() - MARGIN:   # keep the playhead in view
                self.f0 = max(0.0, frame - (self.width() - 2 * MARGIN) / self.ppf / 2)
            self.update()

    def set_range(self, in_point: int, out_point: int) -> None:
        self.in_point, self.out_point = int(in_point), int(out_point)
        self.update()

    def set_cached(self, cached) -> None:
        self.cached = cached
        self.update()

    def set_keys(self, frames) -> None:
        self.keys = list(frames)
        self.update()

    # -- view ----------------------------------------------------------------------------------
    def fx(self, frame: float) -> float:
        return MARGIN + (frame - self.f0) * self.ppf

    def frame_at(self, x: float) -> int:
        f = int(self.f0 + (x - MARGIN) / self.ppf)
        return min(max(f, 0), max(self.length - 1, 0))

    def fit(self) -> None:
        self.f0 = 0.0
        self.ppf = max(self.width() - 2 * MARGIN, 10) / max(self.length, 1)
        self.update()

    def zoom(self, factor: float, about_x: float | None = None) -> None:
        x = self.width() / 2 if about_x is None else about_x
        f = self.f0 + (x - MARGIN) / self.ppf
        self.ppf = min(max(self.ppf * factor, 0.05), 80.0)
        self.f0 = max(0.0, f - (x - MARGIN) / self.ppf)
        self.update()

    def pan(self, frames: float) -> None:
        self.f0 = min(max(0.0, self.f0 + frames), max(self.length - 1, 0))
        self.update()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self.f0 == 0.0:
            self.fit()

    # -- mouse -----------------------------------------------------------------------------------
    def wheelEvent(self, event) -> None:
        d = event.angleDelta().y() or event.angleDelta().x()
        if event.modifiers() & Qt.ShiftModifier:
            self.pan(-d / 120 * 40 / self.ppf)
        else:
            self.zoom(1.25 if d > 0 else 0.8, event.position().x())
        event.accept()

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MiddleButton:
            self._pan_from = (event.position().x(), self.f0)
        elif event.button() == Qt.LeftButton and self.length:
            self.frameRequested.emit(self.frame_at(event.position().x()))

    def mouseMoveEvent(self, event) -> None:
        if self._pan_from is not None:
            x0, f0 = self._pan_from
            self.f0 = max(0.0, f0 - (event.position().x() - x0) / self.ppf)
            self.update()
        elif event.buttons() & Qt.LeftButton and self.length:
            self.frameRequested.emit(self.frame_at(event.position().x()))

    def mouseReleaseEvent(self, event) -> None:
        self._pan_from = None

    def mouseDoubleClickEvent(self, event) -> None:
        self.fit()

    # -- paint -----------------------------------------------------------------------------------
    def _step(self) -> int:
        for s in _STEPS:
            if s * self.ppf >= 70:
                return s
        return _STEPS[-1]

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        w, h = self.width(), self.height()
        p.fillRect(self.rect(), QColor("#17181b"))
        if not self.length:
            p.end()
            return
        x0, x1 = self.fx(0), self.fx(self.length)
        p.fillRect(QRectF(x0, 0, x1 - x0, h), QColor("#1e2024"))
        # in/out: the playable range is lighter, outside it darker
        xi, xo = self.fx(self.in_point), self.fx(self.out_point)
        p.fillRect(QRectF(xi, 0, xo - xi, h - 8), QColor("#26313f"))
        # cached bar along the bottom
        bar = QRectF(x0, h - 6, x1 - x0, 4)
        p.fillRect(bar, QColor("#2a2c31"))
        green = QColor("#3fa66b")
        if self.cached is None:
            p.fillRect(bar, green)
        elif self.cached:
            first_vis, last_vis = self.frame_at(0), self.frame_at(w) + 1
            run_start = None
            for f in range(first_vis, last_vis + 1):
                inside = f in self.cached and f <= last_vis
                if inside and run_start is None:
                    run_start = f
                elif not inside and run_start is not None:
                    a, b = self.fx(run_start), self.fx(f)
                    p.fillRect(QRectF(a, h - 6, max(b - a, 1.0), 4), green)
                    run_start = None
        # ticks and labels
        step = self._step()
        p.setPen(QColor("#5b616b"))
        minor = max(1, step // 5) if step >= 5 else 1
        first = max(0, int(self.f0) - int(self.f0) % minor)
        last = min(self.length, int(self.f0 + w / self.ppf) + 1)
        font = p.font()
        font.setPixelSize(10)
        p.setFont(font)
        for f in range(first, last + 1, minor):
            x = self.fx(f)
            if f % step == 0:
                p.setPen(QColor("#7b828e"))
                p.drawLine(int(x), 0, int(x), 12)
                p.drawText(int(x) + 3, 11, str(self.start_frame + f))
                p.setPen(QColor("#9aa1ac"))
                p.drawText(int(x) + 3, 24, timecode_text(f, self.start_frame, self.fps))
                p.setPen(QColor("#5b616b"))
            elif self.ppf * minor >= 4:
                p.drawLine(int(x), 0, int(x), 5)
        # keyframe ticks
        p.setPen(Qt.NoPen)
        p.setBrush(QColor("#e0b341"))
        for f in self.keys:
            if 0 <= f < self.length:
                x = self.fx(f + 0.5)
                p.drawPolygon([_pt(x, h - 16), _pt(x + 4, h - 12), _pt(x, h - 8), _pt(x - 4, h - 12)])
        # in/out brackets
        p.setPen(QPen(QColor("#5aa0ff"), 2))
        p.drawLine(int(xi), 0, int(xi), h - 8)
        p.drawLine(int(xo), 0, int(xo), h - 8)
        # playhead
        xp = self.fx(self.frame)
        cw = max(self.ppf, 2.0)
        p.fillRect(QRectF(xp, 0, cw, h - 6), QColor(255, 80, 60, 90))
        p.setPen(QPen(QColor("#ff5a3c"), 1))
        p.drawLine(int(xp), 0, int(xp), h)
        p.end()


def _pt(x, y):
    from PySide6.QtCore import QPointF
    return QPointF(x, y)
