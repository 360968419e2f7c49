"""The camera overlay: where a CameraMove's camera looks, frame by frame, over the still.

The engine maps the source picture to frame ``t`` with the homography ``H(t)`` of
:func:`studio.motion.fields.camera_homography_from_values`, the axis values at ``t`` coming
from :func:`studio.motion.fields.camera_values` (each axis at ``value * ease(u)``, or its curve
when it is animated).  The overlay uses exactly those functions: the camera's view at frame
``t`` is the output frame's border mapped back through ``H(t)^-1`` onto the source, drawn as
a teal frame with its rule-of-thirds grid; the views at the first and last frame are dashed
ghosts, and a dotted line traces the frame centre over the whole clip.  Outside the view the
still is dimmed.

:class:`CameraOverlay` is handed to the viewer (:meth:`studio.ui.viewer.Viewer.set_overlay`),
which draws the still inset (``INSET``) so a frame that moves past the still's edge stays
visible, and plays the overlay's ``frames`` with its own slider and Play button.  The compact
:class:`CameraPanel` shows the same overlay in the inspector.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import QWidget

from studio.graph.animation import is_animated, value_at
from studio.motion.spec import CAMERA_AXES, EASINGS

INSET = 0.74
FRAME_COLOUR = "#39c5cf"


class _CurveTrack:
    """What :func:`camera_values` expects of an override: ``at(t)``."""

    def __init__(self, value):
        self.value = value

    def at(self, t: float) -> float:
        return value_at(self.value, t)


class CameraOverlay:
    """The camera move of one CameraMove node's params over a clip of ``frames``."""

    def __init__(self, params: dict, frames: int, size: tuple[int, int] = (1920, 1080)):
        from studio.motion.spec import CameraSpec
        self.params = dict(params)
        self.frames = max(int(frames), 1)
        self.size = (int(size[0]), int(size[1]))
        easing = self.params.get("easing", "ease_in_out")
        plain = {a: float(v) for a in CAMERA_AXES if not is_animated(v := self.params.get(a, 0.0))}
        self.spec = CameraSpec(easing=easing if easing in EASINGS else "ease_in_out", **plain)
        self.overrides = {a: _CurveTrack(self.params[a]) for a in CAMERA_AXES if is_animated(self.params.get(a))}
        self.inset = INSET

    def values(self, t: float) -> dict:
        from studio.motion.fields import camera_values
        return camera_values(self.spec, t, self.frames, self.overrides)

    def homography(self, t: float) -> np.ndarray:
        """Source-to-frame homography at ``t`` (the engine's)."""
        from studio.motion.fields import camera_homography_from_values
        v = self.values(t)
        if all(v[a] == 0 for a in CAMERA_AXES):
            return np.eye(3)
        return camera_homography_from_values(v, self.size)

    def view_points(self, t: float, points: np.ndarray) -> np.ndarray:
        """Output-frame points (N, 2) in pixels mapped back onto the source picture."""
        inv = np.linalg.inv(self.homography(t))
        pts = np.column_stack([points, np.ones(len(points))]) @ inv.T
        return pts[:, :2] / pts[:, 2:3]

    def quad(self, t: float) -> np.ndarray:
        """The camera's view at ``t``: the output frame's corners on the source (4, 2) pixels."""
        w, h = self.size
        return self.view_points(t, np.array([[0.0, 0.0], [w, 0.0], [w, h], [0.0, h]]))

    # -- drawing -----------------------------------------------------------------------------------
    def paint(self, p: QPainter, rect: QRectF, frame: float, image=None) -> None:
        """Draw over ``rect`` (where the source picture is shown) at ``frame``; ``image``, when
        given, is redrawn bright inside the view (the caller drew it dimmed)."""
        w, h = self.size
        sx, sy = rect.width() / w, rect.height() / h

        def q(pts) -> QPolygonF:
            return QPolygonF([QPointF(rect.left() + x * sx, rect.top() + y * sy) for x, y in pts])

        p.save()
        p.setRenderHint(QPainter.Antialiasing, True)
        view = q(self.quad(frame))
        if image is not None:
            path = QPainterPath()
            path.addPolygon(view)
            path.closeSubpath()
            p.save()
            p.setClipPath(path)
            p.setRenderHint(QPainter.SmoothPixmapTransform, True)
            p.drawImage(rect, image)
            p.restore()
        # the path of the frame centre over the clip
        n = min(self.frames, 48)
        centres = [self.view_points(self.frames_at(i, n), np.array([[w / 2, h / 2]]))[0] for i in range(n + 1)]
        p.setPen(QPen(QColor(255, 255, 255, 110), 1.2, Qt.DotLine))
        p.setBrush(Qt.NoBrush)
        p.drawPolyline(q(centres))
        # first and last frame as ghosts
        for t in (0, self.frames - 1):
            pen = QPen(QColor(FRAME_COLOUR), 1, Qt.DashLine)
            c = pen.color()
            c.setAlpha(110)
            pen.setColor(c)
            p.setPen(pen)
            p.drawPolygon(q(self.quad(t)))
        # the current view with its thirds
        inv_lines = []
        for i in (1, 2):
            inv_lines.append(self.view_points(frame, np.array([[w * i / 3, 0.0], [w * i / 3, h]])))
            inv_lines.append(self.view_points(frame, np.array([[0.0, h * i / 3], [w, h * i / 3]])))
        p.setPen(QPen(QColor(255, 255, 255, 120), 1))
        for a, b in inv_lines:
            p.drawLine(QPointF(rect.left() + a[0] * sx, rect.top() + a[1] * sy),
                       QPointF(rect.left() + b[0] * sx, rect.top() + b[1] * sy))
        p.setPen(QPen(QColor(0, 0, 0, 150), 4))
        p.drawPolygon(view)
        p.setPen(QPen(QColor(FRAME_COLOUR), 2))
        p.drawPolygon(view)
        # a mark on the top edge so roll reads at a glance
        top = (view[0] + view[1]) / 2
        p.setBrush(QColor(FRAME_COLOUR))
        p.drawEllipse(top, 3.5, 3.5)
        p.restore()

    def frames_at(self, i: int, n: int) -> float:
        return (self.frames - 1) * i / max(n, 1)


