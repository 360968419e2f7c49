"""Animatable params: keyframe buttons in the inspector, K, the curve editor (drag a key, drag
a Bezier handle, change interpolation), the camera overlay -- every edit one undo step, values
read back with studio.graph.animation (what the engine evaluates)."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from studio.graph.animation import is_animated, value_at


def _camera(window, qtbot):
    window.graph.add("CameraMove", node_id="CameraMove1", pos=(0, 0))
    window.scene.rebuild()
    window.scene.select_nodes(["CameraMove1"])
    return window.inspector.editors["pan"]


def _pan(window):
    return window.graph.nodes["CameraMove1"].params["pan"]


def _key_two_frames(window, qtbot):
    ed = _camera(window, qtbot)
    window.go_to_frame(0)
    ed.key_button.click()                              # a key at frame 0 with the value there (0)
    window.go_to_frame(24)
    assert window.inspector.frame == 24 and window.viewer.index == 24
    ed.number.spin.setValue(4.0)                       # animated: editing sets a key at frame 24
    return ed


def test_keying_a_param_at_two_frames_interpolates_between_them_and_undo_unkeys(window, qtbot):
    ed = _key_two_frames(window, qtbot)
    pan = _pan(window)
    assert [(k["frame"], k["value"]) for k in pan["keys"]] == [(0, 0), (24, 4)]
    assert [value_at(pan, f) for f in (0, 6, 12, 24, 40)] == pytest.approx([0, 1, 2, 4, 4])
    assert window.undo.count() == 2 and ed.state() == "key"
    window.go_to_frame(12)
    assert ed.number.spin.value() == pytest.approx(2.0) and ed.state() == "curve"   # the value here
    ed.prev_button.click()
    assert window.current_frame == 0
    ed.next_button.click()
    assert window.current_frame == 24
    ed.key_button.click()                               # a key here: the button removes it
    assert [k["frame"] for k in _pan(window)["keys"]] == [0]
    window.undo.undo()
    window.undo.undo()
    assert [k["frame"] for k in _pan(window)["keys"]] == [0]
    window.undo.undo()
    assert _pan(window) == 0.0 and ed.state() == "none"
    window.undo.redo()
    window.undo.redo()
    assert value_at(_pan(window), 12) == pytest.approx(2.0)


def test_k_keys_the_nodes_animatable_params_in_one_step(window, qtbot):
    _camera(window, qtbot)
    window.go_to_frame(10)
    assert window.inspector.key_shortcut.key().toString() == "K"
    window.inspector.key_shortcut.activated.emit()
    params = window.graph.nodes["CameraMove1"].params
    axes = ("pan", "tilt", "zoom", "roll", "truck", "pedestal", "dolly")
    assert all(is_animated(params[a]) and params[a]["keys"][0]["frame"] == 10 for a in axes)
    assert window.undo.count() == 1
    window.undo.undo()
    assert all(params[a] == 0.0 for a in axes)
    window.inspector.editors["zoom"].number.spin.setValue(2.0)    # last used: K keys just that one
    window.inspector.key_shortcut.activated.emit()
    assert is_animated(params["zoom"]) and not is_animated(params["pan"])


def _key_pos(view, name, index):
    from studio.ui.editors import curvedata as cd
    k = cd.keys_of(view.editor.value(name))[index]
    return view.to_point(float(k["frame"]), float(k["value"])).toPoint()


def test_dragging_a_key_in_the_curve_editor_changes_the_values_in_one_undo_step(window, qtbot):
    _key_two_frames(window, qtbot)
    window.curves_dock.show()
    ce = window.curve_editor
    assert ce.node_id == "CameraMove1" and ce.shown() == ["pan"]
    view = ce.view
    qtbot.wait(20)
    view.fit()
    a = _key_pos(view, "pan", 1)
    b = view.to_point(36.2, 6.0).toPoint()
    QTest.mousePress(view, Qt.LeftButton, Qt.NoModifier, a)
    for i in range(1, 7):
        p = a + (b - a) * (i / 6)
        QTest.mouseMove(view, QPoint(int(p.x()), int(p.y())))
    QTest.mouseRelease(view, Qt.LeftButton, Qt.NoModifier, b)
    keys = _pan(window)["keys"]
    assert keys[1]["frame"] == 36                                   # snapped to a whole frame
    assert keys[1]["value"] == pytest.approx(6.0, abs=0.1)
    assert value_at(_pan(window), 18) == pytest.approx(keys[1]["value"] / 2, abs=1e-6)
    assert window.undo.count() == 3                                 # the whole drag: one step
    assert ce.frame_spin.value() == 36 and view.selected == ("pan", 1)
    ce.value_spin.setValue(5.0)                                     # precise entry of the selected key
    assert _pan(window)["keys"][1]["value"] == 5.0
    window.undo.undo()
    window.undo.undo()
    assert [(k["frame"], k["value"]) for k in _pan(window)["keys"]] == [(0, 0), (24, 4)]


def test_bezier_interpolation_and_dragging_its_handle(window, qtbot):
    _key_two_frames(window, qtbot)
    window.curves_dock.show()
    ce = window.curve_editor
    view = ce.view
    qtbot.wait(20)
    ce.set_interp("pan", 0, "hold")
    assert value_at(_pan(window), 23) == 0.0
    ce.set_interp("pan", 0, "bezier")
    pan = _pan(window)
    assert pan["keys"][0]["out"] == [8, 0] and pan["keys"][1]["in"] == [-8, 0]
    view.fit()
    from studio.ui.editors import curvedata as cd
    _, _, hf, hv = next(h for h in cd.handles(pan) if h[1] == "out")
    a = view.to_point(hf, hv).toPoint()
    b = view.to_point(8, 4).toPoint()                               # pull the out handle up
    before = value_at(pan, 6)
    QTest.mousePress(view, Qt.LeftButton, Qt.NoModifier, a)
    QTest.mouseMove(view, a + (b - a) / 2)
    QTest.mouseMove(view, b)
    QTest.mouseRelease(view, Qt.LeftButton, Qt.NoModifier, b)
    pan = _pan(window)
    assert pan["keys"][0]["out"][1] == pytest.approx(4.0, abs=0.15)
    assert value_at(pan, 6) > before + 0.5                          # the curve rises sooner
    n = window.undo.count()
    window.undo.undo()
    assert "out" in _pan(window)["keys"][0] and _pan(window)["keys"][0]["out"] == [8, 0]
    assert window.undo.count() == n


def test_double_click_adds_a_key_and_delete_removes_it(window, qtbot):
    _key_two_frames(window, qtbot)
    ce = window.curve_editor
    view = ce.view
    qtbot.wait(20)
    view.fit()
    pos = view.to_point(12, value_at(_pan(window), 12)).toPoint()
    QTest.mouseDClick(view, Qt.LeftButton, Qt.NoModifier, pos)
    assert [k["frame"] for k in _pan(window)["keys"]] == [0, 12, 24]
    assert view.selected == ("pan", 1)
    ce.delete_selected()
    assert [k["frame"] for k in _pan(window)["keys"]] == [0, 24]


def test_viewing_a_camera_move_shows_the_engines_camera_over_the_clip(window, qtbot):
    from studio.motion.fields import camera_homography
    from studio.motion.spec import CameraSpec
    _camera(window, qtbot)
    window.inspector.editors["pan"].number.spin.setValue(5.0)
    overlay = window.viewer.overlay
    assert overlay is not None and window.viewer.frame_count() == 96 and window.viewer.slider.isVisible()
    size = overlay.size
    expect = camera_homography(CameraSpec(pan=5.0), size, 95, 96)
    assert np.allclose(overlay.homography(95), expect)
    q0, q1 = overlay.quad(0), overlay.quad(95)
    assert np.allclose(q0, [[0, 0], [size[0], 0], [size[0], size[1]], [0, size[1]]], atol=1e-6)
    assert q1[:, 0].mean() > size[0] / 2 + 10                      # panning right looks right
    panel = window.inspector.panel
    assert panel is not None and panel.overlay is not None         # the compact panel in the inspector
    window.viewer.set_frame(50)
    assert window.viewer.canvas.frame == 50 and window.current_frame == 50
