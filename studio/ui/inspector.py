"""The inspector: the selected node's name, bypass and params, as editors generated from
the param schema (:mod:`studio.ui.param_widgets`).

Every edit becomes a command on the undo stack (``SetParam`` with the editor's merge key, so
one slider drag is one step; ``RenameNode``; ``SetBypass``).  When the graph changes (an undo,
a script) the editors follow through the graph bridge; an edit the model refuses puts the
editor back to the graph's value and the reason goes to the status bar.

Animatable numbers get keyframe buttons (:mod:`studio.ui.editors.key_button`) and show their
value at the current frame (:meth:`Inspector.set_frame`, driven by the viewer).  **K** sets a
key at the current frame on the animatable param last worked with, or on all of the node's
animatable params when none was (one undo step).  Data params that have a real editor
(motion brushes, keyframe lists) get a button for it beside "Edit JSON…"; it emits
``editRequested(node id, param name)``.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QCheckBox, QFormLayout, QFrame, QHBoxLayout, QLabel, QLineEdit, QPushButton,
                               QScrollArea, QVBoxLayout, QWidget)

from studio.graph.commands import Macro, RenameNode, SetBypass, SetParam
from studio.ui import theme
from studio.ui.editors.key_button import AnimatedNumberEditor
from studio.ui.param_widgets import editor_for

#: (node type, data param) -> the label of the button that opens its editor
CUSTOM_EDITORS = {("MotionBrush", "brushes"): "Edit brushes…", ("Keyframes", "keys"): "Edit keys…"}


class Inspector(QWidget):
    status = Signal(str)
    editRequested = Signal(str, str)   # node id, param name: open its editor
    frameRequested = Signal(int)       # go to this frame (previous / next key)

    def __init__(self, push, parent=None):
        super().__init__(parent)
        self.push = push
        self.graph = None
        self.node_id: str | None = None
        self.editors: dict = {}
        self.frame = 0
        self.last_animated: str | None = None
        #: node type -> factory(node id) of a widget shown above the settings (the camera panel);
        #: the widget's ``refresh()``, if any, is called when the node's params change
        self.panel_factories: dict = {}
        self.panel = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        # header
        self.header = QFrame()
        self.header.setObjectName("inspectorHeader")
        h = QVBoxLayout(self.header)
        h.setContentsMargins(10, 8, 10, 8)
        h.setSpacing(4)
        row = QHBoxLayout()
        self.icon = QLabel()
        self.icon.setFixedSize(20, 20)
        self.name = QLineEdit()
        self.name.setToolTip("Node name (shown on the canvas)")
        self.bypass = QCheckBox("Bypass")
        self.bypass.setToolTip("Pass the input through unchanged (D on the canvas)")
        row.addWidget(self.icon)
        row.addWidget(self.name, 1)
        row.addWidget(self.bypass)
        self.type_label = QLabel()
        self.type_label.setObjectName("nodeTypeLabel")
        self.description = QLabel()
        self.description.setObjectName("dimText")
        self.description.setWordWrap(True)
        h.addLayout(row)
        h.addWidget(self.type_label)
        h.addWidget(self.description)
        outer.addWidget(self.header)
        # params
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.NoFrame)
        outer.addWidget(self.scroll, 1)
        self.empty = QLabel("Select a node to edit its settings.")
        self.empty.setObjectName("emptyHint")
        self.empty.setAlignment(Qt.AlignCenter)
        self.empty.setWordWrap(True)
        outer.addWidget(self.empty, 1)
        self.name.editingFinished.connect(self._rename)
        self.bypass.toggled.connect(self._set_bypass)
        self.key_shortcut = QShortcut(QKeySequence("K"), self)
        self.key_shortcut.setContext(Qt.WidgetWithChildrenShortcut)
        self.key_shortcut.activated.connect(self.key_current_frame)
        self.show_node(None)

    def set_graph(self, graph, bridge) -> None:
        self.graph = graph
        bridge.paramChanged.connect(self._param_changed)
        bridge.nodeRenamed.connect(self._node_changed)
        bridge.nodeBypassed.connect(self._node_changed)
        bridge.nodeRemoved.connect(lambda nid: self.show_node(None) if nid == self.node_id else None)
        self.show_node(None)

    # -- building ---------------------------------------------------------------------------------
    def show_node(self, node_id: str | None) -> None:
        node = self.graph.nodes.get(node_id) if (self.graph is not None and node_id) else None
        if (node.id if node else None) != self.node_id:
            self.last_animated = None
        self.node_id = node.id if node else None
        self.editors = {}
        self.panel = None
        self.header.setVisible(node is not None)
        self.scroll.setVisible(node is not None)
        self.empty.setVisible(node is None)
        if node is None:
            self.scroll.setWidget(QWidget())
            return
        t = node.node_type
        icon_name = (t.icon or theme.category_icon_name(t.category)) if t else "fa5s.question-circle"
        self.icon.setPixmap(theme.icon(icon_name).pixmap(18, 18))
        self.name.setText(node.name)
        self.bypass.blockSignals(True)
        self.bypass.setChecked(node.bypass)
        self.bypass.blockSignals(False)
        self.type_label.setText(f"{t.display_name if t else node.type_id} · {node.id}")
        self.description.setText(t.description if t else
                                 "This node type is not installed; the node is kept unchanged and saved as it was.")
        body = QWidget()
        column = QVBoxLayout(body)
        column.setContentsMargins(0, 0, 0, 0)
        factory = self.panel_factories.get(node.type_id)
        if factory is not None:
            self.panel = factory(node.id)
            column.addWidget(self.panel)
        form = QFormLayout()
        column.addLayout(form)
        column.addStretch(1)          # rows keep their natural height; the space goes below
        form.setContentsMargins(10, 10, 10, 10)
        form.setHorizontalSpacing(10)
        form.setVerticalSpacing(8)
        form.setLabelAlignment(Qt.AlignRight | Qt.AlignVCenter)
        form.setFieldGrowthPolicy(QFormLayout.AllNonFixedFieldsGrow)
        if t is not None:
            for spec in t.params:
                if spec.animatable and spec.kind in ("float", "int"):
                    editor = AnimatedNumberEditor(spec)
                    editor.set_frame(self.frame)
                    editor.jumpRequested.connect(self.frameRequested)
                    editor.touched.connect(lambda _name=spec.name: setattr(self, "last_animated", _name))
                else:
                    editor = editor_for(spec)
                editor.set_value(node.params.get(spec.name, spec.default))
                editor.edited.connect(lambda value, key, _name=spec.name: self._edit(_name, value, key))
                label_text = CUSTOM_EDITORS.get((node.type_id, spec.name))
                if label_text:
                    button = QPushButton(label_text)
                    button.setObjectName("openEditorButton")
                    button.clicked.connect(
                        lambda _=False, _name=spec.name: self.editRequested.emit(self.node_id, _name))
                    editor.layout().insertWidget(1, button)
                    editor.open_button = button
                label = QLabel(spec.title + (f" ({spec.unit})" if spec.unit and spec.kind not in ("float", "int") else ""))
                label.setToolTip(spec.description)
                form.addRow(label, editor)
                self.editors[spec.name] = editor
            if not t.params:
                note = QLabel("This node has no settings.")
                note.setObjectName("dimText")
                form.addRow(note)
        self.scroll.setWidget(body)

    # -- frames and keys ---------------------------------------------------------------------------
    def set_frame(self, frame: int) -> None:
        """Show animated values at ``frame`` (the viewer's current frame)."""
        self.frame = int(frame)
        for editor in self.editors.values():
            if isinstance(editor, AnimatedNumberEditor):
                editor.set_frame(self.frame)

    def animated_editors(self) -> dict:
        return {n: e for n, e in self.editors.items() if isinstance(e, AnimatedNumberEditor)}

    def key_current_frame(self) -> bool:
        """K: a key at the current frame on the last-used animatable param (or all of them)."""
        eds = self.animated_editors()
        if self.node_id is None or not eds:
            return False
        names = [self.last_animated] if self.last_animated in eds else list(eds)
        commands = [SetParam(self.node_id, n, eds[n].key_here()) for n in names]
        ok = self.push(commands[0] if len(commands) == 1 else Macro(f"Key {len(commands)} params", commands))
        if ok:
            self.status.emit(f"Keyed {', '.join(names)} at frame {self.frame}")
        return ok

    # -- edits -> commands ---------------------------------------------------------------------------
    def _edit(self, name: str, value, merge_key) -> None:
        if self.node_id is None:
            return
        ok = self.push(SetParam(self.node_id, name, value, merge_key=(self.node_id, name, merge_key)
                                if merge_key is not None else None))
        if not ok:
            self._refresh_param(name)

    def _rename(self) -> None:
        node = self.graph.nodes.get(self.node_id) if self.node_id else None
        if node is None:
            return
        text = self.name.text().strip()
        if not text:
            self.name.setText(node.name)
        elif text != node.name:
            self.push(RenameNode(node.id, text))

    def _set_bypass(self, on: bool) -> None:
        node = self.graph.nodes.get(self.node_id) if self.node_id else None
        if node is not None and node.bypass != on:
            self.push(SetBypass(node.id, on))

    # -- graph -> editors ------------------------------------------------------------------------------
    def _refresh_param(self, name: str) -> None:
        node = self.graph.nodes.get(self.node_id) if self.node_id else None
        editor = self.editors.get(name)
        if node is not None and editor is not None:
            editor.set_value(node.params.get(name))

    def _param_changed(self, node_id: str, name: str) -> None:
        if node_id == self.node_id:
            self._refresh_param(name)
            if self.panel is not None and hasattr(self.panel, "refresh"):
                self.panel.refresh()

    def _node_changed(self, node_id: str) -> None:
        node = self.graph.nodes.get(node_id)
        if node_id != self.node_id or node is None:
            return
        if self.name.text() != node.name:
            self.name.setText(node.name)
        self.bypass.blockSignals(True)
        self.bypass.setChecked(node.bypass)
        self.bypass.blockSignals(False)