def placeholder_still(size: tuple[int, int] = (640, 360)) -> np.ndarray:
    """A neutral picture for the overlay when the generator's still is not known: a grey
    gradient with a light grid, so the camera's move reads."""
    w, h = size
    y = np.linspace(52, 34, h, dtype=np.float32)[:, None]
    img = np.repeat(np.broadcast_to(y, (h, w))[..., None], 3, axis=2).copy()
    img[:: max(h // 9, 1), :] += 14
    img[:, :: max(w // 16, 1)] += 14
    return np.clip(img, 0, 255).astype(np.uint8)


class CameraPanel(QWidget):
    """A compact camera preview for the inspector: the overlay on a neutral frame, looping."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.overlay: CameraOverlay | None = None
        self.frame = 0.0
        self.timer = QTimer(self)
        self.timer.setInterval(42)
        self.timer.timeout.connect(self._tick)
        self.setMinimumHeight(120)
        self.setToolTip("The camera's view over the clip (teal), its first and last frame (dashed)")

    def sizeHint(self) -> QSize:
        return QSize(280, 150)

    def set_overlay(self, overlay: CameraOverlay | None) -> None:
        self.overlay = overlay
        if overlay is not None and self.isVisible() and not self.timer.isActive():
            self.timer.start()
        self.update()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self.overlay is not None:
            self.timer.start()

    def hideEvent(self, event) -> None:
        super().hideEvent(event)
        self.timer.stop()

    def _tick(self) -> None:
        if self.overlay is not None:
            self.frame = (self.frame + 1) % self.overlay.frames
            self.update()

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor("#101113"))
        if self.overlay is not None:
            w, h = self.overlay.size
            s = min(self.width() / w, self.height() / h) * INSET
            rect = QRectF((self.width() - w * s) / 2, (self.height() - h * s) / 2, w * s, h * s)
            p.fillRect(rect, QColor("#2a2d33"))
            p.setPen(QPen(QColor("#3a3f48"), 1))
            for i in range(1, 4):
                p.drawLine(QPointF(rect.left() + rect.width() * i / 4, rect.top()),
                           QPointF(rect.left() + rect.width() * i / 4, rect.bottom()))
                p.drawLine(QPointF(rect.left(), rect.top() + rect.height() * i / 4),
                           QPointF(rect.right(), rect.top() + rect.height() * i / 4))
            self.overlay.paint(p, rect, self.frame)
            p.setPen(QColor("#8d94a0"))
            p.drawText(self.rect().adjusted(6, 4, -6, -4), Qt.AlignRight | Qt.AlignBottom,
                       f"{int(self.frame) + 1} / {self.overlay.frames}")
        p.end()
