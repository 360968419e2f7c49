"""The inspector: editors generated from the param schema; every edit undoable; one slider
drag is one undo step; the editors follow undo."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit, QPlainTextEdit, QSlider, QSpinBox

from studio.graph import Bool, Choice, Color, Data, FilePath, Float, Int, NodeType, Output, Registry, String, Text
from studio.ui.param_widgets import (BoolEditor, ChoiceEditor, ColorEditor, DataEditor, NumberEditor, PathEditor,
                                     StringEditor, TextEditor, data_summary, file_dialog_filter)

ALL_KINDS = NodeType(
    "Kinds", "All kinds", "Test", lambda ctx, **kw: {"out": None}, outputs=(Output("out", "Any"),),
    params=(Float("amount", 0.5, min=0, max=1, step=0.01), Float("free", 2.0), Int("count", 3, min=0, max=10),
            Bool("flag", False), Choice("mode", ("a", "b", "c")), String("label", "x"), Text("prompt", "a cat"),
            FilePath("src", file_filter="image"), FilePath("dst", file_filter="video", save=True),
            Color("tint", "#ff8800"), Data("shapes", [{"name": "Sky"}, {"name": "Hat"}])),
    description="Every param kind.")


def show(make_window, registry):
    win = make_window(registry=Registry(list(registry) + [ALL_KINDS]))
    win.graph.add("Kinds", pos=(0, 0))
    win.scene.rebuild()
    win.scene.select_nodes(["Kinds1"])
    return win


def test_each_param_kind_gets_its_editor(make_window, registry):
    win = show(make_window, registry)
    eds = win.inspector.editors
    kinds = {name: type(ed) for name, ed in eds.items()}
    assert kinds == {"amount": NumberEditor, "free": NumberEditor, "count": NumberEditor, "flag": BoolEditor,
                     "mode": ChoiceEditor, "label": StringEditor, "prompt": TextEditor, "src": PathEditor,
                     "dst": PathEditor, "tint": ColorEditor, "shapes": DataEditor}
    assert eds["amount"].slider is not None and eds["free"].slider is None
    assert isinstance(eds["count"].spin, QSpinBox)
    assert eds["shapes"].summary.text() == "2 shapes: Sky, Hat"
    assert win.inspector.name.text() == "All kinds"


def test_one_slider_drag_is_one_undo_step(make_window, registry):
    win = show(make_window, registry)
    slider: QSlider = win.inspector.editors["amount"].slider
    slider.setSliderDown(True)
    win.inspector.editors["amount"]._drag_started()
    for v in (100, 300, 700, 900):
        slider.setValue(v)
    slider.setSliderDown(False)
    assert win.graph.nodes["Kinds1"].params["amount"] == 0.9
    assert win.undo.count() == 1
    win.undo.undo()
    assert win.graph.nodes["Kinds1"].params["amount"] == 0.5
    assert slider.value() == 500                                 # the editor follows undo


def test_every_editor_edit_is_undoable(make_window, registry):
    win = show(make_window, registry)
    eds, node = win.inspector.editors, win.graph.nodes["Kinds1"]
    eds["count"].spin.setValue(7)
    eds["flag"].findChild(QCheckBox).setChecked(True)
    eds["mode"].findChild(QComboBox).setCurrentText("c")
    line = eds["label"].findChild(QLineEdit)
    line.setText("hero")
    line.editingFinished.emit()
    text = eds["prompt"].findChild(QPlainTextEdit)
    text.setPlainText("a cat in a hat")
    eds["prompt"]._commit()
    eds["tint"].edited.emit("#0088ff", None)
    assert node.params | {} == node.params and (node.params["count"], node.params["flag"], node.params["mode"],
                                                node.params["label"], node.params["prompt"], node.params["tint"]) \
        == (7, True, "c", "hero", "a cat in a hat", "#0088ff")
    assert win.undo.count() == 6
    while win.undo.canUndo():
        win.undo.undo()
    assert (node.params["count"], node.params["flag"], node.params["mode"], node.params["label"],
            node.params["prompt"]) == (3, False, "a", "x", "a cat")
    assert eds["mode"].findChild(QComboBox).currentText() == "a"


def test_json_edit_of_a_data_param_is_checked_and_undoable(make_window, registry):
    win = show(make_window, registry)
    dialog = win.inspector.editors["shapes"].open_editor()
    dialog.text.setPlainText('[{"name": "Sea"}]')
    dialog._ok()
    assert win.graph.nodes["Kinds1"].params["shapes"] == [{"name": "Sea"}]
    assert win.inspector.editors["shapes"].summary.text() == "1 shape: Sea"
    dialog = win.inspector.editors["shapes"].open_editor()
    dialog.text.setPlainText("[oops")
    dialog._ok()
    assert "Not valid JSON" in dialog.error.text() and dialog.isVisible()
    dialog.reject()


def test_rename_and_bypass_from_the_inspector(make_window, registry):
    win = show(make_window, registry)
    win.inspector.name.setText("Hero look")
    win.inspector.name.editingFinished.emit()
    win.inspector.bypass.setChecked(True)
    node = win.graph.nodes["Kinds1"]
    assert node.name == "Hero look" and node.bypass
    win.undo.undo()
    win.undo.undo()
    assert node.name == "All kinds" and not node.bypass
    assert win.inspector.name.text() == "All kinds" and not win.inspector.bypass.isChecked()


def test_file_dialog_filters_come_from_the_schema():
    assert file_dialog_filter("image").startswith("Images (*.png *.jpg")
    assert "*.mov" in file_dialog_filter("video")
    assert file_dialog_filter("any") == "All files (*)"
    assert data_summary([]) == "empty"
    assert data_summary([{"name": "A"}], "brushes") == "1 brush: A"
