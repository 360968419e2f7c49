"""A node on the canvas: header (category colour, icon, title), ports with labels, a
thumbnail of its last image or clip output, and a state line.

States come from executor events: ``idle``, ``queued``, ``running`` (with a progress bar),
``cached``, ``done`` (with seconds), ``failed`` and ``blocked`` (message on hover),
``cancelled``.  A bypassed node is drawn faded with a "BYPASS" badge.  The item's position is
the graph node's ``pos`` (its top-left corner); it changes only when the graph says so.

Placeholder nodes (a type this version does not know) get their ports from their links.
When zoomed far out only the silhouette is drawn, to keep a 500-node graph fluid.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QImage, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem

from studio.graph.nodetype import Port
from studio.ui import theme
from studio.ui.canvas.port_item import PortItem

HEADER = 28.0
ROW = 22.0
FOOTER = 20.0
MIN_WIDTH = 180.0
MAX_WIDTH = 220.0
THUMB_MAX_H = 64.0
RADIUS = 6.0

STATE_COLOURS = {
    "queued": "#8d94a0", "running": theme.RUNNING, "cached": theme.CACHED, "done": theme.OK,
    "failed": theme.ERROR, "blocked": "#d29922", "cancelled": "#8d94a0",
}


def _top_rounded(w: float, h: float, r: float) -> QPainterPath:
    """A rect of ``w`` x ``h`` with only its top corners rounded (a node's header)."""
    path = QPainterPath()
    path.moveTo(0, h)
    path.lineTo(0, r)
    path.arcTo(QRectF(0, 0, 2 * r, 2 * r), 180, -90)
    path.lineTo(w - r, 0)
    path.arcTo(QRectF(w - 2 * r, 0, 2 * r, 2 * r), 90, -90)
    path.lineTo(w, h)
    path.closeSubpath()
    return path


class _Style:
    """Fonts and metrics, made once (after the QApplication exists)."""

    ready = False

    @classmethod
    def init(cls) -> None:
        if cls.ready:
            return
        cls.title = QFont()
        cls.title.setPointSizeF(9.5)
        cls.title.setBold(True)
        cls.label = QFont()
        cls.label.setPointSizeF(8.5)
        cls.small = QFont()
        cls.small.setPointSizeF(7.5)
        cls.title_m = QFontMetricsF(cls.title)
        cls.label_m = QFontMetricsF(cls.label)
        cls.small_m = QFontMetricsF(cls.small)
        cls.ready = True


class NodeItem(QGraphicsItem):
    def __init__(self, node, graph):
        super().__init__()
        _Style.init()
        self.node_id = node.id
        self._graph = graph
        self.state = "idle"
        self.progress = 0.0
        self.message = ""
        self.seconds = 0.0
        self.thumbnail: QImage | None = None
        self.viewed = False
        self.inputs: dict[str, PortItem] = {}
        self.outputs: dict[str, PortItem] = {}
        self._height = HEADER + FOOTER
        self.setFlag(QGraphicsItem.ItemIsSelectable, True)
        self.setAcceptHoverEvents(True)
        self.setZValue(1)
        # panning blits the cached picture instead of calling paint() for every node
        self.setCacheMode(QGraphicsItem.DeviceCoordinateCache)
        self.refresh()

    # -- data -----------------------------------------------------------------------------
    @property
    def node(self):
        return self._graph.nodes.get(self.node_id)

    def _ports(self) -> tuple[list[Port], list[Port]]:
        node = self.node
        if node is None:
            return [], []
        t = node.node_type
        if t is not None:
            return list(t.inputs), list(t.outputs)
        ins = sorted({lk.input for lk in self._graph.links_to(node.id)})
        outs = sorted({lk.output for lk in self._graph.links_from(node.id)})
        return [Port(n, "Any") for n in ins], [Port(n, "Any") for n in outs]

    def refresh(self) -> None:
        """Re-read name, ports, bypass and position from the graph."""
        node = self.node
        if node is None:
            return
        self.prepareGeometryChange()
        self._title = node.name
        t = node.node_type
        self._type_name = t.display_name if t else f"{node.type_id} · not installed"
        self._header = QColor(theme.category_colour(t.category) if t else theme.PLACEHOLDER_HEADER)
        self._icon = theme.icon(t.icon if t and t.icon else theme.category_icon_name(t.category if t else ""))
        ins, outs = self._ports()
        label_w = max((_Style.label_m.horizontalAdvance(p.title) for p in ins), default=0) + \
            max((_Style.label_m.horizontalAdvance(p.title) for p in outs), default=0)
        want = max(_Style.title_m.horizontalAdvance(self._title) + 56, label_w + 44, MIN_WIDTH)
        self.width = float(min(MAX_WIDTH, round(want / 10) * 10))
        self._rows = max(len(ins), len(outs), 1)
        self._update_height()
        self._rebuild_ports(ins, outs)
        self.setPos(QPointF(*node.pos))
        tip = f"<b>{node.name}</b><br>{self._type_name} · {node.id}"
        if t and t.description:
            tip += f"<br><span style='color:#8d94a0'>{t.description}</span>"
        self._base_tip = tip
        self._update_tooltip()
        self.update()

    def _rebuild_ports(self, ins: list[Port], outs: list[Port]) -> None:
        old_conn = {("i", n): p.connected for n, p in self.inputs.items()}
        old_conn.update({("o", n): p.connected for n, p in self.outputs.items()})
        for port in list(self.inputs.values()) + list(self.outputs.values()):
            port.setParentItem(None)
            if port.scene() is not None:
                port.scene().removeItem(port)
        self.inputs, self.outputs = {}, {}
        for i, p in enumerate(ins):
            item = PortItem(self, self.node_id, p.name, p.type, False, p.title, p.optional, p.description)
            item.setPos(0.0, self.port_y(i))
            item.connected = old_conn.get(("i", p.name), False)
            self.inputs[p.name] = item
        for i, p in enumerate(outs):
            item = PortItem(self, self.node_id, p.name, p.type, True, p.title, False, p.description)
            item.setPos(self.width, self.port_y(i))
            item.connected = old_conn.get(("o", p.name), False)
            self.outputs[p.name] = item
        self._in_labels = [(p.title, p.optional) for p in ins]
        self._out_labels = [p.title for p in outs]

    @staticmethod
    def port_y(index: int) -> float:
        return HEADER + 6.0 + ROW * index + ROW / 2

    def port(self, name: str, is_output: bool) -> PortItem | None:
        return (self.outputs if is_output else self.inputs).get(name)

    def all_ports(self) -> list[PortItem]:
        return list(self.inputs.values()) + list(self.outputs.values())

    # -- geometry -----------------------------------------------------------------------------
    def _thumb_rect(self) -> QRectF | None:
        if self.thumbnail is None or self.thumbnail.isNull():
            return None
        top = HEADER + 6.0 + ROW * self._rows + 4.0
        avail_w = self.width - 16.0
        w, h = float(self.thumbnail.width()), float(self.thumbnail.height())
        scale = min(avail_w / w, THUMB_MAX_H / h)
        tw, th = w * scale, h * scale
        return QRectF((self.width - tw) / 2, top, tw, th)

    @property
    def height(self) -> float:
        return self._height

    def _update_height(self) -> None:
        h = HEADER + 6.0 + ROW * self._rows + 4.0
        thumb = self._thumb_rect()
        if thumb is not None:
            h += thumb.height() + 6.0
        self._height = h + FOOTER
        self._bounds = QRectF(-3, -3, self.width + 6, self._height + 6)

    def boundingRect(self) -> QRectF:
        return self._bounds

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addRoundedRect(QRectF(0, 0, self.width, self.height), RADIUS, RADIUS)
        return path

    def body_rect(self) -> QRectF:
        return QRectF(0, 0, self.width, self.height)

    # -- state ----------------------------------------------------------------------------------
    def set_state(self, state: str, progress: float = 0.0, message: str = "", seconds: float = 0.0) -> None:
        self.state, self.progress, self.message, self.seconds = state, progress, message, seconds
        self._update_tooltip()
        self.update()

    def set_thumbnail(self, image: QImage | None) -> None:
        self.prepareGeometryChange()
        self.thumbnail = image
        self._update_height()
        self.update()

    def set_viewed(self, viewed: bool) -> None:
        if viewed != self.viewed:
            self.viewed = viewed
            self.update()

    def _update_tooltip(self) -> None:
        tip = self._base_tip
        if self.state in ("failed", "blocked") and self.message:
            tip += f"<br><span style='color:{STATE_COLOURS[self.state]}'><b>{self.state}:</b> {self.message}</span>"
        self.setToolTip(tip)

    # -- painting ---------------------------------------------------------------------------------
    def paint(self, painter, option, widget=None) -> None:
        node = self.node
        if node is None:
            return
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        w, h = self.width, self.height
        body = QRectF(0, 0, w, h)
        selected = self.isSelected()
        if lod < 0.35:   # far away: silhouette only
            painter.setPen(QPen(QColor(theme.SELECTION), 3) if selected else Qt.NoPen)
            painter.setBrush(QColor(theme.NODE_BODY))
            painter.drawRect(body)
            painter.fillRect(QRectF(0, 0, w, HEADER), self._header)
            return
        painter.setRenderHint(painter.RenderHint.Antialiasing, True)
        painter.setOpacity(0.55 if node.bypass else 1.0)
        # body and header
        painter.setPen(Qt.NoPen)
        painter.setBrush(QColor(theme.NODE_BODY))
        painter.drawRoundedRect(body, RADIUS, RADIUS)
        painter.fillPath(_top_rounded(w, HEADER, RADIUS), QColor("#4b4f57") if node.bypass else self._header)
        self._icon.paint(painter, QRectF(8, 6, 16, 16).toRect())
        painter.setFont(_Style.title)
        painter.setPen(QColor("#f2f3f5"))
        title_w = w - 40 - (40 if node.bypass else 0)
        painter.drawText(QRectF(30, 0, title_w, HEADER), Qt.AlignVCenter | Qt.AlignLeft,
                         _Style.title_m.elidedText(self._title, Qt.ElideRight, title_w))
        if node.bypass:
            badge = QRectF(w - 56, 7, 48, 14)
            painter.setBrush(QColor("#c8a200"))
            painter.setPen(Qt.NoPen)
            painter.drawRoundedRect(badge, 3, 3)
            painter.setFont(_Style.small)
            painter.setPen(QColor("#1b1d21"))
            painter.drawText(badge, Qt.AlignCenter, "BYPASS")
        # port labels
        if lod > 0.5:
            painter.setFont(_Style.label)
            half = w / 2 - 14
            for i, (label, optional) in enumerate(self._in_labels):
                y = self.port_y(i)
                painter.setPen(QColor(theme.DIM_TEXT if optional else theme.TEXT))
                painter.drawText(QRectF(12, y - ROW / 2, half, ROW), Qt.AlignVCenter | Qt.AlignLeft,
                                 _Style.label_m.elidedText(label, Qt.ElideRight, half))
            painter.setPen(QColor(theme.TEXT))
            for i, label in enumerate(self._out_labels):
                y = self.port_y(i)
                painter.drawText(QRectF(w / 2 + 2, y - ROW / 2, half, ROW), Qt.AlignVCenter | Qt.AlignRight,
                                 _Style.label_m.elidedText(label, Qt.ElideRight, half))
        # thumbnail
        thumb = self._thumb_rect()
        if thumb is not None:
            painter.drawImage(thumb, self.thumbnail)
            painter.setPen(QPen(QColor("#101113"), 1))
            painter.setBrush(Qt.NoBrush)
            painter.drawRect(thumb)
        self._paint_state(painter, QRectF(8, h - FOOTER, w - 16, FOOTER - 4), lod)
        # outline
        painter.setOpacity(1.0)
        painter.setBrush(Qt.NoBrush)
        if selected:
            painter.setPen(QPen(QColor(theme.SELECTION), 2.2))
        elif self.state == "failed":
            painter.setPen(QPen(QColor(theme.ERROR), 1.8))
        elif self.viewed:
            painter.setPen(QPen(QColor(theme.ACCENT), 1.8))
        else:
            painter.setPen(QPen(QColor(theme.NODE_BORDER), 1.0))
        painter.drawRoundedRect(body, RADIUS, RADIUS)
        if self.viewed:
            painter.setBrush(QColor(theme.ACCENT))
            painter.setPen(Qt.NoPen)
            painter.drawEllipse(QPointF(w - 12, h - FOOTER / 2 - 2), 3.5, 3.5)

    def _paint_state(self, painter, rect: QRectF, lod: float) -> None:
        if lod < 0.5:
            return
        painter.setFont(_Style.small)
        state = self.state
        if state == "running":
            bar = QRectF(rect.x(), rect.center().y() - 3, rect.width() - 40, 6)
            painter.setPen(Qt.NoPen)
            painter.setBrush(QColor("#17191d"))
            painter.drawRoundedRect(bar, 3, 3)
            done = QRectF(bar.x(), bar.y(), max(bar.width() * self.progress, 6), bar.height())
            painter.setBrush(QColor(theme.RUNNING))
            painter.drawRoundedRect(done, 3, 3)
            painter.setPen(QColor(theme.TEXT))
            painter.drawText(QRectF(bar.right() + 4, rect.y(), 36, rect.height()), Qt.AlignVCenter | Qt.AlignRight,
                             f"{int(self.progress * 100)}%")
            return
        if state == "idle":
            node = self.node
            text = self._type_name if node is not None and node.name != self._type_name else ""
            colour = QColor(theme.DIM_TEXT)
        else:
            text = {"done": f"done · {self.seconds:.2f} s", "failed": f"failed: {self.message}",
                    "blocked": "blocked: an input failed"}.get(state, state)
            colour = QColor(STATE_COLOURS.get(state, theme.DIM_TEXT))
            painter.setPen(Qt.NoPen)
            painter.setBrush(colour)
            painter.drawEllipse(QPointF(rect.x() + 3, rect.center().y()), 3, 3)
            rect = rect.adjusted(10, 0, 0, 0)
        painter.setPen(colour)
        painter.drawText(rect.adjusted(0, 0, -14, 0), Qt.AlignVCenter | Qt.AlignLeft,
                         _Style.small_m.elidedText(text, Qt.ElideRight, rect.width() - 14))
