"""A MotionBrush node's animated brush values in the Curves dock ("Clouds · horizontal"), edited
like param curves (each edit one SetParam of the whole brushes param, a drag one undo step),
and K in the brush editor keying the slider last touched."""

from __future__ import annotations

import copy

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from studio.graph.animation import is_animated, value_at
from studio.motion.spec import brushes_from_json
from tests.ui.editor_helpers import trigger_shortcut

H = "brushes/0/horizontal"
BRUSHES = [
    {"name": "Clouds", "color": "#4dabf7", "horizontal": {"keys": [{"frame": 0, "value": 0.0, "interp": "linear"},
                                                                   {"frame": 24, "value": 4.0, "interp": "linear"}]},
     "vertical": 1.5, "proximity": 0.0, "ambient": 0.0,
     "shapes": [{"kind": "polygon", "points": [[0, 0], [1, 0], [1, 1], [0, 1]], "radius": 0.01, "softness": 0.0}]},
    {"name": "Water", "color": "#69db7c", "horizontal": 0.0, "vertical": 0.0, "proximity": 0.0, "ambient": 2.0,
     "shapes": []},
]


def _brushes(window):
    return window.graph.nodes["MotionBrush1"].params["brushes"]


def _select(window, qtbot):
    window.graph.add("MotionBrush", node_id="MotionBrush1", pos=(0, 0), brushes=copy.deepcopy(BRUSHES))
    window.scene.rebuild()
    window.scene.select_nodes(["MotionBrush1"])
    window.curves_dock.show()
    ce = window.curve_editor
    qtbot.wait(20)
    assert ce.node_id == "MotionBrush1"
    ce.view.fit()
    return ce


def _titles(ce):
    return [ce.params.item(i).text().split("  ")[0] for i in range(ce.params.count())]


def test_the_curve_list_shows_the_brush_values(window, qtbot):
    ce = _select(window, qtbot)
    titles = _titles(ce)
    for brush in ("Clouds", "Water"):
        for field in ("horizontal", "vertical", "proximity", "ambient"):
            assert f"{brush} · {field}" in titles
    assert ce.shown() == [H]                                        # only the animated one is drawn
    row = titles.index("Clouds · horizontal")
    assert ce.params.item(row).checkState() == Qt.Checked
    assert ce.params.item(titles.index("Clouds · vertical")).checkState() == Qt.Unchecked
    assert ce.value("brushes/0/vertical") == 1.5 and ce._range(H) == (-10.0, 10.0)
    window.go_to_frame(12)
    assert ce.params.item(row).text().startswith("Clouds · horizontal  2.00")


def test_dragging_a_brush_key_changes_only_that_field_in_one_undo_step(window, qtbot):
    ce = _select(window, qtbot)
    view = ce.view
    before = copy.deepcopy(_brushes(window))
    from studio.ui.editors import curvedata as cd
    k = cd.keys_of(ce.value(H))[1]
    a = view.to_point(float(k["frame"]), float(k["value"])).toPoint()
    b = view.to_point(30.2, 3.0).toPoint()
    n = window.undo.count()
    QTest.mousePress(view, Qt.LeftButton, Qt.NoModifier, a)
    for i in range(1, 7):
        p = a + (b - a) * (i / 6)
        QTest.mouseMove(view, QPoint(int(p.x()), int(p.y())))
    QTest.mouseRelease(view, Qt.LeftButton, Qt.NoModifier, b)
    after = _brushes(window)
    keys = after[0]["horizontal"]["keys"]
    assert keys[1]["frame"] == 30 and keys[1]["value"] == pytest.approx(3.0, abs=0.15)
    assert window.undo.count() == n + 1                             # the whole drag: one step
    assert view.selected == (H, 1)
    rest = copy.deepcopy(after)
    rest[0]["horizontal"] = before[0]["horizontal"]
    assert rest == before                                           # nothing else changed
    brushes_from_json(after)                                        # still valid for the engine
    window.undo.undo()
    assert _brushes(window) == before


