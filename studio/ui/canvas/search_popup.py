"""The node search box (Tab on the canvas, or a wire dropped on empty space).

A small popup with a text field and a list of node types, filtered as you type (every word
must appear in the name, id, category or description; names that start with the text come
first).  An optional ``accept`` function narrows the list (to types with a port compatible
with a dragged wire).  Enter or a double-click emits ``chosen(type_id)``; Escape closes it.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QPoint, Qt, Signal
from PySide6.QtWidgets import QFrame, QLabel, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout

from studio.ui import theme


class SearchPopup(QFrame):
    chosen = Signal(str)
    dismissed = Signal()

    def __init__(self, registry, parent=None):
        super().__init__(parent, Qt.Popup | Qt.FramelessWindowHint)
        self.setObjectName("searchPopup")
        self.registry = registry
        self._accept: Callable | None = None
        self._done = False
        self.setMinimumWidth(320)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.setSpacing(4)
        self.hint = QLabel()
        self.hint.setObjectName("dimText")
        self.hint.hide()
        self.field = QLineEdit()
        self.field.setPlaceholderText("Search nodes…")
        self.field.setClearButtonEnabled(True)
        self.list = QListWidget()
        self.list.setMinimumHeight(240)
        self.list.setUniformItemSizes(True)
        lay.addWidget(self.hint)
        lay.addWidget(self.field)
        lay.addWidget(self.list)
        self.field.textChanged.connect(self._refilter)
        self.field.installEventFilter(self)
        self.list.itemActivated.connect(lambda item: self._choose(item.data(Qt.UserRole)))

    def open_at(self, global_pos: QPoint, accept: Callable | None = None, hint: str = "") -> None:
        """Show at ``global_pos``; ``accept(node_type)`` limits the list when given."""
        self._accept = accept
        self._done = False
        self.hint.setText(hint)
        self.hint.setVisible(bool(hint))
        self.field.clear()
        self._refilter("")
        self.adjustSize()
        self.move(global_pos)
        self.show()
        self.field.setFocus()

    def types(self) -> list[str]:
        """The type ids listed now, in order."""
        return [self.list.item(i).data(Qt.UserRole) for i in range(self.list.count())]

    def _refilter(self, text: str) -> None:
        words = text.lower().split()
        scored = []
        for t in self.registry:
            if self._accept is not None and not self._accept(t):
                continue
            hay = f"{t.display_name} {t.type_id} {t.category} {t.description}".lower()
            if all(w in hay for w in words):
                name = t.display_name.lower()
                rank = 0 if words and name.startswith(words[0]) else 1 if words and words[0] in name else 2
                scored.append((rank, t.category, t.display_name, t))
        scored.sort(key=lambda s: (s[0], s[1], s[2]))
        self.list.clear()
        for _, _, _, t in scored:
            item = QListWidgetItem(theme.icon(t.icon or theme.category_icon_name(t.category)),
                                   f"{t.display_name}    ·  {t.category}")
            item.setData(Qt.UserRole, t.type_id)
            item.setToolTip(t.description)
            self.list.addItem(item)
        if self.list.count():
            self.list.setCurrentRow(0)

    def eventFilter(self, obj, event) -> bool:
        if obj is self.field and event.type() == QEvent.KeyPress:
            key = event.key()
            if key in (Qt.Key_Down, Qt.Key_Up, Qt.Key_PageDown, Qt.Key_PageUp):
                row = self.list.currentRow() + (1 if key in (Qt.Key_Down, Qt.Key_PageDown) else -1)
                self.list.setCurrentRow(max(0, min(row, self.list.count() - 1)))
                return True
            if key in (Qt.Key_Return, Qt.Key_Enter):
                item = self.list.currentItem()
                if item is not None:
                    self._choose(item.data(Qt.UserRole))
                return True
            if key == Qt.Key_Escape:
                self.close()
                return True
        return super().eventFilter(obj, event)

    def choose(self, type_id: str) -> None:
        """Pick ``type_id`` as if the user chose it (used by tests and the list)."""
        self._choose(type_id)

    def _choose(self, type_id: str) -> None:
        self._done = True
        self.hide()
        self.chosen.emit(type_id)

    def hideEvent(self, event) -> None:
        super().hideEvent(event)
        if not self._done:
            self._done = True
            self.dismissed.emit()
