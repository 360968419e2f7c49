"""A wire: a smooth curve from an output port to an input port, coloured by the output's type.

A wire item mirrors one :class:`~studio.graph.Link`; the view also uses one without a link
for the wire being dragged.  Wires are selectable (Delete disconnects a selected wire).
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainterPath, QPainterPathStroker, QPen
from PySide6.QtWidgets import QGraphicsItem

from studio.ui import theme


def wire_path(a: QPointF, b: QPointF) -> QPainterPath:
    """A horizontal-tangent cubic from ``a`` (an output) to ``b`` (an input)."""
    dx = max(abs(b.x() - a.x()) * 0.5, 40.0)
    path = QPainterPath(a)
    path.cubicTo(QPointF(a.x() + dx, a.y()), QPointF(b.x() - dx, b.y()), b)
    return path


class WireItem(QGraphicsItem):
    def __init__(self, link=None, port_type: str = "Any"):
        super().__init__()
        self.link = link
        self._a = QPointF()
        self._b = QPointF()
        self._path = QPainterPath()
        self._bounds = QRectF()
        self._shape: QPainterPath | None = None
        self._colour = QColor(theme.port_colour(port_type))
        self.dashed = False
        self.setZValue(-1)
        self.setCacheMode(QGraphicsItem.DeviceCoordinateCache)
        if link is not None:
            self.setFlag(QGraphicsItem.ItemIsSelectable, True)
            self.setToolTip(str(link))

    def set_type(self, port_type: str) -> None:
        self._colour = QColor(theme.port_colour(port_type))
        self.update()

    def set_ends(self, a: QPointF, b: QPointF) -> None:
        if a == self._a and b == self._b and not self._path.isEmpty():
            return
        self.prepareGeometryChange()
        self._a, self._b = QPointF(a), QPointF(b)
        self._path = wire_path(self._a, self._b)
        self._bounds = self._path.boundingRect().adjusted(-6, -6, 6, 6)
        self._shape = None

    def boundingRect(self) -> QRectF:
        return self._bounds

    def shape(self) -> QPainterPath:
        if self._shape is None:
            stroker = QPainterPathStroker()
            stroker.setWidth(10)
            self._shape = stroker.createStroke(self._path)
        return self._shape

    def paint(self, painter, option, widget=None) -> None:
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        painter.setRenderHint(painter.RenderHint.Antialiasing, lod > 0.3)
        colour = QColor(self._colour)
        width = 2.2
        if self.isSelected():
            colour = QColor(theme.SELECTION)
            width = 3.2
        pen = QPen(colour, width)
        pen.setCapStyle(Qt.RoundCap)
        if self.dashed:
            pen.setStyle(Qt.DashLine)
        painter.setPen(pen)
        painter.setBrush(Qt.NoBrush)
        painter.drawPath(self._path)