def test_interpolation_add_and_delete_a_brush_key_are_undoable(window, qtbot):
    ce = _select(window, qtbot)
    before = copy.deepcopy(_brushes(window))
    n = window.undo.count()
    ce.set_interp(H, 0, "hold")
    assert value_at(_brushes(window)[0]["horizontal"], 23) == 0.0
    ce.add_key(H, 12)
    assert [k["frame"] for k in _brushes(window)[0]["horizontal"]["keys"]] == [0, 12, 24]
    assert ce.view.selected == (H, 1)
    ce.value_spin.setValue(20.0)                                    # clamped to the brush range
    assert _brushes(window)[0]["horizontal"]["keys"][1]["value"] == 10.0
    ce.delete_selected()
    assert [k["frame"] for k in _brushes(window)[0]["horizontal"]["keys"]] == [0, 24]
    assert window.undo.count() == n + 4
    for _ in range(4):
        window.undo.undo()
    assert _brushes(window) == before
    # ticking a plain brush value keys it at the current frame
    window.go_to_frame(5)
    titles = _titles(ce)
    ce.params.item(titles.index("Water · ambient")).setCheckState(Qt.Checked)
    qtbot.waitUntil(lambda: is_animated(_brushes(window)[1]["ambient"]), timeout=2000)
    assert _brushes(window)[1]["ambient"]["keys"] == [{"frame": 5, "value": 2.0, "interp": "linear"}]
    assert "brushes/1/ambient" in ce.shown()


def test_other_nodes_keep_their_param_curves(window, qtbot):
    window.graph.add("CameraMove", node_id="CameraMove1", pos=(0, 0))
    window.scene.rebuild()
    window.scene.select_nodes(["CameraMove1"])
    ce = window.curve_editor
    names = [ce.params.item(i).data(Qt.UserRole) for i in range(ce.params.count())]
    assert "pan" in names and not any(n.startswith("brushes/") for n in names)


def test_k_in_the_brush_editor_keys_the_last_touched_slider(window, qtbot):
    g = window.graph
    g.add("Gradient", node_id="Src1", pos=(0, 0), width=320, height=200)
    g.add("MotionBrush", node_id="MotionBrush1", pos=(260, 0), brushes=copy.deepcopy(BRUSHES))
    g.connect("Src1", "image", "MotionBrush1", "image")
    window.scene.rebuild()
    ed = window.open_brush_editor("MotionBrush1")
    qtbot.wait(20)
    ed.select_brush(1)
    assert ed.key_target() == "horizontal"                           # the default
    window.go_to_frame(8)
    n = window.undo.count()
    assert trigger_shortcut(ed, Qt.Key_K)
    assert _brushes(window)[1]["horizontal"] == {"keys": [{"frame": 8, "value": 0.0, "interp": "linear"}]}
    assert window.undo.count() == n + 1
    ed.value_editors["ambient"].number.spin.setValue(3.0)           # touch the ambient slider
    assert ed.key_target() == "ambient"
    window.go_to_frame(16)
    assert trigger_shortcut(ed, Qt.Key_K)
    amb = _brushes(window)[1]["ambient"]
    assert amb == {"keys": [{"frame": 16, "value": 3.0, "interp": "linear"}]}
    assert ed.value_editors["ambient"].state() == "key"
    assert trigger_shortcut(ed, Qt.Key_K)                                   # again: removes the key (as ◆)
    assert _brushes(window)[1]["ambient"] == 3.0
    window.undo.undo()
    assert is_animated(_brushes(window)[1]["ambient"])
    window.undo.undo()
    assert _brushes(window)[1]["ambient"] == 3.0 and ed.value_editors["ambient"].state() == "none"
    ed.value_editors["vertical"].key_button.setFocus()                # focus wins over last touched
    if ed.isActiveWindow():
        assert ed.key_target() == "vertical"
