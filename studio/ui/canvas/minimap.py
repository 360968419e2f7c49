"""The minimap: an overview of the whole graph in a corner of the canvas.

It shows itself only when part of the graph is out of view (and the user has not switched it
off with View > Minimap), so it never covers nodes needlessly.

It draws every backdrop and node as a small rectangle (nodes in their category colour) and
the part of the graph the view shows as a frame; clicking or dragging in it centres the view
there.  It is a child of the view widget (not of its viewport, so it does not scroll) and it
repaints when the scene's content or the view's transform change, at most once per frame.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QWidget

from studio.ui import theme

MARGIN = 12


class Minimap(QWidget):
    def __init__(self, view):
        super().__init__(view)
        self.view = view
        self.setFixedSize(200, 130)
        self.setCursor(Qt.PointingHandCursor)
        self.setToolTip("Overview: click or drag to move the view")
        self._dirty = QTimer(self)
        self._dirty.setSingleShot(True)
        self._dirty.setInterval(16)
        self._dirty.timeout.connect(self.update)
        self._world = QRectF()
        self._layer: QPixmap | None = None    # the nodes, drawn once per content change
        self._layer_key = None
        self._layer_world = QRectF()
        view.viewChanged.connect(self.schedule)
        view.scene().contentChanged.connect(self.content_changed)
        view.scene().selectionChanged.connect(self.content_changed)
        self.reposition()

    enabled = True   # View > Minimap

    def set_enabled(self, on: bool) -> None:
        self.enabled = bool(on)
        self.refresh_visibility()

    def refresh_visibility(self) -> None:
        """Visible when enabled and some of the graph lies outside the view."""
        view = self.view
        scene = view.scene()
        content_rect = getattr(scene, "content_rect", None)   # None while the window is torn down
        content = content_rect() if content_rect is not None else QRectF()
        visible = view.mapToScene(view.viewport().rect()).boundingRect()
        needed = not content.isNull() and not visible.contains(content)
        self.setVisible(self.enabled and (needed or self._frozen is not None))

    def content_changed(self) -> None:
        self._layer = None
        self.schedule()

    def schedule(self) -> None:
        self.refresh_visibility()
        if not self._dirty.isActive():
            self._dirty.start()

    def reposition(self) -> None:
        vp = self.view.viewport().geometry()
        self.move(vp.right() - self.width() - MARGIN + 1, vp.bottom() - self.height() - MARGIN + 1)
        self.raise_()

    def _mapping(self) -> tuple[QRectF, float, QPointF]:
        content = self.view.scene().content_rect()
        visible = self.view.mapToScene(self.view.viewport().rect()).boundingRect()
        world = content.united(visible) if not content.isNull() else visible
        world = world.adjusted(-40, -40, 40, 40)
        inner = QRectF(self.rect()).adjusted(6, 6, -6, -6)
        scale = min(inner.width() / max(world.width(), 1), inner.height() / max(world.height(), 1))
        offset = QPointF(inner.x() + (inner.width() - world.width() * scale) / 2 - world.x() * scale,
                         inner.y() + (inner.height() - world.height() * scale) / 2 - world.y() * scale)
        return world, scale, offset

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.Antialiasing, True)
        p.setPen(QPen(QColor(theme.BORDER), 1))
        bg = QColor("#101114")
        bg.setAlpha(215)
        p.setBrush(bg)
        p.drawRoundedRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5), 6, 6)
        world, scale, off = self._frozen or self._mapping()
        self._world = world

        def to_map(r: QRectF) -> QRectF:
            return QRectF(r.x() * scale + off.x(), r.y() * scale + off.y(), r.width() * scale, r.height() * scale)

        if self._layer is None or self._layer_key != self.size():
            self._layer_key = self.size()
            self._layer, self._layer_world = self._draw_layer()
        if not self._layer_world.isNull():
            p.drawPixmap(to_map(self._layer_world), self._layer, QRectF(self._layer.rect()))
        visible = self.view.mapToScene(self.view.viewport().rect()).boundingRect()
        p.setRenderHint(QPainter.Antialiasing, True)
        p.setBrush(QColor(255, 255, 255, 18))
        p.setPen(QPen(QColor(theme.ACCENT), 1.2))
        p.drawRect(to_map(visible))
        p.end()

    def _draw_layer(self) -> tuple[QPixmap, QRectF]:
        """The nodes and backdrops at the minimap's size, for the content's own extent."""
        dpr = self.devicePixelRatioF()
        layer = QPixmap(self.size() * dpr)
        layer.setDevicePixelRatio(dpr)
        layer.fill(Qt.transparent)
        scene = self.view.scene()
        world = scene.content_rect()
        if world.isNull():
            return layer, QRectF()
        world = world.adjusted(-40, -40, 40, 40)
        sx, sy = self.width() / world.width(), self.height() / world.height()
        p = QPainter(layer)
        p.scale(sx, sy)
        p.translate(-world.x(), -world.y())
        for item in scene.backdrop_items.values():
            c = QColor(item.colour)
            c.setAlpha(140)
            p.fillRect(item.rect(), c)
        selection = QColor(theme.SELECTION)
        for item in scene.nodes.values():
            p.fillRect(QRectF(item.pos().x(), item.pos().y(), item.width, item.height),
                       selection if item.isSelected() else item._header)
        p.end()
        return layer, world

    _frozen = None   # the mapping while dragging, so the map does not shift under the cursor

    def _centre_at(self, pos: QPointF) -> None:
        world, scale, off = self._frozen or self._mapping()
        if scale <= 0:
            return
        self.view.centerOn(QPointF((pos.x() - off.x()) / scale, (pos.y() - off.y()) / scale))
        self.view.viewChanged.emit()

    def mousePressEvent(self, event) -> None:
        self._frozen = self._mapping()
        self._centre_at(event.position())
        event.accept()

    def mouseMoveEvent(self, event) -> None:
        if event.buttons() & Qt.LeftButton:
            self._centre_at(event.position())
        event.accept()

    def mouseReleaseEvent(self, event) -> None:
        self._frozen = None
        self.update()
        event.accept()
