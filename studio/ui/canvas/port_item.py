"""A port: a small circle on a node's edge, coloured by its type.

Inputs sit on the left edge, outputs on the right.  While a wire is being dragged the view
dims ports it cannot connect to (``set_dimmed``) and highlights the one under the cursor
(``set_hot``).  A port knows its node id, name, type and direction; it never edits the graph.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem

from studio.ui import theme

RADIUS = 5.5
HIT = 10.0


class PortItem(QGraphicsItem):
    def __init__(self, parent: QGraphicsItem, node_id: str, name: str, port_type: str, is_output: bool,
                 label: str = "", optional: bool = False, description: str = ""):
        super().__init__(parent)
        self.node_id, self.name, self.port_type, self.is_output = node_id, name, port_type, is_output
        self.label = label or name
        self.optional = optional
        self.connected = False
        self.dimmed = False
        self.hot = False
        self._colour = QColor(theme.port_colour(port_type))
        self.setAcceptHoverEvents(True)
        self.setCacheMode(QGraphicsItem.DeviceCoordinateCache)
        kind = "output" if is_output else ("optional input" if optional else "input")
        tip = f"{self.label} — {port_type} {kind}"
        if description:
            tip += f"\n{description}"
        self.setToolTip(tip)

    _BOUNDS = QRectF(-HIT, -HIT, 2 * HIT, 2 * HIT)

    def boundingRect(self) -> QRectF:
        return self._BOUNDS

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addEllipse(QPointF(0, 0), HIT, HIT)
        return path

    def scene_anchor(self) -> QPointF:
        return self.scenePos()

    def set_connected(self, connected: bool) -> None:
        if connected != self.connected:
            self.connected = connected
            self.update()

    def set_dimmed(self, dimmed: bool) -> None:
        if dimmed != self.dimmed:
            self.dimmed = dimmed
            self.update()

    def set_hot(self, hot: bool) -> None:
        if hot != self.hot:
            self.hot = hot
            self.update()

    def hoverEnterEvent(self, event) -> None:
        self.set_hot(True)
        super().hoverEnterEvent(event)

    def hoverLeaveEvent(self, event) -> None:
        self.set_hot(False)
        super().hoverLeaveEvent(event)

    def paint(self, painter, option, widget=None) -> None:
        colour = QColor(self._colour)
        if self.dimmed:
            colour.setAlphaF(0.22)
        r = RADIUS + (2.0 if self.hot and not self.dimmed else 0.0)
        painter.setRenderHint(painter.RenderHint.Antialiasing, True)
        painter.setPen(Qt.NoPen if self.dimmed else QPen(QColor("#121316"), 1.5))
        if self.connected or self.hot:
            painter.setBrush(QBrush(colour))
            painter.drawEllipse(QPointF(0, 0), r, r)
        else:
            painter.setBrush(QBrush(QColor("#1b1d21")))
            painter.drawEllipse(QPointF(0, 0), r, r)
            painter.setPen(QPen(colour, 2.0))
            painter.setBrush(Qt.NoBrush)
            painter.drawEllipse(QPointF(0, 0), r - 1.2, r - 1.2)
