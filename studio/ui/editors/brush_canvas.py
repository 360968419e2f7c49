"""The motion brush painting surface: the source frame at full resolution, zoom and pan, the
brushes as translucent colour overlays, trajectories, motion arrows and the live stroke.

The canvas never edits anything itself: a finished gesture is reported as
``gestureFinished(tool, points)`` with the points in normalised frame coordinates (x across the
width, y down the height), and the editor turns it into one ``SetParam``.  What it shows comes
from :meth:`set_brushes` (the param's JSON), so after an undo the editor just hands it the
graph's value again.

Mouse: left-drag draws with the current tool; wheel zooms about the cursor; middle-drag,
Space+drag or Alt+drag pans.  Masks are rasterised with the engine's own
:func:`studio.motion.masks.rasterize_brush` (at most ``OVERLAY_MAX`` px wide), so the overlay is
exactly the region the engine will move.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPainterPath, QPen, QPixmap, QPolygonF
from PySide6.QtWidgets import QWidget

from studio.ui.editors import brushdata as bd

OVERLAY_MAX = 1024
PLACEHOLDER = (1280, 720)
TOOLS = ("paint", "erase", "path", "select")
MIN_ZOOM, MAX_ZOOM = 0.02, 32.0


class BrushCanvas(QWidget):
    gestureFinished = Signal(str, list)   # tool, [[x, y], ...] normalised
    zoomChanged = Signal(float)
    sizeChanged = Signal(float)           # the brush radius changed by the keyboard ([ and ])

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("brushCanvas")
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.StrongFocus)
        self.setAttribute(Qt.WA_OpaquePaintEvent, True)
        self.setMinimumSize(320, 240)
        self.pixmap: QPixmap | None = None
        self._scaled: tuple[float, QPixmap] | None = None   # the frame pre-scaled for the zoom
        self.frame_size = PLACEHOLDER
        self.hint = ""
        self.brushes: list = []
        self.selected = 0
        self.tool = "paint"
        self.radius = 0.04          # fraction of the frame height
        self.softness = 0.5
        self.show_masks = True
        self.show_arrows = True
        self.arrows: list = []
        self.pending: list | None = None    # an auto-select stroke being worked on
        self._overlay: QImage | None = None
        self._outlines: dict[int, QPainterPath] = {}
        self._centres: dict[int, tuple[float, float]] = {}
        self._masks: list[np.ndarray] = []
        self._scale = 1.0
        self._offset = QPointF(0, 0)
        self._fitted = True
        self._live: list[list[float]] | None = None
        self._pan_from: QPointF | None = None
        self._space = False
        self._mouse: QPointF | None = None

    def sizeHint(self) -> QSize:
        return QSize(900, 600)

    # -- content ------------------------------------------------------------------------------
    def set_image(self, image: QImage | None, hint: str = "") -> None:
        """The source frame (None: a neutral placeholder frame, with ``hint`` written on it)."""
        self.pixmap = QPixmap.fromImage(image) if image is not None and not image.isNull() else None
        self._scaled = None
        old = self.frame_size
        self.frame_size = (image.width(), image.height()) if self.pixmap is not None else PLACEHOLDER
        self.hint = hint
        if old != self.frame_size:
            self._rebuild_overlay()
        if self._fitted or old != self.frame_size:
            self.fit()
        self.update()

    def set_brushes(self, brushes: list, selected: int) -> None:
        self.brushes = list(brushes)
        self.selected = selected
        self._rebuild_overlay()
        self.update()

    def set_selected(self, index: int) -> None:
        self.selected = index
        self._rebuild_overlay()
        self.update()

    def set_arrows(self, arrows: list) -> None:
        self.arrows = arrows
        self.update()

    def set_tool(self, tool: str) -> None:
        if tool not in TOOLS:
            raise ValueError(f"unknown tool {tool!r}")
        self.tool = tool
        self.setCursor(Qt.CrossCursor if tool == "path" else Qt.BlankCursor)
        self.update()

    def mask(self, index: int) -> np.ndarray | None:
        """Brush ``index``'s region as shown (float32, overlay resolution), or None."""
        return self._masks[index] if 0 <= index < len(self._masks) else None

    def overlay_size(self) -> tuple[int, int]:
        w, h = self.frame_size
        s = min(1.0, OVERLAY_MAX / max(w, 1))
        return max(int(round(w * s)), 2), max(int(round(h * s)), 2)

    def _rebuild_overlay(self) -> None:
        from studio.motion.masks import centroid, rasterize_brush
        from studio.motion.spec import brushes_from_json
        ow, oh = self.overlay_size()
        fx, fy = self.frame_size[0] / ow, self.frame_size[1] / oh
        self._masks, self._outlines, self._centres = [], {}, {}
        try:
            spec = brushes_from_json(self.brushes)
        except Exception:   # noqa: BLE001 - an invalid param (the model refuses it anyway)
            self._overlay = None
            return
        acc = np.zeros((oh, ow, 4), np.float32)
        for i, brush in enumerate(spec.brushes):
            m = rasterize_brush(brush, (ow, oh)) if brush.shapes else np.zeros((oh, ow), np.float32)
            self._masks.append(m)
            if not m.any():
                continue
            col = QColor(bd.colour_of(self.brushes, i))
            rgb = np.array([col.red(), col.green(), col.blue()], np.float32)
            a = m * (0.5 if i == self.selected else 0.36)
            acc[..., :3] *= 1.0 - a[..., None]
            acc[..., :3] += a[..., None] * rgb
            acc[..., 3] = acc[..., 3] * (1.0 - a) + a * 255.0
            c = centroid(m)
            if c is not None:
                self._centres[i] = ((c[0] + 0.5) * fx, (c[1] + 0.5) * fy)
            contours, _ = cv2.findContours((m > 0.5).astype(np.uint8), cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
            path = QPainterPath()
            for cnt in contours:
                pts = cnt.reshape(-1, 2)
                if len(pts) < 3:
                    continue
                path.addPolygon(QPolygonF([QPointF((x + 0.5) * fx, (y + 0.5) * fy) for x, y in pts]))
                path.closeSubpath()
            self._outlines[i] = path
        data = np.ascontiguousarray(np.clip(acc + 0.5, 0, 255).astype(np.uint8))
        self._overlay = QImage(data.data, ow, oh, ow * 4, QImage.Format_RGBA8888_Premultiplied).copy()

    # -- view transform -------------------------------------------------------------------------
    @property
    def zoom(self) -> float:
        return self._scale

    def fit(self) -> None:
        w, h = self.frame_size
        if self.width() < 4 or self.height() < 4:
            return
        self._scale = min((self.width() - 24) / w, (self.height() - 24) / h)
        self._offset = QPointF((self.width() - w * self._scale) / 2, (self.height() - h * self._scale) / 2)
        self._fitted = True
        self.zoomChanged.emit(self._scale)
        self.update()

    def set_zoom(self, scale: float, anchor: QPointF | None = None) -> None:
        scale = min(max(scale, MIN_ZOOM), MAX_ZOOM)
        anchor = anchor if anchor is not None else QPointF(self.width() / 2, self.height() / 2)
        img = self.to_image(anchor)
        self._scale = scale
        self._offset = QPointF(anchor.x() - img.x() * scale, anchor.y() - img.y() * scale)
        self._fitted = False
        self.zoomChanged.emit(self._scale)
        self.update()

    def to_image(self, p: QPointF) -> QPointF:
        """Widget point -> frame pixel coordinates (0..W, 0..H across the frame)."""
        return QPointF((p.x() - self._offset.x()) / self._scale, (p.y() - self._offset.y()) / self._scale)

    def to_widget(self, x: float, y: float) -> QPointF:
        """Frame pixel coordinates -> widget point."""
        return QPointF(self._offset.x() + x * self._scale, self._offset.y() + y * self._scale)

    def to_norm(self, p: QPointF) -> list[float]:
        q = self.to_image(p)
        return [q.x() / self.frame_size[0], q.y() / self.frame_size[1]]

    def norm_to_widget(self, x: float, y: float) -> QPointF:
        return self.to_widget(x * self.frame_size[0], y * self.frame_size[1])

    def frame_rect(self) -> QRectF:
        w, h = self.frame_size
        return QRectF(self._offset.x(), self._offset.y(), w * self._scale, h * self._scale)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self._fitted:
            self.fit()

    # -- painting -------------------------------------------------------------------------------
    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor("#121316"))
        rect = self.frame_rect()
        p.setRenderHint(QPainter.SmoothPixmapTransform, self._scale < 2.0)
        if self.pixmap is not None:
            if self._scale < 0.999:
                # zoomed out: scale once per zoom level, not on every repaint of a stroke
                if self._scaled is None or abs(self._scaled[0] - self._scale) > 1e-9:
                    size = QSize(max(int(round(rect.width())), 1), max(int(round(rect.height())), 1))
                    self._scaled = (self._scale, self.pixmap.scaled(size, Qt.IgnoreAspectRatio,
                                                                    Qt.SmoothTransformation))
                p.drawPixmap(rect.topLeft(), self._scaled[1])
            else:
                p.drawPixmap(rect, self.pixmap, QRectF(self.pixmap.rect()))
        else:
            self._paint_placeholder(p, rect)
        p.setRenderHint(QPainter.Antialiasing, True)
        if self.show_masks and self._overlay is not None:
            p.setRenderHint(QPainter.SmoothPixmapTransform, True)
            p.drawImage(rect, self._overlay)
            self._paint_outlines(p)
        self._paint_trajectories(p)
        if self.show_arrows:
            self._paint_arrows(p)
        if self.show_masks:
            self._paint_labels(p)
        self._paint_live(p)
        self._paint_cursor(p)
        p.setPen(QPen(QColor(255, 255, 255, 40), 1))
        p.setBrush(Qt.NoBrush)
        p.drawRect(rect)
        p.end()

    def _paint_placeholder(self, p: QPainter, rect: QRectF) -> None:
        p.fillRect(rect, QColor("#2a2d33"))
        p.setPen(QPen(QColor("#34383f"), 1))
        for i in range(1, 16):
            x = rect.left() + rect.width() * i / 16
            p.drawLine(QPointF(x, rect.top()), QPointF(x, rect.bottom()))
        for i in range(1, 9):
            y = rect.top() + rect.height() * i / 9
            p.drawLine(QPointF(rect.left(), y), QPointF(rect.right(), y))
        if self.hint:
            p.setPen(QColor("#9aa1ad"))
            p.drawText(rect.adjusted(20, 20, -20, -20), Qt.AlignCenter | Qt.TextWordWrap, self.hint)

    def _paint_outlines(self, p: QPainter) -> None:
        p.save()
        p.translate(self._offset)
        p.scale(self._scale, self._scale)
        for i, path in self._outlines.items():
            col = QColor(bd.colour_of(self.brushes, i))
            if i == self.selected:
                pen = QPen(QColor(255, 255, 255, 230), 1.6)
                pen.setCosmetic(True)
                pen.setStyle(Qt.DashLine)
                p.setPen(pen)
            else:
                col.setAlpha(200)
                pen = QPen(col, 1.2)
                pen.setCosmetic(True)
                p.setPen(pen)
            p.setBrush(Qt.NoBrush)
            p.drawPath(path)
        p.restore()

    def _paint_trajectories(self, p: QPainter) -> None:
        for i, b in enumerate(self.brushes):
            pts = b.get("trajectory") or []
            if len(pts) >= 2:
                self._paint_path(p, [self.norm_to_widget(x, y) for x, y in pts],
                                 QColor(bd.colour_of(self.brushes, i)), i == self.selected)

    def _paint_path(self, p: QPainter, pts: list[QPointF], col: QColor, strong: bool) -> None:
        from studio.motion.fields import catmull_rom
        dense = catmull_rom(np.array([[q.x(), q.y()] for q in pts]), samples=12)
        poly = QPolygonF([QPointF(x, y) for x, y in dense])
        width = 3.0 if strong else 2.0
        p.setBrush(Qt.NoBrush)
        p.setPen(QPen(QColor(0, 0, 0, 150), width + 2.5, Qt.SolidLine, Qt.RoundCap, Qt.RoundJoin))
        p.drawPolyline(poly)
        p.setPen(QPen(col, width, Qt.SolidLine, Qt.RoundCap, Qt.RoundJoin))
        p.drawPolyline(poly)
        # the arrowhead at the end, along the last spline segment
        if len(dense) >= 2:
            tip = QPointF(*dense[-1])
            k = len(dense) - 2
            while k > 0 and math.hypot(*(dense[-1] - dense[k])) < 8:
                k -= 1
            d = dense[-1] - dense[k]
            n = math.hypot(*d) or 1.0
            ux, uy = d / n
            size = 11.0 if strong else 8.0
            side = size * 0.55
            head = QPolygonF([tip, QPointF(tip.x() - ux * size - uy * side, tip.y() - uy * size + ux * side),
                              QPointF(tip.x() - ux * size + uy * side, tip.y() - uy * size - ux * side)])
            p.setPen(QPen(QColor(0, 0, 0, 150), 1.5))
            p.setBrush(col)
            p.drawPolygon(head)
        p.setPen(QPen(QColor(0, 0, 0, 160), 1.2))
        p.setBrush(QColor(255, 255, 255) if strong else col)
        r = 3.5 if strong else 2.5
        for q in pts[:-1]:
            p.drawEllipse(q, r, r)

    def arrow_cap(self) -> float:
        """The longest arrow drawn, in frame pixels: most of the grid spacing, so neighbouring
        arrows do not run into each other."""
        xs = sorted({round(a[0], 6) for a in self.arrows})
        spacing = min((b - a for a, b in zip(xs, xs[1:])), default=0.05) * self.frame_size[0]
        return 0.9 * spacing

    def _paint_arrows(self, p: QPainter) -> None:
        """Each arrow points where its point goes by the end of the clip.  Short moves are drawn
        true to length; long ones are compressed smoothly (``cap * tanh(length / cap)``) so
        they keep their direction and order of size without covering their neighbours."""
        if not self.arrows:
            return
        cap = self.arrow_cap()
        w, h = self.frame_size
        shortened = False
        for x, y, dx, dy, i in self.arrows:
            true = math.hypot(dx * w, dy * h)
            if true <= 1e-9:
                continue
            shown = cap * math.tanh(true / cap)
            shortened |= shown < true * 0.9
            k = shown / true
            a = self.norm_to_widget(x, y)
            b = self.norm_to_widget(x + dx * k, y + dy * k)
            length = math.hypot(b.x() - a.x(), b.y() - a.y())
            if length < 2.0:
                continue
            col = QColor(bd.colour_of(self.brushes, i)).lighter(140)
            p.setPen(QPen(QColor(0, 0, 0, 120), 3.0, Qt.SolidLine, Qt.RoundCap))
            p.drawLine(a, b)
            p.setPen(QPen(col, 1.5, Qt.SolidLine, Qt.RoundCap))
            p.drawLine(a, b)
            ux, uy = (b.x() - a.x()) / length, (b.y() - a.y()) / length
            s = min(6.0, 2.0 + length * 0.3)
            head = QPolygonF([b, QPointF(b.x() - ux * s - uy * s * 0.6, b.y() - uy * s + ux * s * 0.6),
                              QPointF(b.x() - ux * s + uy * s * 0.6, b.y() - uy * s - ux * s * 0.6)])
            p.setPen(Qt.NoPen)
            p.setBrush(col)
            p.drawPolygon(head)
        if shortened:
            text = "arrows: where each point goes by the end of the clip (long moves drawn shorter)"
            fm = p.fontMetrics()
            box = QRectF(8, self.height() - 26, fm.horizontalAdvance(text) + 16, 20)
            p.setPen(Qt.NoPen)
            p.setBrush(QColor(20, 22, 26, 200))
            p.drawRoundedRect(box, 4, 4)
            p.setPen(QColor("#aab1bd"))
            p.drawText(box, Qt.AlignCenter, text)

    def _paint_labels(self, p: QPainter) -> None:
        font = QFont(self.font())
        font.setPointSizeF(max(font.pointSizeF() - 0.5, 7.5))
        font.setBold(True)
        p.setFont(font)
        fm = p.fontMetrics()
        for i, (x, y) in self._centres.items():
            name = bd.name_of(self.brushes, i)
            c = self.to_widget(x, y)
            tw = fm.horizontalAdvance(name) + 14
            box = QRectF(c.x() - tw / 2, c.y() - 10, tw, 20)
            col = QColor(bd.colour_of(self.brushes, i))
            p.setPen(Qt.NoPen)
            p.setBrush(QColor(20, 22, 26, 200))
            p.drawRoundedRect(box, 10, 10)
            p.setBrush(col)
            p.drawEllipse(QPointF(box.left() + 8, c.y()), 3.2, 3.2)
            p.setPen(QColor("#f2f3f5"))
            p.drawText(box.adjusted(12, 0, 0, 0), Qt.AlignVCenter | Qt.AlignLeft, name)

    def _paint_live(self, p: QPainter) -> None:
        for pts, tool in ((self._live, self.tool), (self.pending, "select")):
            if not pts:
                continue
            qs = [self.norm_to_widget(x, y) for x, y in pts]
            col = QColor(bd.colour_of(self.brushes, self.selected)) if self.brushes else QColor("#ff5a5f")
            if tool == "path":
                if len(qs) >= 2:
                    p.setPen(QPen(col, 2.5, Qt.SolidLine, Qt.RoundCap, Qt.RoundJoin))
                    p.setBrush(Qt.NoBrush)
                    p.drawPolyline(QPolygonF(qs))
                continue
            width = 2 * self.radius * self.frame_size[1] * self._scale
            if tool == "erase":
                stroke_col = QColor(10, 10, 12, 150)
            elif tool == "select":
                stroke_col = QColor(255, 255, 255, 70)
            else:
                stroke_col = QColor(col)
                stroke_col.setAlpha(120)
            p.setPen(QPen(stroke_col, max(width, 1.0), Qt.SolidLine, Qt.RoundCap, Qt.RoundJoin))
            p.setBrush(Qt.NoBrush)
            if len(qs) == 1:
                p.drawPoint(qs[0])
            else:
                p.drawPolyline(QPolygonF(qs))
            if tool == "select":
                pen = QPen(QColor(255, 255, 255, 220), 1.2, Qt.DashLine)
                p.setPen(pen)
                p.drawPolyline(QPolygonF(qs))

    def _paint_cursor(self, p: QPainter) -> None:
        if self._mouse is None or self._pan_from is not None or self._space or self.tool == "path":
            return
        r = self.radius * self.frame_size[1] * self._scale
        p.setBrush(Qt.NoBrush)
        p.setPen(QPen(QColor(0, 0, 0, 160), 3))
        p.drawEllipse(self._mouse, r, r)
        p.setPen(QPen(QColor(255, 255, 255, 220), 1.2, Qt.DashLine if self.tool == "erase" else Qt.SolidLine))
        p.drawEllipse(self._mouse, r, r)
        inner = r * (1.0 - 0.5 * self.softness)
        if self.tool != "select" and inner > 3:
            p.setPen(QPen(QColor(255, 255, 255, 90), 1))
            p.drawEllipse(self._mouse, inner, inner)
        p.setPen(QPen(QColor(255, 255, 255, 220), 1))
        p.drawPoint(self._mouse)

    # -- input ----------------------------------------------------------------------------------
    def wheelEvent(self, event) -> None:
        steps = event.angleDelta().y() / 120.0
        if steps:
            self.set_zoom(self._scale * (1.2 ** steps), event.position())
        event.accept()

    def mousePressEvent(self, event) -> None:
        pos = event.position()
        pan = event.button() == Qt.MiddleButton or (event.button() == Qt.LeftButton and
                                                    (self._space or event.modifiers() & Qt.AltModifier))
        if pan:
            self._pan_from = pos
            self.setCursor(Qt.ClosedHandCursor)
            event.accept()
            return
        if event.button() == Qt.LeftButton:
            self._live = [self.to_norm(pos)]
            self.update()
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:
        pos = event.position()
        old = self._mouse
        self._mouse = pos
        if self._pan_from is not None:
            d = pos - self._pan_from
            self._pan_from = pos
            self._offset += d
            self._fitted = False
            self.update()
            return
        if self._live is not None:
            q = self.to_norm(pos)
            last = self._live[-1]
            if math.hypot((q[0] - last[0]) * self.frame_size[0], (q[1] - last[1]) * self.frame_size[1]) \
                    * self._scale >= 1.5:
                self._live.append(q)
            self.update()
            return
        r = self.radius * self.frame_size[1] * self._scale + 4
        if old is not None:
            self.update(QRectF(old.x() - r, old.y() - r, 2 * r, 2 * r).toAlignedRect())
        self.update(QRectF(pos.x() - r, pos.y() - r, 2 * r, 2 * r).toAlignedRect())

    def mouseReleaseEvent(self, event) -> None:
        if self._pan_from is not None and event.button() in (Qt.MiddleButton, Qt.LeftButton):
            self._pan_from = None
            self.set_tool(self.tool)
            event.accept()
            return
        if event.button() == Qt.LeftButton and self._live is not None:
            q = self.to_norm(event.position())
            if q != self._live[-1]:
                self._live.append(q)
            points, self._live = self._live, None
            if self.tool == "select":
                self.pending = points
            self.update()
            self.gestureFinished.emit(self.tool, points)
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def leaveEvent(self, event) -> None:
        self._mouse = None
        self.update()
        super().leaveEvent(event)

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key_Space and not event.isAutoRepeat():
            self._space = True
            self.setCursor(Qt.OpenHandCursor)
            self.update()
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event) -> None:
        if event.key() == Qt.Key_Space and not event.isAutoRepeat():
            self._space = False
            self.set_tool(self.tool)
            return
        super().keyReleaseEvent(event)

    def focusOutEvent(self, event) -> None:
        self._space = False
        super().focusOutEvent(event)
