"""A backdrop on the canvas: a titled, coloured frame behind nodes.

It draws one entry of ``graph.ui["backdrops"]`` (see :mod:`studio.ui.backdrops`).  Dragging
its title bar moves it and the nodes inside it; the corner grip resizes it; both are done by
the view through undoable commands.  The item itself only draws and answers hit tests.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPen
from PySide6.QtWidgets import QGraphicsItem

from studio.ui import theme

TITLE_H = 30.0
GRIP = 16.0


class BackdropItem(QGraphicsItem):
    def __init__(self, data: dict):
        super().__init__()
        self.backdrop_id = data["id"]
        self._font = QFont()
        self._font.setPointSizeF(12)
        self._font.setBold(True)
        self._metrics = QFontMetricsF(self._font)
        self.setFlag(QGraphicsItem.ItemIsSelectable, True)
        self.setZValue(-10)
        self.set_data(data)

    def set_data(self, data: dict) -> None:
        self.prepareGeometryChange()
        self.title = data.get("title", "")
        self.colour = QColor(data.get("color", "#3b4252"))
        x, y, w, h = data["rect"]
        self.setPos(QPointF(x, y))
        self._w, self._h = float(w), float(h)
        self.update()

    def rect(self) -> QRectF:
        """The frame in scene coordinates."""
        return QRectF(self.pos().x(), self.pos().y(), self._w, self._h)

    def boundingRect(self) -> QRectF:
        return QRectF(-2, -2, self._w + 4, self._h + 4)

    def in_title(self, scene_pos: QPointF) -> bool:
        p = self.mapFromScene(scene_pos)
        return 0 <= p.x() <= self._w and 0 <= p.y() <= TITLE_H

    def in_grip(self, scene_pos: QPointF) -> bool:
        p = self.mapFromScene(scene_pos)
        return self._w - GRIP <= p.x() <= self._w and self._h - GRIP <= p.y() <= self._h

    def paint(self, painter, option, widget=None) -> None:
        painter.setRenderHint(painter.RenderHint.Antialiasing, True)
        body = QRectF(0, 0, self._w, self._h)
        fill = QColor(self.colour)
        fill.setAlpha(110)
        painter.setPen(Qt.NoPen)
        painter.setBrush(fill)
        painter.drawRoundedRect(body, 8, 8)
        head = QColor(self.colour).lighter(125)
        head.setAlpha(230)
        painter.setBrush(head)
        painter.drawRoundedRect(QRectF(0, 0, self._w, TITLE_H), 8, 8)
        painter.drawRect(QRectF(0, TITLE_H - 8, self._w, 8))
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        if lod > 0.2:
            painter.setFont(self._font)
            painter.setPen(QColor("#f2f3f5"))
            painter.drawText(QRectF(12, 0, self._w - 24, TITLE_H), Qt.AlignVCenter | Qt.AlignLeft,
                             self._metrics.elidedText(self.title, Qt.ElideRight, self._w - 24))
        # resize grip
        painter.setPen(QPen(QColor(255, 255, 255, 90), 1.5))
        for d in (5, 10):
            painter.drawLine(QPointF(self._w - d, self._h - 3), QPointF(self._w - 3, self._h - d))
        if self.isSelected():
            painter.setBrush(Qt.NoBrush)
            painter.setPen(QPen(QColor(theme.SELECTION), 2))
            painter.drawRoundedRect(body, 8, 8)
