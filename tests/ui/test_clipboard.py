"""Copy, cut and paste carry the selection's workflow JSON on the system clipboard."""

from __future__ import annotations

import json

from PySide6.QtWidgets import QApplication


def build(win):
    g = win.graph
    g.add("Gradient", pos=(0, 0), shade=0.25)
    g.add("SlowClip", pos=(300, 0))
    g.add("Const", pos=(0, 300))
    g.connect("Gradient1", "image", "SlowClip1", "image")


def test_copy_puts_the_selection_json_on_the_clipboard_and_paste_recreates_it(window):
    build(window)
    window.scene.select_nodes(["Gradient1", "SlowClip1"])
    window.copy_action.trigger()
    doc = json.loads(QApplication.clipboard().text())
    assert doc["format"] == "cinegraph"
    assert [n["id"] for n in doc["nodes"]] == ["Gradient1", "SlowClip1"]
    assert doc["links"] == [{"source": "Gradient1", "output": "image", "target": "SlowClip1", "input": "image"}]
    new = window.paste()
    g = window.graph
    assert new == ["Gradient2", "SlowClip2"]
    assert g.nodes["Gradient2"].params["shade"] == 0.25
    assert g.link_to("SlowClip2", "image").source == "Gradient2"
    assert window.scene.selected_node_ids() == new
    assert window.undo.count() == 1
    window.undo.undo()
    assert list(g.nodes) == ["Gradient1", "SlowClip1", "Const1"]


def test_paste_between_two_windows(make_window):
    a, b = make_window(), make_window()
    build(a)
    a.scene.select_nodes(["Gradient1", "SlowClip1"])
    a.copy_selection()
    assert b.paste() == ["Gradient1", "SlowClip1"]
    assert [str(lk) for lk in b.graph.links] == ["Gradient1.image -> SlowClip1.image"]


def test_text_from_an_editor_pastes_and_other_text_is_ignored(window):
    QApplication.clipboard().setText('{"format": "cinegraph", "version": 1, "nodes": '
                                     '[{"id": "X", "type": "Const", "pos": [5, 5], "params": {"value": 7}}]}')
    assert window.paste() == ["X"]
    assert window.graph.nodes["X"].params["value"] == 7.0
    QApplication.clipboard().setText("hello")
    assert window.paste() == []
    assert "no Cinegraph nodes" in window.statusBar().currentMessage()


def test_cut_removes_the_selection_in_one_step(window):
    build(window)
    window.scene.select_nodes(["Const1"])
    window.cut_action.trigger()
    assert "Const1" not in window.graph.nodes
    assert json.loads(QApplication.clipboard().text())["nodes"][0]["id"] == "Const1"
    assert window.undo.count() == 1


def test_duplicate_offsets_the_copies(window):
    build(window)
    window.scene.select_nodes(["Const1"])
    window.duplicate_action.trigger()
    assert window.graph.nodes["Const2"].pos == (40.0, 340.0)
