"""The node library: every node type by category, searchable, with icons and a one-line
description.

Dragging an entry onto the canvas creates that node where it is dropped (the drag carries
the type id as ``application/x-cinegraph-node-type``); double-clicking (or Enter) emits
``addRequested(type_id)`` and the window adds it at the centre of the view.
"""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QModelIndex, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics
from PySide6.QtWidgets import (QLineEdit, QStyle, QStyledItemDelegate, QTreeWidget, QTreeWidgetItem, QVBoxLayout,
                               QWidget)

from studio.ui import theme
from studio.ui.canvas.drops import NODE_MIME

DESC_ROLE = Qt.UserRole + 1
TYPE_ROLE = Qt.UserRole


def node_mime(type_id: str) -> QMimeData:
    """The drag payload for a node type (what the library's drags carry)."""
    mime = QMimeData()
    mime.setData(NODE_MIME, type_id.encode("utf-8"))
    mime.setText(type_id)
    return mime


class _Delegate(QStyledItemDelegate):
    """Node entries: name on the first line, the description dimmed and elided below."""

    def sizeHint(self, option, index: QModelIndex) -> QSize:
        base = super().sizeHint(option, index)
        if index.data(TYPE_ROLE):
            return QSize(base.width(), max(base.height(), 2 * option.fontMetrics.height() + 10))
        return QSize(base.width(), max(base.height(), option.fontMetrics.height() + 12))

    def paint(self, painter, option, index: QModelIndex) -> None:
        if not index.data(TYPE_ROLE):
            opt = option
            opt.font = QFont(option.font)
            opt.font.setBold(True)
            super().paint(painter, opt, index)
            return
        self.initStyleOption(option, index)
        style = option.widget.style() if option.widget else None
        text, desc = option.text, index.data(DESC_ROLE) or ""
        option.text = ""
        if style is not None:
            style.drawControl(QStyle.CE_ItemViewItem, option, painter, option.widget)
        r = option.rect
        icon_rect = QRect(r.x() + 4, r.y() + (r.height() - 18) // 2, 18, 18)
        option.icon.paint(painter, icon_rect)
        x = icon_rect.right() + 8
        fm = QFontMetrics(option.font)
        line = fm.height()
        top = r.y() + (r.height() - 2 * line) // 2
        painter.save()
        f = QFont(option.font)
        f.setBold(True)
        painter.setFont(f)
        painter.setPen(QColor("#ffffff") if option.state & QStyle.State_Selected else QColor(theme.TEXT))
        painter.drawText(QRect(x, top, r.right() - x - 4, line), Qt.AlignLeft | Qt.AlignVCenter,
                         QFontMetrics(f).elidedText(text, Qt.ElideRight, r.right() - x - 4))
        small = QFont(option.font)
        small.setPointSizeF(max(option.font.pointSizeF() - 1, 7))
        painter.setFont(small)
        painter.setPen(QColor("#c9d1d9") if option.state & QStyle.State_Selected else QColor(theme.DIM_TEXT))
        painter.drawText(QRect(x, top + line, r.right() - x - 4, line), Qt.AlignLeft | Qt.AlignVCenter,
                         QFontMetrics(small).elidedText(desc, Qt.ElideRight, r.right() - x - 4))
        painter.restore()


class _Tree(QTreeWidget):
    def mimeTypes(self) -> list[str]:
        return [NODE_MIME]

    def mimeData(self, items) -> QMimeData:
        ids = [it.data(0, TYPE_ROLE) for it in items if it.data(0, TYPE_ROLE)]
        return node_mime(ids[0]) if ids else QMimeData()

    def supportedDropActions(self):
        return Qt.CopyAction


class NodeLibrary(QWidget):
    addRequested = Signal(str)

    def __init__(self, registry, parent=None):
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.setSpacing(6)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search nodes")
        self.search.setClearButtonEnabled(True)
        self.search.addAction(theme.icon("fa5s.search", theme.DIM_TEXT), QLineEdit.LeadingPosition)
        self.tree = _Tree()
        self.tree.setHeaderHidden(True)
        self.tree.setIndentation(12)
        self.tree.setIconSize(QSize(18, 18))
        self.tree.setDragEnabled(True)
        self.tree.setDragDropMode(QTreeWidget.DragOnly)
        self.tree.setItemDelegate(_Delegate(self.tree))
        self.tree.setMouseTracking(True)
        lay.addWidget(self.search)
        lay.addWidget(self.tree)
        self.search.textChanged.connect(self._filter)
        self.tree.itemActivated.connect(self._activated)
        self.set_registry(registry)

    def set_registry(self, registry) -> None:
        self.registry = registry
        self.tree.clear()
        for category, types in registry.categories().items():
            cat = QTreeWidgetItem([category])
            cat.setIcon(0, theme.category_icon(category))
            cat.setFlags(Qt.ItemIsEnabled)
            self.tree.addTopLevelItem(cat)
            for t in types:
                item = QTreeWidgetItem([t.display_name])
                item.setIcon(0, theme.icon(t.icon or theme.category_icon_name(category)))
                item.setData(0, TYPE_ROLE, t.type_id)
                item.setData(0, DESC_ROLE, t.description)
                item.setToolTip(0, f"<b>{t.display_name}</b> ({t.type_id})<br>{t.description}")
                item.setFlags(Qt.ItemIsEnabled | Qt.ItemIsSelectable | Qt.ItemIsDragEnabled)
                cat.addChild(item)
            cat.setExpanded(True)
        self._filter(self.search.text())

    def item_for(self, type_id: str) -> QTreeWidgetItem | None:
        for i in range(self.tree.topLevelItemCount()):
            cat = self.tree.topLevelItem(i)
            for j in range(cat.childCount()):
                if cat.child(j).data(0, TYPE_ROLE) == type_id:
                    return cat.child(j)
        return None

    def visible_types(self) -> list[str]:
        out = []
        for i in range(self.tree.topLevelItemCount()):
            cat = self.tree.topLevelItem(i)
            out += [cat.child(j).data(0, TYPE_ROLE) for j in range(cat.childCount()) if not cat.child(j).isHidden()]
        return out

    def _filter(self, text: str) -> None:
        words = text.lower().split()
        for i in range(self.tree.topLevelItemCount()):
            cat = self.tree.topLevelItem(i)
            shown = 0
            for j in range(cat.childCount()):
                item = cat.child(j)
                t = self.registry.get(item.data(0, TYPE_ROLE))
                hay = f"{t.display_name} {t.type_id} {t.category} {t.description}".lower()
                hide = not all(w in hay for w in words)
                item.setHidden(hide)
                shown += not hide
            cat.setHidden(shown == 0)

    def _activated(self, item: QTreeWidgetItem, column: int = 0) -> None:
        type_id = item.data(0, TYPE_ROLE)
        if type_id:
            self.addRequested.emit(type_id)
