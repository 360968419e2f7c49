"""Every edit made from the GUI is one undoable step, and undo/redo restore the graph exactly."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from studio.graph import workflow
from studio.graph.commands import AddNode, Connect, MoveNodes, RenameNode, SetParam
from studio.ui.undo import UndoCommand
from tests.ui.conftest import drag, node_view_pos


def snapshot(win):
    return workflow.dumps(win.graph)


def check_round_trip(win, edit):
    """Apply ``edit``; undo must restore the document, redo must reproduce the edit."""
    before = snapshot(win)
    index = win.undo.index()
    edit()
    assert win.undo.index() == index + 1, "the edit should be exactly one undo step"
    after = snapshot(win)
    assert after != before
    win.undo.undo()
    assert snapshot(win) == before
    win.undo.redo()
    assert snapshot(win) == after


def test_undo_and_redo_of_every_edit_kind(window):
    w, g = window, window.graph
    check_round_trip(w, lambda: w.push(AddNode("Gradient", pos=(0, 0), node_id="Gradient1")))
    check_round_trip(w, lambda: w.push(AddNode("SlowClip", pos=(300, 0), node_id="SlowClip1")))
    check_round_trip(w, lambda: w.push(Connect("Gradient1", "image", "SlowClip1", "image")))
    check_round_trip(w, lambda: w.push(SetParam("Gradient1", "shade", 0.9)))
    check_round_trip(w, lambda: w.push(RenameNode("Gradient1", "Sky")))
    w.scene.select_nodes(["Gradient1"])
    check_round_trip(w, w.toggle_bypass)
    check_round_trip(w, w.duplicate_selection)
    check_round_trip(w, w.add_backdrop)
    w.scene.select_nodes(["Gradient1"])
    check_round_trip(w, w.delete_selection)                 # links come back on undo
    assert [str(lk) for lk in g.links] == []
    w.undo.undo()
    assert [str(lk) for lk in g.links] == ["Gradient1.image -> SlowClip1.image"]
    assert ("SlowClip1", "image") in w.scene.wires
    w.scene.select_nodes(["SlowClip1"])
    a = node_view_pos(w, "SlowClip1")
    check_round_trip(w, lambda: drag(w, a, a + QPoint(80, 60), steps=10))


def test_a_refused_command_changes_nothing_and_says_why(window):
    window.graph.add("Const", pos=(0, 0))
    assert not window.push(SetParam("Const1", "value", "abc"))
    assert window.undo.count() == 0
    assert "expected a number" in window.statusBar().currentMessage()


def test_drag_steps_merge_but_separate_drags_do_not(window):
    window.graph.add("Const", pos=(0, 0))
    window.push(MoveNodes({"Const1": (10, 0)}, merge_key="drag-a"))
    window.push(MoveNodes({"Const1": (20, 0)}, merge_key="drag-a"))
    window.push(MoveNodes({"Const1": (30, 0)}, merge_key="drag-b"))
    assert window.undo.count() == 2
    window.undo.undo()
    assert window.graph.nodes["Const1"].pos == (20.0, 0.0)
    window.undo.undo()
    assert window.graph.nodes["Const1"].pos == (0.0, 0.0)


def test_a_step_after_saving_does_not_merge_into_the_saved_one(window):
    window.graph.add("Const", pos=(0, 0))
    window.push(MoveNodes({"Const1": (10, 0)}, merge_key="drag"))
    window.undo.setClean()
    window.push(MoveNodes({"Const1": (20, 0)}, merge_key="drag"))
    assert window.undo.count() == 2 and window.is_dirty()


def test_undo_view_lists_the_history(window):
    window.push(AddNode("Const", node_id="Const1"))
    window.push(RenameNode("Const1", "Answer"))
    window.history_action.trigger()
    assert window.history_dock.isVisible()
    assert window.history.stack() is window.undo
    assert [window.undo.text(i) for i in range(window.undo.count())] == ["Add Const", "Rename"]
    assert isinstance(window.undo.command(0), UndoCommand)


def test_undo_and_redo_shortcuts_work_from_the_canvas(window):
    window.push(AddNode("Const", node_id="Const1"))
    window.activateWindow()
    window.view.setFocus()
    QTest.keyClick(window.view, Qt.Key_Z, Qt.ControlModifier)
    assert "Const1" not in window.graph.nodes
    QTest.keyClick(window.view, Qt.Key_Z, Qt.ControlModifier | Qt.ShiftModifier)
    assert "Const1" in window.graph.nodes
